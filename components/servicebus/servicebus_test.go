package servicebus_test

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/components/crosscut"
	"github.com/misybot/platform/components/servicebus"
	"github.com/misybot/platform/infra/offline"
	"github.com/misybot/platform/infra/offline/offlinetest"
)

func baseArgs() servicebus.Args {
	return servicebus.Args{
		Inputs: crosscut.Inputs{
			ResourceGroupName: pulumi.String("rg-test"),
			Location:          "westeurope",
			Diagnostics:       &crosscut.Diagnostics{WorkspaceID: pulumi.String("/subscriptions/s/resourceGroups/rg-test/providers/Microsoft.OperationalInsights/workspaces/log")},
			PrivateEndpoint: &crosscut.PrivateEndpoint{
				SubnetID:  pulumi.String("/subscriptions/s/resourceGroups/rg-test/providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet-endpoints"),
				DNSZoneID: pulumi.String("/subscriptions/s/resourceGroups/rg-test/providers/Microsoft.Network/privateDnsZones/privatelink.servicebus.windows.net"),
			},
		},
		Name:          "sbns-misybot-prod-weu-1a2b",
		Sku:           "Premium",
		Capacity:      2,
		ZoneRedundant: true,
		Queues: []servicebus.Queue{{
			Name: "inbound-messages", MaxDeliveryCount: 5, LockDuration: "PT30S", DeadLetterOnExpiration: true,
			DuplicateDetectionWindow: "PT10M",
		}},
		Topics: []servicebus.Topic{{
			Name: "bot-events",
			Subscriptions: []servicebus.Subscription{{
				Name: "audit", MaxDeliveryCount: 10, LockDuration: "PT1M", DeadLetterOnExpiration: true, DeadLetterOnFilterErrors: true,
			}},
		}},
	}
}

func plan(t *testing.T, args servicebus.Args) *offline.Plan {
	t.Helper()
	p, err := offline.RunProgram(func(ctx *pulumi.Context) error {
		_, err := servicebus.New(ctx, "servicebus", args)
		return err
	})
	require.NoError(t, err)
	return p
}

func TestNamespaceSecurity(t *testing.T) {
	p := plan(t, baseArgs())
	ns := offlinetest.One(t, p, "azure-native:servicebus:Namespace")
	for path, want := range map[string]any{
		"disableLocalAuth":    true,
		"minimumTlsVersion":   "1.2",
		"publicNetworkAccess": "Disabled",
		"zoneRedundant":       true,
		"sku.name":            "Premium",
		"sku.tier":            "Premium",
		"sku.capacity":        2.0,
		"namespaceName":       "sbns-misybot-prod-weu-1a2b",
	} {
		assert.Equal(t, want, offlinetest.Input(t, ns, path), path)
	}
	pep := offlinetest.One(t, p, "azure-native:network:PrivateEndpoint")
	assert.Equal(t, []any{"namespace"}, offlinetest.Input(t, pep, "privateLinkServiceConnections[0].groupIds"))
	assert.Equal(t, ns.ID, offlinetest.Input(t, pep, "privateLinkServiceConnections[0].privateLinkServiceId"))
	diag := offlinetest.One(t, p, "azure-native:insights:DiagnosticSetting")
	assert.Equal(t, ns.ID, offlinetest.Input(t, diag, "resourceUri"))
}

func TestStandardNamespaceIsPublicOnlyWhenAsked(t *testing.T) {
	args := baseArgs()
	args.Sku, args.Capacity, args.ZoneRedundant, args.PrivateEndpoint = "Standard", 0, false, nil
	args.AllowPublicNetworkAccess = true
	p := plan(t, args)
	ns := offlinetest.One(t, p, "azure-native:servicebus:Namespace")
	assert.Equal(t, "Enabled", offlinetest.Input(t, ns, "publicNetworkAccess"))
	assert.Equal(t, true, offlinetest.Input(t, ns, "disableLocalAuth"), "public or not, SAS keys stay off")
	_, hasCapacity := ns.Input("sku.capacity")
	assert.False(t, hasCapacity)
	assert.Empty(t, p.Find("azure-native:network:PrivateEndpoint"))
}

func TestEntities(t *testing.T) {
	p := plan(t, baseArgs())
	q := offlinetest.One(t, p, "azure-native:servicebus:Queue")
	for path, want := range map[string]any{
		"queueName":                           "inbound-messages",
		"maxDeliveryCount":                    5.0,
		"lockDuration":                        "PT30S",
		"deadLetteringOnMessageExpiration":    true,
		"requiresDuplicateDetection":          true,
		"duplicateDetectionHistoryTimeWindow": "PT10M",
	} {
		assert.Equal(t, want, offlinetest.Input(t, q, path), path)
	}
	assert.Equal(t, "sbns-misybot-prod-weu-1a2b", offlinetest.Input(t, q, "namespaceName"))

	topic := offlinetest.One(t, p, "azure-native:servicebus:Topic")
	assert.Equal(t, false, offlinetest.Input(t, topic, "requiresDuplicateDetection"))
	sub := offlinetest.One(t, p, "azure-native:servicebus:Subscription")
	assert.Equal(t, "bot-events", offlinetest.Input(t, sub, "topicName"))
	assert.Equal(t, true, offlinetest.Input(t, sub, "deadLetteringOnFilterEvaluationExceptions"))
	assert.Equal(t, 10.0, offlinetest.Input(t, sub, "maxDeliveryCount"))
}

func TestProtectedNamespace(t *testing.T) {
	args := baseArgs()
	args.Protect = true
	p := plan(t, args)
	assert.True(t, offlinetest.One(t, p, "azure-native:servicebus:Namespace").Protect)
	assert.True(t, offlinetest.One(t, p, "azure-native:servicebus:Queue").Protect, "queues hold messages: they inherit the namespace's protection")
}

func TestInvalidArgs(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*servicebus.Args)
		want   string
	}{
		{"premium capacity 3", func(a *servicebus.Args) { a.Capacity = 3 }, "Capacity 3"},
		{"basic sku", func(a *servicebus.Args) { a.Sku = "Basic" }, `Sku "Basic"`},
		{"standard with private endpoint", func(a *servicebus.Args) { a.Sku, a.Capacity, a.ZoneRedundant = "Standard", 0, false }, "PrivateEndpoint needs Premium"},
		{"private without endpoint", func(a *servicebus.Args) { a.PrivateEndpoint = nil }, "PrivateEndpoint is required"},
		{"duplicate entity", func(a *servicebus.Args) { a.Topics[0].Name = "inbound-messages" }, "used twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := baseArgs()
			tc.mutate(&args)
			_, err := offline.RunProgram(func(ctx *pulumi.Context) error {
				_, err := servicebus.New(ctx, "servicebus", args)
				return err
			})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
