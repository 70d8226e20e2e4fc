package rules

import "strings"

const categoryContainerApps = "Container Apps"

func containerAppRules() []Rule {
	types := []string{typeContainerApp}
	return []Rule{
		{
			Name:        "containerapp-no-insecure-ingress",
			Category:    categoryContainerApps,
			Description: "Container Apps do not accept plain HTTP on their ingress (configuration.ingress.allowInsecure).",
			Remediation: "Set configuration.ingress.allowInsecure to false (or leave it out): HTTP is then redirected to HTTPS.",
			Enforcement: Mandatory,
			AzurePolicy: []string{"0e80e269-43a4-4ae9-b5bc-178126b8a5cb"},
			Types:       types,
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				v := field(r.Properties, "configuration", "ingress", "allowInsecure")
				if v.undecided() {
					return []Finding{undecidable(r, v.describeUnknown())}
				}
				if b, ok := v.boolean(); ok && b {
					return []Finding{violation(r, "ingress allows insecure (HTTP) connections")}
				}
				return nil
			},
		},
		{
			Name:        "containerapp-secrets-from-keyvault",
			Category:    categoryContainerApps,
			Description: "Container App secrets are Key Vault references read with a managed identity (keyVaultUrl and identity), never inline values.",
			Remediation: "Store the secret in Key Vault and declare it as {name, keyVaultUrl, identity}; drop value.",
			Enforcement: Mandatory,
			Types:       types,
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				var out []Finding
				for _, s := range field(r.Properties, "configuration", "secrets").elems() {
					if s.undecided() {
						out = append(out, undecidable(r, s.describeUnknown()))
						continue
					}
					name := quoteName(field(s.v, "name"), "")
					switch {
					case field(s.v, "value").isSet():
						out = append(out, violation(r, "secret %s (%s) has an inline value instead of a Key Vault reference", name, s.path()))
					case !nonEmpty(field(s.v, "keyVaultUrl")):
						out = append(out, violation(r, "secret %s (%s) is not a Key Vault reference (keyVaultUrl is not set)", name, s.path()))
					case !nonEmpty(field(s.v, "identity")):
						out = append(out, violation(r, "secret %s (%s) has no identity to read Key Vault with", name, s.path()))
					}
				}
				return out
			},
		},
		{
			Name:        "containerapp-registry-managed-identity",
			Category:    categoryContainerApps,
			Description: "Container Apps pull images with a managed identity (registries[].identity), not a registry password.",
			Remediation: "Grant the app's identity AcrPull on the registry and set registries[].identity; drop username and passwordSecretRef.",
			Enforcement: Mandatory,
			Types:       types,
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				var out []Finding
				for _, reg := range field(r.Properties, "configuration", "registries").elems() {
					if reg.undecided() {
						out = append(out, undecidable(r, reg.describeUnknown()))
						continue
					}
					server := quoteName(field(reg.v, "server"), "")
					switch {
					case field(reg.v, "passwordSecretRef").isSet():
						out = append(out, violation(r, "registry %s (%s) is accessed with a password", server, reg.path()))
					case !nonEmpty(field(reg.v, "identity")):
						out = append(out, violation(r, "registry %s (%s) has no managed identity", server, reg.path()))
					}
				}
				return out
			},
		},
	}
}

// nonEmpty: set to a non-blank value, or to a value not known yet.
func nonEmpty(v val) bool {
	if v.undecided() {
		return true
	}
	s, ok := v.text()
	if !ok {
		return v.isSet()
	}
	return strings.TrimSpace(s) != ""
}
