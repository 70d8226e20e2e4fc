package offline_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"regexp"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/infra/offline"
	"github.com/misybot/platform/infra/offline/offlinetest"
)

const (
	configSecret = "config-secret-value-never-printed"
	subscription = "11111111-2222-3333-4444-555555555555"
	stackURN     = "urn:pulumi:dev::misybot-platform::pulumi:pulumi:Stack::misybot-platform-dev"
	rgID         = "/subscriptions/" + subscription + "/resourceGroups/rg-misybot-dev"
	vaultID      = rgID + "/providers/Microsoft.KeyVault/vaults/kv-misybot-dev"
	vnetID       = rgID + "/providers/Microsoft.Network/virtualNetworks/vnet-misybot-dev"
)

func sampleOptions() offline.Options {
	return offline.Options{
		Project: offlinetest.Project,
		Stack:   "dev",
		Program: offlinetest.Program,
		Config: map[string]string{
			"misybot-platform:apiKey":     configSecret,
			"azure-native:subscriptionId": subscription,
		},
		SecretKeys: []string{"misybot-platform:apiKey"},
	}
}

func runSample(t *testing.T) *offline.Plan {
	t.Helper()
	plan, err := offline.Run(context.Background(), sampleOptions())
	require.NoError(t, err)
	return plan
}

func TestRegistrationOrderAndTree(t *testing.T) {
	plan := runSample(t)
	assert.Equal(t, "misybot-platform", plan.Project)
	assert.Equal(t, "dev", plan.Stack)
	assert.Equal(t, stackURN, plan.StackURN)

	var names []string
	for _, r := range plan.Resources {
		names = append(names, r.Name)
	}
	assert.Equal(t, []string{
		"rg", "network", "vnet", "apps", "endpoints", "nsg", "kv", "api-key", "db-password",
		"kv-zone", "kv-zone-link", "kv-pe", "kv-pe-dns", "logs", "appi", "kv-diag", "sb", "orders",
		"cae", "bot-id", "bot", "bot-kv-secrets", "rg-lock",
	}, names, "resources are in the program's order, not the mocks' call order")

	component := offlinetest.One(t, plan, "misybot:platform:Network")
	assert.False(t, component.Custom)
	assert.Empty(t, component.ID)
	assert.Equal(t, stackURN, component.Parent)

	vnet := offlinetest.One(t, plan, "azure-native:network:VirtualNetwork")
	assert.Equal(t, "urn:pulumi:dev::misybot-platform::misybot:platform:Network$azure-native:network:VirtualNetwork::vnet", vnet.URN)
	assert.Equal(t, component.URN, vnet.Parent)
	assert.True(t, vnet.Custom)

	var children []string
	for _, c := range plan.Children(component.URN) {
		children = append(children, c.Name)
	}
	assert.Equal(t, []string{"vnet", "apps", "endpoints", "nsg"}, children)
	var top []string
	for _, c := range plan.Children(plan.StackURN) {
		top = append(top, c.Name)
	}
	assert.Equal(t, []string{"rg", "network", "kv", "kv-zone", "kv-pe", "logs", "appi", "sb", "cae", "bot-id", "bot",
		"bot-kv-secrets", "rg-lock"}, top)

	got, ok := plan.ByURN(vnet.URN)
	require.True(t, ok)
	assert.Equal(t, vnet.ID, got.ID)
	_, ok = plan.ByURN("urn:pulumi:dev::misybot-platform::x:y:Z::nope")
	assert.False(t, ok)

	counts := plan.CountByType()
	assert.Equal(t, 2, counts["azure-native:network:Subnet"])
	assert.Equal(t, 2, counts["azure-native:keyvault:Secret"])
	assert.Equal(t, 1, counts["misybot:platform:Network"])
	total := 0
	for _, n := range counts {
		total += n
	}
	assert.Equal(t, len(plan.Resources), total)
}

