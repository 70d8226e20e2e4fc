package stacks_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/components/crosscut"
	"github.com/misybot/platform/infra/bootstrapstate"
	"github.com/misybot/platform/infra/offline"
	"github.com/misybot/platform/infra/offline/offlinetest"
	"github.com/misybot/platform/infra/stackfile"
	"github.com/misybot/platform/stacks"
)

// bootstrapRefs answers the stacks' reference to the bootstrap from the
// committed bootstrap's offline plan.
func bootstrapRefs(t testing.TB) offline.StackReferences {
	t.Helper()
	st, err := bootstrapstate.Plan(context.Background(), filepath.Join("..", bootstrapstate.Dir))
	require.NoError(t, err)
	return st.References()
}

func planFile(t testing.TB, stackFile string) (*offline.Plan, error) {
	t.Helper()
	st, err := stackfile.LoadFile(filepath.Join("..", "Pulumi.yaml"), stackFile)
	require.NoError(t, err)
	// A test variant (Pulumi.dev-secrets.yaml) plans as the stack it varies.
	name, _, _ := strings.Cut(strings.TrimSuffix(strings.TrimPrefix(filepath.Base(stackFile), "Pulumi."), ".yaml"), "-secrets")
	return offline.Run(context.Background(), offline.Options{
		Project: st.Project, Stack: name, Config: st.Config, SecretKeys: st.SecretKeys, Program: stacks.Build, StackReferences: bootstrapRefs(t),
	})
}

func planStack(t testing.TB, stack string) *offline.Plan {
	t.Helper()
	p, err := planFile(t, filepath.Join("..", "Pulumi."+stack+".yaml"))
	require.NoError(t, err)
	return p
}

func TestCommittedStacksPlan(t *testing.T) {
	for _, stack := range []string{"dev", "staging", "prod"} {
		t.Run(stack, func(t *testing.T) {
			p := planStack(t, stack)
			for _, typ := range []string{
				"azure-native:network:VirtualNetwork",
				"azure-native:keyvault:Vault", "azure-native:servicebus:Namespace",
				"azure-native:operationalinsights:Workspace", "azure-native:insights:Component",
				"azure-native:insights:ActionGroup",
			} {
				assert.Len(t, p.Find(typ), 1, typ)
			}
			nsgs := 2
			if stack == "staging" {
				nsgs = 3 // the load test subnet's
			}
			assert.Len(t, p.Find("azure-native:network:NetworkSecurityGroup"), nsgs)
			assert.Equal(t, stack, p.Outputs["environment"].Value.StringValue())
			assert.True(t, p.Outputs["appInsightsConnectionString"].Secret)
			kv := offlinetest.One(t, p, "azure-native:keyvault:Vault")
			assert.Equal(t, "https://"+offlinetest.Input(t, kv, "vaultName").(string)+".vault.azure.net/", p.Outputs["keyVaultUri"].Value.StringValue())
		})
	}
}

// Everything that can carry tags carries the five standard ones.
func TestEveryTaggableResourceIsTagged(t *testing.T) {
	taggable := map[string]bool{
		"azure-native:resources:ResourceGroup": true, "azure-native:network:VirtualNetwork": true,
		"azure-native:network:NetworkSecurityGroup": true, "azure-native:network:PrivateZone": true,
		"azure-native:network:VirtualNetworkLink": true, "azure-native:network:PrivateEndpoint": true,
		"azure-native:keyvault:Vault": true, "azure-native:servicebus:Namespace": true,
		"azure-native:operationalinsights:Workspace": true, "azure-native:insights:Component": true,
		"azure-native:insights:ActionGroup": true,
	}
	for _, stack := range []string{"dev", "prod"} {
		p := planStack(t, stack)
		seen := 0
		for _, r := range p.Resources {
			if !taggable[r.Type] {
				continue
			}
			seen++
			tags, ok := r.Input("tags")
			require.True(t, ok, "%s has no tags", r.URN)
			for _, k := range []string{"environment", "application", "owner", "cost-center", "managed-by"} {
				assert.NotEmpty(t, tags.(map[string]any)[k], "%s: tag %s", r.URN, k)
			}
			assert.Equal(t, stack, tags.(map[string]any)["environment"])
		}
		assert.GreaterOrEqual(t, seen, 11)
	}
}

