package azurenative

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"sort"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sdkResource is what testdata/sdk-properties.json records of one resource
// of the published SDK source.
type sdkResource struct {
	Source  string            `json:"source"`
	Inputs  map[string]string `json:"inputs"` // property -> string, bool, int, object, array, map
	Outputs []string          `json:"outputs"`
}

func loadSDK(t *testing.T) map[string]sdkResource {
	t.Helper()
	b, err := os.ReadFile("testdata/sdk-properties.json")
	require.NoError(t, err)
	var raw map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(b, &raw))
	out := map[string]sdkResource{}
	for token, v := range raw {
		if token == "_comment" {
			continue
		}
		var r sdkResource
		require.NoError(t, json.Unmarshal(v, &r), token)
		out[token] = r
	}
	return out
}

// kind is the SDK input kind a value of ours stands for.
func kind(v pulumi.Input) string {
	switch v.(type) {
	case pulumi.String, pulumi.StringInput:
		return "string"
	case pulumi.Bool:
		return "bool"
	case pulumi.Int:
		return "int"
	case pulumi.Map:
		return "object"
	case pulumi.StringMap:
		return "map"
	case pulumi.Array:
		return "array"
	}
	return fmt.Sprintf("%T", v)
}

// checkInputs compares the properties a binding sends with the SDK's.
func checkInputs(token string, props pulumi.Map, sdk sdkResource) []string {
	var problems []string
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		want, ok := sdk.Inputs[k]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("%s: input %q is not a property of the SDK's resource (%s)", token, k, sdk.Source))
		case kind(props[k]) != want:
			problems = append(problems, fmt.Sprintf("%s: input %q is a %s, the SDK's is a %s", token, k, kind(props[k]), want))
		}
	}
	return problems
}

// checkOutputs compares a binding's resource struct tags with the SDK's
// output properties.
func checkOutputs(token string, res any, sdk sdkResource) []string {
	outs := map[string]bool{}
	for _, o := range sdk.Outputs {
		outs[o] = true
	}
	var problems []string
	rt := reflect.TypeOf(res).Elem()
	for i := 0; i < rt.NumField(); i++ {
		tag := rt.Field(i).Tag.Get("pulumi")
		if tag != "" && !outs[tag] {
			problems = append(problems, fmt.Sprintf("%s: output %q (%s) is not a property of the SDK's resource", token, tag, rt.Field(i).Name))
		}
	}
	return problems
}

// everything sets every field, so every optional property is sent.
var (
	namespace = ServiceBusNamespaceArgs{
		NamespaceName: "sb", ResourceGroupName: pulumi.String("rg"), Location: "westeurope",
		Sku: ServiceBusSku{Name: "Premium", Capacity: 1}, DisableLocalAuth: true, MinimumTLSVersion: "1.2",
		PublicNetworkAccess: "Disabled", ZoneRedundant: true, Tags: map[string]string{"a": "b"},
	}
	identity = UserAssignedIdentityArgs{ResourceName: "id", ResourceGroupName: pulumi.String("rg"), Location: "westeurope", Tags: map[string]string{"a": "b"}}
)

func TestHandBindingsConformToSDK(t *testing.T) {
	sdk := loadSDK(t)
	for _, tc := range []struct {
		token string
		props pulumi.Map // nil: outputs only
		res   any
	}{
		{ServiceBusNamespaceType, namespace.props(), &ServiceBusNamespace{}},
		{UserAssignedIdentityType, identity.props(), &UserAssignedIdentity{}},
		{LoadTestType, nil, &LoadTest{}},
	} {
		t.Run(tc.token, func(t *testing.T) {
			r, ok := sdk[tc.token]
			require.True(t, ok, "no recorded SDK properties for %s", tc.token)
			assert.Empty(t, checkInputs(tc.token, tc.props, r))
			assert.Empty(t, checkOutputs(tc.token, tc.res, r))
		})
	}
	// The SKU is an object whose properties the namespace sends too.
	assert.ElementsMatch(t, []string{"name", "tier", "capacity"}, keys(namespace.props()["sku"].(pulumi.Map)))
}

func TestHandBindingConformanceCatchesMismatches(t *testing.T) {
	sdk := loadSDK(t)
	ns := sdk[ServiceBusNamespaceType]

	wrongName := namespace.props()
	wrongName["disableLocalAuthentication"] = wrongName["disableLocalAuth"]
	delete(wrongName, "disableLocalAuth")
	assert.Contains(t, fmt.Sprint(checkInputs(ServiceBusNamespaceType, wrongName, ns)), `input "disableLocalAuthentication" is not a property`)

	wrongType := namespace.props()
	wrongType["zoneRedundant"] = pulumi.String("true")
	assert.Contains(t, fmt.Sprint(checkInputs(ServiceBusNamespaceType, wrongType, ns)), `input "zoneRedundant" is a string, the SDK's is a bool`)

	type badOutputs struct {
		pulumi.CustomResourceState
		Endpoint pulumi.StringOutput `pulumi:"endpoint"`
	}
	assert.Contains(t, fmt.Sprint(checkOutputs(ServiceBusNamespaceType, &badOutputs{}, ns)), `output "endpoint" (Endpoint) is not a property`)
}

func keys(m pulumi.Map) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
