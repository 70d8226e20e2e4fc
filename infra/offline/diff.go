package offline

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Op is what an update does to a resource, as `pulumi preview` says it.
type Op string

// The operations of a diff.
const (
	OpCreate  Op = "create"
	OpUpdate  Op = "update"
	OpReplace Op = "replace"
	OpDelete  Op = "delete"
	OpSame    Op = "same"
	OpRead    Op = "read"
	// OpMaybeUpdate is a resource whose inputs are the same except, maybe,
	// a secret the offline engine cannot compare: a real stack export's
	// ciphertext, or a value not known offline. Its Keys are those inputs.
	// `pulumi preview`, which decrypts, says update or same.
	OpMaybeUpdate Op = "update?"
)

// Change is what the update does to one resource.
type Change struct {
	URN  string
	Type string
	Op   Op
	// Keys are the top-level inputs that differ from the prior state.
	Keys []string
	// ReplaceKeys are the Keys that force a replacement.
	ReplaceKeys []string
}

// Problem is a change Azure (or the Pulumi engine) would refuse, in the
// shape of an ARM error.
type Problem struct {
	// Code is ARM-like: AuthorizationFailed, ScopeLocked, ...
	Code    string
	URN     string
	Type    string
	Name    string // the Azure name, when known
	Op      Op     // the operation refused, when it is about one
	Message string
	// Property is the input the problem is about ("" for the whole resource).
	Property string
	// Rule is the id of the model rule, Source its documentation.
	Rule   string
	Source string
}

// String is the one line an error report prints.
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.Code)
	b.WriteString(": ")
	b.WriteString(p.URN)
	if p.Name != "" {
		fmt.Fprintf(&b, " (%s)", p.Name)
	}
	if p.Property != "" {
		fmt.Fprintf(&b, " %s", p.Property)
	}
	b.WriteString(": ")
	b.WriteString(p.Message)
	if p.Rule != "" {
		fmt.Fprintf(&b, " [rule %s", p.Rule)
		if p.Source != "" {
			fmt.Fprintf(&b, "; %s", p.Source)
		}
		b.WriteString("]")
	}
	return b.String()
}

// RuleProtect is the rule id of the engine's protect check.
const RuleProtect = "pulumi.protect"

// protectSource documents the protect resource option.
const protectSource = "https://www.pulumi.com/docs/iac/concepts/options/protect/"

// ReplaceKeys returns the inputs of a type whose change replaces the
// resource: azure-native replaces a resource when a property of its ARM
// path (the names of it and its parents, the resource group, the scope of
// an extension resource) or its location changes
// (https://github.com/pulumi/pulumi-azure-native/issues/77,
// https://github.com/pulumi/pulumi-azure-native/pull/2283), plus the
// provider's per-type overrides the model adds (extra).
func ReplaceKeys(token string, extra []string) []string {
	token = canonicalToken(token)
	var keys []string
	if token == "azure-native:resources:ResourceGroup" {
		keys = []string{"resourceGroupName", "location"}
	} else if spec, ok := armSpecs[token]; ok {
		for _, n := range spec.names {
			if !strings.HasPrefix(n, "=") {
				keys = append(keys, n)
			}
		}
		switch {
		case spec.scope != "":
			keys = append(keys, spec.scope)
		case !spec.subscription:
			keys = append(keys, "resourceGroupName")
		}
		if spec.location != noLocation {
			keys = append(keys, "location")
		}
	}
	keys = append(keys, extra...)
	sort.Strings(keys)
	return compactStrings(keys)
}