func TestARMShapedIDs(t *testing.T) {
	plan := runSample(t)
	guid := `[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}`
	cases := []struct{ token, name, id string }{
		{"azure-native:resources:ResourceGroup", "rg", rgID},
		{"azure-native:network:VirtualNetwork", "vnet", vnetID},
		{"azure-native:network:Subnet", "apps", vnetID + "/subnets/snet-apps"},
		{"azure-native:network:NetworkSecurityGroup", "nsg", rgID + "/providers/Microsoft.Network/networkSecurityGroups/nsg[0-9a-f]{8}"},
		{"azure-native:keyvault:Vault", "kv", vaultID},
		{"azure-native:keyvault:Secret", "api-key", vaultID + "/secrets/api-key"},
		{"azure-native:keyvault:Secret", "db-password", vaultID + "/secrets/db-password[0-9a-f]{8}"},
		{"azure-native:network:PrivateZone", "kv-zone", rgID + "/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net"},
		{"azure-native:network:VirtualNetworkLink", "kv-zone-link", rgID + "/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net/virtualNetworkLinks/kv-zone-link[0-9a-f]{8}"},
		{"azure-native:network:PrivateEndpoint", "kv-pe", rgID + "/providers/Microsoft.Network/privateEndpoints/pe-kv-misybot-dev"},
		{"azure-native:network:PrivateDnsZoneGroup", "kv-pe-dns", rgID + "/providers/Microsoft.Network/privateEndpoints/pe-kv-misybot-dev/privateDnsZoneGroups/default"},
		{"azure-native:operationalinsights:Workspace", "logs", rgID + "/providers/Microsoft.OperationalInsights/workspaces/log-misybot-dev"},
		{"azure-native:insights:Component", "appi", rgID + "/providers/Microsoft.Insights/components/appi-misybot-dev"},
		{"azure-native:insights:DiagnosticSetting", "kv-diag", vaultID + "/providers/Microsoft.Insights/diagnosticSettings/to-logs"},
		{"azure-native:servicebus:Namespace", "sb", rgID + "/providers/Microsoft.ServiceBus/namespaces/sb-misybot-dev"},
		{"azure-native:servicebus:Queue", "orders", rgID + "/providers/Microsoft.ServiceBus/namespaces/sb-misybot-dev/queues/orders"},
		{"azure-native:app:ManagedEnvironment", "cae", rgID + "/providers/Microsoft.App/managedEnvironments/cae-misybot-dev"},
		{"azure-native:app:ContainerApp", "bot", rgID + "/providers/Microsoft.App/containerApps/ca-bot"},
		{"azure-native:managedidentity:UserAssignedIdentity", "bot-id", rgID + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-bot-misybot-dev"},
		{"azure-native:authorization:RoleAssignment", "bot-kv-secrets", vaultID + "/providers/Microsoft.Authorization/roleAssignments/" + guid},
		{"azure-native:authorization:ManagementLockByScope", "rg-lock", rgID + "/providers/Microsoft.Authorization/locks/do-not-delete"},
	}
	for _, tc := range cases {
		r := offlinetest.Named(t, plan, tc.token, tc.name)
		assert.Regexp(t, "^"+strings.ReplaceAll(tc.id, ".", `\.`)+"$", r.ID, tc.name)
		assert.Equal(t, r.ID, r.State["id"].StringValue(), "state id of %s", tc.name)
	}
}

func TestComputedOutputs(t *testing.T) {
	plan := runSample(t)
	state := func(token, name string) resource.PropertyMap { return offlinetest.Named(t, plan, token, name).State }

	vault := state("azure-native:keyvault:Vault", "kv")
	assert.Equal(t, "https://kv-misybot-dev.vault.azure.net/", vault["properties"].ObjectValue()["vaultUri"].StringValue())
	assert.Equal(t, "Microsoft.KeyVault/vaults", vault["type"].StringValue())
	assert.Equal(t, "westeurope", vault["location"].StringValue(), "location comes from the resource group")
	assert.Equal(t, "kv-misybot-dev", vault["name"].StringValue())

	secret := state("azure-native:keyvault:Secret", "api-key")
	assert.Equal(t, "https://kv-misybot-dev.vault.azure.net/secrets/api-key", secret["properties"].ObjectValue()["secretUri"].StringValue())

	assert.Equal(t, "global", state("azure-native:network:PrivateZone", "kv-zone")["location"].StringValue())
	assert.NotContains(t, state("azure-native:keyvault:Secret", "api-key"), resource.PropertyKey("location"))

	sb := state("azure-native:servicebus:Namespace", "sb")
	assert.Equal(t, "https://sb-misybot-dev.servicebus.windows.net:443/", sb["serviceBusEndpoint"].StringValue())
	assert.Equal(t, subscription+":sb-misybot-dev", sb["metricId"].StringValue())

	assert.Regexp(t, `^[0-9a-f-]{36}$`, state("azure-native:operationalinsights:Workspace", "logs")["customerId"].StringValue())

	appi := state("azure-native:insights:Component", "appi")
	key := appi["instrumentationKey"].StringValue()
	assert.Regexp(t, `^InstrumentationKey=`+key+`;IngestionEndpoint=https://westeurope-0\.in\.applicationinsights\.azure\.com/;`, appi["connectionString"].StringValue())
	assert.NotEmpty(t, appi["appId"].StringValue())

	env := state("azure-native:app:ManagedEnvironment", "cae")
	domain := env["defaultDomain"].StringValue()
	assert.Regexp(t, `^[a-z]+-[a-z]+-[0-9a-f]{8}\.westeurope\.azurecontainerapps\.io$`, domain)
	ip := netip.MustParseAddr(env["staticIp"].StringValue())
	assert.True(t, netip.MustParsePrefix("10.20.0.0/23").Contains(ip), "static IP %s is in the apps subnet", ip)

	app := state("azure-native:app:ContainerApp", "bot")
	ingress := app["configuration"].ObjectValue()["ingress"].ObjectValue()
	assert.Equal(t, "ca-bot.internal."+domain, ingress["fqdn"].StringValue(), "an internal ingress has an internal FQDN")
	assert.Regexp(t, `^ca-bot--[0-9a-f]{7}$`, app["latestRevisionName"].StringValue())
	assert.Equal(t, app["latestRevisionName"].StringValue()+".internal."+domain, app["latestRevisionFqdn"].StringValue())
	assert.Len(t, app["outboundIpAddresses"].ArrayValue(), 2)
	_, inInputs := offlinetest.Named(t, plan, "azure-native:app:ContainerApp", "bot").Inputs["configuration"].ObjectValue()["ingress"].ObjectValue()["fqdn"]
	assert.False(t, inInputs, "computed outputs do not leak into the recorded inputs")

	id := state("azure-native:managedidentity:UserAssignedIdentity", "bot-id")
	assert.Equal(t, offline.PlaceholderTenantID, id["tenantId"].StringValue())
	ra := offlinetest.Named(t, plan, "azure-native:authorization:RoleAssignment", "bot-kv-secrets")
	assert.Equal(t, id["principalId"].StringValue(), ra.Inputs["principalId"].StringValue(), "later resources read computed outputs")
}

func TestProtectAndDependencies(t *testing.T) {
	plan := runSample(t)
	vault := offlinetest.Named(t, plan, "azure-native:keyvault:Vault", "kv")
	assert.True(t, vault.Protect)
	assert.True(t, offlinetest.Named(t, plan, "azure-native:keyvault:Secret", "api-key").Protect, "children inherit protect")
	assert.False(t, offlinetest.Named(t, plan, "azure-native:network:VirtualNetwork", "vnet").Protect)

	rg := offlinetest.Named(t, plan, "azure-native:resources:ResourceGroup", "rg")
	vnet := offlinetest.Named(t, plan, "azure-native:network:VirtualNetwork", "vnet")
	apps := offlinetest.Named(t, plan, "azure-native:network:Subnet", "apps")
	endpoints := offlinetest.Named(t, plan, "azure-native:network:Subnet", "endpoints")
	assert.Equal(t, []string{rg.URN, apps.URN, vnet.URN}, endpoints.Dependencies,
		"explicit DependsOn and input dependencies, sorted")
	assert.Equal(t, []string{vnet.URN}, endpoints.PropertyDependencies["virtualNetworkName"])
	assert.Empty(t, rg.Dependencies)
	assert.NotNil(t, rg.Dependencies)
}

func TestSecretsStaySecret(t *testing.T) {
	plan := runSample(t)
	value := offlinetest.Named(t, plan, "azure-native:keyvault:Secret", "api-key").Inputs["properties"].ObjectValue()["value"]
	require.True(t, value.IsSecret(), "a secret config value stays secret in the inputs")
	assert.Equal(t, configSecret, value.SecretValue().Element.StringValue())
	assert.True(t, offlinetest.Named(t, plan, "azure-native:keyvault:Secret", "db-password").Inputs["properties"].ObjectValue()["value"].IsSecret())

	assert.True(t, plan.Outputs["dbPassword"].Secret)
	assert.True(t, plan.Outputs["appInsights"].Secret)
	assert.False(t, plan.Outputs["apiKeySecretUri"].Secret, "a secret's URI is not secret")
	assert.False(t, plan.Outputs["keyVaultUri"].Secret)

	data, err := json.Marshal(plan)
	require.NoError(t, err)
	for _, plaintext := range []string{configSecret, offlinetest.SecretPlaintext, "InstrumentationKey="} {
		assert.NotContains(t, string(data), plaintext)
	}
	assert.Contains(t, string(data), `{"4dabf18193072939515e22adb298388d":"1b47061264138c4ac30d75fd1eb44270","ciphertext":"[secret]"}`)
}

func TestStackOutputs(t *testing.T) {
	plan := runSample(t)
	want := map[string]string{
		"resourceGroupName":  "rg-misybot-dev",
		"keyVaultUri":        "https://kv-misybot-dev.vault.azure.net/",
		"apiKeySecretUri":    "https://kv-misybot-dev.vault.azure.net/secrets/api-key",
		"serviceBusEndpoint": "https://sb-misybot-dev.servicebus.windows.net:443/",
		"tenantId":           offline.PlaceholderTenantID,
	}
	for name, value := range want {
		o := plan.Outputs[name]
		assert.True(t, o.Known, name)
		assert.Equal(t, value, o.Value.StringValue(), name)
	}
	assert.Equal(t, []resource.PropertyValue{resource.NewProperty("orders")}, plan.Outputs["queues"].Value.ArrayValue())
	assert.Equal(t, []string{"apiKeySecretUri", "appInsights", "botFqdn", "dbPassword", "environmentIp", "keyVaultUri",
		"nsgId", "queues", "resourceGroupName", "serviceBusEndpoint", "tenantId"}, plan.OutputNames())
}

func TestDeterministic(t *testing.T) {
	first, err := json.Marshal(runSample(t))
	require.NoError(t, err)
	for range 3 {
		again, err := json.Marshal(runSample(t))
		require.NoError(t, err)
		require.JSONEq(t, string(first), string(again))
		require.Equal(t, string(first), string(again), "byte for byte")
	}
}

func TestJSONSchema(t *testing.T) {
	data, err := json.Marshal(runSample(t))
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(data, &doc))
	assert.Equal(t, float64(1), doc["version"])
	assert.Equal(t, "misybot-platform", doc["project"])
	assert.Equal(t, "dev", doc["stack"])
	resources := doc["resources"].([]any)
	first := resources[0].(map[string]any)
	for _, key := range []string{"urn", "type", "name", "parent", "custom", "protect", "id", "dependencies", "inputs"} {
		assert.Contains(t, first, key)
	}
	assert.NotContains(t, first, "read", "read is only present for reads")
	summary := doc["summary"].(map[string]any)
	assert.Equal(t, float64(len(resources)), summary["resources"])
	assert.Equal(t, float64(2), summary["byType"].(map[string]any)["azure-native:network:Subnet"])
	outputs := doc["outputs"].(map[string]any)
	assert.Equal(t, "https://kv-misybot-dev.vault.azure.net/", outputs["keyVaultUri"])
	assert.Equal(t, map[string]any{
		"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
		"ciphertext":                       "[secret]",
	}, outputs["dbPassword"])
}

