package rules_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/policy/rules"
)

// anchorCase is one misconfiguration from the anchors' catalogues
// (Checkov, Trivy, Azure Policy) and its compliant twin: the same resource
// with the one setting fixed. Both are evaluated alone in a stack, under
// the canonical type token and under an API-version token, read as a stack
// export and as preview JSON.
type anchorCase struct {
	name string
	rule string
	env  string // default prod
	typ  string // canonical type token
	bad  map[string]any
	good map[string]any
	// extra resources of the stack (for stack rules), by logical name.
	extra map[string]extraRes
}

type extraRes struct {
	typ    string
	inputs map[string]any
}

const rgID = sub + "/resourceGroups/rg-misybot-prod-weu"

func allowRule(m map[string]any) map[string]any {
	base := map[string]any{"name": "r", "priority": 200.0, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
		"sourceAddressPrefix": "Internet", "sourcePortRange": "*", "destinationAddressPrefix": "*", "destinationPortRange": "443"}
	for k, v := range m {
		base[k] = v
	}
	return base
}

func nsgWith(rule map[string]any) map[string]any {
	return map[string]any{"networkSecurityGroupName": "nsg", "securityRules": []any{rule}}
}

func anchorCases() []anchorCase {
	const (
		secret   = "azure-native:keyvault:Secret"
		key      = "azure-native:keyvault:Key"
		registry = "azure-native:containerregistry:Registry"
		storage  = "azure-native:storage:StorageAccount"
		blobSvc  = "azure-native:storage:BlobServiceProperties"
		blobCont = "azure-native:storage:BlobContainer"
		nsg      = "azure-native:network:NetworkSecurityGroup"
		flowLog  = "azure-native:network:FlowLog"
		vnet     = "azure-native:network:VirtualNetwork"
		subnet   = "azure-native:network:Subnet"
		appi     = "azure-native:insights:Component"
		ws       = "azure-native:operationalinsights:Workspace"
		app      = "azure-native:app:ContainerApp"
		job      = "azure-native:app:Job"
		env      = "azure-native:app:ManagedEnvironment"
		roleDef  = "azure-native:authorization:RoleDefinition"
		adFIC    = "azuread:index:ApplicationFederatedIdentityCredential"
		miFIC    = "azure-native:managedidentity:FederatedIdentityCredential"
		pe       = "azure-native:network:PrivateEndpoint"
	)
	rotate := func(after string) map[string]any {
		return map[string]any{"properties": map[string]any{"kty": "RSA-HSM", "attributes": map[string]any{"expires": 1893456000.0},
			"rotationPolicy": map[string]any{"lifetimeActions": []any{map[string]any{"action": map[string]any{"type": "Rotate"}, "trigger": map[string]any{"timeAfterCreate": after}}}}}}
	}
	acr := func(kv ...any) map[string]any {
		m := map[string]any{"registryName": "crmisybot", "sku": map[string]any{"name": "Premium"}}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	sa := func(kv ...any) map[string]any {
		m := map[string]any{"accountName": "stmisybot", "sku": map[string]any{"name": "Standard_GZRS"}}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	peTo := func(id, group string) extraRes {
		return extraRes{pe, map[string]any{"privateEndpointName": "pep", "privateLinkServiceConnections": []any{
			map[string]any{"name": "c", "privateLinkServiceId": id, "groupIds": []any{group}}}}}
	}
	fic := func(subject string, kv ...any) map[string]any {
		m := map[string]any{"issuer": "https://token.actions.githubusercontent.com", "subject": subject, "audiences": []any{"api://AzureADTokenExchange"}}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	perm := func(actions ...any) map[string]any {
		return map[string]any{"roleName": "custom", "permissions": []any{map[string]any{"actions": actions}}, "assignableScopes": []any{sub}}
	}
	containers := func(env ...any) map[string]any {
		return map[string]any{"identity": map[string]any{"type": "UserAssigned"},
			"template": map[string]any{"containers": []any{map[string]any{"name": "bot", "image": "x", "env": env}}}}
	}
	ingress := func(external bool) map[string]any {
		return map[string]any{"managedEnvironmentId": rgID + "/providers/Microsoft.App/managedEnvironments/cae", "identity": map[string]any{"type": "UserAssigned"},
			"configuration": map[string]any{"ingress": map[string]any{"external": external, "targetPort": 8080.0}}}
	}
	return []anchorCase{
		// Key Vault secrets and keys.
		{name: "secret without expiry", rule: "keyvault-secret-expiry", typ: secret,
			bad:  map[string]any{"properties": map[string]any{"value": "x"}},
			good: map[string]any{"properties": map[string]any{"value": "x", "attributes": map[string]any{"expires": 1893456000.0}}}},
		{name: "secret without content type", rule: "keyvault-secret-content-type", typ: secret,
			bad:  map[string]any{"properties": map[string]any{"value": "x", "contentType": " "}},
			good: map[string]any{"properties": map[string]any{"value": "x", "contentType": "text/plain"}}},
		{name: "key without expiry", rule: "keyvault-key-expiry", typ: key,
			bad:  map[string]any{"properties": map[string]any{"kty": "RSA"}},
			good: map[string]any{"properties": map[string]any{"kty": "RSA", "attributes": map[string]any{"expires": 1893456000.0}}}},
		{name: "software-protected key", rule: "keyvault-key-hsm-backed", typ: key,
			bad:  map[string]any{"properties": map[string]any{"kty": "EC"}},
			good: map[string]any{"properties": map[string]any{"kty": "EC-HSM"}}},
		{name: "1024-bit RSA key", rule: "keyvault-key-rsa-min-size", typ: key,
			bad:  map[string]any{"properties": map[string]any{"kty": "RSA", "keySize": 1024.0}},
			good: map[string]any{"properties": map[string]any{"kty": "RSA", "keySize": 3072.0}}},
		{name: "key without rotation policy", rule: "keyvault-key-rotation-policy", typ: key,
			bad:  map[string]any{"properties": map[string]any{"kty": "RSA-HSM", "rotationPolicy": map[string]any{"lifetimeActions": []any{map[string]any{"action": map[string]any{"type": "Notify"}}}}}},
			good: rotate("P90D")},
		{name: "key rotating after 3 years", rule: "keyvault-key-rotation-policy", env: "staging", typ: key,
			bad: rotate("P3Y"), good: rotate("P1Y6M")},
		// Container Apps.
		{name: "app without managed identity", rule: "containerapp-managed-identity", typ: app,
			bad:  map[string]any{"identity": map[string]any{"type": "None"}},
			good: map[string]any{"identity": map[string]any{"type": "SystemAssigned,UserAssigned"}}},
		{name: "app without identity block", rule: "containerapp-managed-identity", typ: app,
			bad: map[string]any{"configuration": map[string]any{}}, good: map[string]any{"identity": map[string]any{"type": "SystemAssigned"}}},
		{name: "password in a plain env value", rule: "containerapp-no-plaintext-secret-env", typ: app,
			bad:  containers(map[string]any{"name": "DB_PASSWORD", "value": "hunter2"}, map[string]any{"name": "LOG_LEVEL", "value": "info"}),
			good: containers(map[string]any{"name": "DB_PASSWORD", "secretRef": "db-password"}, map[string]any{"name": "APPLICATIONINSIGHTS_CONNECTION_STRING", "value": "InstrumentationKey=x"})},
		{name: "job with a connection string in env", rule: "containerapp-no-plaintext-secret-env", typ: job,
			bad:  map[string]any{"template": map[string]any{"containers": []any{map[string]any{"name": "j", "env": []any{map[string]any{"name": "ServiceBusConnectionString", "value": "Endpoint=sb://x"}}}}}},
			good: map[string]any{"template": map[string]any{"containers": []any{map[string]any{"name": "j", "env": []any{map[string]any{"name": "ServiceBusNamespace", "value": "sb-x"}}}}}}},
		{name: "external environment", rule: "containerapps-environment-internal", typ: env,
			bad:  map[string]any{"vnetConfiguration": map[string]any{"infrastructureSubnetId": "s", "internal": false}},
			good: map[string]any{"vnetConfiguration": map[string]any{"infrastructureSubnetId": "s", "internal": true}}},
		{name: "environment without logs", rule: "containerapps-environment-logs", typ: env,
			bad:  map[string]any{"appLogsConfiguration": map[string]any{"destination": "none"}},
			good: map[string]any{"appLogsConfiguration": map[string]any{"destination": "log-analytics"}}},
		{name: "environment in one zone", rule: "containerapps-environment-zone-redundant", typ: env,
			bad: map[string]any{"zoneRedundant": false}, good: map[string]any{"zoneRedundant": true}},
		{name: "external ingress outside an internal environment", rule: "containerapp-ingress-not-public", typ: app,
			bad: ingress(true), good: ingress(true),
			extra: map[string]extraRes{"environment": {env, map[string]any{"environmentName": "cae", "vnetConfiguration": map[string]any{"internal": true, "infrastructureSubnetId": "s"}}}}},
		{name: "external ingress", rule: "containerapp-ingress-not-public", env: "staging", typ: app,
			bad: ingress(true), good: ingress(false)},
		// Container registries.
		{name: "anonymous pull", rule: "container-registry-no-anonymous-pull", typ: registry,
			bad: acr("anonymousPullEnabled", true), good: acr("anonymousPullEnabled", false)},
		{name: "registry public network access", rule: "container-registry-no-public-network-access", typ: registry,
			bad: acr("publicNetworkAccess", "Enabled"), good: acr("publicNetworkAccess", "Disabled")},
		{name: "registry firewall allows all", rule: "container-registry-network-default-deny", typ: registry,
			bad: acr("networkRuleSet", map[string]any{"defaultAction": "Allow"}), good: acr("networkRuleSet", map[string]any{"defaultAction": "Deny"})},
		{name: "Basic registry", rule: "container-registry-premium", env: "staging", typ: registry,
			bad: map[string]any{"sku": map[string]any{"name": "Basic"}}, good: acr()},
		{name: "registry without private endpoint", rule: "container-registry-private-endpoint", typ: registry,
			bad: acr(), good: acr(),
			extra: map[string]extraRes{"registry-pep": peTo(rgID+"/providers/Microsoft.ContainerRegistry/registries/crmisybot", "registry")}},
		{name: "registry export enabled", rule: "container-registry-export-disabled", typ: registry,
			bad:  acr("policies", map[string]any{"exportPolicy": map[string]any{"status": "enabled"}}),
			good: acr("policies", map[string]any{"exportPolicy": map[string]any{"status": "disabled"}})},
		{name: "registry not zone redundant", rule: "container-registry-zone-redundant", typ: registry,
			bad: acr("zoneRedundancy", "Disabled"), good: acr("zoneRedundancy", "Enabled")},
		{name: "registry keeps untagged manifests", rule: "container-registry-retention-policy", typ: registry,
			bad: acr(), good: acr("policies", map[string]any{"retentionPolicy": map[string]any{"status": "enabled", "days": 7.0}})},
		{name: "registry without content trust", rule: "container-registry-content-trust", typ: registry,
			bad: acr("policies", map[string]any{"trustPolicy": map[string]any{"status": "disabled"}}), good: acr("policies", map[string]any{"trustPolicy": map[string]any{"status": "enabled"}})},
		{name: "registry without quarantine", rule: "container-registry-quarantine", typ: registry,
			bad: acr(), good: acr("policies", map[string]any{"quarantinePolicy": map[string]any{"status": "enabled"}})},
		{name: "registry on the regional data endpoint", rule: "container-registry-dedicated-data-endpoint", typ: registry,
			bad: acr("dataEndpointEnabled", false), good: acr("dataEndpointEnabled", true)},
		{name: "registry without a replica", rule: "container-registry-geo-replication", typ: registry,
			bad: acr(), good: acr(),
			extra: map[string]extraRes{"replica": {"azure-native:containerregistry:Replication", map[string]any{"registryName": "crmisybot", "location": "northeurope"}}}},
		{name: "Standard registry cannot replicate", rule: "container-registry-geo-replication", typ: registry,
			bad: map[string]any{"registryName": "crmisybot", "sku": map[string]any{"name": "Standard"}}, good: acr(),
			extra: map[string]extraRes{"replica": {"azure-native:containerregistry:Replication", map[string]any{"registryName": "CRMisyBot", "location": "northeurope"}}}},
		{name: "registry accepting ARM-audience tokens", rule: "container-registry-arm-audience-token-disabled", typ: registry,
			bad:  acr("policies", map[string]any{"azureADAuthenticationAsArmPolicy": map[string]any{"status": "enabled"}}),
			good: acr("policies", map[string]any{"azureADAuthenticationAsArmPolicy": map[string]any{"status": "disabled"}})},
		// Storage.
		{name: "shared key access", rule: "storage-account-no-shared-key", typ: storage,
			bad: sa(), good: sa("allowSharedKeyAccess", false)},
		{name: "storage firewall allows all", rule: "storage-account-network-default-deny", typ: storage,
			bad: sa("networkRuleSet", map[string]any{"defaultAction": "Allow"}), good: sa("networkRuleSet", map[string]any{"defaultAction": "Deny"})},
		{name: "storage firewall blocks trusted services", rule: "storage-account-trusted-services-bypass", typ: storage,
			bad:  sa("networkRuleSet", map[string]any{"defaultAction": "Deny", "bypass": "None"}),
			good: sa("networkRuleSet", map[string]any{"defaultAction": "Deny", "bypass": "Logging, AzureServices"})},
		{name: "storage public network access", rule: "storage-account-no-public-network-access", typ: storage,
			bad: sa("publicNetworkAccess", "Enabled"), good: sa("publicNetworkAccess", "Disabled")},
		{name: "storage without private endpoint", rule: "storage-account-private-endpoint", typ: storage,
			bad: sa(), good: sa(),
			extra: map[string]extraRes{"storage-pep": peTo(rgID+"/providers/Microsoft.Storage/storageAccounts/stmisybot", "blob")}},
		{name: "locally redundant storage in prod", rule: "storage-account-geo-redundant", typ: storage,
			bad: sa("sku", map[string]any{"name": "Standard_LRS"}), good: sa("sku", map[string]any{"name": "Standard_RAGZRS"})},
		{name: "cross-tenant replication", rule: "storage-account-no-cross-tenant-replication", typ: storage,
			bad: sa("allowCrossTenantReplication", true), good: sa("allowCrossTenantReplication", false)},
		{name: "blob soft delete off", rule: "storage-blob-soft-delete", typ: blobSvc,
			bad: map[string]any{"blobServicesName": "default", "deleteRetentionPolicy": map[string]any{"enabled": false}},
			good: map[string]any{"blobServicesName": "default", "deleteRetentionPolicy": map[string]any{"enabled": true, "days": 14.0},
				"containerDeleteRetentionPolicy": map[string]any{"enabled": true, "days": 7.0}}},
		{name: "blob soft delete for one day", rule: "storage-blob-soft-delete", typ: blobSvc,
			bad:  map[string]any{"deleteRetentionPolicy": map[string]any{"enabled": true, "days": 1.0}, "containerDeleteRetentionPolicy": map[string]any{"enabled": true}},
			good: map[string]any{"deleteRetentionPolicy": map[string]any{"enabled": true, "days": 7.0}, "containerDeleteRetentionPolicy": map[string]any{"enabled": true}}},
		{name: "public container", rule: "storage-container-private", typ: blobCont,
			bad: map[string]any{"containerName": "c", "publicAccess": "Container"}, good: map[string]any{"containerName": "c", "publicAccess": "None"}},
		{name: "storage without a SAS expiration policy", rule: "storage-account-sas-expiration-policy", typ: storage,
			bad: sa("sasPolicy", map[string]any{"expirationAction": "Log"}), good: sa("sasPolicy", map[string]any{"sasExpirationPeriod": "1.00:00:00", "expirationAction": "Log"})},
		{name: "storage firewall admitting a public IP range", rule: "storage-account-no-ip-rules", typ: storage,
			bad:  sa("networkRuleSet", map[string]any{"defaultAction": "Deny", "ipRules": []any{map[string]any{"iPAddressOrRange": "203.0.113.0/24", "action": "Allow"}}}),
			good: sa("networkRuleSet", map[string]any{"defaultAction": "Deny", "ipRules": []any{}, "virtualNetworkRules": []any{map[string]any{"virtualNetworkResourceId": rgID + "/providers/Microsoft.Network/virtualNetworks/v/subnets/s"}}})},
		{name: "storage encrypted once", rule: "storage-account-infrastructure-encryption", typ: storage,
			bad: sa("encryption", map[string]any{"keySource": "Microsoft.Storage"}), good: sa("encryption", map[string]any{"keySource": "Microsoft.Storage", "requireInfrastructureEncryption": true})},
		{name: "storage account name with dashes and capitals", rule: "storage-account-name", typ: storage,
			bad: sa("accountName", "st-MisyBot-prod"), good: sa("accountName", "stmisybotprod01")},
		{name: "storage firewall allows all behind disabled public access", rule: "storage-account-network-default-deny", typ: storage,
			bad: sa("publicNetworkAccess", "Disabled"), good: sa("publicNetworkAccess", "Disabled", "networkRuleSet", map[string]any{"defaultAction": "deny"})},
		{name: "storage account without a blob service", rule: "storage-account-blob-soft-delete-configured", typ: storage,
			bad: sa(), good: sa(),
			extra: map[string]extraRes{"blobs": {blobSvc, map[string]any{"accountName": "stmisybot", "blobServicesName": "default",
				"deleteRetentionPolicy": map[string]any{"enabled": true, "days": 7.0}, "containerDeleteRetentionPolicy": map[string]any{"enabled": true, "days": 7.0}}}}},
		{name: "file-only account needs no blob service", rule: "storage-account-blob-soft-delete-configured", typ: storage,
			bad: sa(), good: sa("kind", "FileStorage")},
		{name: "storage local users", rule: "storage-account-no-local-users", typ: storage,
			bad: sa("isLocalUserEnabled", "true"), good: sa("isLocalUserEnabled", false)},
		{name: "SFTP without local users turned off", rule: "storage-account-no-local-users", typ: storage,
			bad: sa("isSftpEnabled", true, "isHnsEnabled", true), good: sa("isSftpEnabled", false, "isHnsEnabled", true, "isLocalUserEnabled", false)},
		// Security groups and networks.
		{name: "HTTP from the Internet", rule: "nsg-no-internet-http", typ: nsg,
			bad: nsgWith(allowRule(map[string]any{"destinationPortRange": "80"})), good: nsgWith(allowRule(nil))},
		{name: "UDP from the Internet", rule: "nsg-no-internet-udp", typ: nsg,
			bad: nsgWith(allowRule(map[string]any{"protocol": "Udp", "destinationPortRange": "53"})), good: nsgWith(allowRule(map[string]any{"protocol": "Udp", "sourceAddressPrefix": "10.0.0.0/8"}))},
		{name: "Telnet from any address", rule: "nsg-no-internet-legacy-ports", typ: nsg,
			bad: nsgWith(allowRule(map[string]any{"sourceAddressPrefix": "*", "destinationPortRange": "23"})), good: nsgWith(allowRule(map[string]any{"sourceAddressPrefix": "VirtualNetwork", "destinationPortRange": "23"}))},
		{name: "SMB from 0.0.0.0/0", rule: "nsg-no-internet-legacy-ports", typ: nsg,
			bad: nsgWith(allowRule(map[string]any{"sourceAddressPrefix": "0.0.0.0/0", "destinationPortRanges": []any{"440-450"}})), good: nsgWith(allowRule(nil))},
		{name: "SMTP from the Internet", rule: "nsg-no-internet-legacy-ports", typ: nsg,
			bad: nsgWith(allowRule(map[string]any{"destinationPortRange": "25"})), good: nsgWith(allowRule(map[string]any{"sourceAddressPrefix": "10.0.0.0/8", "destinationPortRange": "25"}))},
		{name: "LDAP in a port range from any address", rule: "nsg-no-internet-legacy-ports", typ: nsg,
			bad: nsgWith(allowRule(map[string]any{"sourceAddressPrefix": "any", "destinationPortRange": "380-400"})), good: nsgWith(allowRule(map[string]any{"destinationPortRange": "443"}))},
		{name: "unrestricted egress", rule: "nsg-no-unrestricted-egress", typ: nsg,
			bad:  nsgWith(allowRule(map[string]any{"direction": "Outbound", "protocol": "*", "sourceAddressPrefix": "*", "destinationAddressPrefix": "Internet", "destinationPortRange": "*"})),
			good: nsgWith(allowRule(map[string]any{"direction": "Outbound", "protocol": "Tcp", "sourceAddressPrefix": "*", "destinationAddressPrefix": "AzureMonitor", "destinationPortRange": "*"}))},
		{name: "flow log kept 30 days", rule: "flow-log-retention", typ: flowLog,
			bad:  map[string]any{"enabled": true, "retentionPolicy": map[string]any{"enabled": true, "days": 30.0}},
			good: map[string]any{"enabled": true, "retentionPolicy": map[string]any{"enabled": true, "days": 90.0}}},
		{name: "flow log without retention", rule: "flow-log-retention", typ: flowLog,
			bad: map[string]any{"enabled": true}, good: map[string]any{"enabled": true, "retentionPolicy": map[string]any{"enabled": true, "days": 0.0}}},
		{name: "flow log disabled", rule: "flow-log-retention", typ: flowLog,
			bad:  map[string]any{"enabled": false, "retentionPolicy": map[string]any{"enabled": true, "days": 90.0}},
			good: map[string]any{"enabled": true, "retentionPolicy": map[string]any{"enabled": true, "days": 90.0}}},
		{name: "traffic analytics every 30 minutes", rule: "flow-log-traffic-analytics", typ: flowLog,
			bad:  map[string]any{"flowAnalyticsConfiguration": map[string]any{"networkWatcherFlowAnalyticsConfiguration": map[string]any{"enabled": true, "trafficAnalyticsInterval": 30.0}}},
			good: map[string]any{"flowAnalyticsConfiguration": map[string]any{"networkWatcherFlowAnalyticsConfiguration": map[string]any{"enabled": true, "trafficAnalyticsInterval": 10.0}}}},
		{name: "flow log without traffic analytics", rule: "flow-log-traffic-analytics", typ: flowLog,
			bad:  map[string]any{"flowAnalyticsConfiguration": map[string]any{"networkWatcherFlowAnalyticsConfiguration": map[string]any{"enabled": false}}},
			good: map[string]any{"flowAnalyticsConfiguration": map[string]any{"networkWatcherFlowAnalyticsConfiguration": map[string]any{"enabled": true}}}},
		{name: "standalone subnet with default outbound access", rule: "subnet-no-default-outbound", typ: subnet,
			bad: map[string]any{"subnetName": "snet-a", "addressPrefix": "10.0.0.0/24"}, good: map[string]any{"subnetName": "snet-a", "addressPrefix": "10.0.0.0/24", "defaultOutboundAccess": false}},
		{name: "inline subnet with default outbound access", rule: "subnet-no-default-outbound", typ: vnet,
			bad:  map[string]any{"subnets": []any{map[string]any{"name": "a", "defaultOutboundAccess": true}}},
			good: map[string]any{"subnets": []any{map[string]any{"name": "a", "defaultOutboundAccess": false}, map[string]any{"name": "AzureBastionSubnet"}}}},
		{name: "a single DNS server", rule: "vnet-redundant-dns-servers", typ: vnet,
			bad:  map[string]any{"dhcpOptions": map[string]any{"dnsServers": "10.0.0.4"}},
			good: map[string]any{"dhcpOptions": map[string]any{"dnsServers": []any{"10.0.0.4", "10.0.0.5"}}}},
		{name: "public DNS servers", rule: "vnet-private-dns-servers", typ: vnet,
			bad:  map[string]any{"dhcpOptions": map[string]any{"dnsServers": []any{"10.0.0.4", "8.8.8.8"}}},
			good: map[string]any{"dhcpOptions": map[string]any{"dnsServers": []any{"10.0.0.4", "168.63.129.16"}}}},
		// Identity.
		{name: "custom role with every action", rule: "custom-role-no-wildcard-actions", typ: roleDef,
			bad: perm("*"), good: perm("Microsoft.KeyVault/vaults/read")},
		{name: "custom role that writes role assignments", rule: "custom-role-no-access-management", typ: roleDef,
			bad: perm("Microsoft.Storage/*/read", "Microsoft.Authorization/roleAssignments/write"), good: perm("Microsoft.Storage/*/read", "Microsoft.Authorization/roleAssignments/read")},
		{name: "custom role that can create roles", rule: "custom-role-no-access-management", typ: roleDef,
			bad: perm("Microsoft.Authorization/*/Write"), good: perm("Microsoft.Authorization/*/read")},
		{name: "GitHub subject for any branch", rule: "federated-credential-github-subject-pinned", typ: adFIC,
			bad: fic("repo:misybot/platform:ref:refs/heads/*"), good: fic("repo:misybot/platform:ref:refs/heads/main")},
		{name: "GitHub subject for a whole organisation", rule: "federated-credential-github-subject-pinned", typ: miFIC,
			bad: fic("repo:misybot/*"), good: fic("repo:misybot/platform:environment:prod")},
		{name: "GitHub credential with a foreign audience", rule: "federated-credential-github-subject-pinned", typ: adFIC,
			bad: fic("repo:misybot/platform:pull_request", "audiences", []any{"api://other"}), good: fic("repo:misybot/platform:pull_request")},
		// Monitoring.
		{name: "App Insights with local auth", rule: "appinsights-local-auth-disabled", typ: appi,
			bad: map[string]any{"kind": "web"}, good: map[string]any{"kind": "web", "disableLocalAuth": true}},
		{name: "classic App Insights", rule: "appinsights-workspace-based", typ: appi,
			bad:  map[string]any{"kind": "web", "ingestionMode": "ApplicationInsights"},
			good: map[string]any{"kind": "web", "ingestionMode": "LogAnalytics", "workspaceResourceId": rgID + "/providers/Microsoft.OperationalInsights/workspaces/log"}},
		{name: "App Insights open to public networks", rule: "appinsights-no-public-network-access", typ: appi,
			bad:  map[string]any{"publicNetworkAccessForIngestion": "Enabled", "publicNetworkAccessForQuery": "Disabled"},
			good: map[string]any{"publicNetworkAccessForIngestion": "Disabled", "publicNetworkAccessForQuery": "Disabled"}},
		{name: "workspace with local auth", rule: "loganalytics-local-auth-disabled", typ: ws,
			bad: map[string]any{"features": map[string]any{"disableLocalAuth": false}}, good: map[string]any{"features": map[string]any{"disableLocalAuth": true}}},
		{name: "workspace open to public networks", rule: "loganalytics-no-public-network-access", typ: ws,
			bad:  map[string]any{"publicNetworkAccessForQuery": "Enabled"},
			good: map[string]any{"publicNetworkAccessForIngestion": "Disabled", "publicNetworkAccessForQuery": "Disabled"}},
		{name: "workspace keeping 30 days", rule: "loganalytics-retention", typ: ws,
			bad: map[string]any{"retentionInDays": 30.0}, good: map[string]any{"retentionInDays": 365.0}},
	}
}

// versioned inserts an API-version segment into a canonical token, the way
// explicit-version modules register resources.
func versioned(typ string) string {
	pkg, rest, _ := strings.Cut(typ, ":")
	mod, name, _ := strings.Cut(rest, ":")
	if pkg == "azuread" {
		return pkg + ":" + mod + "/" + strings.ToLower(name[:1]) + name[1:] + ":" + name
	}
	return pkg + ":" + mod + "/v20240301:" + name
}

// stackOf builds a stack export holding one resource and the extras.
func stackOf(env, typ string, inputs map[string]any, extra map[string]extraRes) (doc, string) {
	stack := env
	urn := func(t, name string) string { return "urn:pulumi:" + stack + "::misybot-platform::" + t + "::" + name }
	resources := []any{map[string]any{"urn": urn("pulumi:pulumi:Stack", "misybot-platform-"+stack), "custom": false, "type": "pulumi:pulumi:Stack"}}
	target := urn(typ, "subject")
	resources = append(resources, map[string]any{"urn": target, "custom": true, "type": typ, "inputs": inputs})
	for name, e := range extra {
		resources = append(resources, map[string]any{"urn": urn(e.typ, name), "custom": true, "type": e.typ, "inputs": e.inputs})
	}
	return doc{"version": 3.0, "deployment": map[string]any{"resources": resources}}, target
}

func TestAnchorCatalogueCases(t *testing.T) {
	reg := rules.NewRegistry()
	for _, c := range anchorCases() {
		env := c.env
		if env == "" {
			env = "prod"
		}
		_, ok := reg.Lookup(c.rule)
		require.True(t, ok, "no rule %s", c.rule)
		for _, typ := range []string{c.typ, versioned(c.typ)} {
			t.Run(fmt.Sprintf("%s/%s/%s", c.rule, c.name, typ), func(t *testing.T) {
				hit := func(rep rules.Report, urn string) bool {
					return slices.ContainsFunc(rep.Violations, func(r rules.Result) bool { return r.Rule == c.rule && r.URN == urn })
				}
				// For stack rules the misconfiguration is the missing extra.
				d, urn := stackOf(env, typ, c.bad, nil)
				rep := evaluateBoth(t, reg, d, rules.Config{})
				assert.True(t, hit(rep, urn), "want %s on the misconfigured resource, got %v", c.rule, rep.Violations)
				d, urn = stackOf(env, typ, c.good, c.extra)
				rep = evaluateBoth(t, reg, d, rules.Config{})
				assert.False(t, hit(rep, urn), "compliant twin flagged: %v", rep.Violations)
				for _, u := range rep.Undecidable {
					assert.NotContains(t, u.Message, "internal error")
				}
			})
		}
	}
}

// TestAnchorCasesStayInTheirEnvironment: a rule limited to some
// environments does not fire in dev.
func TestAnchorCasesStayInTheirEnvironment(t *testing.T) {
	reg := rules.NewRegistry()
	for _, c := range anchorCases() {
		r, _ := reg.Lookup(c.rule)
		if len(r.Environments) == 0 || slices.Contains(r.Environments, "dev") {
			continue
		}
		d, urn := stackOf("dev", c.typ, c.bad, nil)
		rep := evaluateBoth(t, reg, d, rules.Config{})
		assert.False(t, slices.ContainsFunc(rep.Violations, func(x rules.Result) bool { return x.Rule == c.rule && x.URN == urn }), "%s fired in dev", c.rule)
	}
}

func TestEveryAnchorIDIsWellFormed(t *testing.T) {
	for _, r := range rules.NewRegistry().Rules() {
		for _, g := range r.AzurePolicy {
			assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`, g, r.Name)
		}
	}
}

// TestAzurePolicyIDsAreCheckedBuiltins: every Azure Policy GUID a rule
// cites is one of the built-ins checked against the definition's JSON or
// the built-in reference (rules.Builtins), and every checked built-in is
// cited, so a GUID written from memory fails here.
func TestAzurePolicyIDsAreCheckedBuiltins(t *testing.T) {
	cited := map[string]bool{}
	for _, r := range rules.NewRegistry().Rules() {
		for _, g := range r.AzurePolicy {
			b, ok := rules.Builtin(g)
			assert.True(t, ok, "%s cites %s, which is not a checked built-in", r.Name, g)
			assert.Equal(t, g, b.ID)
			cited[g] = true
		}
	}
	seen := map[string]bool{}
	for _, b := range rules.Builtins() {
		assert.False(t, seen[b.ID], "%s listed twice", b.ID)
		seen[b.ID] = true
		assert.True(t, cited[b.ID], "%s (%s) is checked but no rule cites it", b.ID, b.DisplayName)
		assert.NotEmpty(t, b.DisplayName, b.ID)
		require.NotEmpty(t, b.Effects, b.ID)
		assert.Contains(t, []string{"Audit", "AuditIfNotExists", "Deny"}, b.DefaultEffect(), b.ID)
		assert.Regexp(t, `^https://(github\.com/Azure/azure-policy/blob/master/built-in-policies/policyDefinitions/|learn\.microsoft\.com/)`, b.Source, b.ID)
	}
	// The one GUID the check corrected: the admin-account definition ends in c2.
	_, ok := rules.Builtin("dc921057-6b28-4fbe-9b83-f7bec05db6c5")
	assert.False(t, ok)
}

// TestCoverageTable: every anchor a rule cites is in the coverage table
// with its title, and every check of the table is either implemented by a
// rule or says why it does not apply, never both.
func TestCoverageTable(t *testing.T) {
	reg := rules.NewRegistry()
	cov := reg.Coverage()
	listed := map[string]rules.AnchorCheck{}
	for _, c := range cov {
		key := string(c.Catalogue) + " " + c.ID
		_, dup := listed[key]
		assert.False(t, dup, "%s listed twice", key)
		listed[key] = c
		assert.NotEmpty(t, c.Title, key)
		if len(c.Rules) > 0 {
			assert.Empty(t, c.NotApplicable, "%s is implemented by %v and also marked not applicable", key, c.Rules)
		} else {
			assert.NotEmpty(t, c.NotApplicable, "%s is neither implemented nor explained", key)
		}
	}
	for _, r := range reg.Rules() {
		for cat, ids := range map[rules.Catalogue][]string{rules.Checkov: r.Checkov, rules.Trivy: r.Trivy, rules.AzurePolicy: r.AzurePolicy} {
			for _, id := range ids {
				c, ok := listed[string(cat)+" "+id]
				if assert.True(t, ok, "%s cites %s %s, which the coverage table does not list", r.Name, cat, id) {
					assert.Contains(t, c.Rules, r.Name)
				}
			}
		}
	}
}
