package rules

import (
	"fmt"
	"regexp"
	"strings"
)

// Rules added for anchors of the catalogues that no rule read before: the
// storage account's SAS policy, IP rules, infrastructure encryption and
// name; the registry's ARM-audience tokens; Container Apps ingress.

// storageAccountName is the form Azure accepts for a storage account name:
// 3 to 24 lowercase letters and digits.
// https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules#microsoftstorage
var storageAccountName = regexp.MustCompile(`^[a-z0-9]{3,24}$`)

// Storage account settings:
// https://learn.microsoft.com/azure/storage/common/sas-expiration-policy
// https://learn.microsoft.com/azure/storage/common/storage-network-security
// https://learn.microsoft.com/azure/storage/common/infrastructure-encryption-enable
func storageMoreRules() []Rule {
	types := []string{typeStorageAccount}
	return []Rule{
		{
			Name:        "storage-account-sas-expiration-policy",
			Category:    categoryStorage,
			Description: "Storage accounts set a SAS expiration policy (sasPolicy.sasExpirationPeriod), so that a shared access signature signed for longer is logged.",
			Remediation: `Set sasPolicy to {sasExpirationPeriod: "1.00:00:00", expirationAction: "Log"} (DD.HH:MM:SS, the longest validity a SAS should have).`,
			Enforcement: Mandatory,
			Checkov:     []string{"CKV2_AZURE_41"},
			AzurePolicy: []string{"bc1b984e-ddae-40cc-801a-050a030e4fbe"},
			Types:       types,
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				v := field(r.Properties, "sasPolicy", "sasExpirationPeriod")
				if v.undecided() {
					return []Finding{undecidable(r, v.describeUnknown())}
				}
				return requireSet(r, v, "shared access signatures of any validity go unnoticed")
			},
		},
		{
			Name:         "storage-account-no-ip-rules",
			Category:     categoryStorage,
			Description:  "Storage account firewalls in staging and prod admit virtual networks only, no public IP ranges (networkRuleSet.ipRules empty).",
			Remediation:  "Remove networkRuleSet.ipRules; reach the account from subnets (virtualNetworkRules) or private endpoints.",
			Enforcement:  Mandatory,
			Environments: stagingAndProd,
			AzurePolicy:  []string{"2a1a9cdf-e04d-429a-8416-3bfb72a1b26f"},
			Types:        types,
			Scope:        PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				ips := field(r.Properties, "networkRuleSet", "ipRules")
				if ips.undecided() {
					return []Finding{undecidable(r, ips.describeUnknown())}
				}
				if n := len(ips.elems()); n > 0 {
					return []Finding{violation(r, "networkRuleSet.ipRules admits %d public IP range(s)", n)}
				}
				return nil
			},
		},
		{
			Name:        "storage-account-infrastructure-encryption",
			Category:    categoryStorage,
			Description: "Storage accounts encrypt data twice, at the service and the infrastructure level (encryption.requireInfrastructureEncryption true). Advisory: it can only be set when an account is created, so turning it on replaces the account and its data.",
			Remediation: "Set encryption.requireInfrastructureEncryption to true on new accounts.",
			Enforcement: Advisory,
			Trivy:       []string{"AVD-AZU-0061"},
			AzurePolicy: []string{"4733ea7b-a883-42fe-8cac-97454c2a9e4a"},
			Types:       types,
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				return requireBool(r, field(r.Properties, "encryption", "requireInfrastructureEncryption"), true, false, "data is encrypted once")
			},
		},
		{
			Name:        "storage-account-name",
			Category:    categoryStorage,
			Description: "Storage account names are 3 to 24 lowercase letters and digits, the only form Azure accepts.",
			Remediation: "Name the account with lowercase letters and digits only (naming.Storage builds such names).",
			Enforcement: Mandatory,
			Checkov:     []string{"CKV_AZURE_43"},
			Types:       types,
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				v := lookup(r.Properties, "accountName")
				name, ok := v.str()
				if !ok || storageAccountName.MatchString(name) {
					return nil // not set (Pulumi names it) or not known yet
				}
				return []Finding{violation(r, "accountName %q is not 3-24 lowercase letters and digits", name)}
			},
		},
	}
}

