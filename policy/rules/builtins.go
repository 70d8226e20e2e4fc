package rules

import "strings"

// BuiltinPolicy is an Azure Policy built-in definition a rule matches: the
// definition's name (its GUID), display name and allowed effects, as the
// definition itself states them.
type BuiltinPolicy struct {
	// ID is the definition's name, the GUID in
	// /providers/Microsoft.Authorization/policyDefinitions/<ID>.
	ID          string
	DisplayName string
	// Effects are the allowed values of the definition's effect parameter,
	// its default first.
	Effects []string
	// Source is where the definition was read: its JSON in the
	// Azure/azure-policy repository, or the learn.microsoft.com page that
	// lists it.
	Source string
}

// DefaultEffect is the effect an assignment gets when it does not set one.
func (b BuiltinPolicy) DefaultEffect() string { return b.Effects[0] }

const (
	azurePolicyRepo    = "https://github.com/Azure/azure-policy/blob/master/built-in-policies/policyDefinitions/"
	builtinPoliciesDoc = "https://learn.microsoft.com/azure/governance/policy/samples/built-in-policies"
)

// builtinPolicies lists every Azure Policy built-in definition the rules
// cite, so that each GUID is written once with the name it was checked
// against. Each entry was matched on display name and effect with the
// definition's JSON (the name field is the GUID) or with the
// learn.microsoft.com built-in reference; a GUID that could not be
// established that way is not cited by any rule.
func builtinPolicies() []BuiltinPolicy {
	audit := []string{"Audit", "Deny", "Disabled"}
	auditOnly := []string{"Audit", "Disabled"}
	aine := []string{"AuditIfNotExists", "Disabled"}
	repo := func(path string) string { return azurePolicyRepo + strings.ReplaceAll(path, " ", "%20") }
	return []BuiltinPolicy{
		// Container Apps.
		{"0e80e269-43a4-4ae9-b5bc-178126b8a5cb", "Container Apps should only be accessible over HTTPS", audit, repo("Container Apps/ContainerApps_EnableHTTPS_Audit.json")},
		{"b874ab2d-72dd-47f1-8cb5-4a306478a4e7", "Managed Identity should be enabled for Container Apps", audit, repo("Container Apps/ContainerApps_ManagedIdentity_Audit.json")},
		{"d074ddf8-01a5-4b5e-a2b8-964aed452c0a", "Container Apps environment should disable public network access", audit, repo("Container Apps/ContainerApps_EnvironmentInternal_Audit.json")},
		{"8b346db6-85af-419b-8557-92cee2c0f9bb", "Container App environments should use network injection", audit, repo("Container Apps/ContainerApps_InjectVNet_Audit.json")},
		{"783ea2a8-b8fd-46be-896a-9ae79643a0b1", "Container Apps should disable external network access", audit, repo("Container Apps/ContainerApps_ContainerAppInternal_Audit.json")},
		// Identity.
		{"10ee2ea2-fb4d-45b8-a7e9-a2e770044cd9", "Custom subscription owner roles should not exist", auditOnly, repo("General/CustomSubscription_OwnerRole_Audit.json")},
		{"fd1a8e20-2c4f-4a6c-9354-b58d786d9a1f", "[Preview]: Managed Identity Federated Credentials from GitHub should be from trusted repository owners", audit, repo("Managed Identity/ManagedIdentity_FIC_LimitToGitHubIssuer.json")},
		// Network.
		{"7bca8353-aa3b-429b-904a-9229c4385837", "Subnets should be private", audit, repo("Network/PrivateSubnetOnly_Audit.json")},
		{"e71308d3-144b-4262-b144-efdc3cc90517", "Subnets should be associated with a Network Security Group", aine, builtinPoliciesDoc},
		{"27960feb-a23c-4577-8d36-ef8b5f35e0be", "Flow logs should be enabled for every network security group", auditOnly, repo("Network/NetworkWatcherFlowLog_Enabled_Audit.json")},
		{"2f080164-9f4d-497e-9db6-416dc9f7b48a", "Network Watcher flow logs should have traffic analytics enabled", auditOnly, repo("Network/NetworkWatcher_FlowLog_TrafficAnalytics_Audit.json")},
		// Key Vault.
		{"405c5871-3e91-4644-8a63-58e19d68ff5b", "Azure Key Vault should disable public network access", audit, repo("Key Vault/PublicNetworkAccess_Audit.json")},
		{"a6abeaec-4d90-4a02-805f-6b26c4d3fbe9", "Azure Key Vaults should use private link", auditOnly, repo("Key Vault/Should_Use_PrivateEndpoint_Audit.json")},
		{"12d4fa5e-1f9f-4c21-97a9-b99b3c6611b5", "Azure Key Vault should use RBAC permission model", audit, repo("Key Vault/Should_Use_RBAC.json")},
		{"1e66c121-a66a-4b1f-9b83-0fd99bf0fc2d", "Key vaults should have soft delete enabled", audit, repo("Key Vault/SoftDeleteMustBeEnabled_Audit.json")},
		{"0b60c0b2-2dc2-4e1c-b5c9-abbed971de53", "Key vaults should have deletion protection enabled", audit, repo("Key Vault/Recoverable_Audit.json")},
		{"55615ac9-af46-4a59-874e-391cc3dfb490", "Azure Key Vault should have firewall enabled", audit, repo("Key Vault/FirewallEnabled_Audit.json")},
		{"98728c90-32c7-4049-8429-847dc0f4fe37", "Key Vault secrets should have an expiration date", audit, repo("Key Vault/Secrets_ExpirationSet.json")},
		{"75262d3e-ba4a-4f43-85f8-9f72c090e5e3", "Secrets should have content type set", audit, repo("Key Vault/Secrets_ContentTypeSet.json")},
		{"152b15f7-8e1f-4c1f-ab71-8c010ba5dbc0", "Key Vault keys should have an expiration date", audit, repo("Key Vault/Keys_ExpirationSet.json")},
		{"587c79fe-dd04-4a5e-9d0b-f89598c7261b", "Keys should be backed by a hardware security module (HSM)", audit, repo("Key Vault/Keys_HSMBacked.json")},
		{"82067dbb-e53b-4e06-b631-546d197452d9", "Keys using RSA cryptography should have a specified minimum key size", audit, repo("Key Vault/Keys_RSA_MinimumKeySize.json")},
		{"d8cf8476-a2ec-4916-896e-992351803c44", "Keys should have a rotation policy ensuring that their rotation is scheduled within the specified number of days after creation.", auditOnly, repo("Key Vault/Keys_KeyRotationPolicy_MaximumDaysToRotate.json")},
		{"cf820ca0-f99e-4f3e-84fb-66e913812d21", "Resource logs in Key Vault should be enabled", aine, repo("Key Vault/AuditDiagnosticLog_Audit.json")},
		// Service Bus.
		{"cbd11fd3-3002-4907-b6c8-579f0e700e13", "Service Bus Namespaces should disable public network access", audit, repo("Service Bus/AuditPublicNetworkAccess.json")},
		{"1c06e275-d63d-4540-b761-71f364c2111d", "Azure Service Bus namespaces should use private link", aine, repo("Service Bus/PrivateEndpoint_Audit.json")},
		{"cfb11c26-f069-4c14-8e36-56c394dae5af", "Azure Service Bus namespaces should have local authentication methods disabled", audit, repo("Service Bus/DisableLocalAuth_AuditDeny.json")},
		{"a1817ec0-a368-432a-8057-8371e17ac6ee", "All authorization rules except RootManageSharedAccessKey should be removed from Service Bus namespace", audit, repo("Service Bus/AuditNamespaceAccessRules_Audit.json")},
		{"f8d36e2f-389b-4ee4-898d-21aeb69a0f45", "Resource logs in Service Bus should be enabled", aine, repo("Service Bus/AuditDiagnosticLog_Audit.json")},
		// Container Registry.
		{"dc921057-6b28-4fbe-9b83-f7bec05db6c2", "Container registries should have local admin account disabled.", audit, repo("Container Registry/ACR_AdminAccountDisabled_AuditDeny.json")},
		{"9f2dea28-e834-476c-99c5-3507b4728395", "Container registries should have anonymous authentication disabled.", audit, repo("Container Registry/ACR_AnonymousPullDisabled_AuditDeny.json")},
		{"0fdf0491-d080-4575-b627-ad0e843cba0f", "Public network access should be disabled for Container registries", audit, repo("Container Registry/ACR_PublicNetworkAccess_AuditDeny.json")},
		{"d0793b48-0edc-4296-a390-4c75d1bdfd71", "Container registries should not allow unrestricted network access", audit, repo("Container Registry/ACR_NetworkRulesExist_AuditDeny.json")},
		{"e8eef0a8-67cf-4eb4-9386-14b0e78733d4", "Container registries should use private link", auditOnly, repo("Container Registry/ACR_PrivateEndpointEnabled_Audit.json")},
		{"524b0254-c285-4903-bee6-bb8126cde579", "Container registries should have exports disabled", audit, repo("Container Registry/ACR_ExportPolicy_AuditDeny.json")},
		{"bd560fc0-3c69-498a-ae9f-aa8eb7de0e13", "Container registries should have SKUs that support Private Links", audit, repo("Container Registry/ACR_SkuSupportsPrivateEndpoints_AuditDeny.json")},
		{"42781ec6-6127-4c30-bdfa-fb423a0047d3", "Container registries should have ARM audience token authentication disabled.", audit, repo("Container Registry/ACR_AADAuthenticationAsArmPolicy_AuditDeny.json")},
		// Storage.
		{"8c6a50c6-9ffd-4ae7-986f-5fa6111f9a54", "Storage accounts should prevent shared key access", audit, repo("Storage/StorageAccountAllowSharedKeyAccess_Audit.json")},
		{"34c877ad-507e-4c82-993e-3452a6e0ad3c", "Storage accounts should restrict network access", audit, repo("Storage/Storage_NetworkAcls_Audit.json")},
		{"2a1a9cdf-e04d-429a-8416-3bfb72a1b26f", "Storage accounts should restrict network access using virtual network rules", audit, repo("Storage/StorageAccountOnlyVnetRulesEnabled_Audit.json")},
		{"c9d007d0-c057-4772-b18c-01e546713bcd", "Storage accounts should allow access from trusted Microsoft services", audit, repo("Storage/StorageAccess_TrustedMicrosoftServices_Audit.json")},
		{"b2982f36-99f2-4db5-8eff-283140c09693", "Storage accounts should disable public network access", audit, repo("Storage/StoragePublicNetworkAccess_AuditDeny.json")},
		{"6edd7eda-6dd8-40f7-810d-67160c639cd9", "Storage accounts should use private link", aine, repo("Storage/StorageAccountPrivateEndpointEnabled_Audit.json")},
		{"bf045164-79ba-4215-8f95-f8048dc1780b", "Geo-redundant storage should be enabled for Storage Accounts", auditOnly, repo("Storage/GeoRedundant_StorageAccounts_Audit.json")},
		{"92a89a79-6c52-4a7e-a03f-61306fc49312", "Storage accounts should prevent cross tenant object replication", audit, repo("Storage/StorageAccountAllowCrossTenantReplication_Audit.json")},
		{"4fa4b6c0-31ca-4c0d-b10d-24b96f62a751", "Storage account public access should be disallowed", audit, repo("Storage/ASC_Storage_DisallowPublicBlobAccess_Audit.json")},
		{"404c3081-a854-4457-ae30-26a93ef643f9", "Secure transfer to storage accounts should be enabled", audit, repo("Storage/Storage_AuditForHTTPSEnabled_Audit.json")},
		{"fe83a0eb-a853-422d-aac2-1bffd182c5d0", "Storage accounts should have the specified minimum TLS version", audit, repo("Storage/StorageAccountMinimumTLSVersion_Audit.json")},
		{"bc1b984e-ddae-40cc-801a-050a030e4fbe", "Storage accounts should have shared access signature (SAS) policies configured", audit, repo("Storage/StorageAccountSasPolicy_Restrict.json")},
		{"4733ea7b-a883-42fe-8cac-97454c2a9e4a", "Storage accounts should have infrastructure encryption", audit, repo("Storage/StorageAccountInfrastructureEncryptionEnabled_Audit.json")},
		// Monitoring.
		{"199d5677-e4d9-4264-9465-efe1839c06bd", "Application Insights components should block non-Azure Active Directory based ingestion.", audit, repo("Monitoring/ApplicationInsightsComponents_DisableLocalAuth_Deny.json")},
		{"d550e854-df1a-4de9-bf44-cd894b39a95e", "Azure Monitor Logs for Application Insights should be linked to a Log Analytics workspace", audit, repo("Monitoring/ApplicationInsightsComponent_WorkspaceAssociation_Deny.json")},
		{"1bc02227-0cb6-4e11-8f53-eb0b22eab7e8", "Application Insights components should block log ingestion and querying from public networks", audit, repo("Monitoring/ApplicationInsightsComponents_NetworkAccessEnabled_Deny.json")},
		{"e15effd4-2278-4c65-a0da-4d6f6d1890e2", "Log Analytics Workspaces should block non-Azure Active Directory based ingestion.", audit, repo("Monitoring/LogAnalyticsWorkspaces_DisableLocalAuth_Deny.json")},
		{"6c53d030-cc64-46f0-906d-2bc061cd1334", "Log Analytics workspaces should block log ingestion and querying from public networks", audit, repo("Monitoring/LogAnalyticsWorkspaces_NetworkAccessEnabled_Deny.json")},
	}
}

// Builtin finds the Azure Policy built-in a rule cites.
func Builtin(id string) (BuiltinPolicy, bool) {
	for _, b := range builtinPolicies() {
		if b.ID == id {
			return b, true
		}
	}
	return BuiltinPolicy{}, false
}

// Builtins lists the Azure Policy built-ins the rules cite.
func Builtins() []BuiltinPolicy { return builtinPolicies() }
