package rules_test

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/policy/rules"
)

const sub = "/subscriptions/00000000-0000-0000-0000-000000000001"

func TestRegistryIsWellFormed(t *testing.T) {
	reg := rules.NewRegistry()
	checkov := regexp.MustCompile(`^CKV2?_AZURE_\d+$`)
	trivy := regexp.MustCompile(`^AVD-AZU-\d{4}$`)
	require.GreaterOrEqual(t, len(reg.Rules()), 30)
	for _, r := range reg.Rules() {
		assert.Regexp(t, `^[a-z0-9]+(-[a-z0-9]+)*$`, r.Name)
		assert.Contains(t, []rules.Enforcement{rules.Mandatory, rules.Advisory}, r.Enforcement, r.Name)
		for _, env := range r.Environments {
			assert.Contains(t, rules.Environments(), env, r.Name)
		}
		for _, id := range r.Checkov {
			assert.Regexp(t, checkov, id, r.Name)
		}
		for _, id := range r.Trivy {
			assert.Regexp(t, trivy, id, r.Name)
		}
		for _, typ := range r.Types {
			assert.Equal(t, rules.CanonicalType(typ), typ, "%s lists a non-canonical type", r.Name)
		}
	}
}

// TestCompliantStacks: the reference stacks of every environment pass
// every rule, with nothing undecidable, read from either input format.
func TestCompliantStacks(t *testing.T) {
	reg := rules.NewRegistry()
	cfg := loadConfig(t, reg)
	for _, env := range rules.Environments() {
		t.Run(env, func(t *testing.T) {
			rep := evaluateBoth(t, reg, loadDoc(t, env), cfg)
			assert.Empty(t, rep.Violations)
			assert.Empty(t, rep.Undecidable)
			assert.Equal(t, env, rep.Environment)
			assert.False(t, rep.HasMandatory())
			assert.Greater(t, rep.Counts.Resources, 20)
		})
	}
}

type mutation struct {
	name string
	env  string // default prod
	// mutate changes the compliant stack and returns the URN at fault
	// (empty: the stack).
	mutate func(t *testing.T, d doc) string
	rule   string
	// compliant cases expect the rule not to fire on the URN.
	compliant bool
	// undecidable cases expect an undecidable result, not a violation.
	undecidable bool
}

func inputsAt(name, path string, v any) func(*testing.T, doc) string {
	return func(t *testing.T, d doc) string {
		set(d.inputs(t, name), path, v)
		return d.urn(t, name)
	}
}

func deleteAt(name, path string) func(*testing.T, doc) string {
	return func(t *testing.T, d doc) string {
		del(d.inputs(t, name), path)
		return d.urn(t, name)
	}
}

func rule(m map[string]any) map[string]any {
	base := map[string]any{
		"name": "Extra", "priority": 300.0, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
		"sourcePortRange": "*", "destinationAddressPrefix": "*",
	}
	for k, v := range m {
		base[k] = v
	}
	return base
}

// addInlineRule prepends a rule to the apps NSG.
func addInlineRule(m map[string]any) func(*testing.T, doc) string {
	return func(t *testing.T, d doc) string {
		in := d.inputs(t, "network-apps-nsg")
		in["securityRules"] = append([]any{rule(m)}, in["securityRules"].([]any)...)
		return d.urn(t, "network-apps-nsg")
	}
}

// addStandaloneRule adds a SecurityRule resource to the endpoints NSG.
func addStandaloneRule(typ string, m map[string]any) func(*testing.T, doc) string {
	return func(t *testing.T, d doc) string {
		in := rule(m)
		in["securityRuleName"] = in["name"]
		delete(in, "name")
		in["networkSecurityGroupName"] = d.inputs(t, "network-endpoints-nsg")["networkSecurityGroupName"]
		in["resourceGroupName"] = "rg"
		return d.add(typ, "extra-rule", in)
	}
}

