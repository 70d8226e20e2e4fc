package rules

import (
	"regexp"
	"strings"
)

// Container Apps identity, secrets, environment networking and logs:
// https://learn.microsoft.com/azure/container-apps/managed-identity
// https://learn.microsoft.com/azure/container-apps/manage-secrets
// https://learn.microsoft.com/azure/container-apps/networking
// https://learn.microsoft.com/azure/container-apps/log-options
// https://learn.microsoft.com/azure/reliability/reliability-azure-container-apps
func containerAppMoreRules() []Rule {
	return []Rule{
		{
			Name:        "containerapp-managed-identity",
			Category:    categoryContainerApps,
			Description: "Container Apps have a managed identity (identity.type SystemAssigned and/or UserAssigned), so they reach Azure services without stored credentials.",
			Remediation: `Set identity to {type: "UserAssigned", userAssignedIdentities: {<identity ID>: {}}} and grant that identity its roles.`,
			Enforcement: Mandatory,
			AzurePolicy: []string{"b874ab2d-72dd-47f1-8cb5-4a306478a4e7"},
			Types:       []string{typeContainerApp},
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				t := field(r.Properties, "identity", "type")
				switch {
				case t.undecided():
					return []Finding{undecidable(r, t.describeUnknown())}
				case !t.isSet() || t.is("None", ""):
					return []Finding{violation(r, "the app has no managed identity (identity.type is not set or None)")}
				}
				return nil
			},
		},
		{
			Name:          "containerapp-no-plaintext-secret-env",
			Category:      categoryContainerApps,
			Description:   "Container environment variables whose name says they hold a secret (password, secret, token, key, connection string) take their value from a secret (secretRef), never inline (value).",
			Remediation:   "Declare the value as a Key Vault-referenced secret in configuration.secrets and point the variable at it with secretRef.",
			Enforcement:   Mandatory,
			Types:         []string{typeContainerApp, typeContainerAppJob},
			Scope:         PerResource,
			checkResource: checkSecretEnv,
		},
		{
			Name:         "containerapps-environment-internal",
			Category:     categoryContainerApps,
			Description:  "Container Apps environments are internal (vnetConfiguration.internal true) in staging and prod: their ingress has no public IP.",
			Remediation:  "Set vnetConfiguration.internal to true and publish apps through a gateway in the virtual network.",
			Enforcement:  Mandatory,
			Environments: stagingAndProd,
			AzurePolicy:  []string{"d074ddf8-01a5-4b5e-a2b8-964aed452c0a"},
			Types:        []string{typeManagedEnv},
			Scope:        PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				if field(r.Properties, "publicNetworkAccess").is("Disabled") {
					return nil
				}
				return requireBool(r, field(r.Properties, "vnetConfiguration", "internal"), true, false, "the environment's ingress is public")
			},
		},
		{
			Name:        "containerapps-environment-logs",
			Category:    categoryContainerApps,
			Description: "Container Apps environments send console and system logs somewhere (appLogsConfiguration.destination log-analytics or azure-monitor).",
			Remediation: `Set appLogsConfiguration.destination to "azure-monitor" and add a diagnostic setting to the workspace (or "log-analytics" with the workspace's customer ID).`,
			Enforcement: Mandatory,
			Types:       []string{typeManagedEnv},
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				return requireOneOf(r, field(r.Properties, "appLogsConfiguration", "destination"), "", "the environment's logs go nowhere", "log-analytics", "azure-monitor")
			},
		},
		{
			Name:         "containerapps-environment-zone-redundant",
			Category:     categoryContainerApps,
			Description:  "Container Apps environments are zone redundant in prod (zoneRedundant true; needs a virtual network).",
			Remediation:  "Set zoneRedundant to true (it can only be set when the environment is created).",
			Enforcement:  Mandatory,
			Environments: []string{"prod"},
			Types:        []string{typeManagedEnv},
			Scope:        PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				return requireBool(r, field(r.Properties, "zoneRedundant"), true, false, "the environment runs in one availability zone")
			},
		},
	}
}

// secretEnvName matches variable names that announce a secret.
var secretEnvName = regexp.MustCompile(`(?i)(password|passwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|connection[_-]?string|conn[_-]?str)`)

// notSecretEnv are variables whose name looks secret but whose value is
// not: an Application Insights connection string only identifies the
// resource ("not considered a security token or key",
// https://learn.microsoft.com/azure/azure-monitor/app/connection-strings),
// and the components here disable local auth so it cannot be used alone.
var notSecretEnv = map[string]bool{"APPLICATIONINSIGHTS_CONNECTION_STRING": true}

func checkSecretEnv(_ Context, r *Resource, _ *view) []Finding {
	var out []Finding
	for _, list := range []string{"containers", "initContainers"} {
		for _, c := range field(r.Properties, "template", list).elems() {
			if c.undecided() {
				out = append(out, undecidable(r, c.describeUnknown()))
				continue
			}
			for _, e := range field(c.v, "env").elems() {
				if e.undecided() {
					out = append(out, undecidable(r, e.describeUnknown()))
					continue
				}
				name, _ := field(e.v, "name").str()
				value := field(e.v, "value")
				if notSecretEnv[strings.ToUpper(name)] || !secretEnvName.MatchString(name) || !value.isSet() || field(e.v, "secretRef").isSet() {
					continue
				}
				if s, ok := value.text(); ok && strings.TrimSpace(s) == "" {
					continue
				}
				out = append(out, violation(r, "environment variable %q (template.%s[].env) has an inline value; use secretRef", name, list))
			}
		}
	}
	return out
}