// Registry authentication: https://learn.microsoft.com/azure/container-registry/container-registry-disable-authentication-as-arm
func registryMoreRules() []Rule {
	return []Rule{
		{
			Name:     "container-registry-arm-audience-token-disabled",
			Category: categoryRegistry,
			Description: "Container registries accept only tokens issued for the registry, not Entra ID tokens for Azure Resource Manager (policies.azureADAuthenticationAsArmPolicy.status disabled). " +
				"Advisory: the setting exists from API version 2023-01-01-preview, newer than the default azure-native registry module.",
			Remediation: `Set policies.azureADAuthenticationAsArmPolicy.status to "disabled" (register the registry with an API version that has it).`,
			Enforcement: Advisory,
			AzurePolicy: []string{"42781ec6-6127-4c30-bdfa-fb423a0047d3"},
			Types:       []string{typeRegistry},
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				return requireOneOf(r, field(r.Properties, "policies", "azureADAuthenticationAsArmPolicy", "status"), "enabled", "any Entra ID token for Azure Resource Manager can pull and push", "disabled")
			},
		},
	}
}

// Container Apps ingress: https://learn.microsoft.com/azure/container-apps/ingress-overview
// (external ingress of an internal environment is reachable from its
// virtual network only: https://learn.microsoft.com/azure/container-apps/networking).
func containerAppIngressRules() []Rule {
	return []Rule{
		{
			Name:     "containerapp-ingress-not-public",
			Category: categoryContainerApps,
			Description: "Container Apps in staging and prod take no traffic from the Internet: their ingress is internal (configuration.ingress.external false), " +
				"or external only within an internal environment of the stack (vnetConfiguration.internal true), which reaches the virtual network and no further. " +
				"Looser than its Azure Policy anchor, which refuses external ingress even in an internal environment.",
			Remediation:  "Set configuration.ingress.external to false, or run the app in an internal environment (vnetConfiguration.internal true) declared in the stack.",
			Enforcement:  Mandatory,
			Environments: stagingAndProd,
			AzurePolicy:  []string{"783ea2a8-b8fd-46be-896a-9ae79643a0b1"},
			Types:        []string{typeContainerApp, typeManagedEnv},
			Scope:        PerStack,
			checkStack:   checkAppIngress,
		},
	}
}

const armManagedEnv = "Microsoft.App/managedEnvironments"

func checkAppIngress(_ Context, s *view) []Finding {
	apps := s.ofType(typeContainerApp)
	if len(apps) == 0 {
		return nil
	}
	envs := newLinker(s.ofType(typeManagedEnv), armManagedEnv)
	var out []Finding
	for _, app := range apps {
		ext := field(app.Properties, "configuration", "ingress", "external")
		switch {
		case ext.undecided():
			out = append(out, undecidable(app, ext.describeUnknown()))
			continue
		case !ext.isSet():
			continue // Azure's default is internal ingress
		}
		if b, ok := ext.boolean(); ok && !b {
			continue
		}
		key := "managedEnvironmentId"
		envID := field(app.Properties, key)
		if !envID.isSet() {
			key = "environmentId"
			envID = field(app.Properties, key)
		}
		hits, why := envs.resolve(envID, app, key)
		if len(hits) == 0 {
			if why != "" {
				out = append(out, undecidable(app, why))
			} else {
				out = append(out, violation(app, "ingress is external and the app's environment is not in the stack to show it is internal"))
			}
			continue
		}
		for _, env := range hits {
			internal := field(env.Properties, "vnetConfiguration", "internal")
			isInternal, _ := internal.boolean()
			switch {
			case internal.undecided():
				out = append(out, undecidable(app, fmt.Sprintf("environment %s: %s", env.URN, internal.describeUnknown())))
			case !isInternal:
				out = append(out, violation(app, "ingress is external in environment %s, which is not internal: the app is reachable from the Internet", shortURN(env.URN)))
			}
		}
	}
	return out
}

// shortURN is the logical name of a URN, for messages.
func shortURN(urn string) string {
	if i := strings.LastIndex(urn, "::"); i >= 0 {
		return urn[i+2:]
	}
	return urn
}
