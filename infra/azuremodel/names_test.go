package azuremodel_test

import (
	"context"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/infra/azuremodel"
	"github.com/misybot/platform/infra/offline"
)

// one registers a single resource of a type, as a user's program would.
func one(token, name string, props pulumi.Map) offline.Program {
	return func(ctx *pulumi.Context) (map[string]pulumi.Output, error) {
		props["resourceGroupName"] = pulumi.String(rgName)
		_, err := reg(ctx, token, name, props)
		return nil, err
	}
}

func runOne(t *testing.T, program offline.Program, prior *offline.State) *offline.Plan {
	t.Helper()
	plan, err := offline.Run(context.Background(), offline.Options{
		Project: "proj", Stack: "dev", Program: program, Prior: prior, Model: azuremodel.New(azuremodel.Options{}),
	})
	require.NoError(t, err)
	return plan
}

// TestMoreRules: one failing and one passing case per rule, with what a
// user would write.
func TestMoreRules(t *testing.T) {
	vault := func(name string, retention int) offline.Program {
		return one("azure-native:keyvault:Vault", "kv", pulumi.Map{
			"vaultName": pulumi.String(name),
			"properties": pulumi.Map{"tenantId": pulumi.String("t"), "sku": pulumi.Map{"family": pulumi.String("A"), "name": pulumi.String("standard")},
				"enableRbacAuthorization": pulumi.Bool(true), "softDeleteRetentionInDays": pulumi.Int(retention)},
		})
	}
	nsg := func(priority int) offline.Program {
		return one("azure-native:network:NetworkSecurityGroup", "nsg", pulumi.Map{
			"networkSecurityGroupName": pulumi.String("nsg-apps"),
			"securityRules": pulumi.Array{pulumi.Map{"name": pulumi.String("AllowHttps"), "priority": pulumi.Int(priority),
				"direction": pulumi.String("Inbound"), "access": pulumi.String("Allow"), "protocol": pulumi.String("Tcp"),
				"sourceAddressPrefix": pulumi.String("VirtualNetwork"), "sourcePortRange": pulumi.String("*"),
				"destinationAddressPrefix": pulumi.String("*"), "destinationPortRange": pulumi.String("443")}},
		})
	}
	rule := func(priority int) offline.Program {
		return func(ctx *pulumi.Context) (map[string]pulumi.Output, error) {
			_, err := reg(ctx, "azure-native:network:SecurityRule", "rule", pulumi.Map{
				"resourceGroupName": pulumi.String(rgName), "networkSecurityGroupName": pulumi.String("nsg-apps"),
				"securityRuleName": pulumi.String("AllowHttps"), "priority": pulumi.Int(priority),
				"direction": pulumi.String("Inbound"), "access": pulumi.String("Allow"), "protocol": pulumi.String("Tcp"),
			})
			return nil, err
		}
	}
	registry := func(name string) offline.Program {
		return one("azure-native:containerregistry:Registry", "acr", pulumi.Map{"registryName": pulumi.String(name), "sku": pulumi.Map{"name": pulumi.String("Basic")}})
	}
	app := func(name string) offline.Program {
		return one("azure-native:app:ContainerApp", "app", pulumi.Map{"containerAppName": pulumi.String(name)})
	}
	scaled := func(minReplicas, maxReplicas int) offline.Program {
		return one("azure-native:app:ContainerApp", "app", pulumi.Map{"containerAppName": pulumi.String("ca-bot"),
			"template": pulumi.Map{"scale": pulumi.Map{"minReplicas": pulumi.Int(minReplicas), "maxReplicas": pulumi.Int(maxReplicas)}}})
	}
	workspace := func(name string) offline.Program {
		return one("azure-native:operationalinsights:Workspace", "logs", pulumi.Map{"workspaceName": pulumi.String(name)})
	}
	tests := []struct {
		name    string
		program offline.Program
		want    []string
	}{
		{"vault name with consecutive hyphens", vault("kv--app", 90), []string{"NM001"}},
		{"vault name starting with a digit", vault("1kv-app", 90), []string{"NM001"}},
		{"vault name of 25 characters", vault("kv-app-0123456789-abcdefg", 90), []string{"NM001"}},
		{"vault name ending with a hyphen", vault("kv-app-", 90), []string{"NM001"}},
		{"vault name that is fine", vault("kv-app-01", 90), nil},
		{"soft-delete retention of 3 days", vault("kv-app", 3), []string{"KV004"}},
		{"soft-delete retention of 365 days", vault("kv-app", 365), []string{"KV004"}},
		{"soft-delete retention of 7 days", vault("kv-app", 7), nil},
		{"NSG rule priority 50", nsg(50), []string{"NSG002"}},
		{"NSG rule priority 4097", nsg(4097), []string{"NSG002"}},
		{"NSG rule priority 4096", nsg(4096), nil},
		{"security rule resource priority 99", rule(99), []string{"NSG002"}},
		{"security rule resource priority 100", rule(100), nil},
		{"registry name with a hyphen", registry("cr-shared"), []string{"NM001"}},
		{"registry name of 4 characters", registry("crsh"), []string{"NM001"}},
		{"registry name that is fine", registry("crshared"), nil},
		{"container app name with capitals", app("Ca-Bot"), []string{"NM001"}},
		{"container app name of 33 characters", app("ca-" + strings.Repeat("a", 30)), []string{"NM001"}},
		{"container app name that is fine", app("ca-misybot-dev-weu"), nil},
		{"max replicas 0", scaled(0, 0), []string{"CA009"}},
		{"max replicas 1001", scaled(1, 1001), []string{"CA009"}},
		{"min replicas -1", scaled(-1, 10), []string{"CA009"}},
		{"replicas 0 to 1000", scaled(0, 1000), nil},
		{"workspace name of 3 characters", workspace("log"), []string{"NM001"}},
		{"workspace name that is fine", workspace("log-misybot-dev"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := runOne(t, tt.program, nil)
			assert.Equal(t, tt.want, rules(plan), strings.Join(problemLines(plan), "\n"))
			for _, p := range plan.Problems {
				assert.Contains(t, p.Source, "https://learn.microsoft.com/azure/")
			}
		})
	}
}