func TestProdIsLockedDownAndProtected(t *testing.T) {
	p := planStack(t, "prod")
	// The bootstrap owns the resource group; no lock in the stack: a
	// CanNotDelete lock would block every replace, and CI cannot manage
	// locks. Stateful resources are protected instead.
	assert.Empty(t, p.Find("azure-native:resources:ResourceGroup"))
	assert.Empty(t, p.Find("azure-native:authorization:ManagementLockByScope"))
	for _, typ := range []string{"azure-native:keyvault:Vault", "azure-native:servicebus:Namespace", "azure-native:operationalinsights:Workspace"} {
		assert.True(t, offlinetest.One(t, p, typ).Protect, "%s is protected in prod", typ)
	}

	kv := offlinetest.One(t, p, "azure-native:keyvault:Vault")
	assert.Equal(t, "Disabled", offlinetest.Input(t, kv, "properties.publicNetworkAccess"))
	assert.Equal(t, true, offlinetest.Input(t, kv, "properties.enablePurgeProtection"))
	assert.Equal(t, "premium", offlinetest.Input(t, kv, "properties.sku.name"))
	ns := offlinetest.One(t, p, "azure-native:servicebus:Namespace")
	assert.Equal(t, "Premium", offlinetest.Input(t, ns, "sku.name"))
	assert.Equal(t, true, offlinetest.Input(t, ns, "zoneRedundant"))
	assert.Equal(t, "Disabled", offlinetest.Input(t, ns, "publicNetworkAccess"))

	groups := map[any]bool{}
	for _, pep := range p.Find("azure-native:network:PrivateEndpoint") {
		groups[offlinetest.Input(t, pep, "privateLinkServiceConnections[0].groupIds[0]")] = true
		assert.Contains(t, offlinetest.Input(t, pep, "subnet.id"), "/subnets/snet-misybot-endpoints-")
	}
	assert.Equal(t, map[any]bool{"vault": true, "namespace": true}, groups)
}

func TestDevIsLooserOnlyWhereItsConfigSaysSo(t *testing.T) {
	p := planStack(t, "dev")
	kv := offlinetest.One(t, p, "azure-native:keyvault:Vault")
	assert.Equal(t, "Enabled", offlinetest.Input(t, kv, "properties.publicNetworkAccess"))
	assert.Equal(t, "Deny", offlinetest.Input(t, kv, "properties.networkAcls.defaultAction"), "public, but only for listed addresses")
	assert.NotEmpty(t, offlinetest.Input(t, kv, "properties.networkAcls.ipRules"))
	_, purge := kv.Input("properties.enablePurgeProtection")
	assert.False(t, purge)
	ns := offlinetest.One(t, p, "azure-native:servicebus:Namespace")
	assert.Equal(t, "Standard", offlinetest.Input(t, ns, "sku.name"))
	assert.Equal(t, true, offlinetest.Input(t, ns, "disableLocalAuth"), "SAS stays off even in dev")
	// Service Bus Standard has no private endpoints; the vault always has one.
	peps := p.Find("azure-native:network:PrivateEndpoint")
	require.Len(t, peps, 1)
	assert.Equal(t, []any{"vault"}, offlinetest.Input(t, peps[0], "privateLinkServiceConnections[0].groupIds"))
	for _, r := range p.Resources {
		assert.False(t, r.Protect, "%s is not protected in dev", r.URN)
	}
	assert.Empty(t, p.Find("azure-native:authorization:ManagementLockByScope"))
}

func TestDiagnosticsReachTheWorkspace(t *testing.T) {
	p := planStack(t, "staging")
	ws := offlinetest.One(t, p, "azure-native:operationalinsights:Workspace")
	targets := map[string]bool{}
	for _, d := range p.Find("azure-native:insights:DiagnosticSetting") {
		assert.Equal(t, ws.ID, offlinetest.Input(t, d, "workspaceId"))
		targets[strings.Split(offlinetest.Input(t, d, "resourceUri").(string), "/providers/")[1]] = true
	}
	var kinds []string
	for k := range targets {
		kinds = append(kinds, strings.Split(k, "/")[1])
	}
	assert.ElementsMatch(t, []string{"virtualNetworks", "networkSecurityGroups", "networkSecurityGroups", "networkSecurityGroups", "vaults", "namespaces", "managedEnvironments"}, kinds)
}