func mutations() []mutation {
	const apps, eps = "network-apps-nsg", "network-endpoints-nsg"
	return []mutation{
		// Security groups.
		{name: "inline SSH from Internet", rule: "nsg-no-internet-ssh-rdp",
			mutate: addInlineRule(map[string]any{"sourceAddressPrefix": "Internet", "destinationPortRange": "22"})},
		{name: "inline RDP over UDP from 0.0.0.0/0 in a prefix list", rule: "nsg-no-internet-ssh-rdp",
			mutate: addInlineRule(map[string]any{"protocol": "udp", "sourceAddressPrefixes": []any{"10.0.0.0/8", "0.0.0.0/0"}, "destinationPortRanges": []any{"80", "3389"}})},
		{name: "inline SSH inside a port range from any, protocol upper case", rule: "nsg-no-internet-ssh-rdp",
			mutate: addInlineRule(map[string]any{"protocol": "TCP", "sourceAddressPrefix": "*", "destinationPortRange": "20-30"})},
		{name: "inline SSH with a numeric port and ARM-shaped properties", rule: "nsg-no-internet-ssh-rdp",
			mutate: addInlineRule(map[string]any{"properties": map[string]any{"access": "Allow", "direction": "Inbound", "protocol": "*", "sourceAddressPrefix": "any", "destinationPortRange": 22.0, "priority": 200.0}})},
		{name: "standalone SSH rule, API-version type", rule: "nsg-no-internet-ssh-rdp",
			mutate: addStandaloneRule("azure-native:network/v20230201:SecurityRule", map[string]any{"sourceAddressPrefix": "0.0.0.0/0", "destinationPortRange": "*"})},
		{name: "SSH from a private range is fine", rule: "nsg-no-internet-ssh-rdp", compliant: true,
			mutate: addInlineRule(map[string]any{"sourceAddressPrefix": "10.0.0.0/8", "destinationPortRange": "22"})},
		{name: "outbound SSH to Internet is not inbound", rule: "nsg-no-internet-ssh-rdp", compliant: true,
			mutate: addInlineRule(map[string]any{"direction": "Outbound", "sourceAddressPrefix": "*", "destinationPortRange": "22"})},
		{name: "denying SSH from Internet is fine", rule: "nsg-no-internet-ssh-rdp", compliant: true,
			mutate: addInlineRule(map[string]any{"access": "Deny", "sourceAddressPrefix": "Internet", "destinationPortRange": "22"})},
		{name: "ICMP from Internet is not SSH", rule: "nsg-no-internet-ssh-rdp", compliant: true,
			mutate: addInlineRule(map[string]any{"protocol": "Icmp", "sourceAddressPrefix": "Internet", "destinationPortRange": "*"})},
		{name: "unknown source at preview", rule: "nsg-no-internet-ssh-rdp", undecidable: true,
			mutate: addInlineRule(map[string]any{"sourceAddressPrefix": rules.UnknownString, "destinationPortRange": "22"})},
		{name: "PostgreSQL from Internet", rule: "nsg-no-internet-database-ports",
			mutate: addInlineRule(map[string]any{"sourceAddressPrefix": "Internet", "destinationPortRange": "5432"})},
		{name: "SQL Server in a range from ::/0, standalone", rule: "nsg-no-internet-database-ports",
			mutate: addStandaloneRule("azure-native:network:SecurityRule", map[string]any{"sourceAddressPrefixes": []any{"::/0"}, "destinationPortRanges": []any{"1400-1500"}})},
		{name: "all ports from Internet", rule: "nsg-no-internet-all-ports",
			mutate: addInlineRule(map[string]any{"sourceAddressPrefix": "Internet", "destinationPortRange": "0-65535", "protocol": "*"})},
		{name: "HTTPS from Internet is allowed", rule: "nsg-no-internet-all-ports", compliant: true,
			mutate: addInlineRule(map[string]any{"sourceAddressPrefix": "Internet", "destinationPortRange": "443"})},
		{name: "outbound any-any-all", rule: "nsg-no-any-any-all-ports",
			mutate: addInlineRule(map[string]any{"direction": "Outbound", "protocol": "*", "sourceAddressPrefix": "*", "destinationAddressPrefixes": []any{"0.0.0.0/0"}, "destinationPortRange": "*"})},
		{name: "no deny-all inbound", rule: "nsg-explicit-deny-all-inbound",
			mutate: deleteAt(apps, "securityRules.3")},
		{name: "deny-all inbound is not last", rule: "nsg-explicit-deny-all-inbound",
			mutate: inputsAt(apps, "securityRules.3.priority", 4000.0)},
		{name: "deny-all that only denies TCP does not count", rule: "nsg-explicit-deny-all-inbound",
			mutate: inputsAt(eps, "securityRules.2.protocol", "Tcp")},
		{name: "deny-all as a standalone rule counts", rule: "nsg-explicit-deny-all-inbound", compliant: true,
			mutate: func(t *testing.T, d doc) string {
				in := d.inputs(t, eps)
				rules := in["securityRules"].([]any)
				in["securityRules"] = rules[:2]
				addStandaloneRule("azure-native:network:SecurityRule", map[string]any{"access": "Deny", "protocol": "*", "priority": 4096.0, "sourceAddressPrefix": "*", "destinationPortRange": "*"})(t, d)
				return d.urn(t, eps)
			}},
		{name: "inline subnet without NSG", rule: "subnet-has-nsg",
			mutate: deleteAt("network-vnet", "subnets.1.networkSecurityGroup")},
		{name: "standalone subnet without NSG", rule: "subnet-has-nsg",
			mutate: func(t *testing.T, d doc) string {
				return d.add("azure-native:network/v20240301:Subnet", "extra-subnet", map[string]any{"subnetName": "snet-extra", "virtualNetworkName": "vnet", "resourceGroupName": "rg", "addressPrefix": "10.30.4.0/24"})
			}},
		{name: "gateway subnet needs no NSG", rule: "subnet-has-nsg", compliant: true,
			mutate: func(t *testing.T, d doc) string {
				return d.add("azure-native:network:Subnet", "gateway-subnet", map[string]any{"subnetName": "GatewaySubnet", "virtualNetworkName": "vnet", "resourceGroupName": "rg", "addressPrefix": "10.30.5.0/27"})
			}},
		{name: "standalone subnet whose NSG ID is unknown has one", rule: "subnet-has-nsg", compliant: true,
			mutate: func(t *testing.T, d doc) string {
				return d.add("azure-native:network:Subnet", "extra-subnet", map[string]any{"subnetName": "snet-extra", "addressPrefix": "10.30.4.0/24", "networkSecurityGroup": map[string]any{"id": rules.UnknownString}})
			}},
		// Isolation.
		{name: "peering to a network not allow-listed", rule: "vnet-peering-allow-listed",
			mutate: inputsAt("network-hub-peering", "remoteVirtualNetwork.id", sub+"/resourceGroups/rg-x/providers/Microsoft.Network/virtualNetworks/vnet-partner")},
		{name: "inline peering not allow-listed", rule: "vnet-peering-allow-listed",
			mutate: inputsAt("network-vnet", "virtualNetworkPeerings", []any{map[string]any{"name": "p", "remoteVirtualNetwork": map[string]any{"id": sub + "/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet-misybot-dev-weu"}}})},
		{name: "peering with an unknown remote", rule: "vnet-peering-allow-listed", undecidable: true,
			mutate: inputsAt("network-hub-peering", "remoteVirtualNetwork.id", rules.UnknownString)},
		{name: "address space overlaps staging", rule: "address-space-no-overlap",
			mutate: inputsAt("network-vnet", "addressSpace.addressPrefixes", []any{"10.20.128.0/17"})},
		{name: "standalone subnet inside dev's range", rule: "address-space-no-overlap",
			mutate: func(t *testing.T, d doc) string {
				return d.add("azure-native:network:Subnet", "extra-subnet", map[string]any{"subnetName": "snet-extra", "addressPrefix": "10.10.1.0/24", "networkSecurityGroup": map[string]any{"id": "x"}})
			}},
		{name: "vault public access enabled", rule: "keyvault-no-public-network-access",
			mutate: inputsAt("keyvault-vault", "properties.publicNetworkAccess", "Enabled")},
		{name: "vault public access left to Azure's default, staging", env: "staging", rule: "keyvault-no-public-network-access",
			mutate: deleteAt("keyvault-vault", "properties.publicNetworkAccess")},
		{name: "vault public access in dev is allowed", env: "dev", rule: "keyvault-no-public-network-access", compliant: true,
			mutate: inputsAt("keyvault-vault", "properties.publicNetworkAccess", "Enabled")},
		{name: "vault public access unknown", rule: "keyvault-no-public-network-access", undecidable: true,
			mutate: inputsAt("keyvault-vault", "properties.publicNetworkAccess", rules.UnknownString)},
		{name: "vault without private endpoint", rule: "keyvault-private-endpoint",
			mutate: func(t *testing.T, d doc) string { d.remove(t, "keyvault-pep"); return d.urn(t, "keyvault-vault") }},
		{name: "endpoint with the wrong group id", rule: "keyvault-private-endpoint",
			mutate: func(t *testing.T, d doc) string {
				set(d.inputs(t, "keyvault-pep"), "privateLinkServiceConnections.0.groupIds", []any{"namespace"})
				return d.urn(t, "keyvault-vault")
			}},
		{name: "endpoint target unknown but depends on the vault", rule: "keyvault-private-endpoint", compliant: true,
			mutate: func(t *testing.T, d doc) string {
				set(d.inputs(t, "keyvault-pep"), "privateLinkServiceConnections.0.privateLinkServiceId", rules.UnknownString)
				return d.urn(t, "keyvault-vault")
			}},
		{name: "endpoint target unknown, no dependencies recorded", rule: "keyvault-private-endpoint", undecidable: true,
			mutate: func(t *testing.T, d doc) string {
				pe := d.res(t, "keyvault-pep")
				delete(pe, "dependencies")
				delete(pe, "propertyDependencies")
				set(pe["inputs"].(map[string]any), "privateLinkServiceConnections.0.privateLinkServiceId", rules.UnknownString)
				return d.urn(t, "keyvault-vault")
			}},
		{name: "endpoint matched by the vault's name in its ID", rule: "keyvault-private-endpoint", compliant: true,
			mutate: func(t *testing.T, d doc) string {
				delete(d.res(t, "keyvault-vault"), "id")
				return d.urn(t, "keyvault-vault")
			}},
		{name: "namespace public access enabled", rule: "servicebus-no-public-network-access",
			mutate: inputsAt("servicebus-namespace", "publicNetworkAccess", "Enabled")},
		{name: "namespace without private endpoint", env: "staging", rule: "servicebus-private-endpoint",
			mutate: func(t *testing.T, d doc) string {
				d.remove(t, "servicebus-pep")
				return d.urn(t, "servicebus-namespace")
			}},
		{name: "apps environment outside a VNet", env: "staging", rule: "containerapps-environment-vnet-integrated",
			mutate: deleteAt("apps-environment", "vnetConfiguration")},
		{name: "Standard namespace in prod", rule: "servicebus-premium-in-prod",
			mutate: inputsAt("servicebus-namespace", "sku", map[string]any{"name": "Standard", "tier": "Standard"})},
		{name: "Standard namespace in staging is allowed", env: "staging", rule: "servicebus-premium-in-prod", compliant: true,
			mutate: inputsAt("servicebus-namespace", "sku", map[string]any{"name": "Standard", "tier": "Standard"})},
		{name: "prod app reads a dev vault", rule: "no-cross-environment-references",
			mutate: inputsAt("apps-bot", "configuration.secrets.0.keyVaultUrl", "https://kv-misybot-dev-weu-1a2b.vault.azure.net/secrets/bot-token")},
		{name: "prod endpoint in a staging subnet", rule: "no-cross-environment-references",
			mutate: inputsAt("keyvault-pep", "subnet.id", sub+"/resourceGroups/rg-misybot-staging-weu/providers/Microsoft.Network/virtualNetworks/vnet-misybot-staging-weu/subnets/snet-misybot-endpoints-staging-weu")},
		{name: "prod app reads a dev vault, upper case", rule: "no-cross-environment-references",
			mutate: inputsAt("apps-bot", "configuration.secrets.0.keyVaultUrl", "https://KV-MISYBOT-DEV-WEU-1A2B.vault.azure.net/secrets/bot-token")},
		{name: "a word containing another environment's name is not a reference to it", rule: "no-cross-environment-references", compliant: true,
			mutate: inputsAt("apps-bot", "configuration.secrets.0.keyVaultUrl", "https://kv-misybot-devices-prod-weu.vault.azure.net/secrets/bot-token")},
		{name: "dev resource named for prod", env: "dev", rule: "no-cross-environment-references",
			mutate: inputsAt("state-storage", "accountName", "st-misybot-prod-weu")},
		// Key Vault.
		{name: "vault with access policies", rule: "keyvault-rbac-authorization",
			mutate: inputsAt("keyvault-vault", "properties.enableRbacAuthorization", false)},
		{name: "vault RBAC left to the default", env: "dev", rule: "keyvault-rbac-authorization",
			mutate: deleteAt("keyvault-vault", "properties.enableRbacAuthorization")},
		{name: "soft delete off, as a secret", env: "dev", rule: "keyvault-soft-delete",
			mutate: inputsAt("keyvault-vault", "properties.enableSoftDelete", secretPlain(false))},
		{name: "soft delete as an undisclosed secret", rule: "keyvault-soft-delete", undecidable: true,
			mutate: inputsAt("keyvault-vault", "properties.enableSoftDelete", map[string]any{rules.SigKey: rules.SecretSig, "ciphertext": "v1:xyz"})},
		{name: "no purge protection in prod", rule: "keyvault-purge-protection",
			mutate: deleteAt("keyvault-vault", "properties.enablePurgeProtection")},
		{name: "no purge protection in dev is allowed", env: "dev", rule: "keyvault-purge-protection", compliant: true,
			mutate: deleteAt("keyvault-vault", "properties.enablePurgeProtection")},
		{name: "network ACL allows by default", rule: "keyvault-network-acl-default-deny",
			mutate: inputsAt("keyvault-vault", "properties.networkAcls.defaultAction", "Allow")},
		{name: "no network ACL", env: "dev", rule: "keyvault-network-acl-default-deny",
			mutate: deleteAt("keyvault-vault", "properties.networkAcls")},
		// Service Bus.
		{name: "SAS keys enabled", rule: "servicebus-local-auth-disabled",
			mutate: inputsAt("servicebus-namespace", "disableLocalAuth", false)},
		{name: "TLS 1.0", rule: "servicebus-min-tls-12",
			mutate: inputsAt("servicebus-namespace", "minimumTlsVersion", "1.0")},
		{name: "TLS not set", env: "dev", rule: "servicebus-min-tls-12",
			mutate: deleteAt("servicebus-namespace", "minimumTlsVersion")},
		{name: "namespace SAS rule", rule: "servicebus-no-sas-rules",
			mutate: func(t *testing.T, d doc) string {
				return d.add("azure-native:servicebus:NamespaceAuthorizationRule", "sas", map[string]any{"authorizationRuleName": "send", "namespaceName": "sb", "resourceGroupName": "rg", "rights": []any{"Send"}})
			}},
		{name: "queue SAS rule, API-version type", rule: "servicebus-no-sas-rules",
			mutate: func(t *testing.T, d doc) string {
				return d.add("azure-native:servicebus/v20221001preview:QueueAuthorizationRule", "queue-sas", map[string]any{"authorizationRuleName": "listen", "queueName": "commands", "rights": []any{"Listen"}})
			}},
		// Container Apps.
		{name: "insecure ingress", rule: "containerapp-no-insecure-ingress",
			mutate: inputsAt("apps-bot", "configuration.ingress.allowInsecure", true)},
		{name: "inline secret value", rule: "containerapp-secrets-from-keyvault",
			mutate: inputsAt("apps-bot", "configuration.secrets.0", map[string]any{"name": "bot-token", "value": secretPlain("s3cr3t")})},
		{name: "secret reference without identity", rule: "containerapp-secrets-from-keyvault",
			mutate: deleteAt("apps-bot", "configuration.secrets.0.identity")},
		{name: "registry password", rule: "containerapp-registry-managed-identity",
			mutate: inputsAt("apps-bot", "configuration.registries.0", map[string]any{"server": "x.azurecr.io", "username": "x", "passwordSecretRef": "acr-password"})},
		// Identity.
		{name: "Owner at subscription scope", rule: "no-privileged-role-at-subscription",
			mutate: inputsAt("rg-reader", "roleDefinitionId", sub+"/providers/Microsoft.Authorization/roleDefinitions/8E3AF657-A8FF-443C-A75C-2FE8C4BCB635")},
		{name: "User Access Administrator at subscription scope with a trailing slash", rule: "no-privileged-role-at-subscription",
			mutate: func(t *testing.T, d doc) string {
				in := d.inputs(t, "rg-reader")
				in["scope"] = sub + "/"
				in["roleDefinitionId"] = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
				return d.urn(t, "rg-reader")
			}},
		{name: "Contributor at a management group", rule: "no-privileged-role-at-subscription",
			mutate: func(t *testing.T, d doc) string {
				set(d.inputs(t, "rg-contributor"), "scope", "/providers/Microsoft.Management/managementGroups/mg-root")
				return d.urn(t, "rg-contributor")
			}},
		{name: "Contributor at resource group scope is allowed", rule: "no-privileged-role-at-subscription", compliant: true,
			mutate: func(t *testing.T, d doc) string { return d.urn(t, "rg-contributor") }},
		{name: "Owner at an unknown scope", rule: "no-privileged-role-at-subscription", undecidable: true,
			mutate: func(t *testing.T, d doc) string {
				in := d.inputs(t, "rg-reader")
				in["scope"] = rules.UnknownString
				in["roleDefinitionId"] = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
				return d.urn(t, "rg-reader")
			}},
		{name: "application password resource", rule: "no-application-passwords",
			mutate: func(t *testing.T, d doc) string {
				return d.add("azuread:index/applicationPassword:ApplicationPassword", "bot-secret", map[string]any{"applicationId": "/applications/x", "displayName": "ci"})
			}},
		{name: "service principal password resource", rule: "no-application-passwords",
			mutate: func(t *testing.T, d doc) string {
				return d.add("azuread:index/servicePrincipalPassword:ServicePrincipalPassword", "sp-secret", map[string]any{"servicePrincipalId": "x"})
			}},
		{name: "application with an inline password", rule: "no-application-passwords",
			mutate: inputsAt("bot-app", "passwords", []any{map[string]any{"displayName": "ci"}})},
		// Operations.
		{name: "vault without diagnostics", rule: "diagnostic-settings-enabled",
			mutate: func(t *testing.T, d doc) string {
				d.remove(t, "keyvault-vault-diag")
				return d.urn(t, "keyvault-vault")
			}},
		{name: "NSG diagnostics with every log disabled", rule: "diagnostic-settings-enabled",
			mutate: func(t *testing.T, d doc) string {
				set(d.inputs(t, "network-apps-nsg-diag"), "logs.0.enabled", false)
				return d.urn(t, apps)
			}},
		{name: "diagnostics URI unknown, linked by dependency", rule: "diagnostic-settings-enabled", compliant: true,
			mutate: func(t *testing.T, d doc) string {
				set(d.inputs(t, "servicebus-namespace-diag"), "resourceUri", rules.UnknownString)
				return d.urn(t, "servicebus-namespace")
			}},
		{name: "diagnostics URI differs in case", rule: "diagnostic-settings-enabled", compliant: true,
			mutate: func(t *testing.T, d doc) string {
				in := d.inputs(t, "keyvault-vault-diag")
				in["resourceUri"] = strings.ToUpper(in["resourceUri"].(string))
				return d.urn(t, "keyvault-vault")
			}},
		{name: "vault missing the owner tag", rule: "required-tags",
			mutate: deleteAt("keyvault-vault", "tags.owner")},
		{name: "empty cost-center on a VNet link", rule: "required-tags",
			mutate: inputsAt("network-privatelink.vaultcore.azure.net-link", "tags.cost-center", " ")},
		{name: "dev tag in a prod stack", rule: "required-tags",
			mutate: inputsAt("servicebus-namespace", "tags.environment", "dev")},
		{name: "untagged resource of an unlisted azure-native type", rule: "required-tags",
			mutate: func(t *testing.T, d doc) string {
				return d.add("azure-native:web/v20240401:StaticSite", "site", map[string]any{"name": "x", "tags": map[string]any{"owner": "me"}})
			}},
		{name: "queues need no tags", rule: "required-tags", compliant: true,
			mutate: func(t *testing.T, d doc) string { return d.urn(t, "servicebus-queue-commands") }},
		{name: "registry admin user", rule: "container-registry-admin-disabled",
			mutate: inputsAt("apps-registry", "adminUserEnabled", "true")},
		{name: "public blobs", rule: "storage-account-no-public-blob-access",
			mutate: inputsAt("state-storage", "allowBlobPublicAccess", true)},
		{name: "HTTP allowed", rule: "storage-account-https-only",
			mutate: inputsAt("state-storage", "enableHttpsTrafficOnly", false)},
		{name: "app with external ingress in an environment made public", rule: "containerapp-ingress-not-public",
			mutate: func(t *testing.T, d doc) string {
				set(d.inputs(t, "apps-environment"), "vnetConfiguration.internal", false)
				return d.urn(t, "apps-bot")
			}},
		{name: "internal ingress in a public environment is fine", rule: "containerapp-ingress-not-public", compliant: true,
			mutate: func(t *testing.T, d doc) string {
				set(d.inputs(t, "apps-environment"), "vnetConfiguration.internal", false)
				set(d.inputs(t, "apps-bot"), "configuration.ingress.external", false)
				return d.urn(t, "apps-bot")
			}},
		{name: "environment internal flag unknown at preview", rule: "containerapp-ingress-not-public", undecidable: true,
			mutate: func(t *testing.T, d doc) string {
				set(d.inputs(t, "apps-environment"), "vnetConfiguration.internal", rules.UnknownString)
				return d.urn(t, "apps-bot")
			}},
		{name: "storage account name unknown at preview is not judged", rule: "storage-account-name", compliant: true,
			mutate: inputsAt("state-storage", "accountName", rules.UnknownString)},
		{name: "TLS 1.0 storage", rule: "storage-account-min-tls-12",
			mutate: inputsAt("state-storage", "minimumTlsVersion", "TLS1_0")},
		{name: "storage TLS not set", rule: "storage-account-min-tls-12",
			mutate: deleteAt("state-storage", "minimumTlsVersion")},
		// Environment.
		{name: "stack name says no environment", rule: "stack-environment",
			mutate: func(t *testing.T, d doc) string {
				d.rename("feature-42")
				return "" // reported against the stack
			}},
	}
}

