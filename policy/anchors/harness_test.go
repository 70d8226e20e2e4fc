package anchors_test

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/misybot/platform/policy/rules"
)

// res is one resource of a probe stack as its author writes it: the type
// token exactly as registered (canonical or API-versioned), the Pulumi
// logical name (also the Azure name its ID ends with) and its inputs.
// Inputs may hold ref values (another resource's ID) and secret values.
type res struct {
	typ    string
	name   string
	inputs map[string]any
}

// ref stands for the ID of another resource of the same stack: resolved in
// an export, unknown in a preview of a new stack (with the dependency
// recorded, as the engine records it).
type ref string

// secret is a value the program passes as a Pulumi secret.
type secret struct{ v any }

// probe is one check of an anchor catalogue: a stack that violates it and
// its compliant twin, the same stack with the one setting fixed.
type probe struct {
	id      string   // unique, kebab-case
	anchors []string // CKV_AZURE_n, CKV2_AZURE_n, AVD-AZU-nnnn, AP:<definition GUID>
	shape   string   // how the resource is written (what the probe exercises)
	bad     []res
	good    []res
}

const (
	sub       = "/subscriptions/00000000-0000-0000-0000-000000000000"
	rg        = sub + "/resourceGroups/rg-probe"
	project   = "probe"
	tenant    = "11111111-1111-1111-1111-111111111111"
	principal = "22222222-2222-2222-2222-222222222222"
	wsID      = rg + "/providers/Microsoft.OperationalInsights/workspaces/log-probe"
)

// armTypes gives the ARM type of the resources whose IDs the probes use.
var armTypes = map[string]string{
	"azure-native:keyvault:Vault":                       "Microsoft.KeyVault/vaults",
	"azure-native:containerregistry:Registry":           "Microsoft.ContainerRegistry/registries",
	"azure-native:storage:StorageAccount":               "Microsoft.Storage/storageAccounts",
	"azure-native:servicebus:Namespace":                 "Microsoft.ServiceBus/namespaces",
	"azure-native:network:NetworkSecurityGroup":         "Microsoft.Network/networkSecurityGroups",
	"azure-native:network:VirtualNetwork":               "Microsoft.Network/virtualNetworks",
	"azure-native:network:PrivateEndpoint":              "Microsoft.Network/privateEndpoints",
	"azure-native:network:NetworkWatcher":               "Microsoft.Network/networkWatchers",
	"azure-native:app:ManagedEnvironment":               "Microsoft.App/managedEnvironments",
	"azure-native:app:ContainerApp":                     "Microsoft.App/containerApps",
	"azure-native:operationalinsights:Workspace":        "Microsoft.OperationalInsights/workspaces",
	"azure-native:insights:Component":                   "Microsoft.Insights/components",
	"azure-native:managedidentity:UserAssignedIdentity": "Microsoft.ManagedIdentity/userAssignedIdentities",
	"azure-native:loadtestservice:LoadTest":             "Microsoft.LoadTestService/loadTests",
}

// untagged are the child and extension types that take no tags.
var untagged = []string{
	"Secret", "Key", "SecurityRule", "Subnet", "BlobServiceProperties", "BlobContainer", "DiagnosticSetting",
	"RoleDefinition", "RoleAssignment", "FederatedIdentityCredential", "NamespaceAuthorizationRule",
	"QueueAuthorizationRule", "TopicAuthorizationRule", "Queue", "Topic", "PrivateDnsZoneGroup", "ScopeMap", "Token",
	"ApplicationFederatedIdentityCredential", "FileServiceProperties", "ManagementPolicy", "EncryptionScope",
}

func canonical(t string) string { return rules.CanonicalType(t) }

func shortName(t string) string { return t[strings.LastIndexByte(t, ':')+1:] }

func idOf(r res) string {
	arm, ok := armTypes[canonical(r.typ)]
	if !ok {
		arm = "Microsoft.Probe/" + strings.ToLower(shortName(r.typ)) + "s"
	}
	return rg + "/providers/" + arm + "/" + r.name
}

func urnOf(stack string, r res) string {
	return "urn:pulumi:" + stack + "::" + project + "::" + r.typ + "::" + r.name
}

// tagsFor are the tags the platform requires, on every taggable resource
// of the probes (the probes are about the anchors' checks, not tags).
func tagsFor(stack string) map[string]any {
	return map[string]any{"environment": stack, "application": "probe", "owner": "team", "cost-center": "cc1", "managed-by": "pulumi"}
}