// TestNameJudgedAtCreationOnly: a resource already deployed under a name
// Azure took is not judged again on an update (only a create or a
// replacement sends the name).
func TestNameJudgedAtCreationOnly(t *testing.T) {
	program := one("azure-native:containerregistry:Registry", "acr", pulumi.Map{"registryName": pulumi.String("cr-shared"), "sku": pulumi.Map{"name": pulumi.String("Basic")}})
	first := runOne(t, program, nil)
	require.Equal(t, []string{"NM001"}, rules(first))
	// A state that has the resource (an import of a registry made before
	// the rule existed): an update does not send the name.
	first.Problems = nil
	data, err := first.SaveState()
	require.NoError(t, err)
	prior, err := offline.ParseState(data)
	require.NoError(t, err)
	updated := one("azure-native:containerregistry:Registry", "acr", pulumi.Map{"registryName": pulumi.String("cr-shared"), "sku": pulumi.Map{"name": pulumi.String("Standard")}})
	assert.Empty(t, rules(runOne(t, updated, prior)))
}

// TestPremiumCapacityPerPartition: the messaging units of a Premium
// namespace are 1, 2, 4, 8 or 16 per partition.
func TestPremiumCapacityPerPartition(t *testing.T) {
	ns := func(capacity, partitions int) offline.Program {
		props := pulumi.Map{"namespaceName": pulumi.String("sbns-misybot"),
			"sku": pulumi.Map{"name": pulumi.String("Premium"), "tier": pulumi.String("Premium"), "capacity": pulumi.Int(capacity)}}
		if partitions > 0 {
			props["premiumMessagingPartitions"] = pulumi.Int(partitions)
		}
		return one("azure-native:servicebus:Namespace", "sb", props)
	}
	for _, tt := range []struct {
		capacity, partitions int
		want                 []string
	}{
		{4, 0, nil}, {3, 0, []string{"SB002"}}, {16, 4, nil}, {64, 4, nil}, {2, 4, []string{"SB002"}}, {32, 1, []string{"SB002"}},
	} {
		plan := runOne(t, ns(tt.capacity, tt.partitions), nil)
		assert.Equal(t, tt.want, rules(plan), "capacity %d, partitions %d: %s", tt.capacity, tt.partitions, strings.Join(problemLines(plan), "\n"))
	}
}