func TestSecretsFromConfigStaySecret(t *testing.T) {
	p, err := planFile(t, filepath.Join("testdata", "Pulumi.dev-secrets.yaml"))
	require.NoError(t, err)
	secrets := p.Find("azure-native:keyvault:Secret")
	require.Len(t, secrets, 2)
	for _, s := range secrets {
		assert.True(t, s.IsSecret("properties.value"), s.URN)
	}

	// The same with a decrypted value, as `pulumi up` passes it.
	const plaintext = "xoxb-decrypted-bot-token"
	st, err := stackfile.LoadFile(filepath.Join("..", "Pulumi.yaml"), filepath.Join("testdata", "Pulumi.dev-secrets.yaml"))
	require.NoError(t, err)
	st.Config["misybot-platform:keyVaultSecrets"] = `{"bot-token":"` + plaintext + `"}`
	p, err = offline.Run(context.Background(), offline.Options{
		Project: st.Project, Stack: "dev", Config: st.Config, SecretKeys: st.SecretKeys, Program: stacks.Build, StackReferences: bootstrapRefs(t),
	})
	require.NoError(t, err)
	secrets = p.Find("azure-native:keyvault:Secret")
	require.Len(t, secrets, 1)
	assert.Equal(t, plaintext, offlinetest.Input(t, secrets[0], "properties.value"))
	assert.True(t, secrets[0].IsSecret("properties.value"))
	out, err := json.Marshal(p)
	require.NoError(t, err)
	assert.NotContains(t, string(out), plaintext)
}