func compactStrings(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// diffInputs returns the top-level input keys whose values differ, and
// those that may differ only in a secret the engine cannot compare
// offline (see secrethash.go).
func diffInputs(prior, desired resource.PropertyMap, h *secretHasher) (changed, unknown []string) {
	keys := map[resource.PropertyKey]bool{}
	for k := range prior {
		keys[k] = true
	}
	for k := range desired {
		keys[k] = true
	}
	for k := range keys {
		if strings.HasPrefix(string(k), "__") {
			continue // engine bookkeeping such as __defaults
		}
		switch c, u := h.compareValues(prior[k], desired[k]); {
		case c:
			changed = append(changed, string(k))
		case u:
			unknown = append(unknown, string(k))
		}
	}
	sort.Strings(changed)
	sort.Strings(unknown)
	return changed, unknown
}

// comparable turns a value into plain JSON for comparison; a missing
// value, null and an empty object or array are alike, as the provider
// treats them. Every secret is alike: secrethash.go compares them.
func comparable(v resource.PropertyValue) any {
	switch {
	case v.IsSecret():
		return "<secret>"
	case v.IsOutput():
		o := v.OutputValue()
		if o.Secret {
			return "<secret>"
		}
		if !o.Known {
			return UnknownValue
		}
		return comparable(o.Element)
	case v.IsComputed():
		return UnknownValue
	case v.IsArray():
		if len(v.ArrayValue()) == 0 {
			return nil
		}
		arr := make([]any, len(v.ArrayValue()))
		for i, e := range v.ArrayValue() {
			arr[i] = comparable(e)
		}
		return arr
	case v.IsObject():
		obj := map[string]any{}
		for k, e := range v.ObjectValue() {
			if c := comparable(e); c != nil {
				obj[string(k)] = c
			}
		}
		if len(obj) == 0 {
			return nil
		}
		return obj
	case v.IsResourceReference():
		return string(v.ResourceReferenceValue().URN)
	default:
		return ValueJSON(v)
	}
}

// classify returns the operation on a resource that exists in the prior
// state, from its changed keys and the keys that force a replacement.
func classify(changed, replaceOn []string) (Op, []string) {
	if len(changed) == 0 {
		return OpSame, nil
	}
	var forcing []string
	for _, k := range changed {
		i := sort.SearchStrings(replaceOn, k)
		if i < len(replaceOn) && replaceOn[i] == k {
			forcing = append(forcing, k)
		}
	}
	if len(forcing) > 0 {
		return OpReplace, forcing
	}
	return OpUpdate, nil
}

// computeDiff compares the plan with the prior state: the plan's resources
// in order, then the prior resources the plan no longer has, in reverse
// order (dependents first, as Pulumi deletes them).
func computeDiff(p *Plan, prior *State, forceNew func(token string) []string) []Change {
	changes := make([]Change, 0, len(p.Resources))
	seen := make(map[string]bool, len(p.Resources))
	for _, r := range p.Resources {
		seen[r.URN] = true
		if pr, ok := prior.Of(r); ok {
			seen[pr.URN] = true // an alias: the prior resource is updated, not deleted
		}
		changes = append(changes, changeOf(r, prior, forceNew, p.secrets))
	}
	if prior != nil {
		for i := len(prior.Resources) - 1; i >= 0; i-- {
			pr := prior.Resources[i]
			if seen[pr.URN] || pr.External {
				continue
			}
			changes = append(changes, Change{URN: pr.URN, Type: pr.Type, Op: OpDelete})
		}
	}
	return changes
}

func changeOf(r Resource, prior *State, forceNew func(token string) []string, h *secretHasher) Change {
	c := Change{URN: r.URN, Type: r.Type}
	pr, ok := prior.Of(r)
	switch {
	case r.Read:
		c.Op = OpRead
	case !ok:
		c.Op = OpCreate
	case pr.Type != r.Type:
		c.Op, c.Keys, c.ReplaceKeys = OpReplace, []string{"type"}, []string{"type"}
	case !r.Custom:
		c.Op = OpSame // components have no provider to diff them
	default:
		var unknown []string
		c.Keys, unknown = diffInputs(pr.Inputs, r.Inputs, h)
		c.Op, c.ReplaceKeys = classify(c.Keys, replaceKeysOf(r.Type, forceNew))
		if c.Op == OpSame && len(unknown) > 0 {
			c.Op, c.Keys = OpMaybeUpdate, unknown
		}
	}
	return c
}

func replaceKeysOf(token string, forceNew func(token string) []string) []string {
	var extra []string
	if forceNew != nil {
		extra = forceNew(canonicalToken(token))
	}
	return ReplaceKeys(token, extra)
}

// protectProblems are the replacements and deletions of protected
// resources: the Pulumi engine refuses them before it changes anything.
func protectProblems(p *Plan, prior *State, changes []Change) []Problem {
	var out []Problem
	for _, c := range changes {
		if c.Op != OpReplace && c.Op != OpDelete {
			continue
		}
		pr, ok := prior.ByURN(c.URN)
		if !ok || !pr.Protect {
			continue
		}
		msg := "the resource is protected: it cannot be deleted"
		if c.Op == OpReplace {
			msg = fmt.Sprintf("the resource is protected: changing %s would replace it", strings.Join(c.ReplaceKeys, ", "))
		}
		name, _ := stringAt(pr.Outputs, "name")
		out = append(out, Problem{
			Code: "ResourceProtected", URN: c.URN, Type: c.Type, Name: name, Op: c.Op,
			Message:  msg + " (remove `protect` in a separate update first)",
			Property: strings.Join(c.ReplaceKeys, ","),
			Rule:     RuleProtect, Source: protectSource,
		})
	}
	return out
}
