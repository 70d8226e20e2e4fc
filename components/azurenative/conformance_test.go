package azurenative

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sdkResource is what testdata/sdk-properties.json records of one resource
// of the published SDK at provider version 2.90.0.
type sdkResource struct {
	Source string `json:"source"`
	// Inputs maps each input property to its kind: string, bool, int,
	// number (an int or a decimal), object, array or map.
	Inputs map[string]string `json:"inputs"`
	// Objects are the properties of the object-valued inputs the bindings
	// send, by input.
	Objects map[string]map[string]string `json:"objects"`
	// Enums are the allowed values of enum-typed properties, by path
	// ("publicNetworkAccess", "sku.name").
	Enums   map[string][]string `json:"enums"`
	Outputs []string            `json:"outputs"`
}

func loadSDK(t *testing.T) map[string]sdkResource {
	t.Helper()
	b, err := os.ReadFile("testdata/sdk-properties.json")
	require.NoError(t, err)
	var raw map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(b, &raw))
	out := map[string]sdkResource{}
	for token, v := range raw {
		if strings.HasPrefix(token, "_") {
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
	case pulumi.Float64:
		return "number"
	case pulumi.Map:
		return "object"
	case pulumi.StringMap:
		return "map"
	case pulumi.Array, pulumi.StringArray:
		return "array"
	}
	return fmt.Sprintf("%T", v)
}

// compatible reports whether a value of kind got fits the SDK's kind want:
// an int is also a number.
func compatible(got, want string) bool {
	return got == want || (want == "number" && got == "int")
}

// checkProps compares the properties a binding sends at path (""
// for the top level) with the SDK's kinds and enums.
func checkProps(token, path string, props pulumi.Map, kinds map[string]string, sdk sdkResource) []string {
	var problems []string
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p := k
		if path != "" {
			p = path + "." + k
		}
		want, ok := kinds[k]
		got := kind(props[k])
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("%s: input %q is not a property of the SDK's resource (%s)", token, p, sdk.Source))
			continue
		case !compatible(got, want):
			problems = append(problems, fmt.Sprintf("%s: input %q is a %s, the SDK's is a %s", token, p, got, want))
			continue
		}
		if allowed, isEnum := sdk.Enums[p]; isEnum {
			if s, known := props[k].(pulumi.String); known && !slices.Contains(allowed, string(s)) {
				problems = append(problems, fmt.Sprintf("%s: input %q is %q, the SDK allows %s", token, p, string(s), strings.Join(allowed, ", ")))
			}
		}
		if m, isMap := props[k].(pulumi.Map); isMap && path == "" {
			obj, recorded := sdk.Objects[k]
			if !recorded {
				problems = append(problems, fmt.Sprintf("%s: object input %q: its properties are not recorded", token, p))
				continue
			}
			problems = append(problems, checkProps(token, p, m, obj, sdk)...)
		}
	}
	return problems
}

// checkInputs compares the properties a binding sends with the SDK's.
func checkInputs(token string, props pulumi.Map, sdk sdkResource) []string {
	return checkProps(token, "", props, sdk.Inputs, sdk)
}

// checkOutputs compares a binding's resource struct tags with the SDK's
// output properties.
func checkOutputs(token string, res any, sdk sdkResource) []string {
	var problems []string
	rt := reflect.TypeOf(res).Elem()
	for i := 0; i < rt.NumField(); i++ {
		tag := rt.Field(i).Tag.Get("pulumi")
		if tag != "" && !slices.Contains(sdk.Outputs, tag) {
			problems = append(problems, fmt.Sprintf("%s: output %q (%s) is not a property of the SDK's resource", token, tag, rt.Field(i).Name))
		}
	}
	return problems
}

// Every field set, so that every optional property is sent.
var (
	rg        = pulumi.String("rg")
	namespace = ServiceBusNamespaceArgs{
		NamespaceName: "sb", ResourceGroupName: rg, Location: "westeurope",
		Sku: ServiceBusSku{Name: "Premium", Capacity: 1}, DisableLocalAuth: true, MinimumTLSVersion: "1.2",
		PublicNetworkAccess: "Disabled", ZoneRedundant: true, Tags: map[string]string{"a": "b"},
	}
	queue = ServiceBusQueueArgs{
		QueueName: "q", NamespaceName: pulumi.String("sb"), ResourceGroupName: rg, MaxDeliveryCount: 10, LockDuration: "PT1M",
		DeadLetteringOnMessageExpiration: true, RequiresDuplicateDetection: true, DuplicateDetectionHistoryTimeWindow: "PT10M",
		DefaultMessageTimeToLive: "P14D", MaxSizeInMegabytes: 1024, RequiresSession: true,
	}
	topic = ServiceBusTopicArgs{
		TopicName: "t", NamespaceName: pulumi.String("sb"), ResourceGroupName: rg, RequiresDuplicateDetection: true,
		DuplicateDetectionHistoryTimeWindow: "PT10M", DefaultMessageTimeToLive: "P14D", MaxSizeInMegabytes: 1024,
	}
	subscription = ServiceBusSubscriptionArgs{
		SubscriptionName: "s", TopicName: pulumi.String("t"), NamespaceName: pulumi.String("sb"), ResourceGroupName: rg,
		MaxDeliveryCount: 10, LockDuration: "PT1M", DeadLetteringOnMessageExpiration: true,
		DeadLetteringOnFilterEvaluationExceptions: true, DefaultMessageTimeToLive: "P14D", RequiresSession: true,
	}
	identity = UserAssignedIdentityArgs{ResourceName: "id", ResourceGroupName: rg, Location: "westeurope", Tags: map[string]string{"a": "b"}}
	loadTest = LoadTestArgs{LoadTestName: "lt", ResourceGroupName: rg, Location: "westeurope", Description: "d", Tags: map[string]string{"a": "b"}}
	registry = RegistryArgs{RegistryName: "crmisy", ResourceGroupName: rg, Location: "westeurope", Sku: "Premium", ZoneRedundant: true, Tags: map[string]string{"a": "b"}}
	account  = StorageAccountArgs{AccountName: "stmisy", ResourceGroupName: rg, Location: "westeurope", Sku: "Standard_ZRS", Tags: map[string]string{"a": "b"}}
	blobs    = BlobServicePropertiesArgs{AccountName: pulumi.String("stmisy"), ResourceGroupName: rg, RetentionDays: 30}
)