func TestValueJSON(t *testing.T) {
	ref := resource.MakeCustomResourceReference("urn:pulumi:dev::p::t:m:T::x", "id-1", "")
	v := resource.NewProperty(resource.PropertyMap{
		"n":       resource.NewProperty(3.0),
		"list":    resource.NewProperty([]resource.PropertyValue{resource.NewProperty(true), resource.NewNullProperty()}),
		"secret":  resource.MakeSecret(resource.NewProperty("hidden")),
		"unknown": resource.MakeComputed(resource.NewProperty("")),
		"output":  resource.NewProperty(resource.Output{Element: resource.NewProperty("shown"), Known: true}),
		"ref":     ref,
	})
	data, err := json.Marshal(offline.ValueJSON(v))
	require.NoError(t, err)
	assert.JSONEq(t, `{"n":3,"list":[true,null],
		"secret":{"4dabf18193072939515e22adb298388d":"1b47061264138c4ac30d75fd1eb44270","ciphertext":"[secret]"},
		"unknown":"04da6b54-80e4-46f7-96ec-b56ff0331ba9","output":"shown","ref":"urn:pulumi:dev::p::t:m:T::x"}`, string(data))
	assert.NotContains(t, string(data), "hidden")
	assert.Equal(t, offline.UnknownValue, offline.OutputJSON(offline.Output{}))
}

