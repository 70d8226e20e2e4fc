package keyvault_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/components/crosscut"
	"github.com/misybot/platform/components/keyvault"
	"github.com/misybot/platform/infra/offline"
	"github.com/misybot/platform/infra/offline/offlinetest"
)

const secretValue = "xoxb-super-secret-bot-token"

func baseArgs() keyvault.Args {
	return keyvault.Args{
		Inputs: crosscut.Inputs{
			ResourceGroupName: pulumi.String("rg-test"),
			Location:          "westeurope",
			Tags:              map[string]string{"environment": "prod"},
			Diagnostics:       &crosscut.Diagnostics{WorkspaceID: pulumi.String("/subscriptions/s/resourceGroups/rg-test/providers/Microsoft.OperationalInsights/workspaces/log")},
			PrivateEndpoint: &crosscut.PrivateEndpoint{
				SubnetID:  pulumi.String("/subscriptions/s/resourceGroups/rg-test/providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet-endpoints"),
				DNSZoneID: pulumi.String("/subscriptions/s/resourceGroups/rg-test/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net"),
			},
		},
		Name:            "kv-misybot-prod-weu-1a2b",
		TenantID:        pulumi.String("11111111-1111-1111-1111-111111111111"),
		PurgeProtection: true,
		Secrets:         map[string]pulumi.StringInput{"bot-token": pulumi.String(secretValue)},
	}
}

func plan(t *testing.T, args keyvault.Args) *offline.Plan {
	t.Helper()
	p, err := offline.RunProgram(func(ctx *pulumi.Context) error {
		_, err := keyvault.New(ctx, "keyvault", args)
		return err
	})
	require.NoError(t, err)
	return p
}

func vault(t *testing.T, p *offline.Plan) offline.Resource {
	t.Helper()
	vaults := p.Find("azure-native:keyvault:Vault")
	require.Len(t, vaults, 1)
	return vaults[0]
}

func TestVaultSecurityProperties(t *testing.T) {
	v := vault(t, plan(t, baseArgs()))
	for path, want := range map[string]any{
		"properties.enableRbacAuthorization":      true,
		"properties.enableSoftDelete":             true,
		"properties.softDeleteRetentionInDays":    90.0,
		"properties.enablePurgeProtection":        true,
		"properties.publicNetworkAccess":          "Disabled",
		"properties.networkAcls.defaultAction":    "Deny",
		"properties.networkAcls.bypass":           "None",
		"properties.enabledForTemplateDeployment": false,
		"properties.sku.name":                     "standard",
		"vaultName":                               "kv-misybot-prod-weu-1a2b",
	} {
		assert.Equal(t, want, offlinetest.Input(t, v, path), path)
	}
}

func TestPurgeProtectionOffIsOmitted(t *testing.T) {
	args := baseArgs()
	args.PurgeProtection = false
	_, set := vault(t, plan(t, args)).Input("properties.enablePurgeProtection")
	assert.False(t, set, "Azure rejects enablePurgeProtection: false; it must be absent")
}

func TestPrivateEndpointAndDNSZoneGroup(t *testing.T) {
	p := plan(t, baseArgs())
	peps := p.Find("azure-native:network:PrivateEndpoint")
	require.Len(t, peps, 1)
	assert.Equal(t, []any{"vault"}, offlinetest.Input(t, peps[0], "privateLinkServiceConnections[0].groupIds"))
	assert.Contains(t, offlinetest.Input(t, peps[0], "privateLinkServiceConnections[0].privateLinkServiceId"), "/vaults/kv-misybot-prod-weu-1a2b")
	assert.Contains(t, offlinetest.Input(t, peps[0], "subnet.id"), "/subnets/snet-endpoints")
	groups := p.Find("azure-native:network:PrivateDnsZoneGroup")
	require.Len(t, groups, 1)
	assert.Contains(t, offlinetest.Input(t, groups[0], "privateDnsZoneConfigs[0].privateDnsZoneId"), "privatelink.vaultcore.azure.net")
}

// A public endpoint for listed addresses comes in addition to the private
// endpoint, never instead of it: Container Apps is not a trusted service,
// so the environment reaches the vault only through the endpoint.
func TestPublicVaultOnlyForListedAddresses(t *testing.T) {
	args := baseArgs()
	args.AllowPublicNetworkAccess = true
	args.AllowedIPs = []string{"203.0.113.0/24"}
	p := plan(t, args)
	v := vault(t, p)
	assert.Equal(t, "Enabled", offlinetest.Input(t, v, "properties.publicNetworkAccess"))
	assert.Equal(t, "Deny", offlinetest.Input(t, v, "properties.networkAcls.defaultAction"))
	assert.Equal(t, "203.0.113.0/24", offlinetest.Input(t, v, "properties.networkAcls.ipRules[0].value"))
	assert.Len(t, p.Find("azure-native:network:PrivateEndpoint"), 1)
	assert.Len(t, p.Find("azure-native:network:PrivateDnsZoneGroup"), 1)

	args.PrivateEndpoint = nil
	_, err := offline.RunProgram(func(ctx *pulumi.Context) error {
		_, err := keyvault.New(ctx, "keyvault", args)
		return err
	})
	require.Error(t, err, "a public vault without a private endpoint is unreachable from Container Apps")
	assert.Contains(t, err.Error(), "PrivateEndpoint is required")
}