func TestRulesFireOnMisconfigurations(t *testing.T) {
	reg := rules.NewRegistry()
	cfg := loadConfig(t, reg)
	covered := map[string]bool{}
	for _, m := range mutations() {
		env := m.env
		if env == "" {
			env = "prod"
		}
		t.Run(m.rule+"/"+m.name, func(t *testing.T) {
			d := loadDoc(t, env)
			urn := m.mutate(t, d)
			rep := evaluateBoth(t, reg, d, cfg)
			if m.rule == "stack-environment" {
				urn = rep.Violations[0].URN
			}
			hit := func(rs []rules.Result) bool {
				return slices.ContainsFunc(rs, func(r rules.Result) bool { return r.Rule == m.rule && r.URN == urn })
			}
			switch {
			case m.compliant:
				assert.False(t, hit(rep.Violations), "rule fired: %v", rep.Violations)
				assert.False(t, hit(rep.Undecidable), "rule undecided: %v", rep.Undecidable)
			case m.undecidable:
				assert.True(t, hit(rep.Undecidable), "want undecidable %s on %s, got %v / %v", m.rule, urn, rep.Violations, rep.Undecidable)
				assert.False(t, hit(rep.Violations), "undecidable value reported as a violation: %v", rep.Violations)
			default:
				covered[m.rule] = true
				assert.True(t, hit(rep.Violations), "want %s on %s, got %v", m.rule, urn, rep.Violations)
			}
			for _, u := range rep.Undecidable {
				assert.NotContains(t, u.Message, "internal error")
			}
		})
	}
	for _, c := range anchorCases() {
		covered[c.rule] = true // TestAnchorCatalogueCases makes it fire
	}
	for _, r := range reg.Rules() {
		assert.True(t, covered[r.Name], "no misconfiguration fixture makes %s fire", r.Name)
	}
}

