package apphosting_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/components/apphosting"
	"github.com/misybot/platform/components/crosscut"
	"github.com/misybot/platform/infra/offline"
	"github.com/misybot/platform/infra/offline/offlinetest"
)

const (
	rg          = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-test"
	vaultID     = rg + "/providers/Microsoft.KeyVault/vaults/kv-misybot-test"
	namespaceID = rg + "/providers/Microsoft.ServiceBus/namespaces/sb-misybot-test"
	queueID     = namespaceID + "/queues/inbound"
	registryID  = rg + "/providers/Microsoft.ContainerRegistry/registries/crmisybottest"
	appiID      = rg + "/providers/Microsoft.Insights/components/appi-misybot-test"
	workspaceID = rg + "/providers/Microsoft.OperationalInsights/workspaces/log-misybot-test"

	envType      = "azure-native:app/v20250101:ManagedEnvironment"
	appType      = "azure-native:app/v20250101:ContainerApp"
	identityType = "azure-native:managedidentity:UserAssignedIdentity"
	raType       = "azure-native:authorization:RoleAssignment"
)

func baseArgs() apphosting.Args {
	return apphosting.Args{
		Inputs: crosscut.Inputs{
			ResourceGroupName: pulumi.String("rg-test"),
			Location:          "westeurope",
			Tags:              map[string]string{"environment": "test"},
			Diagnostics:       &crosscut.Diagnostics{WorkspaceID: pulumi.String(workspaceID)},
		},
		EnvironmentName:        "cae-misybot-test",
		InfrastructureSubnetID: pulumi.String(rg + "/providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet-apps"),
		Internal:               true,
		IdentityName:           "id-misybot-test",
		AppName:                "ca-misybot-bot-test",
		Registry:               apphosting.Registry{Server: "crmisybottest.azurecr.io", ID: pulumi.String(registryID)},
		Repository:             "misybot/bot",
		StableRelease:          "1.4.2",
		ExternalIngress:        true,
		TargetPort:             8080,
		MinReplicas:            1,
		KeyVault:               apphosting.KeyVault{ID: pulumi.String(vaultID), URI: pulumi.String("https://kv-misybot-test.vault.azure.net/")},
		ServiceBus: apphosting.ServiceBus{
			ID:                      pulumi.String(namespaceID),
			Name:                    pulumi.String("sb-misybot-test"),
			FullyQualifiedNamespace: pulumi.String("sb-misybot-test.servicebus.windows.net"),
			ScaleQueue:              "inbound",
			ScaleQueueID:            pulumi.String(queueID),
		},
		AppInsights: &apphosting.AppInsights{
			ID:                        pulumi.String(appiID),
			ConnectionStringSecretURI: pulumi.String("https://kv-misybot-test.vault.azure.net/secrets/appinsights-connection"),
		},
		Secrets: []apphosting.Secret{{
			Name:              "bot-token",
			KeyVaultSecretURI: pulumi.String("https://kv-misybot-test.vault.azure.net/secrets/bot-token"),
			EnvVar:            "BOT_TOKEN",
		}},
	}
}

// withCanary adds a canary to an app whose stable revision runs.
func withCanary(weight int) apphosting.Args {
	a := baseArgs()
	a.Canary = &apphosting.Canary{Release: "1.5.0", Weight: weight}
	stable, _, err := a.Revisions()
	if err != nil {
		panic(err)
	}
	a.Live = apphosting.Live{Exists: true, LatestRevision: stable, Revisions: []string{stable}}
	return a
}

// revisions are the stable and canary revision names of args.
func revisions(t *testing.T, args apphosting.Args) (stable, canary string) {
	t.Helper()
	stable, canary, err := args.Revisions()
	require.NoError(t, err)
	return stable, canary
}

// suffixOf is the revision suffix of a revision name.
func suffixOf(revision string) string {
	_, suffix, _ := strings.Cut(revision, "--")
	return suffix
}

func run(args apphosting.Args) (*offline.Plan, *apphosting.AppHosting, error) {
	var c *apphosting.AppHosting
	p, err := offline.RunProgram(func(ctx *pulumi.Context) error {
		var err error
		c, err = apphosting.New(ctx, "apps", args)
		return err
	})
	return p, c, err
}

