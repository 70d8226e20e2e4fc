package anchors_test

// Compliant baselines: each returns a resource that passes every check of
// the anchors for its type, with the resources a compliant deployment of
// it has around it (private endpoint, diagnostic setting). Those helpers
// are named aux-…: the "minimal twin" measure drops them (see
// TestCorpusMinimalTwins).

func pe(name, target, group string) res {
	return res{"azure-native:network:PrivateEndpoint", "aux-pe-" + name, obj(
		"subnet", obj("id", rg+"/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-pe"),
		"privateLinkServiceConnections", list(obj("name", "plsc", "privateLinkServiceId", ref(target), "groupIds", list(group))),
	)}
}

func diag(name, target string) res {
	return res{"azure-native:insights:DiagnosticSetting", "aux-diag-" + name, obj(
		"name", "to-workspace",
		"resourceUri", ref(target),
		"workspaceId", wsID,
		"logs", list(obj("categoryGroup", "allLogs", "enabled", true)),
		"metrics", list(obj("category", "AllMetrics", "enabled", true)),
	)}
}

const vaultT = "azure-native:keyvault:Vault"

func vaultInputs(name string) map[string]any {
	return obj("vaultName", name, "properties", obj(
		"tenantId", tenant,
		"sku", obj("family", "A", "name", "standard"),
		"enableRbacAuthorization", true,
		"enableSoftDelete", true,
		"softDeleteRetentionInDays", 90,
		"enablePurgeProtection", true,
		"publicNetworkAccess", "Disabled",
		"networkAcls", obj("defaultAction", "Deny", "bypass", "AzureServices"),
	))
}

func vaultStack(typ, name string) []res {
	return []res{{typ, name, vaultInputs(name)}, pe(name, name, "vault"), diag(name, name)}
}

const registryT = "azure-native:containerregistry:Registry"

func registryInputs(name string) map[string]any {
	return obj("registryName", name,
		"sku", obj("name", "Premium"),
		"adminUserEnabled", false,
		"anonymousPullEnabled", false,
		"publicNetworkAccess", "Disabled",
		"networkRuleSet", obj("defaultAction", "Deny"),
		"networkRuleBypassOptions", "AzureServices",
		"zoneRedundancy", "Enabled",
		"dataEndpointEnabled", true,
		"policies", obj(
			"exportPolicy", obj("status", "disabled"),
			"retentionPolicy", obj("status", "enabled", "days", 7),
			"trustPolicy", obj("status", "enabled", "type", "Notary"),
			"quarantinePolicy", obj("status", "enabled"),
			"azureADAuthenticationAsArmPolicy", obj("status", "disabled"),
		),
	)
}

func registryStack(typ, name string) []res {
	return []res{{typ, name, registryInputs(name)}, pe(name, name, "registry"),
		{"azure-native:containerregistry:Replication", "aux-repl-" + name, obj("registryName", name, "location", "northeurope", "zoneRedundancy", "Enabled")}}
}

const storageT = "azure-native:storage:StorageAccount"

func storageInputs(name string) map[string]any {
	return obj("accountName", name,
		"kind", "StorageV2",
		"sku", obj("name", "Standard_GZRS"),
		"enableHttpsTrafficOnly", true,
		"minimumTlsVersion", "TLS1_2",
		"allowBlobPublicAccess", false,
		"allowSharedKeyAccess", false,
		"allowCrossTenantReplication", false,
		"publicNetworkAccess", "Disabled",
		"networkRuleSet", obj("defaultAction", "Deny", "bypass", "AzureServices"),
		"sasPolicy", obj("sasExpirationPeriod", "1.00:00:00", "expirationAction", "Log"),
		"encryption", obj("requireInfrastructureEncryption", true, "keySource", "Microsoft.Storage",
			"services", obj("blob", obj("enabled", true), "file", obj("enabled", true))),
		"isLocalUserEnabled", false,
		"isSftpEnabled", false,
	)
}

func blobService(account string) res {
	return res{"azure-native:storage:BlobServiceProperties", "aux-blobsvc-" + account, obj(
		"accountName", account, "blobServicesName", "default",
		"deleteRetentionPolicy", obj("enabled", true, "days", 7),
		"containerDeleteRetentionPolicy", obj("enabled", true, "days", 7),
	)}
}