func TestEnforcementFromConfig(t *testing.T) {
	reg := rules.NewRegistry()
	d := loadDoc(t, "prod")
	set(d.inputs(t, "keyvault-vault"), "properties.publicNetworkAccess", "Enabled")
	set(d.inputs(t, "state-storage"), "minimumTlsVersion", "TLS1_0")
	for _, tc := range []struct {
		config    string
		mandatory int
		advisory  int
	}{
		{`{}`, 2, 0},
		{`{"all": "advisory"}`, 0, 2},
		{`{"all": {"enforcementLevel": "advisory"}, "storage-account-min-tls-12": "mandatory"}`, 1, 1},
		{`{"keyvault-no-public-network-access": "disabled"}`, 1, 0},
		{`{"all": "disabled", "keyvault-no-public-network-access": "advisory"}`, 0, 1},
	} {
		t.Run(tc.config, func(t *testing.T) {
			cfg, err := reg.ParseConfig([]byte(tc.config))
			require.NoError(t, err)
			if cfg.Policies == nil {
				cfg.Policies = map[string]rules.PolicyConfig{}
			}
			cfg.Policies["vnet-peering-allow-listed"] = rules.PolicyConfig{Options: rules.Options{AllowedPeerings: []string{"vnet-hub-shared-weu"}}}
			rep := evaluateBoth(t, reg, d, cfg)
			assert.Equal(t, tc.mandatory, rep.Counts.Mandatory, "%v", rep.Violations)
			assert.Equal(t, tc.advisory, rep.Counts.Advisory, "%v", rep.Violations)
			assert.Equal(t, tc.mandatory > 0, rep.HasMandatory())
		})
	}
}

