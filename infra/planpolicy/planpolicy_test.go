package planpolicy_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/infra/bootstrapstate"
	"github.com/misybot/platform/infra/offline"
	"github.com/misybot/platform/infra/planpolicy"
	"github.com/misybot/platform/infra/stackfile"
	"github.com/misybot/platform/policy/rules"
	"github.com/misybot/platform/stacks"
)

func plan(t *testing.T, stack string) *offline.Plan {
	t.Helper()
	st, err := stackfile.Load("../..", stack)
	require.NoError(t, err)
	boot, err := bootstrapstate.Plan(context.Background(), "../../"+bootstrapstate.Dir)
	require.NoError(t, err)
	p, err := offline.Run(context.Background(), offline.Options{
		Project: st.Project, Stack: stack, Config: st.Config, SecretKeys: st.SecretKeys, Program: stacks.Build, StackReferences: boot.References(),
	})
	require.NoError(t, err)
	return p
}

func TestCommittedStacksHaveNoMandatoryViolation(t *testing.T) {
	reg := rules.NewRegistry()
	for _, stack := range []string{"dev", "staging", "prod"} {
		t.Run(stack, func(t *testing.T) {
			rep := planpolicy.Evaluate(reg, plan(t, stack), rules.Config{})
			assert.Equal(t, stack, rep.Environment)
			assert.Greater(t, rep.Counts.RulesRun, 20)
			for _, v := range rep.Violations {
				assert.NotEqual(t, rules.Mandatory, v.Enforcement, "%s: %s (%s)", v.Rule, v.Message, v.URN)
			}
			assert.Empty(t, rep.Undecidable, "the offline plan knows every value")
		})
	}
}

// mutation changes one resource of the plan's policy view, as a careless
// edit of the program would.
type mutation struct {
	name   string
	stack  string
	typ    string
	mutate func(props map[string]any)
	rule   string
}

func TestMutatedStacksFireTheRule(t *testing.T) {
	reg := rules.NewRegistry()
	for _, m := range []mutation{
		{"SSH open to the Internet", "prod", "azure-native:network:NetworkSecurityGroup", func(p map[string]any) {
			p["securityRules"] = append([]any{map[string]any{
				"name": "ssh", "priority": 100.0, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
				"sourceAddressPrefix": "Internet", "sourcePortRange": "*", "destinationAddressPrefix": "*", "destinationPortRange": "22",
			}}, p["securityRules"].([]any)...)
		}, "nsg-no-internet-ssh-rdp"},
		{"deny-all removed", "staging", "azure-native:network:NetworkSecurityGroup", func(p map[string]any) {
			rs := p["securityRules"].([]any)
			p["securityRules"] = rs[:len(rs)-1]
		}, "nsg-explicit-deny-all-inbound"},
		{"vault opened to the public", "prod", "azure-native:keyvault:Vault", func(p map[string]any) {
			p["properties"].(map[string]any)["publicNetworkAccess"] = "Enabled"
		}, "keyvault-no-public-network-access"},
		{"purge protection dropped", "staging", "azure-native:keyvault:Vault", func(p map[string]any) {
			delete(p["properties"].(map[string]any), "enablePurgeProtection")
		}, "keyvault-purge-protection"},
		{"SAS keys re-enabled", "dev", "azure-native:servicebus:Namespace", func(p map[string]any) {
			p["disableLocalAuth"] = false
		}, "servicebus-local-auth-disabled"},
		{"Standard Service Bus in prod", "prod", "azure-native:servicebus:Namespace", func(p map[string]any) {
			p["sku"] = map[string]any{"name": "Standard", "tier": "Standard"}
		}, "servicebus-premium-in-prod"},
		{"tags stripped", "dev", "azure-native:keyvault:Vault", func(p map[string]any) {
			delete(p, "tags")
		}, "required-tags"},
		{"subnet without NSG", "prod", "azure-native:network:VirtualNetwork", func(p map[string]any) {
			delete(p["subnets"].([]any)[1].(map[string]any), "networkSecurityGroup")
		}, "subnet-has-nsg"},
		{"App Insights accepts instrumentation keys", "dev", "azure-native:insights:Component", func(p map[string]any) {
			p["disableLocalAuth"] = false
		}, "appinsights-local-auth-disabled"},
		{"classic App Insights", "staging", "azure-native:insights:Component", func(p map[string]any) {
			delete(p, "workspaceResourceId")
		}, "appinsights-workspace-based"},
		{"workspace shared keys back on", "prod", "azure-native:operationalinsights:Workspace", func(p map[string]any) {
			delete(p, "features")
		}, "loganalytics-local-auth-disabled"},
		{"prod apps environment in one zone", "prod", "azure-native:app:ManagedEnvironment", func(p map[string]any) {
			p["zoneRedundant"] = false
		}, "containerapps-environment-zone-redundant"},
		{"staging apps environment made external", "staging", "azure-native:app:ManagedEnvironment", func(p map[string]any) {
			p["vnetConfiguration"].(map[string]any)["internal"] = false
		}, "containerapps-environment-internal"},
		{"app without identity", "dev", "azure-native:app:ContainerApp", func(p map[string]any) {
			delete(p, "identity")
		}, "containerapp-managed-identity"},
		{"staging apps environment made external, app still external", "staging", "azure-native:app:ManagedEnvironment", func(p map[string]any) {
			p["vnetConfiguration"].(map[string]any)["internal"] = false
		}, "containerapp-ingress-not-public"},
		{"bot token without content type", "prod", "azure-native:keyvault:Secret", func(p map[string]any) {
			delete(p["properties"].(map[string]any), "contentType")
		}, "keyvault-secret-content-type"},
	} {
		t.Run(m.name, func(t *testing.T) {
			st := planpolicy.Stack(plan(t, m.stack))
			var mutated bool
			for _, r := range st.Resources {
				if rules.CanonicalType(r.Type) == m.typ {
					m.mutate(r.Properties)
					mutated = true
					break
				}
			}
			require.True(t, mutated, "no %s in %s", m.typ, m.stack)
			rep := reg.Evaluate(st, rules.Config{})
			var fired bool
			for _, v := range rep.Violations {
				fired = fired || (v.Rule == m.rule && v.Enforcement == rules.Mandatory)
			}
			assert.True(t, fired, "%s did not fire; violations: %+v", m.rule, rep.Violations)
			assert.True(t, rep.HasMandatory())
		})
	}
}