// Finding 2: the secret's URI is the Secret resource's output, so whatever
// refers to it waits for the secret; the URI itself is not secret.
func TestSecretURIsComeFromTheSecrets(t *testing.T) {
	p, err := offline.RunProgram(func(ctx *pulumi.Context) error {
		kv, err := keyvault.New(ctx, "kv", baseArgs())
		if err != nil {
			return err
		}
		if len(kv.PrivateAccess) != 2 {
			return fmt.Errorf("private access: %d resources, want the endpoint and its DNS zone group", len(kv.PrivateAccess))
		}
		consumer := &struct{ pulumi.CustomResourceState }{}
		return ctx.RegisterResource("test:index:Consumer", "app", pulumi.Map{"uri": kv.SecretURIs["bot-token"]}, consumer)
	})
	require.NoError(t, err)
	secret := offlinetest.One(t, p, "azure-native:keyvault:Secret")
	consumer := offlinetest.One(t, p, "test:index:Consumer")
	assert.Equal(t, "https://kv-misybot-prod-weu-1a2b.vault.azure.net/secrets/bot-token", offlinetest.Input(t, consumer, "uri"))
	assert.False(t, consumer.IsSecret("uri"))
	assert.Contains(t, consumer.PropertyDependencies["uri"], secret.URN)
}

func TestSecretsStaySecret(t *testing.T) {
	p := plan(t, baseArgs())
	secrets := p.Find("azure-native:keyvault:Secret")
	require.Len(t, secrets, 1)
	assert.Equal(t, "bot-token", offlinetest.Input(t, secrets[0], "secretName"))
	assert.True(t, secrets[0].IsSecret("properties.value"), "the secret value must be marked secret")
	out, err := json.Marshal(p)
	require.NoError(t, err)
	assert.NotContains(t, string(out), secretValue)
}

func TestProtectLockAndRoleAssignment(t *testing.T) {
	args := baseArgs()
	args.Protect, args.Lock = true, true
	args.RoleAssignments = map[string]crosscut.RoleAssignment{"app": {
		PrincipalID: pulumi.String("22222222-2222-2222-2222-222222222222"), PrincipalType: "ServicePrincipal",
		RoleDefinitionID: crosscut.RoleKeyVaultSecretsUser,
	}}
	p := plan(t, args)
	v := vault(t, p)
	assert.True(t, v.Protect)

	locks := p.Find("azure-native:authorization:ManagementLockByScope")
	require.Len(t, locks, 1)
	assert.Equal(t, "CanNotDelete", offlinetest.Input(t, locks[0], "level"))
	assert.Equal(t, v.ID, offlinetest.Input(t, locks[0], "scope"))

	ras := p.Find("azure-native:authorization:RoleAssignment")
	require.Len(t, ras, 1)
	assert.Equal(t, v.ID, offlinetest.Input(t, ras[0], "scope"), "the role is scoped to the vault, nothing wider")
	assert.Regexp(t, `^/subscriptions/[^/]+/providers/Microsoft.Authorization/roleDefinitions/`+crosscut.RoleKeyVaultSecretsUser+`$`,
		offlinetest.Input(t, ras[0], "roleDefinitionId"))
}

func TestDiagnosticsOnVault(t *testing.T) {
	p := plan(t, baseArgs())
	v := vault(t, p)
	diags := p.Find("azure-native:insights:DiagnosticSetting")
	require.Len(t, diags, 1)
	assert.Equal(t, v.ID, offlinetest.Input(t, diags[0], "resourceUri"))
	assert.Equal(t, "allLogs", offlinetest.Input(t, diags[0], "logs[0].categoryGroup"))
	assert.Equal(t, "AllMetrics", offlinetest.Input(t, diags[0], "metrics[0].category"))
}

func TestInvalidArgs(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*keyvault.Args)
		want   string
	}{
		{"no private endpoint and not public", func(a *keyvault.Args) { a.PrivateEndpoint = nil }, "PrivateEndpoint is required"},
		{"allowed IPs on a private vault", func(a *keyvault.Args) { a.AllowedIPs = []string{"203.0.113.7"} }, "AllowedIPs needs AllowPublicNetworkAccess"},
		{"open firewall", func(a *keyvault.Args) {
			a.AllowPublicNetworkAccess, a.AllowedIPs = true, []string{"0.0.0.0/0"}
		}, "no firewall"},
		{"retention too short", func(a *keyvault.Args) { a.SoftDeleteRetentionDays = 5 }, "SoftDeleteRetentionDays 5"},
		{"bad sku", func(a *keyvault.Args) { a.Sku = "gold" }, `Sku "gold"`},
		{"bad secret name", func(a *keyvault.Args) {
			a.Secrets = map[string]pulumi.StringInput{"bot_token": pulumi.String(secretValue)}
		}, `secret name "bot_token"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := baseArgs()
			tc.mutate(&args)
			_, err := offline.RunProgram(func(ctx *pulumi.Context) error {
				_, err := keyvault.New(ctx, "keyvault", args)
				return err
			})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), secretValue)
		})
	}
}