func TestDocumentCanBeExtended(t *testing.T) {
	// Another package adds fields (a policy report) by embedding Document.
	type extended struct {
		offline.Document
		Policy []string `json:"policy"`
	}
	data, err := json.Marshal(extended{Document: runSample(t).Document(), Policy: []string{"ok"}})
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(data, &doc))
	assert.Equal(t, float64(1), doc["version"])
	assert.Equal(t, []any{"ok"}, doc["policy"])
}

func TestConfigReachesProgram(t *testing.T) {
	opts := sampleOptions()
	opts.Config["misybot-platform:location"] = "North Europe"
	opts.Config["azure-native:tenantId"] = "99999999-0000-0000-0000-000000000000"
	plan, err := offline.Run(context.Background(), opts)
	require.NoError(t, err)
	rg := offlinetest.Named(t, plan, "azure-native:resources:ResourceGroup", "rg")
	assert.Equal(t, "North Europe", rg.Inputs["location"].StringValue())
	assert.Equal(t, "northeurope", rg.State["location"].StringValue(), "ARM normalizes locations")
	assert.Equal(t, "northeurope", offlinetest.Named(t, plan, "azure-native:keyvault:Vault", "kv").State["location"].StringValue())
	assert.Equal(t, "99999999-0000-0000-0000-000000000000", plan.Outputs["tenantId"].Value.StringValue())
	assert.Regexp(t, `^https://northeurope-0\.in\.`, strings.TrimPrefix(
		regexp.MustCompile(`IngestionEndpoint=[^;]+`).FindString(offlinetest.Named(t, plan, "azure-native:insights:Component", "appi").State["connectionString"].StringValue()),
		"IngestionEndpoint="))
}