// TestEnvironmentOverride: configuration names the environment of a stack
// whose name does not, and the environment decides which rules run.
func TestEnvironmentOverride(t *testing.T) {
	reg := rules.NewRegistry()
	d := loadDoc(t, "prod")
	d.rename("feature-42")
	set(d.inputs(t, "servicebus-namespace"), "sku", map[string]any{"name": "Standard"})
	base := loadConfig(t, reg)

	rep := evaluateBoth(t, reg, d, base)
	assert.Equal(t, "", rep.Environment)
	assert.True(t, hasRule(rep.Violations, "stack-environment"))
	assert.True(t, hasRule(rep.Violations, "servicebus-premium-in-prod"), "unknown environment: every rule applies")

	cfg, err := reg.ParseConfig([]byte(`{"stack-environment": {"environment": "staging"}}`))
	require.NoError(t, err)
	cfg.Policies["vnet-peering-allow-listed"] = base.Policies["vnet-peering-allow-listed"]
	rep = evaluateBoth(t, reg, d, cfg)
	assert.Equal(t, "staging", rep.Environment)
	assert.False(t, hasRule(rep.Violations, "stack-environment"))
	assert.False(t, hasRule(rep.Violations, "servicebus-premium-in-prod"), "Premium is a prod rule")
	assert.True(t, hasRule(rep.Violations, "no-cross-environment-references"), "prod names in a staging stack")
}