// bindings is every hand binding of the package: its type token, the
// properties it sends with every field set, and its resource struct.
var bindings = []struct {
	token string
	props pulumi.Map
	res   any
}{
	{ServiceBusNamespaceType, namespace.props(), &ServiceBusNamespace{}},
	{ServiceBusQueueType, queue.props(), &ServiceBusEntity{}},
	{ServiceBusTopicType, topic.props(), &ServiceBusEntity{}},
	{ServiceBusSubscriptionType, subscription.props(), &ServiceBusEntity{}},
	{UserAssignedIdentityType, identity.props(), &UserAssignedIdentity{}},
	{LoadTestType, loadTest.props(), &LoadTest{}},
	{RegistryType, registry.props(), &Registry{}},
	{StorageAccountType, account.props(), &StorageAccount{}},
	{BlobServicePropertiesType, blobs.props(), &BlobServiceProperties{}},
	{BlobContainerType, blobContainerProps(pulumi.String("stmisy"), rg, "state"), &BlobContainer{}},
}

func TestHandBindingsConformToSDK(t *testing.T) {
	sdk := loadSDK(t)
	for _, b := range bindings {
		t.Run(b.token, func(t *testing.T) {
			r, ok := sdk[b.token]
			require.True(t, ok, "no recorded SDK properties for %s", b.token)
			assert.Empty(t, checkInputs(b.token, b.props, r))
			assert.Empty(t, checkOutputs(b.token, b.res, r))
		})
	}
	// The SKU is an object whose properties the namespace sends too.
	assert.ElementsMatch(t, []string{"name", "tier", "capacity"}, keys(namespace.props()["sku"].(pulumi.Map)))
}

// Every type token the package declares has a binding above and recorded
// SDK data: a new binding cannot skip the check.
func TestEveryBoundTypeIsChecked(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	var declared []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		require.NoError(t, err)
		ast.Inspect(file, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil && strings.HasPrefix(s, "azure-native:") {
					declared = append(declared, s)
				}
			}
			return true
		})
	}
	require.NotEmpty(t, declared)
	sdk := loadSDK(t)
	var checked []string
	for _, b := range bindings {
		checked = append(checked, b.token)
	}
	for _, tok := range declared {
		assert.Contains(t, checked, tok, "%s is bound but not checked", tok)
		assert.Contains(t, sdk, tok, "%s has no recorded SDK properties", tok)
	}
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

	wrongEnum := namespace.props()
	wrongEnum["minimumTlsVersion"] = pulumi.String("TLS1_2") // storage's spelling, not Service Bus's
	assert.Contains(t, fmt.Sprint(checkInputs(ServiceBusNamespaceType, wrongEnum, ns)), `input "minimumTlsVersion" is "TLS1_2", the SDK allows 1.0, 1.1, 1.2`)

	wrongNested := namespace.props()
	wrongNested["sku"] = pulumi.Map{"name": pulumi.String("Premium"), "tier": pulumi.String("Gold"), "units": pulumi.Int(1)}
	problems := fmt.Sprint(checkInputs(ServiceBusNamespaceType, wrongNested, ns))
	assert.Contains(t, problems, `input "sku.tier" is "Gold", the SDK allows Basic, Premium, Standard`)
	assert.Contains(t, problems, `input "sku.units" is not a property`)

	q := sdk[ServiceBusQueueType]
	decimal := queue.props()
	decimal["maxDeliveryCount"] = pulumi.Float64(10)
	assert.Contains(t, fmt.Sprint(checkInputs(ServiceBusQueueType, decimal, q)), `input "maxDeliveryCount" is a number, the SDK's is a int`)

	wrongSubscription := subscription.props()
	wrongSubscription["deadLetteringOnFilterEvaluationException"] = pulumi.Bool(true)
	assert.Contains(t, fmt.Sprint(checkInputs(ServiceBusSubscriptionType, wrongSubscription, sdk[ServiceBusSubscriptionType])),
		`input "deadLetteringOnFilterEvaluationException" is not a property`)

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