func plan(t *testing.T, args apphosting.Args) *offline.Plan {
	t.Helper()
	p, _, err := run(args)
	require.NoError(t, err)
	return p
}

func only(t *testing.T, p *offline.Plan, typ string) offline.Resource {
	t.Helper()
	rs := p.Find(typ)
	require.Len(t, rs, 1, typ)
	return rs[0]
}

func TestEnvironment(t *testing.T) {
	p := plan(t, baseArgs())
	env := only(t, p, envType)
	for path, want := range map[string]any{
		"environmentName":                             "cae-misybot-test",
		"appLogsConfiguration.destination":            "azure-monitor",
		"vnetConfiguration.internal":                  true,
		"vnetConfiguration.infrastructureSubnetId":    rg + "/providers/Microsoft.Network/virtualNetworks/vnet/subnets/snet-apps",
		"workloadProfiles[0].name":                    "Consumption",
		"workloadProfiles[0].workloadProfileType":     "Consumption",
		"zoneRedundant":                               false,
		"peerTrafficConfiguration.encryption.enabled": true,
	} {
		assert.Equal(t, want, offlinetest.Input(t, env, path), path)
	}
	_, hasKey := env.Input("appLogsConfiguration.logAnalyticsConfiguration")
	assert.False(t, hasKey, "no workspace shared key: logs reach the workspace through the diagnostic setting")

	diags := p.Find("azure-native:insights:DiagnosticSetting")
	require.Len(t, diags, 1)
	assert.Equal(t, env.ID, offlinetest.Input(t, diags[0], "resourceUri"))
	assert.Equal(t, workspaceID, offlinetest.Input(t, diags[0], "workspaceId"))
}

func TestEverythingIsUnderTheComponent(t *testing.T) {
	p := plan(t, withCanary(10))
	comps := p.Find(apphosting.Type)
	require.Len(t, comps, 1)
	for _, r := range p.Resources {
		if r.URN != comps[0].URN {
			assert.True(t, p.IsDescendant(r.URN, comps[0].URN), "%s %s is outside the component", r.Type, r.Name)
		}
	}
}

func TestCanaryTraffic(t *testing.T) {
	for _, w := range []int{0, 1, 10, 50, 99, 100} {
		args := withCanary(w)
		stable, canary := revisions(t, args)
		p, c, err := run(args)
		require.NoError(t, err)
		ca := only(t, p, appType)
		assert.Equal(t, suffixOf(canary), offlinetest.Input(t, ca, "template.revisionSuffix"), "the template is the canary release's revision")
		assert.Regexp(t, `^v1-5-0-[0-9a-f]{6}$`, suffixOf(canary))
		assert.Equal(t, "crmisybottest.azurecr.io/misybot/bot:1.5.0", offlinetest.Input(t, ca, "template.containers[0].image"))
		assert.Equal(t, []any{
			map[string]any{"revisionName": stable, "weight": float64(100 - w)},
			map[string]any{"revisionName": canary, "weight": float64(w), "label": "canary"},
		}, offlinetest.Input(t, ca, "configuration.ingress.traffic"), "weight %d", w)
		assert.Equal(t, stable, c.StableRevision)
		assert.Equal(t, canary, c.CanaryRevision)
		assert.Equal(t, 100, c.StableWeight+c.CanaryWeight)
		assert.Equal(t, w, c.CanaryWeight)
		assert.False(t, c.CanaryDeferred)
	}
}

// Finding 1: traffic goes only to revisions that exist or that the update
// creates, so a canary waits for its stable revision.
func TestCanaryWaitsForTheStableRevision(t *testing.T) {
	args := withCanary(10)
	args.Live = apphosting.Live{} // a new app
	stable, _ := revisions(t, args)
	p, c, err := run(args)
	require.NoError(t, err)
	ca := only(t, p, appType)
	assert.Equal(t, suffixOf(stable), offlinetest.Input(t, ca, "template.revisionSuffix"))
	assert.Equal(t, "crmisybottest.azurecr.io/misybot/bot:1.4.2", offlinetest.Input(t, ca, "template.containers[0].image"))
	assert.Equal(t, []any{map[string]any{"revisionName": stable, "weight": 100.0}}, offlinetest.Input(t, ca, "configuration.ingress.traffic"))
	assert.True(t, c.CanaryDeferred)
	assert.Empty(t, c.CanaryRevision)

	// The app exists, but the stable release was never deployed.
	args.Live = apphosting.Live{Exists: true, LatestRevision: "ca-misybot-bot-test--v1-3-0-abcdef", Revisions: []string{"ca-misybot-bot-test--v1-3-0-abcdef"}}
	_, c, err = run(args)
	require.NoError(t, err)
	assert.True(t, c.CanaryDeferred)
}

