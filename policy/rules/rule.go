package rules

import (
	"fmt"
	"slices"
)

// Enforcement is a rule's enforcement level, spelled as Pulumi spells it.
type Enforcement string

// Enforcement levels. Pulumi's "remediate" does not apply: these rules
// report, they do not rewrite inputs.
const (
	Mandatory Enforcement = "mandatory"
	Advisory  Enforcement = "advisory"
	Disabled  Enforcement = "disabled"
)

// ParseEnforcement validates an enforcement level from configuration.
func ParseEnforcement(s string) (Enforcement, error) {
	switch e := Enforcement(s); e {
	case Mandatory, Advisory, Disabled:
		return e, nil
	}
	return "", fmt.Errorf("%q is not an enforcement level (want mandatory, advisory or disabled)", s)
}

// Scope says whether a rule looks at one resource at a time or at the
// whole stack (when it links several resources).
type Scope string

// Rule scopes.
const (
	PerResource Scope = "resource"
	PerStack    Scope = "stack"
)

// Finding is what a check reports about one resource.
type Finding struct {
	URN     string `json:"urn,omitempty"`
	Type    string `json:"type,omitempty"`
	Message string `json:"message"`
	// Undecidable findings are not violations: a value the rule needs is
	// unknown (preview) or an undisclosed secret.
	Undecidable bool `json:"undecidable,omitempty"`
}

// Context is what a check knows besides the resources.
type Context struct {
	// Environment is dev, staging, prod, or "" when it cannot be told.
	Environment string
	// Options are the rule's options from policy configuration.
	Options Options
}

// Rule is one guard rail of the catalogue.
type Rule struct {
	// Name is stable and kebab-case; it is the Pulumi policy name, the
	// SARIF rule id and the key in policy configuration.
	Name        string
	Category    string
	Description string
	Remediation string
	// Enforcement is the level when configuration does not override it.
	Enforcement Enforcement
	// Environments the rule applies to; empty means all. A stack whose
	// environment cannot be told gets every rule (fail closed).
	Environments []string
	// Checkov and Trivy list the equivalent checks' ids, where one exists;
	// AzurePolicy lists the equivalent Azure Policy built-in definitions by
	// GUID (the last segment of
	// /providers/Microsoft.Authorization/policyDefinitions/<guid>).
	Checkov     []string
	Trivy       []string
	AzurePolicy []string
	// Types are the canonical type tokens a per-resource rule inspects;
	// empty means every resource. For a stack rule they document what it
	// reads.
	Types []string
	Scope Scope
	// Options are the rule-specific configuration keys.
	Options []Option

	checkResource func(ctx Context, r *Resource, s *view) []Finding
	checkStack    func(ctx Context, s *view) []Finding
}

// AppliesTo reports whether the rule runs in an environment.
func (r Rule) AppliesTo(env string) bool {
	return env == "" || len(r.Environments) == 0 || slices.Contains(r.Environments, env)
}

// MatchesType reports whether a per-resource rule inspects a type token,
// whatever API-version module registered it.
func (r Rule) MatchesType(t string) bool {
	return len(r.Types) == 0 || slices.Contains(r.Types, CanonicalType(t))
}

// CheckResource runs a per-resource rule on one resource, the way the
// policy pack's resource policies do. It returns nil for stack rules and
// for types the rule does not inspect.
func (r Rule) CheckResource(ctx Context, res Resource) (findings []Finding) {
	if r.checkResource == nil || !r.MatchesType(res.Type) {
		return nil
	}
	defer recoverInto(&findings, &res)
	return r.checkResource(ctx, &res, newView(nil))
}

// CheckStack runs a rule over a whole stack: a stack rule once, a
// per-resource rule on every resource it inspects.
func (r Rule) CheckStack(ctx Context, resources []Resource) []Finding {
	return r.run(ctx, newView(resources))
}

func (r Rule) run(ctx Context, s *view) (findings []Finding) {
	if r.checkStack != nil {
		defer recoverInto(&findings, nil)
		return r.checkStack(ctx, s)
	}
	for i := range s.resources {
		res := &s.resources[i]
		if !r.MatchesType(res.Type) {
			continue
		}
		findings = append(findings, r.checkOne(ctx, res, s)...)
	}
	return findings
}

func (r Rule) checkOne(ctx Context, res *Resource, s *view) (findings []Finding) {
	defer recoverInto(&findings, res)
	return r.checkResource(ctx, res, s)
}

// recoverInto turns a panic in a check into an undecidable finding: a bug
// in one rule must not take the whole pack or audit down. Tests assert
// that no check ever gets here.
func recoverInto(findings *[]Finding, r *Resource) {
	if p := recover(); p != nil {
		f := Finding{Message: fmt.Sprintf("internal error in rule: %v", p), Undecidable: true}
		if r != nil {
			f.URN, f.Type = r.URN, r.Type
		}
		*findings = append(*findings, f)
	}
}

// violation reports a resource at fault.
func violation(r *Resource, format string, args ...any) Finding {
	return Finding{URN: r.URN, Type: r.Type, Message: fmt.Sprintf(format, args...)}
}

// undecidable reports that a rule cannot decide yet, and why.
func undecidable(r *Resource, why string) Finding {
	return Finding{URN: r.URN, Type: r.Type, Message: "cannot decide yet: " + why, Undecidable: true}
}

// tri is a three-valued truth for properties that may be unknown at
// preview: yes, no, or not yet known (with the reason).
type tri struct {
	state int8 // 1 yes, 0 no, -1 unknown
	why   string
}

var (
	yes = tri{state: 1}
	no  = tri{state: 0}
)

func maybe(why string) tri { return tri{state: -1, why: why} }

func triOf(b bool) tri {
	if b {
		return yes
	}
	return no
}

// and is false if any is false, else unknown if any is unknown, else true.
func and(ts ...tri) tri {
	out := yes
	for _, t := range ts {
		switch t.state {
		case 0:
			return no
		case -1:
			if out.state == 1 {
				out = t
			}
		}
	}
	return out
}

// or is true if any is true, else unknown if any is unknown, else false.
func or(ts ...tri) tri {
	out := no
	for _, t := range ts {
		switch t.state {
		case 1:
			return yes
		case -1:
			if out.state == 0 {
				out = t
			}
		}
	}
	return out
}