func storageStack(typ, name string) []res {
	return []res{{typ, name, storageInputs(name)}, pe(name, name, "blob"), blobService(name)}
}

const sbT = "azure-native:servicebus:Namespace"

func sbInputs(name string) map[string]any {
	return obj("namespaceName", name,
		"sku", obj("name", "Premium", "tier", "Premium", "capacity", 1),
		"disableLocalAuth", true,
		"minimumTlsVersion", "1.2",
		"publicNetworkAccess", "Disabled",
		"zoneRedundant", true,
	)
}

func sbStack(typ, name string) []res {
	return []res{{typ, name, sbInputs(name)}, pe(name, name, "namespace"), diag(name, name)}
}

const nsgT = "azure-native:network:NetworkSecurityGroup"

func secRule(name string, prio int, dir, access, proto, src, dstPort string) map[string]any {
	return obj("name", name, "priority", prio, "direction", dir, "access", access, "protocol", proto,
		"sourceAddressPrefix", src, "sourcePortRange", "*", "destinationAddressPrefix", "*", "destinationPortRange", dstPort)
}

func denyAllIn() map[string]any {
	return secRule("deny-all-inbound", 4096, "Inbound", "Deny", "*", "*", "*")
}

// nsgInputs: HTTPS from the virtual network, then deny everything else.
func nsgInputs(name string, extra ...any) map[string]any {
	rules := append([]any{secRule("allow-https-vnet", 100, "Inbound", "Allow", "Tcp", "VirtualNetwork", "443")}, extra...)
	rules = append(rules, denyAllIn())
	return obj("networkSecurityGroupName", name, "securityRules", rules)
}

func nsgStack(typ, name string, extra ...any) []res {
	return []res{{typ, name, nsgInputs(name, extra...)}, diag(name, name)}
}

const (
	appT = "azure-native:app:ContainerApp"
	envT = "azure-native:app:ManagedEnvironment"
)

func envInputs(name string) map[string]any {
	return obj("environmentName", name,
		"vnetConfiguration", obj("internal", true, "infrastructureSubnetId", rg+"/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-apps"),
		"appLogsConfiguration", obj("destination", "log-analytics", "logAnalyticsConfiguration", obj("customerId", "cid", "sharedKey", secret{"k"})),
		"zoneRedundant", true,
	)
}

func appInputs(name, envName string) map[string]any {
	return obj("containerAppName", name,
		"managedEnvironmentId", ref(envName),
		"identity", obj("type", "UserAssigned", "userAssignedIdentities", list(rg+"/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-app")),
		"configuration", obj(
			"ingress", obj("external", false, "targetPort", 8080, "allowInsecure", false, "transport", "auto"),
			"secrets", list(obj("name", "bot-token", "keyVaultUrl", "https://kv-probe.vault.azure.net/secrets/bot-token", "identity", rg+"/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-app")),
			"registries", list(obj("server", "crprobe.azurecr.io", "identity", rg+"/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-app")),
		),
		"template", obj("containers", list(obj("name", "bot", "image", "crprobe.azurecr.io/bot:1",
			"env", list(obj("name", "BOT_TOKEN", "secretRef", "bot-token"), obj("name", "LOG_LEVEL", "value", "info"))))),
	)
}

func appStack(typ, name string) []res {
	return []res{{typ, name, appInputs(name, "cae-"+name)}, {envT, "cae-" + name, envInputs("cae-" + name)}}
}

const (
	appiT = "azure-native:insights:Component"
	wsT   = "azure-native:operationalinsights:Workspace"
)

func appiInputs(name string) map[string]any {
	return obj("resourceName", name, "kind", "web", "applicationType", "web",
		"workspaceResourceId", wsID, "ingestionMode", "LogAnalytics",
		"disableLocalAuth", true,
		"publicNetworkAccessForIngestion", "Disabled", "publicNetworkAccessForQuery", "Disabled")
}

func wsInputs(name string) map[string]any {
	return obj("workspaceName", name, "sku", obj("name", "PerGB2018"), "retentionInDays", 90,
		"features", obj("disableLocalAuth", true),
		"publicNetworkAccessForIngestion", "Disabled", "publicNetworkAccessForQuery", "Disabled")
}