func TestNoCanaryServesStableOnly(t *testing.T) {
	stable, _ := revisions(t, baseArgs())
	p, c, err := run(baseArgs())
	require.NoError(t, err)
	ca := only(t, p, appType)
	assert.Equal(t, suffixOf(stable), offlinetest.Input(t, ca, "template.revisionSuffix"))
	assert.Equal(t, "crmisybottest.azurecr.io/misybot/bot:1.4.2", offlinetest.Input(t, ca, "template.containers[0].image"))
	assert.Equal(t, []any{map[string]any{"revisionName": stable, "weight": 100.0}},
		offlinetest.Input(t, ca, "configuration.ingress.traffic"))
	assert.Equal(t, "Multiple", offlinetest.Input(t, ca, "configuration.activeRevisionsMode"))
	assert.Equal(t, 100, c.StableWeight)
	assert.Empty(t, c.CanaryRevision)
}

func TestIngressIsNeverInsecure(t *testing.T) {
	for _, external := range []bool{true, false} {
		args := baseArgs()
		args.ExternalIngress = external
		args.AllowedIPRanges = []string{"203.0.113.0/24", "198.51.100.7"}
		ca := only(t, plan(t, args), appType)
		assert.Equal(t, false, offlinetest.Input(t, ca, "configuration.ingress.allowInsecure"))
		assert.Equal(t, external, offlinetest.Input(t, ca, "configuration.ingress.external"))
		assert.Equal(t, 8080.0, offlinetest.Input(t, ca, "configuration.ingress.targetPort"))
		assert.Equal(t, "auto", offlinetest.Input(t, ca, "configuration.ingress.transport"))
		assert.Equal(t, []any{
			map[string]any{"name": "allow-0", "action": "Allow", "ipAddressRange": "198.51.100.7"},
			map[string]any{"name": "allow-1", "action": "Allow", "ipAddressRange": "203.0.113.0/24"},
		}, offlinetest.Input(t, ca, "configuration.ingress.ipSecurityRestrictions"))
	}
}

func TestSecretsAreKeyVaultReferencesOnly(t *testing.T) {
	p := plan(t, baseArgs())
	ca := only(t, p, appType)
	id := only(t, p, identityType)
	secrets := offlinetest.Input(t, ca, "configuration.secrets").([]any)
	require.Len(t, secrets, 2)
	for _, s := range secrets {
		secret := s.(map[string]any)
		assert.NotContains(t, secret, "value", "secret %v has a plain value", secret["name"])
		assert.Regexp(t, `^https://kv-misybot-test\.vault\.azure\.net/secrets/`, secret["keyVaultUrl"])
		assert.Equal(t, id.ID, secret["identity"], "read with the app's identity")
	}
	env := offlinetest.Input(t, ca, "template.containers[0].env").([]any)
	byName := map[string]map[string]any{}
	for _, e := range env {
		byName[e.(map[string]any)["name"].(string)] = e.(map[string]any)
	}
	assert.Equal(t, map[string]any{"name": "BOT_TOKEN", "secretRef": "bot-token"}, byName["BOT_TOKEN"])
	assert.Equal(t, "appinsights-connection-string", byName[apphosting.EnvAppInsightsConnection]["secretRef"])
	assert.Equal(t, "https://kv-misybot-test.vault.azure.net/", byName[apphosting.EnvKeyVaultURI]["value"])
	assert.Equal(t, "sb-misybot-test.servicebus.windows.net", byName[apphosting.EnvServiceBusNamespace]["value"])
	clientID, _ := id.State["clientId"]
	assert.Equal(t, clientID.StringValue(), byName[apphosting.EnvAzureClientID]["value"])
	assert.Equal(t, "Authorization=AAD;ClientId="+clientID.StringValue(), byName[apphosting.EnvAppInsightsAuth]["value"])
}