func TestPlainSecretsAreRefused(t *testing.T) {
	st, err := stackfile.LoadFile(filepath.Join("..", "Pulumi.yaml"), filepath.Join("testdata", "Pulumi.dev-secrets.yaml"))
	require.NoError(t, err)
	_, err = offline.Run(context.Background(), offline.Options{
		Project: st.Project, Stack: "dev", Config: st.Config, SecretKeys: nil, Program: stacks.Build, StackReferences: bootstrapRefs(t),
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "keyVaultSecrets")
	assert.Contains(t, err.Error(), "--secret")
}

func TestStacksDoNotShareNames(t *testing.T) {
	seen := map[string]string{}
	for _, stack := range []string{"dev", "staging", "prod"} {
		for _, r := range planStack(t, stack).Resources {
			if r.ID == "" || r.Type == offline.StackReferenceType {
				continue // every stack reads the one bootstrap stack
			}
			if other, dup := seen[r.ID]; dup {
				t.Errorf("%s and %s have the same ID %s", other, stack, r.ID)
			}
			seen[r.ID] = stack
		}
	}
}

func TestAppHostingInEveryStack(t *testing.T) {
	for _, stack := range []string{"dev", "staging", "prod"} {
		t.Run(stack, func(t *testing.T) {
			p := planStack(t, stack)
			apps := p.Find("azure-native:app/v20250101:ContainerApp")
			require.Len(t, apps, 1)
			app := apps[0]
			assert.Equal(t, false, offlinetest.Input(t, app, "configuration.ingress.allowInsecure"))
			assert.Equal(t, "Multiple", offlinetest.Input(t, app, "configuration.activeRevisionsMode"))

			// Traffic always sums to 100, and names the revisions the
			// outputs announce.
			total := 0.0
			revisions := map[any]float64{}
			for _, tr := range offlinetest.Input(t, app, "configuration.ingress.traffic").([]any) {
				tr := tr.(map[string]any)
				total += tr["weight"].(float64)
				revisions[tr["revisionName"]] = tr["weight"].(float64)
			}
			assert.Equal(t, 100.0, total)
			assert.Equal(t, float64(p.Outputs["stableWeight"].Value.NumberValue()), revisions[p.Outputs["stableRevision"].Value.StringValue()])

			// Secrets are Key Vault references only.
			for _, sec := range offlinetest.Input(t, app, "configuration.secrets").([]any) {
				sec := sec.(map[string]any)
				assert.NotContains(t, sec, "value")
				assert.Contains(t, sec["keyVaultUrl"], ".vault.azure.net/secrets/")
				assert.NotEmpty(t, sec["identity"])
			}

			// Every role assignment of the app identity is scoped to exactly
			// one resource of the stack's resource group; the registry pull
			// grant and the CI identities are the bootstrap's.
			rgID := "/subscriptions/" + offline.PlaceholderSubscriptionID + "/resourceGroups/rg-misybot-" + stack + "-weu/"
			for _, ra := range p.Find("azure-native:authorization:RoleAssignment") {
				scope := offlinetest.Input(t, ra, "scope").(string)
				assert.NotRegexp(t, `^/subscriptions/[^/]+/?$`, scope, "%s is scoped to a subscription", ra.URN)
				assert.True(t, strings.HasPrefix(scope, rgID), "%s: %s is outside the stack's resource group", ra.URN, scope)
				// One resource: a top-level one, or a queue of the namespace.
				assert.Regexp(t, `/providers/Microsoft\.[A-Za-z]+/[A-Za-z]+/[^/]+(/queues/[^/]+)?$`, scope, ra.URN)
				assert.NotContains(t, offlinetest.Input(t, ra, "roleDefinitionId"), crosscut.RoleAcrPull)
			}
			assert.Empty(t, p.Find("azuread:index/application:Application"), "Entra applications are the bootstrap's")
			id := offlinetest.One(t, p, "azure-native:managedidentity:UserAssignedIdentity")
			assert.True(t, id.Read, "the app's identity is the bootstrap's, read by ID")
			assert.Equal(t, rgID+"providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-misybot-app-"+stack+"-weu", id.ID)

			assert.NotEmpty(t, p.Find("azure-native:insights:MetricAlert"))
			for _, out := range []string{"appUrl", "stableRevision", "appIdentityClientId", "keyVaultUri", "serviceBusNamespace", "logAnalyticsWorkspaceId"} {
				assert.NotEmpty(t, p.Outputs[out].Value.StringValue(), out)
			}
		})
	}
}

// Prod's config has a canary; from an empty state (a first deploy) the
// stable release is deployed alone and the canary waits for the next
// update (TestFirstDeployRoutesOnlyToTheRevisionItCreates).
func TestProdCanaryDeferredOnAFirstDeploy(t *testing.T) {
	p := planStack(t, "prod")
	assert.Regexp(t, `^ca-misybot-prod-weu--v1-4-2-[0-9a-f]{6}$`, p.Outputs["stableRevision"].Value.StringValue())
	assert.Empty(t, p.Outputs["canaryRevision"].Value.StringValue())
	assert.Equal(t, 100.0, p.Outputs["stableWeight"].Value.NumberValue())
	assert.Equal(t, 0.0, p.Outputs["canaryWeight"].Value.NumberValue())
	assert.Empty(t, p.Outputs["canaryUrl"].Value.StringValue())
}

func BenchmarkPlanProd(b *testing.B) {
	st, err := stackfile.Load("..", "prod")
	require.NoError(b, err)
	refs := bootstrapRefs(b)
	for b.Loop() {
		_, err := offline.Run(context.Background(), offline.Options{
			Project: st.Project, Stack: "prod", Config: st.Config, SecretKeys: st.SecretKeys, Program: stacks.Build, StackReferences: refs,
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func TestLoadTestingOnlyInStaging(t *testing.T) {
	for stack, want := range map[string]int{"dev": 0, "staging": 1, "prod": 0} {
		p := planStack(t, stack)
		assert.Len(t, p.Find("azure-native:loadtestservice:LoadTest"), want, stack)
		if want == 0 {
			continue
		}
		// The bootstrap gives the deploy identity Load Test Contributor on
		// the resource group (bootstrap/foundation).
		assert.NotEmpty(t, p.Outputs["loadTestingDataPlaneUri"].Value.StringValue())
	}
}
