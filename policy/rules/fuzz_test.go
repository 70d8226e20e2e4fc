package rules_test

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/policy/rules"
)

// catalogueTypes are the types the rules inspect, in the registry and in
// API-version spellings.
func catalogueTypes() []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range rules.NewRegistry().Rules() {
		for _, t := range r.Types {
			if !seen[t] {
				seen[t] = true
				i := strings.LastIndexByte(t, ':')
				out = append(out, t, t[:i]+"/v20240101"+t[i:])
			}
		}
	}
	return append(out, "azure-native:web:StaticSite", "random:index:RandomString")
}

// garbage builds a random value of any shape, special objects included.
func garbage(r *rand.Rand, depth int) any {
	keys := []string{"properties", "securityRules", "subnets", "networkSecurityGroup", "id", "access", "direction",
		"protocol", "sourceAddressPrefix", "sourceAddressPrefixes", "destinationPortRange", "destinationPortRanges",
		"priority", "publicNetworkAccess", "networkAcls", "defaultAction", "sku", "name", "tags", "configuration",
		"secrets", "registries", "ingress", "allowInsecure", "scope", "roleDefinitionId", "resourceUri", "logs",
		"enabled", "privateLinkServiceConnections", "privateLinkServiceId", "groupIds", "remoteVirtualNetwork",
		"addressSpace", "addressPrefixes", "addressPrefix", "vnetConfiguration", "infrastructureSubnetId", "value",
		"passwords", "enableRbacAuthorization", "minimumTlsVersion", "virtualNetworkPeerings", "workspaceId"}
	switch n := r.IntN(12); {
	case depth > 4 || n == 0:
		return nil
	case n == 1:
		return r.IntN(2) == 0
	case n == 2:
		return float64(r.IntN(70000)) - 5
	case n == 3:
		return []string{"*", "Internet", "22", "0-65535", "Allow", "Inbound", "Deny", "", "10.0.0.0/8", "x/y", "/subscriptions/s"}[r.IntN(11)]
	case n == 4:
		return rules.UnknownString
	case n == 5:
		return rules.Unknown{}
	case n == 6:
		return map[string]any{rules.SigKey: rules.SecretSig, "plaintext": []string{`"x"`, `{`, `true`, `[1]`}[r.IntN(4)]}
	case n == 7:
		return map[string]any{rules.SigKey: []string{rules.SecretSig, rules.OutputValueSig, rules.ResourceReferenceSig, "zz"}[r.IntN(4)], "value": garbage(r, depth+1)}
	case n <= 9:
		l := make([]any, r.IntN(4))
		for i := range l {
			l[i] = garbage(r, depth+1)
		}
		return l
	default:
		m := map[string]any{}
		for range r.IntN(6) {
			m[keys[r.IntN(len(keys))]] = garbage(r, depth+1)
		}
		return m
	}
}

// TestGarbagePropertiesNeverPanic runs the whole catalogue over random
// property shapes: no rule may panic (it would surface as an internal error).
func TestGarbagePropertiesNeverPanic(t *testing.T) {
	reg := rules.NewRegistry()
	types := catalogueTypes()
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		st := rules.Stack{Name: []string{"dev", "staging", "prod", "x"}[round%4]}
		for i := range 20 {
			props, _ := garbage(r, 0).(map[string]any)
			st.Resources = append(st.Resources, rules.Resource{
				URN: "urn:pulumi:s::p::t::r" + string(rune('a'+i)), Type: types[r.IntN(len(types))], Properties: props,
				Dependencies: []string{"urn:pulumi:s::p::t::ra"},
			})
		}
		assertNoInternalError(t, reg.Evaluate(st, rules.Config{}))
	}
}

// FuzzEvaluate feeds arbitrary JSON as the properties of every catalogue
// type. Run longer with go test ./policy/rules -fuzz FuzzEvaluate.
func FuzzEvaluate(f *testing.F) {
	for _, seed := range []string{
		`{}`, `null`, `[]`, `{"securityRules": [{"access": "Allow", "direction": "Inbound", "sourceAddressPrefix": "*", "destinationPortRange": "22"}]}`,
		`{"securityRules": "x"}`, `{"subnets": [null, 1, {"networkSecurityGroup": []}]}`,
		`{"properties": {"networkAcls": {"defaultAction": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}}}}`,
		`{"configuration": {"secrets": [{"value": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}], "registries": {"a": 1}}}`,
		`{"tags": ["a"], "scope": 5, "roleDefinitionId": {"x": 1}}`,
	} {
		f.Add([]byte(seed))
	}
	reg := rules.NewRegistry()
	types := catalogueTypes()
	f.Fuzz(func(t *testing.T, data []byte) {
		var v any
		if json.Unmarshal(data, &v) != nil {
			return
		}
		props, _ := v.(map[string]any)
		st := rules.Stack{Name: "prod"}
		for i, typ := range types {
			st.Resources = append(st.Resources, rules.Resource{URN: "urn:pulumi:prod::p::t::r" + string(rune('a'+i%26)), Type: typ, Properties: props})
		}
		assertNoInternalError(t, reg.Evaluate(st, rules.Config{}))
	})
}

func assertNoInternalError(t *testing.T, rep rules.Report) {
	t.Helper()
	for _, u := range rep.Undecidable {
		require.NotContains(t, u.Message, "internal error", "%s panicked: %s", u.Rule, u.Message)
	}
}