// run runs an inline program.
func run(t *testing.T, program offline.Program) (*offline.Plan, error) {
	t.Helper()
	return offline.Run(context.Background(), offline.Options{Project: "proj", Stack: "test", Program: program})
}

func TestAzureADAndInvokes(t *testing.T) {
	type result struct {
		ClientID string `pulumi:"clientId"`
		ObjectID string `pulumi:"objectId"`
		TenantID string `pulumi:"tenantId"`
	}
	var client result
	plan, err := run(t, func(ctx *pulumi.Context) (map[string]pulumi.Output, error) {
		if err := ctx.Invoke("azuread:index/getClientConfig:getClientConfig", nil, &client); err != nil {
			return nil, err
		}
		var app, sp, fic struct {
			pulumi.CustomResourceState
			ClientID pulumi.StringOutput `pulumi:"clientId"`
			ObjectID pulumi.StringOutput `pulumi:"objectId"`
		}
		if err := ctx.RegisterResource("azuread:index/application:Application", "bot", pulumi.Map{
			"displayName": pulumi.String("misybot"),
		}, &app); err != nil {
			return nil, err
		}
		if err := ctx.RegisterResource("azuread:index/servicePrincipal:ServicePrincipal", "bot", pulumi.Map{
			"clientId": app.ClientID,
		}, &sp); err != nil {
			return nil, err
		}
		if err := ctx.RegisterResource("azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential", "gh", pulumi.Map{
			"applicationId": app.ID(), "displayName": pulumi.String("github"),
		}, &fic); err != nil {
			return nil, err
		}
		return map[string]pulumi.Output{"appClientId": app.ClientID, "spObjectId": sp.ObjectID, "spId": sp.ID()}, nil
	})
	require.NoError(t, err)
	assert.Equal(t, offline.PlaceholderTenantID, client.TenantID)
	assert.Equal(t, offline.PlaceholderObjectID, client.ObjectID)

	app := offlinetest.One(t, plan, "azuread:index/application:Application")
	objectID := app.State["objectId"].StringValue()
	assert.Equal(t, "/applications/"+objectID, app.ID)
	assert.Equal(t, app.State["clientId"].StringValue(), plan.Outputs["appClientId"].Value.StringValue())
	assert.NotEqual(t, objectID, app.State["clientId"].StringValue())
	sp := offlinetest.One(t, plan, "azuread:index/servicePrincipal:ServicePrincipal")
	assert.Equal(t, sp.ID, plan.Outputs["spObjectId"].Value.StringValue())
	assert.Equal(t, sp.ID, plan.Outputs["spId"].Value.StringValue())
	fic := offlinetest.One(t, plan, "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential")
	assert.Regexp(t, "^"+objectID+"/federatedIdentityCredential/[0-9a-f-]{36}$", fic.ID)
}

