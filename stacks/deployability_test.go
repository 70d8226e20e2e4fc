package stacks_test

// What a first real `pulumi up` would hit on Azure (issue 9, findings 1-9),
// each checked on the offline plans of the committed stacks.

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/infra/offline"
	"github.com/misybot/platform/infra/offline/offlinetest"
	"github.com/misybot/platform/infra/stackfile"
	"github.com/misybot/platform/stacks"
)

var allStacks = []string{"dev", "staging", "prod"}

const (
	containerAppType = "azure-native:app/v20250101:ContainerApp"
	environmentType  = "azure-native:app/v20250101:ManagedEnvironment"
)

// planWith plans a committed stack after changing its configuration.
func planWith(t testing.TB, stack string, change func(cfg map[string]string)) (*offline.Plan, error) {
	t.Helper()
	st, err := stackfile.LoadFile(filepath.Join("..", "Pulumi.yaml"), filepath.Join("..", "Pulumi."+stack+".yaml"))
	require.NoError(t, err)
	change(st.Config)
	return offline.Run(context.Background(), offline.Options{
		Project: st.Project, Stack: stack, Config: st.Config, SecretKeys: st.SecretKeys, Program: stacks.Build, StackReferences: bootstrapRefs(t),
	})
}

// editApp changes the app key of a stack configuration.
func editApp(t testing.TB, cfg map[string]string, edit func(app map[string]any)) {
	t.Helper()
	var app map[string]any
	require.NoError(t, json.Unmarshal([]byte(cfg["misybot-platform:app"]), &app))
	edit(app)
	out, err := json.Marshal(app)
	require.NoError(t, err)
	cfg["misybot-platform:app"] = string(out)
}

// Finding 1: Container Apps routes traffic only to revisions that exist or
// are created by the same update. From an empty state (a first deploy) the
// only revision is the one the template creates.
func TestFirstDeployRoutesOnlyToTheRevisionItCreates(t *testing.T) {
	for _, stack := range allStacks {
		t.Run(stack, func(t *testing.T) {
			p := planStack(t, stack)
			ca := offlinetest.One(t, p, containerAppType)
			created := offlinetest.Input(t, ca, "containerAppName").(string) + "--" + offlinetest.Input(t, ca, "template.revisionSuffix").(string)
			for _, tr := range offlinetest.Input(t, ca, "configuration.ingress.traffic").([]any) {
				assert.Equal(t, created, tr.(map[string]any)["revisionName"], "traffic to a revision that does not exist yet")
			}
			assert.Contains(t, offlinetest.Input(t, ca, "template.containers[0].image"), ":1.4.2", "the stable release is deployed first")
			assert.Empty(t, p.Outputs["canaryRevision"].Value.StringValue(), "no canary before the stable revision exists")
		})
	}
}

