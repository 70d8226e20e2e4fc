package rules

import "sort"

// Catalogue names an anchor catalogue.
type Catalogue string

// The anchor catalogues the rules are mapped against.
const (
	Checkov     Catalogue = "Checkov"
	Trivy       Catalogue = "Trivy"
	AzurePolicy Catalogue = "Azure Policy"
)

// AnchorCheck is one check of an anchor catalogue for a resource type this
// platform deploys (or a platform like it would), with what the pack does
// about it: the rules citing it, or why none applies.
type AnchorCheck struct {
	Catalogue Catalogue
	ID        string
	Title     string
	// Rules are the rules that cite the check (computed from the registry).
	Rules []string
	// NotApplicable says why no rule implements the check.
	NotApplicable string
}

const (
	naCMK          = "customer-managed keys: the platform encrypts with Microsoft-managed keys and runs no key lifecycle for data encryption"
	naClassicLogs  = "classic Storage Analytics logging is a data-plane setting of the storage services, not an input of the azure-native resources; resource logs go through diagnostic settings"
	naSubscription = "a subscription-level Microsoft Defender plan, not a setting of the resources a stack deploys"
)

// anchorChecks are the checks of Checkov (CKV_AZURE_*, CKV2_AZURE_*) and
// Trivy (AVD-AZU-*) for the types of this platform, with their titles as
// the catalogues state them (AVD-AZU-0052 and above read in the checks'
// metadata in aquasecurity/trivy-checks checks/cloud/azure), and the Azure Policy built-ins for those types
// that no rule cites (the cited ones are in builtinPolicies). Checkov ids
// and titles were read in Checkov's check sources and its Terraform policy
// index (https://github.com/bridgecrewio/checkov/tree/main/checkov); Trivy
// ids in the AVD documentation of aquasecurity/defsec (avd_docs/azure).
func anchorChecks() []AnchorCheck {
	return []AnchorCheck{
		// Checkov: storage.
		{Catalogue: Checkov, ID: "CKV_AZURE_3", Title: "Ensure that 'supportsHttpsTrafficOnly' is set to 'true'"},
		{Catalogue: Checkov, ID: "CKV_AZURE_33", Title: "Ensure Storage logging is enabled for Queue service for read, write and delete requests", NotApplicable: naClassicLogs},
		{Catalogue: Checkov, ID: "CKV_AZURE_34", Title: "Ensure that 'Public access level' is set to Private for blob containers"},
		{Catalogue: Checkov, ID: "CKV_AZURE_35", Title: "Ensure default network access rule for Storage Accounts is set to deny"},
		{Catalogue: Checkov, ID: "CKV_AZURE_36", Title: "Ensure 'Trusted Microsoft Services' is enabled for Storage Account access"},
		{Catalogue: Checkov, ID: "CKV_AZURE_43", Title: "Ensure the Storage Account naming rules"},
		{Catalogue: Checkov, ID: "CKV_AZURE_44", Title: "Ensure Storage Account is using the latest version of TLS encryption"},
		{Catalogue: Checkov, ID: "CKV_AZURE_59", Title: "Ensure that Storage accounts disallow public access"},
		{Catalogue: Checkov, ID: "CKV_AZURE_60", Title: "Ensure that storage account enables secure transfer"},
		{Catalogue: Checkov, ID: "CKV_AZURE_190", Title: "Ensure that Storage blobs restrict public access"},
		{Catalogue: Checkov, ID: "CKV_AZURE_206", Title: "Ensure that Storage Accounts use replication"},
		{Catalogue: Checkov, ID: "CKV_AZURE_244", Title: "Avoid the use of local users for Azure Storage unless necessary"},
		{Catalogue: Checkov, ID: "CKV2_AZURE_1", Title: "Ensure storage for critical data are encrypted with Customer Managed Key", NotApplicable: naCMK},
		{Catalogue: Checkov, ID: "CKV2_AZURE_8", Title: "Ensure the storage container storing the activity logs is not publicly accessible", NotApplicable: "the platform exports no activity log to storage; every blob container is checked by storage-container-private"},
		{Catalogue: Checkov, ID: "CKV2_AZURE_18", Title: "Ensure that Storage Accounts use customer-managed key for encryption", NotApplicable: naCMK},
		{Catalogue: Checkov, ID: "CKV2_AZURE_20", Title: "Ensure Storage logging is enabled for Table service for read requests", NotApplicable: naClassicLogs},
		{Catalogue: Checkov, ID: "CKV2_AZURE_21", Title: "Ensure Storage logging is enabled for Blob service for read requests", NotApplicable: naClassicLogs},
		{Catalogue: Checkov, ID: "CKV2_AZURE_33", Title: "Ensure storage account is configured with private endpoint"},
		{Catalogue: Checkov, ID: "CKV2_AZURE_38", Title: "Ensure soft-delete is enabled on Azure storage account"},
		{Catalogue: Checkov, ID: "CKV2_AZURE_40", Title: "Ensure storage account is not configured with Shared Key authorization"},
		{Catalogue: Checkov, ID: "CKV2_AZURE_41", Title: "Ensure storage account is configured with SAS expiration policy"},
		{Catalogue: Checkov, ID: "CKV2_AZURE_47", Title: "Ensure storage account is configured without blob anonymous access"},
		// Checkov: Key Vault.
		{Catalogue: Checkov, ID: "CKV_AZURE_40", Title: "Ensure that the expiration date is set on all keys"},
		{Catalogue: Checkov, ID: "CKV_AZURE_41", Title: "Ensure that the expiration date is set on all secrets"},
		{Catalogue: Checkov, ID: "CKV_AZURE_42", Title: "Ensure the key vault is recoverable"},
		{Catalogue: Checkov, ID: "CKV_AZURE_109", Title: "Ensure that key vault allows firewall rules settings"},
		{Catalogue: Checkov, ID: "CKV_AZURE_110", Title: "Ensure that key vault enables purge protection"},
		{Catalogue: Checkov, ID: "CKV_AZURE_111", Title: "Ensure that key vault enables soft delete"},
		{Catalogue: Checkov, ID: "CKV_AZURE_112", Title: "Ensure that key vault key is backed by HSM"},
		{Catalogue: Checkov, ID: "CKV_AZURE_114", Title: "Ensure that key vault secrets have \"content_type\" set"},
		{Catalogue: Checkov, ID: "CKV_AZURE_189", Title: "Ensure that Azure Key Vault disables public network access"},
		{Catalogue: Checkov, ID: "CKV2_AZURE_32", Title: "Ensure private endpoint is configured to key vault"},
		// Checkov: container registries.
		{Catalogue: Checkov, ID: "CKV_AZURE_86", Title: "Ensure that Azure Defender is set to On for Container Registries", NotApplicable: naSubscription},
		{Catalogue: Checkov, ID: "CKV_AZURE_137", Title: "Ensure ACR admin account is disabled"},
		{Catalogue: Checkov, ID: "CKV_AZURE_138", Title: "Ensures that ACR disables anonymous pulling of images"},
		{Catalogue: Checkov, ID: "CKV_AZURE_139", Title: "Ensure ACR set to disable public networking"},
		{Catalogue: Checkov, ID: "CKV_AZURE_163", Title: "Enable vulnerability scanning for container images."},
		{Catalogue: Checkov, ID: "CKV_AZURE_164", Title: "Ensures that ACR uses signed/trusted images"},
		{Catalogue: Checkov, ID: "CKV_AZURE_166", Title: "Ensure container image quarantine, scan, and mark images verified"},
		{Catalogue: Checkov, ID: "CKV_AZURE_167", Title: "Ensure a retention policy is set to cleanup untagged manifests."},
		{Catalogue: Checkov, ID: "CKV_AZURE_233", Title: "Ensure Azure Container Registry (ACR) is zone redundant"},
		{Catalogue: Checkov, ID: "CKV_AZURE_237", Title: "Ensure dedicated data endpoints are enabled."},
		{Catalogue: Checkov, ID: "CKV_AZURE_165", Title: "Ensure geo-replicated container registries to match multi-region container deployments."},
		// Checkov: network.
		{Catalogue: Checkov, ID: "CKV_AZURE_9", Title: "Ensure that RDP access is restricted from the internet"},
		{Catalogue: Checkov, ID: "CKV_AZURE_10", Title: "Ensure that SSH access is restricted from the internet"},
		{Catalogue: Checkov, ID: "CKV_AZURE_12", Title: "Ensure that Network Security Group Flow Log retention period is 'greater than 90 days'"},
		{Catalogue: Checkov, ID: "CKV_AZURE_77", Title: "Ensure that UDP Services are restricted from the Internet"},
		{Catalogue: Checkov, ID: "CKV_AZURE_160", Title: "Ensure that HTTP (port 80) access is restricted from the internet"},
		{Catalogue: Checkov, ID: "CKV_AZURE_182", Title: "Ensure that VNET has at least 2 connected DNS Endpoints"},
		{Catalogue: Checkov, ID: "CKV_AZURE_183", Title: "Ensure that VNET uses local DNS addresses"},
		{Catalogue: Checkov, ID: "CKV2_AZURE_31", Title: "Ensure VNET subnet is configured with a Network Security Group (NSG)"},
		// Checkov: identity and Service Bus.
		{Catalogue: Checkov, ID: "CKV_AZURE_39", Title: "Ensure that no custom subscription owner roles are created"},
		{Catalogue: Checkov, ID: "CKV_AZURE_203", Title: "Ensure Azure Service Bus Local Authentication is disabled"},
		{Catalogue: Checkov, ID: "CKV_AZURE_204", Title: "Ensure 'public network access enabled' is set to 'False' for Azure Service Bus"},
		{Catalogue: Checkov, ID: "CKV_AZURE_205", Title: "Ensure Azure Service Bus is using the latest version of TLS encryption"},
		{Catalogue: Checkov, ID: "CKV_AZURE_199", Title: "Ensure that Azure Service Bus uses double encryption", NotApplicable: naCMK},
		{Catalogue: Checkov, ID: "CKV_AZURE_201", Title: "Ensure that Azure Service Bus uses a customer-managed key to encrypt data", NotApplicable: naCMK},
		{Catalogue: Checkov, ID: "CKV_AZURE_202", Title: "Ensure that Managed identity provider is enabled for Azure Service Bus", NotApplicable: "a namespace's own identity reads its customer-managed key from Key Vault (https://learn.microsoft.com/azure/service-bus-messaging/configure-customer-managed-key); the platform uses Microsoft-managed keys and its clients authenticate with their own identities"},

		// Trivy (defsec AVD-AZU).
		{Catalogue: Trivy, ID: "AVD-AZU-0007", Title: "Storage containers in blob storage mode should not have public access"},
		{Catalogue: Trivy, ID: "AVD-AZU-0008", Title: "Storage accounts should be configured to only accept transfers that are over secure connections"},
		{Catalogue: Trivy, ID: "AVD-AZU-0009", Title: "When using Queue Services for a storage account, logging should be enabled", NotApplicable: naClassicLogs},
		{Catalogue: Trivy, ID: "AVD-AZU-0010", Title: "Trusted Microsoft Services should have bypass access to Storage accounts"},
		{Catalogue: Trivy, ID: "AVD-AZU-0011", Title: "The minimum TLS version for Storage Accounts should be TLS1_2"},
		{Catalogue: Trivy, ID: "AVD-AZU-0012", Title: "The default action on Storage account network rules should be set to deny"},
		{Catalogue: Trivy, ID: "AVD-AZU-0013", Title: "Key vault should have the network acl block specified"},
		{Catalogue: Trivy, ID: "AVD-AZU-0014", Title: "Ensure that the expiration date is set on all keys"},
		{Catalogue: Trivy, ID: "AVD-AZU-0015", Title: "Key vault Secret should have a content type set"},
		{Catalogue: Trivy, ID: "AVD-AZU-0016", Title: "Key vault should have purge protection enabled"},
		{Catalogue: Trivy, ID: "AVD-AZU-0017", Title: "Key Vault Secret should have an expiration date set"},
		{Catalogue: Trivy, ID: "AVD-AZU-0030", Title: "Roles limited to subscription owner scope"},
		{Catalogue: Trivy, ID: "AVD-AZU-0047", Title: "Security group rules should not allow ingress from the public internet (flagged here on all ports; single ports by the SSH/RDP, HTTP, UDP, database and legacy-port rules)"},
		{Catalogue: Trivy, ID: "AVD-AZU-0048", Title: "RDP access should not be accessible from the Internet, should be blocked on port 3389"},
		{Catalogue: Trivy, ID: "AVD-AZU-0049", Title: "Retention policy for flow logs should be enabled and set to greater than 90 days"},
		{Catalogue: Trivy, ID: "AVD-AZU-0050", Title: "SSH access should not be accessible from the Internet, should be blocked on port 22"},
		{Catalogue: Trivy, ID: "AVD-AZU-0051", Title: "Security group rules should not allow egress to the public internet (flagged here on all ports)"},
		{Catalogue: Trivy, ID: "AVD-AZU-0052", Title: "Role Definition Allows Custom Role Creation"},
		{Catalogue: Trivy, ID: "AVD-AZU-0056", Title: "Storage account should have blob soft delete enabled"},
		{Catalogue: Trivy, ID: "AVD-AZU-0058", Title: "Storage account should use geo-redundant replication"},
		{Catalogue: Trivy, ID: "AVD-AZU-0061", Title: "Storage account should have infrastructure encryption enabled"},
		{Catalogue: Trivy, ID: "AVD-AZU-0073", Title: "Network Watcher Flow Disabled"},
		{Catalogue: Trivy, ID: "AVD-AZU-0074", Title: "Sensitive Port Is Exposed To Entire Network"},

		// Azure Policy built-ins for these types that no rule implements.
		{Catalogue: AzurePolicy, ID: "2b585559-a78e-4cc4-b1aa-fb169d2f6b96", Title: "Authentication should be enabled on Container Apps", NotApplicable: "an authConfigs child resource (AuditIfNotExists); the bot authenticates Bot Framework tokens itself"},
		{Catalogue: AzurePolicy, ID: "7c9f3fbb-739d-4844-8e42-97e3be6450e0", Title: "Container App should configure with volume mount", NotApplicable: "an availability choice, not a security setting; the bot keeps no state on disk"},
		{Catalogue: AzurePolicy, ID: "ff05e24e-195c-447e-b322-5e90c9f9f366", Title: "Container registries should have repository scoped access token disabled.", NotApplicable: "the platform creates no registry tokens; pulls use the managed identity"},
		{Catalogue: AzurePolicy, ID: "5b9159ae-1701-4a6f-9a7a-aa9c8ddd0580", Title: "Container registries should be encrypted with a customer-managed key", NotApplicable: naCMK},
		{Catalogue: AzurePolicy, ID: "6fac406b-40ca-413b-bf8e-0bf964659c25", Title: "Storage accounts should use customer-managed key for encryption", NotApplicable: naCMK},
		{Catalogue: AzurePolicy, ID: "295fc8b1-dc9f-4f53-9c61-3f313ceab40a", Title: "Service Bus Premium namespaces should use a customer-managed key for encryption", NotApplicable: naCMK},
		{Catalogue: AzurePolicy, ID: "ebaf4f25-a4e8-415f-86a8-42d9155bef0b", Title: "Service Bus namespaces should have double encryption enabled", NotApplicable: "infrastructure encryption of a namespace comes with customer-managed keys (Premium), which the platform does not use"},
		{Catalogue: AzurePolicy, ID: "e372f825-a257-4fb8-9175-797a8a8627d6", Title: "[Deprecated]: RDP access from the Internet should be blocked", NotApplicable: "deprecated by Azure; the same check is nsg-no-internet-ssh-rdp"},
		{Catalogue: AzurePolicy, ID: "2c89a2e5-7285-40fe-afe0-ae8654b92fab", Title: "[Deprecated]: SSH access from the Internet should be blocked", NotApplicable: "deprecated by Azure; the same check is nsg-no-internet-ssh-rdp"},
	}
}