func hasRule(rs []rules.Result, name string) bool {
	return slices.ContainsFunc(rs, func(r rules.Result) bool { return r.Rule == name })
}

func TestParseConfigRejectsInvalid(t *testing.T) {
	reg := rules.NewRegistry()
	for _, tc := range []struct{ config, want string }{
		{`{"no-such-policy": "mandatory"}`, `unknown policy "no-such-policy"`},
		{`{"required-tags": "sometimes"}`, "not an enforcement level"},
		{`{"required-tags": {"enforcementLevel": 1}}`, "want a string"},
		{`{"required-tags": {"requiredTag": ["owner"]}}`, `unknown option "requiredTag"`},
		{`{"required-tags": {"requiredTags": "owner"}}`, "want a list of strings"},
		{`{"address-space-no-overlap": {"otherEnvironmentRanges": {"prod": ["10.0.0.0/33"]}}}`, "not a CIDR"},
		{`{"address-space-no-overlap": {"otherEnvironmentRanges": {"qa": ["10.0.0.0/16"]}}}`, "not an environment"},
		{`{"stack-environment": {"environment": "qa"}}`, "want one of"},
		{`{"all": {"enforcementLevel": "advisory", "x": 1}}`, "only enforcementLevel"},
		{`{"all": 3}`, "want an enforcement level or an object"},
		{`[1]`, "not a JSON object"},
	} {
		t.Run(tc.config, func(t *testing.T) {
			_, err := reg.ParseConfig([]byte(tc.config))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	cfg, err := reg.ParseConfig([]byte("  \n"))
	require.NoError(t, err, "empty config is the default config")
	assert.Equal(t, rules.Config{}, cfg)
}

func TestEnvironmentFromStack(t *testing.T) {
	for stack, want := range map[string]string{
		"dev": "dev", "staging": "staging", "prod": "prod", "prod-weu": "prod", "Production": "prod",
		"development": "dev", "org/misybot-platform/staging2": "staging", "feature-x": "", "": "", "qa": "",
	} {
		assert.Equal(t, want, rules.EnvironmentFromStack(stack), stack)
	}
}

func TestCanonicalTypeAndURN(t *testing.T) {
	assert.Equal(t, "azure-native:keyvault:Vault", rules.CanonicalType("azure-native:keyvault/v20230701:Vault"))
	assert.Equal(t, "azure-native:keyvault:Vault", rules.CanonicalType("azure-native:keyvault:Vault"))
	assert.Equal(t, "azuread:index:ApplicationPassword", rules.CanonicalType("azuread:index/applicationPassword:ApplicationPassword"))
	assert.Equal(t, "garbage", rules.CanonicalType("garbage"))
	stack, project, typ, name, ok := rules.ParseURN("urn:pulumi:prod::misybot-platform::misybot:network:Network$azure-native:network:VirtualNetwork::network-vnet")
	require.True(t, ok)
	assert.Equal(t, []string{"prod", "misybot-platform", "azure-native:network:VirtualNetwork", "network-vnet"}, []string{stack, project, typ, name})
	_, _, _, _, ok = rules.ParseURN("not-a-urn")
	assert.False(t, ok)
}

// TestCheckResourceMatchesEvaluate: the pack calls rules one resource at a
// time; per-resource rules must say the same as in a whole-stack run.
func TestCheckResourceMatchesEvaluate(t *testing.T) {
	reg := rules.NewRegistry()
	cfg := loadConfig(t, reg)
	for _, m := range mutations() {
		if m.env != "" || m.compliant || m.undecidable {
			continue
		}
		r, _ := reg.Lookup(m.rule)
		if r.Scope != rules.PerResource {
			continue
		}
		d := loadDoc(t, "prod")
		urn := m.mutate(t, d)
		st := parseExport(t, d)
		var got []rules.Finding
		for _, res := range st.Resources {
			if res.URN == urn {
				got = r.CheckResource(rules.Context{Environment: "prod", Options: cfg.OptionsFor(r.Name)}, res)
			}
		}
		assert.NotEmpty(t, got, fmt.Sprintf("%s/%s", m.rule, m.name))
	}
}