// Finding 2: every secret the app reads names a secret the stack declares,
// and its Key Vault reference comes from that Secret resource, so the app
// waits for it.
func TestAppSecretsAreDeclaredAndReferencedFromTheSecretResource(t *testing.T) {
	for _, stack := range allStacks {
		t.Run(stack, func(t *testing.T) {
			p := planStack(t, stack)
			ca := offlinetest.One(t, p, containerAppType)
			secrets := map[string]offline.Resource{}
			for _, s := range p.Find("azure-native:keyvault:Secret") {
				secrets[offlinetest.Input(t, s, "secretName").(string)] = s
			}
			for _, ref := range offlinetest.Input(t, ca, "configuration.secrets").([]any) {
				ref := ref.(map[string]any)
				name := ref["name"].(string)
				if name == "appinsights-connection-string" {
					continue
				}
				s, ok := secrets[name]
				require.True(t, ok, "app secret %s has no keyvault:Secret in the stack", name)
				assert.Equal(t, s.State["properties"].ObjectValue()["secretUri"].StringValue(), ref["keyVaultUrl"])
				assert.Contains(t, ca.PropertyDependencies["configuration"], s.URN, "the app waits for secret %s", name)
			}
		})
	}

	_, err := planWith(t, "dev", func(cfg map[string]string) {
		editApp(t, cfg, func(app map[string]any) {
			app["secrets"] = []any{map[string]any{"name": "bot-tokn", "envVar": "BOT_TOKEN"}}
		})
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "app.secrets[0].name")
	assert.Contains(t, err.Error(), "bot-tokn")
	assert.Contains(t, err.Error(), "keyVaultSecrets")
}

// Finding 3: the dev vault is reached from the environment through a
// private endpoint, like staging's and prod's.
func TestDevVaultReachableFromTheEnvironment(t *testing.T) {
	p := planStack(t, "dev")
	kv := offlinetest.One(t, p, "azure-native:keyvault:Vault")
	var found bool
	for _, pe := range p.Find("azure-native:network:PrivateEndpoint") {
		conn := offlinetest.Input(t, pe, "privateLinkServiceConnections[0]").(map[string]any)
		if conn["privateLinkServiceId"] == kv.ID {
			found = true
			assert.Equal(t, []any{"vault"}, conn["groupIds"])
		}
	}
	assert.True(t, found, "dev vault has no private endpoint: the environment cannot reach it")
}

// Finding 4: the KEDA azure-servicebus scaler reads queue lengths, which
// needs Manage: Azure Service Bus Data Owner on the scale queue, and only
// there.
func TestScaleQueueReadableByTheScaler(t *testing.T) {
	for _, stack := range allStacks {
		t.Run(stack, func(t *testing.T) {
			p := planStack(t, stack)
			var queueID string
			for _, q := range p.Find("azure-native:servicebus:Queue") {
				if offlinetest.Input(t, q, "queueName") == "inbound-messages" {
					queueID = q.ID
				}
			}
			require.NotEmpty(t, queueID)
			var owners []string
			for _, ra := range p.Find("azure-native:authorization:RoleAssignment") {
				if strings.HasSuffix(offlinetest.Input(t, ra, "roleDefinitionId").(string), "/090c5cfd-751d-490a-894a-3ce6f1109419") {
					owners = append(owners, offlinetest.Input(t, ra, "scope").(string))
				}
			}
			assert.Equal(t, []string{queueID}, owners)
		})
	}
}

// Finding 5: the environment's edge proxy behind the internal load
// balancer listens on 31443 (and 31080 for HTTP); the NSG lets the ingress
// sources reach it.
func TestAppsNSGLetsIngressReachTheEdgeProxy(t *testing.T) {
	p := planStack(t, "prod")
	var nsg offline.Resource
	for _, n := range p.Find("azure-native:network:NetworkSecurityGroup") {
		if strings.Contains(n.Name, "apps") {
			nsg = n
		}
	}
	require.NotEmpty(t, nsg.URN)
	ports := map[string]bool{}
	for _, r := range offlinetest.Input(t, nsg, "securityRules").([]any) {
		r := r.(map[string]any)
		if r["access"] != "Allow" || r["direction"] != "Inbound" || r["sourceAddressPrefix"] != "VirtualNetwork" {
			continue
		}
		if p, ok := r["destinationPortRange"].(string); ok {
			ports[p] = true
		}
		if ps, ok := r["destinationPortRanges"].([]any); ok {
			for _, p := range ps {
				ports[p.(string)] = true
			}
		}
	}
	assert.True(t, ports["443"], "443 from the virtual network")
	assert.True(t, ports["31443"], "31443 from the virtual network")
}

// Finding 6: a revision-scope change without a release bump asks for a new
// revision, so it needs a new suffix.
func TestRevisionScopeChangeGetsANewSuffix(t *testing.T) {
	suffix := func(cpu float64) string {
		p, err := planWith(t, "staging", func(cfg map[string]string) {
			editApp(t, cfg, func(app map[string]any) { app["cpu"] = cpu })
		})
		require.NoError(t, err)
		return offlinetest.Input(t, offlinetest.One(t, p, containerAppType), "template.revisionSuffix").(string)
	}
	half, one := suffix(0.5), suffix(1)
	assert.NotEqual(t, half, one)
	assert.Equal(t, half, suffix(0.5), "the same inputs give the same suffix")
}

// Finding 7: staging's Azure Load Testing engines run in a subnet of the
// stack's network and resolve the internal environment's domain.
func TestLoadTestEnginesReachTheInternalEnvironment(t *testing.T) {
	p := planStack(t, "staging")
	vnet := offlinetest.One(t, p, "azure-native:network:VirtualNetwork")
	out, ok := p.Outputs["loadTestSubnetId"]
	require.True(t, ok, "no loadTestSubnetId output")
	subnetID := out.Value.StringValue()
	require.True(t, strings.HasPrefix(subnetID, vnet.ID+"/subnets/"), subnetID)

	env := offlinetest.One(t, p, environmentType)
	domain := env.State["defaultDomain"].StringValue()
	staticIP := env.State["staticIp"].StringValue()
	var zone offline.Resource
	for _, z := range p.Find("azure-native:network:PrivateZone") {
		if offlinetest.Input(t, z, "privateZoneName") == domain {
			zone = z
		}
	}
	require.NotEmpty(t, zone.URN, "no private DNS zone for %s", domain)
	records := map[string]string{}
	for _, r := range p.Find("azure-native:network:PrivateRecordSet") {
		if offlinetest.Input(t, r, "privateZoneName") == domain {
			assert.Equal(t, "A", offlinetest.Input(t, r, "recordType"))
			records[offlinetest.Input(t, r, "relativeRecordSetName").(string)] = offlinetest.Input(t, r, "aRecords[0].ipv4Address").(string)
		}
	}
	assert.Equal(t, map[string]string{"*": staticIP, "@": staticIP}, records)
	var linked bool
	for _, l := range p.Find("azure-native:network:VirtualNetworkLink") {
		if offlinetest.Input(t, l, "privateZoneName") == domain {
			linked = offlinetest.Input(t, l, "virtualNetwork.id") == vnet.ID
		}
	}
	assert.True(t, linked, "the zone is linked to the stack's network")

	dev := planStack(t, "dev")
	_, ok = dev.Outputs["loadTestSubnetId"]
	assert.False(t, ok, "no load test subnet without load testing")
}

// Finding 8: RestartCount counts since the replica started, so a maximum
// above a threshold never clears; the rule measures restarts in its window.
func TestRestartAlertMeasuresNewRestarts(t *testing.T) {
	p := planStack(t, "prod")
	for _, a := range p.Find("azure-native:insights:MetricAlert") {
		metric := offlinetest.Input(t, a, "criteria.allOf[0].metricName")
		assert.NotEqual(t, "RestartCount", metric, "%s alerts on the cumulative RestartCount", a.URN)
	}
	var rule offline.Resource
	for _, r := range p.Find("azure-native:insights:ScheduledQueryRule") {
		if strings.HasSuffix(offlinetest.Input(t, r, "ruleName").(string), "-restarts") {
			rule = r
		}
	}
	require.NotEmpty(t, rule.URN, "no restart rule")
	ws := offlinetest.One(t, p, "azure-native:operationalinsights:Workspace")
	assert.Equal(t, []any{ws.ID}, offlinetest.Input(t, rule, "scopes"))
	query := offlinetest.Input(t, rule, "criteria.allOf[0].query").(string)
	assert.Contains(t, query, "ContainerAppSystemLogs")
	assert.Contains(t, query, "ca-misybot-prod-weu")
}

// Finding 9: the app waits for everything its first revision needs: the
// private endpoints' DNS registrations, the zones' links to the network,
// the secrets and its role assignments.
func TestAppWaitsForWhatItsFirstRevisionNeeds(t *testing.T) {
	for _, stack := range allStacks {
		t.Run(stack, func(t *testing.T) {
			p := planStack(t, stack)
			ca := offlinetest.One(t, p, containerAppType)
			deps := map[string]bool{}
			for _, d := range ca.Dependencies {
				deps[d] = true
			}
			for _, typ := range []string{
				"azure-native:network:PrivateDnsZoneGroup", "azure-native:network:VirtualNetworkLink",
				"azure-native:keyvault:Secret",
			} {
				rs := p.Find(typ)
				require.NotEmpty(t, rs, typ)
				for _, r := range rs {
					if typ == "azure-native:network:VirtualNetworkLink" && !strings.HasPrefix(offlinetest.Input(t, r, "privateZoneName").(string), "privatelink.") {
						continue // the load test zone is for the engines, not the app
					}
					assert.True(t, deps[r.URN], "app does not wait for %s", r.URN)
				}
			}
			for _, ra := range p.Find("azure-native:authorization:RoleAssignment") {
				if strings.HasPrefix(ra.Name, "apphosting-identity-") {
					assert.True(t, deps[ra.URN], "app does not wait for %s", ra.URN)
				}
			}
		})
	}
}