func TestUnknownInvokeFails(t *testing.T) {
	_, err := run(t, func(ctx *pulumi.Context) (map[string]pulumi.Output, error) {
		var out map[string]any
		return nil, ctx.Invoke("azure-native:keyvault:getVault", nil, &out)
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no mock for function azure-native:keyvault:getVault")
}

func TestFallbackAndMissingInputs(t *testing.T) {
	plan, err := run(t, func(ctx *pulumi.Context) (map[string]pulumi.Output, error) {
		var r pulumi.CustomResourceState
		err := ctx.RegisterResource("azure-native:web:StaticSite", "site", pulumi.Map{
			"resourceGroupName": pulumi.String("rg"), "location": pulumi.String("westeurope"),
		}, &r)
		return nil, err
	})
	require.NoError(t, err)
	site := offlinetest.One(t, plan, "azure-native:web:StaticSite")
	assert.Regexp(t, `^/subscriptions/`+offline.PlaceholderSubscriptionID+`/resourceGroups/rg/providers/Microsoft.Web/staticSites/site[0-9a-f]{8}$`, site.ID)

	_, err = run(t, func(ctx *pulumi.Context) (map[string]pulumi.Output, error) {
		var r pulumi.CustomResourceState
		err := ctx.RegisterResource("azure-native:network:Subnet", "orphan", pulumi.Map{
			"resourceGroupName": pulumi.String("rg"),
		}, &r)
		return nil, err
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `azure-native:network:Subnet "orphan": missing required input "virtualNetworkName"`)
}

func TestDuplicateURN(t *testing.T) {
	_, err := run(t, func(ctx *pulumi.Context) (map[string]pulumi.Output, error) {
		for range 2 {
			var r pulumi.CustomResourceState
			if err := ctx.RegisterResource("azure-native:resources:ResourceGroup", "rg", pulumi.Map{}, &r); err != nil {
				return nil, err
			}
		}
		return nil, nil
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "duplicate resource URN")
}

func TestProgramFailure(t *testing.T) {
	_, err := run(t, func(ctx *pulumi.Context) (map[string]pulumi.Output, error) {
		return nil, errors.New("invalid things")
	})
	require.Error(t, err)
	assert.Equal(t, "proj/test: invalid things", err.Error())

	_, err = run(t, func(ctx *pulumi.Context) (map[string]pulumi.Output, error) {
		panic("boom")
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "program panicked: boom")

	_, err = offline.Run(context.Background(), offline.Options{Project: "p", Stack: "s"})
	require.Error(t, err)
}

func TestCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	opts := sampleOptions()
	_, err := offline.Run(ctx, opts)
	require.Error(t, err)
	assert.ErrorContains(t, err, "context canceled")
}

func TestReadResource(t *testing.T) {
	const existing = "/subscriptions/s/resourceGroups/shared/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net"
	plan, err := run(t, func(ctx *pulumi.Context) (map[string]pulumi.Output, error) {
		var zone struct {
			pulumi.CustomResourceState
			Name pulumi.StringOutput `pulumi:"name"`
		}
		if err := ctx.ReadResource("azure-native:network:PrivateZone", "shared-zone", pulumi.ID(existing), nil, &zone); err != nil {
			return nil, err
		}
		return map[string]pulumi.Output{"zone": zone.Name}, nil
	})
	require.NoError(t, err)
	zone := offlinetest.One(t, plan, "azure-native:network:PrivateZone")
	assert.True(t, zone.Read)
	assert.True(t, zone.Custom)
	assert.Equal(t, existing, zone.ID)
	assert.Equal(t, "privatelink.vaultcore.azure.net", plan.Outputs["zone"].Value.StringValue())
}