func TestAppInsightsConnectionStringAsPlainEnv(t *testing.T) {
	args := baseArgs()
	args.AppInsights = &apphosting.AppInsights{ID: pulumi.String(appiID), ConnectionString: pulumi.String("InstrumentationKey=x;IngestionEndpoint=https://x/")}
	ca := only(t, plan(t, args), appType)
	secrets := offlinetest.Input(t, ca, "configuration.secrets").([]any)
	require.Len(t, secrets, 1, "only bot-token stays a secret")
	assert.Contains(t, offlinetest.Input(t, ca, "template.containers[0].env"),
		map[string]any{"name": apphosting.EnvAppInsightsConnection, "value": "InstrumentationKey=x;IngestionEndpoint=https://x/"})
}

func TestRegistryPulledWithIdentity(t *testing.T) {
	p := plan(t, baseArgs())
	ca := only(t, p, appType)
	id := only(t, p, identityType)
	regs := offlinetest.Input(t, ca, "configuration.registries").([]any)
	require.Len(t, regs, 1)
	reg := regs[0].(map[string]any)
	assert.Equal(t, map[string]any{"server": "crmisybottest.azurecr.io", "identity": id.ID}, reg,
		"identity and nothing else: no username, no passwordSecretRef")
	assert.Equal(t, "UserAssigned", offlinetest.Input(t, ca, "identity.type"))
	assert.Equal(t, []any{id.ID}, offlinetest.Input(t, ca, "identity.userAssignedIdentities"))
}

func TestScaleRules(t *testing.T) {
	p := plan(t, baseArgs())
	ca := only(t, p, appType)
	id := only(t, p, identityType)
	assert.Equal(t, 1.0, offlinetest.Input(t, ca, "template.scale.minReplicas"))
	assert.Equal(t, 10.0, offlinetest.Input(t, ca, "template.scale.maxReplicas"))
	rules := offlinetest.Input(t, ca, "template.scale.rules").([]any)
	require.Len(t, rules, 2)
	assert.Equal(t, map[string]any{"name": "http-concurrency", "http": map[string]any{"metadata": map[string]any{"concurrentRequests": "50"}}}, rules[0])
	sb := rules[1].(map[string]any)
	custom := sb["custom"].(map[string]any)
	assert.Equal(t, "azure-servicebus", custom["type"])
	assert.Equal(t, map[string]any{"namespace": "sb-misybot-test", "queueName": "inbound", "messageCount": "5"}, custom["metadata"])
	assert.Equal(t, id.ID, custom["identity"], "KEDA authenticates with the managed identity")
	assert.NotContains(t, custom, "auth", "no connection string secret")
	assert.NotContains(t, strings.ToLower(mustJSON(t, custom)), "secretref")
	assert.NotContains(t, strings.ToLower(mustJSON(t, custom)), "connection")
}

func TestProbesAndResources(t *testing.T) {
	args := baseArgs()
	args.Probes = apphosting.Probes{Liveness: "/live", Readiness: "/ready"}
	args.CPU = 1
	ca := only(t, plan(t, args), appType)
	probes := map[string]string{}
	for _, p := range offlinetest.Input(t, ca, "template.containers[0].probes").([]any) {
		probe := p.(map[string]any)
		get := probe["httpGet"].(map[string]any)
		assert.Equal(t, 8080.0, get["port"])
		probes[probe["type"].(string)] = get["path"].(string)
	}
	assert.Equal(t, map[string]string{"Liveness": "/live", "Readiness": "/ready", "Startup": apphosting.DefaultStartupPath}, probes)
	assert.Equal(t, 1.0, offlinetest.Input(t, ca, "template.containers[0].resources.cpu"))
	assert.Equal(t, "2Gi", offlinetest.Input(t, ca, "template.containers[0].resources.memory"))
}