// Coverage maps the anchor catalogues onto the registry: every check of
// anchorChecks and every cited Azure Policy built-in, with the rules that
// cite it. Sorted by catalogue, then ID.
func (reg *Registry) Coverage() []AnchorCheck {
	cites := map[Catalogue]map[string][]string{Checkov: {}, Trivy: {}, AzurePolicy: {}}
	for _, r := range reg.rules {
		for _, id := range r.Checkov {
			cites[Checkov][id] = append(cites[Checkov][id], r.Name)
		}
		for _, id := range r.Trivy {
			cites[Trivy][id] = append(cites[Trivy][id], r.Name)
		}
		for _, id := range r.AzurePolicy {
			cites[AzurePolicy][id] = append(cites[AzurePolicy][id], r.Name)
		}
	}
	out := anchorChecks()
	for _, b := range builtinPolicies() {
		out = append(out, AnchorCheck{Catalogue: AzurePolicy, ID: b.ID, Title: b.DisplayName})
	}
	for i := range out {
		out[i].Rules = cites[out[i].Catalogue][out[i].ID]
	}
	order := map[Catalogue]int{Checkov: 0, Trivy: 1, AzurePolicy: 2}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Catalogue != out[j].Catalogue {
			return order[out[i].Catalogue] < order[out[j].Catalogue]
		}
		return out[i].ID < out[j].ID
	})
	return out
}