// materialise resolves refs and secrets for one format and returns the
// inputs and the property dependencies.
func materialise(stack string, byName map[string]res, in map[string]any, preview bool) (map[string]any, map[string][]string) {
	deps := map[string][]string{}
	var conv func(top string, v any) any
	conv = func(top string, v any) any {
		switch x := v.(type) {
		case ref:
			target, ok := byName[string(x)]
			if !ok {
				panic(fmt.Sprintf("ref to %q, which the stack does not hold", x))
			}
			deps[top] = append(deps[top], urnOf(stack, target))
			if preview {
				return rules.UnknownString
			}
			return idOf(target)
		case secret:
			if preview {
				return "[secret]"
			}
			b, _ := json.Marshal(conv(top, x.v))
			return map[string]any{rules.SigKey: rules.SecretSig, "plaintext": string(b)}
		case map[string]any:
			out := make(map[string]any, len(x))
			for k, c := range x {
				t := top
				if t == "" {
					t = k
				}
				out[k] = conv(t, c)
			}
			return out
		case []any:
			out := make([]any, len(x))
			for i, c := range x {
				out[i] = conv(top, c)
			}
			return out
		}
		return v
	}
	out := conv("", in).(map[string]any)
	for k := range deps {
		slices.Sort(deps[k])
		deps[k] = slices.Compact(deps[k])
	}
	return out, deps
}

func stackEntries(stack string, rs []res, preview, bare bool) []map[string]any {
	byName := map[string]res{}
	for _, r := range rs {
		byName[r.name] = r
	}
	stackURN := "urn:pulumi:" + stack + "::" + project + "::pulumi:pulumi:Stack::" + project + "-" + stack
	out := []map[string]any{{"urn": stackURN, "custom": false, "type": "pulumi:pulumi:Stack"}}
	for _, r := range rs {
		in, deps := materialise(stack, byName, r.inputs, preview)
		if !bare && !slices.Contains(untagged, shortName(r.typ)) && strings.HasPrefix(r.typ, "azure-native:") {
			if _, ok := in["tags"]; !ok {
				in["tags"] = tagsFor(stack)
			}
		}
		var all []string
		for _, d := range deps {
			all = append(all, d...)
		}
		sort.Strings(all)
		all = slices.Compact(all)
		st := map[string]any{"urn": urnOf(stack, r), "custom": true, "type": r.typ, "inputs": in, "parent": stackURN,
			"dependencies": all, "propertyDependencies": deps}
		if !preview {
			st["id"] = idOf(r)
			st["outputs"] = maps.Clone(in)
		} else {
			st["outputs"] = map[string]any{}
		}
		out = append(out, st)
	}
	return out
}

// exportDoc is the stack as `pulumi stack export` writes it (deployment v3).
// bare leaves out the tags the platform requires.
func exportDoc(stack string, rs []res, bare bool) map[string]any {
	return map[string]any{"version": 3, "deployment": map[string]any{
		"manifest":  map[string]any{"time": "2026-11-28T00:00:00Z", "magic": "", "version": "v3.274.1"},
		"resources": stackEntries(stack, rs, false, bare),
	}}
}

// previewDoc is the stack as `pulumi preview --json` prints a first update.
func previewDoc(stack string, rs []res, bare bool) map[string]any {
	var steps []any
	for _, st := range stackEntries(stack, rs, true, bare) {
		steps = append(steps, map[string]any{"op": "create", "urn": st["urn"], "provider": "", "newState": st})
	}
	return map[string]any{"config": map[string]any{}, "steps": steps,
		"changeSummary": map[string]any{"create": len(steps)}}
}

// Small builders the probes share.

func obj(kv ...any) map[string]any {
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func list(v ...any) []any { return v }

// clone deep-copies an input map.
func clone(m map[string]any) map[string]any {
	var c func(v any) any
	c = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			out := make(map[string]any, len(x))
			for k, e := range x {
				out[k] = c(e)
			}
			return out
		case []any:
			out := make([]any, len(x))
			for i, e := range x {
				out[i] = c(e)
			}
			return out
		}
		return v
	}
	return c(m).(map[string]any)
}

// with returns a copy of m with path (dot-separated) set to v, or removed
// when v is nil.
func with(m map[string]any, path string, v any) map[string]any {
	out := clone(m)
	keys := strings.Split(path, ".")
	cur := out
	for _, k := range keys[:len(keys)-1] {
		next, ok := cur[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			cur[k] = next
		}
		cur = next
	}
	last := keys[len(keys)-1]
	if v == nil {
		delete(cur, last)
	} else {
		cur[last] = v
	}
	return out
}

// swap returns rs with the resource named name's inputs replaced.
func swap(rs []res, name string, inputs map[string]any) []res {
	out := slices.Clone(rs)
	for i := range out {
		if out[i].name == name {
			out[i].inputs = inputs
			return out
		}
	}
	panic("no resource " + name)
}

// edit returns rs with path set to v on the resource named name.
func edit(rs []res, name, path string, v any) []res {
	for _, r := range rs {
		if r.name == name {
			return swap(rs, name, with(r.inputs, path, v))
		}
	}
	panic("no resource " + name)
}

// without drops the resources named names.
func without(rs []res, names ...string) []res {
	return slices.DeleteFunc(slices.Clone(rs), func(r res) bool { return slices.Contains(names, r.name) })
}

// retype returns rs with the resource named name registered under typ.
func retype(rs []res, name, typ string) []res {
	out := slices.Clone(rs)
	for i := range out {
		if out[i].name == name {
			out[i].typ = typ
		}
	}
	return out
}