func TestRoleAssignmentsScopedToOneResourceEach(t *testing.T) {
	p := plan(t, baseArgs())
	id := only(t, p, identityType)
	principal := id.State["principalId"].StringValue()
	want := map[string]string{
		crosscut.RoleKeyVaultSecretsUser:          vaultID,
		crosscut.RoleServiceBusDataSender:         namespaceID,
		crosscut.RoleServiceBusDataReceiver:       namespaceID,
		crosscut.RoleServiceBusDataOwner:          queueID,
		crosscut.RoleAcrPull:                      registryID,
		apphosting.RoleMonitoringMetricsPublisher: appiID,
	}
	ras := p.Find(raType)
	require.Len(t, ras, len(want))
	got := map[string]string{}
	for _, ra := range ras {
		role := offlinetest.Input(t, ra, "roleDefinitionId").(string)
		guid := role[strings.LastIndex(role, "/")+1:]
		assert.Equal(t, "/subscriptions/00000000-0000-0000-0000-000000000001/providers/Microsoft.Authorization/roleDefinitions/"+guid, role)
		got[guid] = offlinetest.Input(t, ra, "scope").(string)
		assert.Equal(t, principal, offlinetest.Input(t, ra, "principalId"))
		assert.Equal(t, "ServicePrincipal", offlinetest.Input(t, ra, "principalType"))
	}
	assert.Equal(t, want, got)

	// The app starts only once its identity can pull and read secrets.
	ca := only(t, p, appType)
	for _, ra := range ras {
		assert.Contains(t, ca.Dependencies, ra.URN)
	}
	assert.ElementsMatch(t, apphosting.AssignedRoles(), keys(want))
}

func TestLockAndAppRoleAssignments(t *testing.T) {
	args := baseArgs()
	args.Lock = true
	args.RoleAssignments = map[string]crosscut.RoleAssignment{"readers": {
		PrincipalID: pulumi.String("22222222-2222-2222-2222-222222222222"), PrincipalType: "Group", RoleDefinitionID: crosscut.RoleReader,
	}}
	p := plan(t, args)
	env, ca := only(t, p, envType), only(t, p, appType)
	var scopes []any
	for _, l := range p.Find("azure-native:authorization:ManagementLockByScope") {
		scopes = append(scopes, offlinetest.Input(t, l, "scope"))
	}
	assert.ElementsMatch(t, []any{env.ID, ca.ID}, scopes)
	var readerScope any
	for _, ra := range p.Find(raType) {
		if strings.HasSuffix(offlinetest.Input(t, ra, "roleDefinitionId").(string), crosscut.RoleReader) {
			readerScope = offlinetest.Input(t, ra, "scope")
		}
	}
	assert.Equal(t, ca.ID, readerScope)
}

func TestOutputs(t *testing.T) {
	stable, canary := revisions(t, withCanary(20))
	p, c, err := run(withCanary(20))
	require.NoError(t, err)
	assert.Equal(t, stable, c.StableRevision)
	assert.Equal(t, 80, c.StableWeight)
	assert.Equal(t, canary, c.CanaryRevision)
	assert.Equal(t, 20, c.CanaryWeight)

	env := only(t, p, envType)
	domain, ok := env.State["defaultDomain"]
	if !ok || domain.StringValue() == "" {
		t.Skip("the offline mocks compute no outputs for " + envType + " yet (defaultDomain, ingress fqdn)")
	}
	out, err := offline.Run(t.Context(), offline.Options{Project: "test", Stack: "dev", Program: func(ctx *pulumi.Context) (map[string]pulumi.Output, error) {
		c, err := apphosting.New(ctx, "apps", withCanary(20))
		if err != nil {
			return nil, err
		}
		return map[string]pulumi.Output{"url": c.URL, "canaryUrl": c.CanaryURL, "clientId": c.IdentityClientID}, nil
	}})
	require.NoError(t, err)
	assert.Equal(t, "https://ca-misybot-bot-test."+domain.StringValue(), out.Outputs["url"].Value.StringValue())
	assert.Equal(t, "https://ca-misybot-bot-test---canary."+domain.StringValue(), out.Outputs["canaryUrl"].Value.StringValue())
}

func TestInvalidArgs(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*apphosting.Args)
		want   string
	}{
		{"canary weight over 100", func(a *apphosting.Args) { a.Canary = &apphosting.Canary{Release: "1.5.0", Weight: 101} }, "args.Canary.Weight: canary weight 101: want 0-100"},
		{"negative canary weight", func(a *apphosting.Args) { a.Canary = &apphosting.Canary{Release: "1.5.0", Weight: -5} }, "args.Canary.Weight: canary weight -5"},
		{"canary without release", func(a *apphosting.Args) { a.Canary = &apphosting.Canary{Weight: 10} }, "args.Canary.Release is required"},
		{"canary same as stable", func(a *apphosting.Args) { a.Canary = &apphosting.Canary{Release: "1-4-2", Weight: 10} }, "same revision suffix"},
		{"scale queue without its ID", func(a *apphosting.Args) { a.ServiceBus.ScaleQueueID = nil }, "ScaleQueueID"},
		{"canary with scale to zero", func(a *apphosting.Args) {
			a.Canary, a.MinReplicas = &apphosting.Canary{Release: "1.5.0", Weight: 10}, 0
		}, "MinReplicas must be at least 1 with a canary"},
		{"release breaking the suffix rules", func(a *apphosting.Args) { a.StableRelease = "+++" }, "args.StableRelease: release \"+++\": no letters or digits"},
		{"revision name too long", func(a *apphosting.Args) { a.StableRelease = strings.Repeat("x", 30) }, "more than 54"},
		{"bad app name", func(a *apphosting.Args) { a.AppName = "Bot_App" }, "args.AppName"},
		{"no stable release", func(a *apphosting.Args) { a.StableRelease = "" }, "args.StableRelease is required"},
		{"no diagnostics", func(a *apphosting.Args) { a.Diagnostics = nil }, "args.Diagnostics"},
		{"secret URI not https", func(a *apphosting.Args) {
			a.Secrets[0].KeyVaultSecretURI = pulumi.String("http://kv-misybot-test.vault.azure.net/secrets/bot-token")
		}, "args.Secrets[0] (bot-token): key vault secret URI"},
		{"plain value instead of a secret URI", func(a *apphosting.Args) {
			a.Secrets[0].KeyVaultSecretURI = pulumi.String("xoxb-super-secret-bot-token")
		}, "want https://<vault>.vault.azure.net/secrets/<name>"},
		{"secret name over 253", func(a *apphosting.Args) { a.Secrets[0].Name = strings.Repeat("s", 254) }, "args.Secrets[0].Name"},
		{"secret name ending with a dot", func(a *apphosting.Args) { a.Secrets[0].Name = "bot-token." }, "args.Secrets[0].Name"},
		{"secret env var clashing", func(a *apphosting.Args) { a.Secrets[0].EnvVar = apphosting.EnvAzureClientID }, "EnvVar"},
		{"open allow-list", func(a *apphosting.Args) { a.AllowedIPRanges = []string{"0.0.0.0/0"} }, "no allow-list"},
		{"cpu and memory mismatch", func(a *apphosting.Args) { a.CPU, a.Memory = 0.5, "4Gi" }, "pairs 0.5 cores with 1Gi"},
		{"bad cpu", func(a *apphosting.Args) { a.CPU = 0.3 }, "args.CPU 0.3"},
		{"bad port", func(a *apphosting.Args) { a.TargetPort = 0 }, "args.TargetPort 0"},
		{"image tag in repository", func(a *apphosting.Args) { a.Repository = "misybot/bot:latest" }, "args.Repository"},
		{"min above max", func(a *apphosting.Args) { a.MinReplicas, a.MaxReplicas = 5, 2 }, "MinReplicas 5, MaxReplicas 2"},
		{"app insights both ways", func(a *apphosting.Args) { a.AppInsights.ConnectionString = pulumi.String("x") }, "exactly one of"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := baseArgs()
			tc.mutate(&args)
			_, _, err := run(args)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Contains(t, err.Error(), `apphosting "apps"`)
			assert.NotContains(t, err.Error(), "xoxb-super-secret-bot-token\"\n")
		})
	}
}

func TestSecretURIFromOutputIsCheckedWhenKnown(t *testing.T) {
	args := baseArgs()
	args.Secrets[0].KeyVaultSecretURI = pulumi.String("https://evil.example.com/secrets/bot-token").ToStringOutput()
	_, _, err := run(args)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "secret bot-token: key vault secret URI")
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// Finding 4: the KEDA scaler reads the scale queue's length, which needs
// Manage: Data Owner on that queue, not on the namespace.
func TestScalerMayReadTheScaleQueueOnly(t *testing.T) {
	p := plan(t, baseArgs())
	var scopes []any
	for _, ra := range p.Find(raType) {
		if strings.HasSuffix(offlinetest.Input(t, ra, "roleDefinitionId").(string), "/"+crosscut.RoleServiceBusDataOwner) {
			scopes = append(scopes, offlinetest.Input(t, ra, "scope"))
		}
	}
	assert.Equal(t, []any{queueID}, scopes)

	args := baseArgs()
	args.ServiceBus.ScaleQueue, args.ServiceBus.ScaleQueueID = "", nil
	for _, ra := range plan(t, args).Find(raType) {
		assert.NotContains(t, offlinetest.Input(t, ra, "roleDefinitionId"), crosscut.RoleServiceBusDataOwner, "no scaler, no Data Owner")
	}
}

// Finding 9: the app waits for what its first revision needs and no input
// refers to.
func TestAppWaitsForItsPrerequisites(t *testing.T) {
	args := baseArgs()
	p, err := offline.RunProgram(func(ctx *pulumi.Context) error {
		marker := &struct{ pulumi.CustomResourceState }{}
		if err := ctx.RegisterResource("test:index:Prerequisite", "dns-ready", pulumi.Map{}, marker); err != nil {
			return err
		}
		args.DependsOn = []pulumi.Resource{marker}
		_, err := apphosting.New(ctx, "apps", args)
		return err
	})
	require.NoError(t, err)
	marker := only(t, p, "test:index:Prerequisite")
	assert.Contains(t, only(t, p, appType).Dependencies, marker.URN)
}

// Finding 6: the suffix changes with every revision-scope input, and only
// with them.
func TestSuffixFollowsTheRevisionScope(t *testing.T) {
	base, _ := revisions(t, baseArgs())
	for name, change := range map[string]func(*apphosting.Args){
		"cpu":          func(a *apphosting.Args) { a.CPU, a.Memory = 1, "" },
		"env value":    func(a *apphosting.Args) { a.Env = map[string]string{"LOG_LEVEL": "debug"} },
		"probe path":   func(a *apphosting.Args) { a.Probes.Readiness = "/ready" },
		"max replicas": func(a *apphosting.Args) { a.MaxReplicas = 20 },
		"min replicas": func(a *apphosting.Args) { a.MinReplicas = 2 },
		"secret ref":   func(a *apphosting.Args) { a.Secrets[0].EnvVar = "TOKEN" },
		"scale queue":  func(a *apphosting.Args) { a.ServiceBus.MessageCount = 50 },
		"registry":     func(a *apphosting.Args) { a.Registry.Server = "crother.azurecr.io" },
		"identity":     func(a *apphosting.Args) { a.IdentityName = "id-other" },
	} {
		args := baseArgs()
		change(&args)
		got, _ := revisions(t, args)
		assert.NotEqual(t, base, got, name)
		assert.Equal(t, strings.Split(suffixOf(base), "-")[:3], strings.Split(suffixOf(got), "-")[:3], "%s: same release part", name)
	}
	for name, change := range map[string]func(*apphosting.Args){
		"traffic weight": func(a *apphosting.Args) { a.Canary = &apphosting.Canary{Release: "1.5.0", Weight: 30} },
		"ip allow-list":  func(a *apphosting.Args) { a.AllowedIPRanges = []string{"203.0.113.0/24"} },
		"lock":           func(a *apphosting.Args) { a.Lock = true },
		"secret URI": func(a *apphosting.Args) {
			a.Secrets[0].KeyVaultSecretURI = pulumi.String("https://kv-other.vault.azure.net/secrets/bot-token")
		},
	} {
		args := baseArgs()
		change(&args)
		got, _ := revisions(t, args)
		assert.Equal(t, base, got, "%s is application scope: no new revision", name)
	}
}

// The lookup of the deployed app fails under today's mocks, as it does in
// Azure for an app that does not exist yet: a first deploy.
func TestLookupLiveOfANewApp(t *testing.T) {
	var live apphosting.Live
	_, err := offline.RunProgram(func(ctx *pulumi.Context) error {
		live = apphosting.LookupLive(ctx, "rg-test", "ca-misybot-bot-test")
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, apphosting.Live{}, live)
}
