package rules

import "strings"

const (
	categoryRegistry = "Container registries"
	categoryStorage  = "Storage"
)

// Container registry settings:
// https://learn.microsoft.com/azure/container-registry/anonymous-pull-access
// https://learn.microsoft.com/azure/container-registry/data-loss-prevention
// https://learn.microsoft.com/azure/container-registry/zone-redundancy
// https://learn.microsoft.com/azure/container-registry/container-registry-private-link
func registryRules() []Rule {
	types := []string{typeRegistry}
	return []Rule{
		{
			Name:        "container-registry-no-anonymous-pull",
			Category:    categoryRegistry,
			Description: "Container registries do not allow anonymous (unauthenticated) pulls.",
			Remediation: "Set anonymousPullEnabled to false (or leave it out).",
			Enforcement: Mandatory,
			Checkov:     []string{"CKV_AZURE_138"},
			AzurePolicy: []string{"9f2dea28-e834-476c-99c5-3507b4728395"},
			Types:       types,
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				return requireBool(r, field(r.Properties, "anonymousPullEnabled"), false, false, "anyone can pull images without credentials")
			},
		},
		{
			Name:         "container-registry-no-public-network-access",
			Category:     categoryRegistry,
			Description:  "Container registries have public network access disabled in staging and prod.",
			Remediation:  `Set publicNetworkAccess to "Disabled" (Premium SKU) and pull through a private endpoint.`,
			Enforcement:  Mandatory,
			Environments: stagingAndProd,
			Checkov:      []string{"CKV_AZURE_139"},
			AzurePolicy:  []string{"0fdf0491-d080-4575-b627-ad0e843cba0f"},
			Types:        types,
			Scope:        PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				return publicAccessDisabled(r, field(r.Properties, "publicNetworkAccess"))
			},
		},
		{
			Name:         "container-registry-network-default-deny",
			Category:     categoryRegistry,
			Description:  "A container registry that keeps public network access restricts it: networkRuleSet.defaultAction is Deny.",
			Remediation:  `Set networkRuleSet.defaultAction to "Deny" and list the allowed addresses, or disable public network access.`,
			Enforcement:  Mandatory,
			Environments: stagingAndProd,
			AzurePolicy:  []string{"d0793b48-0edc-4296-a390-4c75d1bdfd71"},
			Types:        types,
			Scope:        PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				if field(r.Properties, "publicNetworkAccess").is("Disabled") {
					return nil
				}
				return requireOneOf(r, field(r.Properties, "networkRuleSet", "defaultAction"), "Allow", "the registry accepts connections from any network", "Deny")
			},
		},
		{
			Name:         "container-registry-premium",
			Category:     categoryRegistry,
			Description:  "Container registries use the Premium SKU in staging and prod: private endpoints, network rules, zone redundancy and export control need it (stricter than CKV_AZURE_163, which only refuses Basic).",
			Remediation:  `Set sku.name to "Premium".`,
			Enforcement:  Mandatory,
			Environments: stagingAndProd,
			Checkov:      []string{"CKV_AZURE_163"},
			AzurePolicy:  []string{"bd560fc0-3c69-498a-ae9f-aa8eb7de0e13"},
			Types:        types,
			Scope:        PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				return requireOneOf(r, field(r.Properties, "sku", "name"), "", "the registry cannot be made private", "Premium")
			},
		},
		{
			Name:         "container-registry-private-endpoint",
			Category:     categoryRegistry,
			Description:  "Every container registry has a private endpoint (group id registry) in the stack, in staging and prod.",
			Remediation:  "Add an azure-native:network:PrivateEndpoint whose privateLinkServiceConnections target the registry with groupIds [\"registry\"], and register it in privatelink.azurecr.io.",
			Enforcement:  Mandatory,
			Environments: stagingAndProd,
			AzurePolicy:  []string{"e8eef0a8-67cf-4eb4-9386-14b0e78733d4"},
			Types:        []string{typeRegistry, typePrivateEndpoint},
			Scope:        PerStack,
			checkStack:   privateEndpointCheck(typeRegistry, armRegistry, "registry", "container registry"),
		},
		{
			Name:         "container-registry-export-disabled",
			Category:     categoryRegistry,
			Description:  "Container registries disable artifact export (policies.exportPolicy.status disabled) in prod, so images cannot be copied out to another registry.",
			Remediation:  `Set policies.exportPolicy.status to "disabled" (needs publicNetworkAccess Disabled, Premium).`,
			Enforcement:  Mandatory,
			Environments: []string{"prod"},
			AzurePolicy:  []string{"524b0254-c285-4903-bee6-bb8126cde579"},
			Types:        types,
			Scope:        PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				return requireOneOf(r, field(r.Properties, "policies", "exportPolicy", "status"), "enabled", "images can be exported", "disabled")
			},
		},
		{
			Name:         "container-registry-zone-redundant",
			Category:     categoryRegistry,
			Description:  "Container registries are zone redundant in prod (zoneRedundancy Enabled).",
			Remediation:  `Set zoneRedundancy to "Enabled" (Premium, in a region with availability zones).`,
			Enforcement:  Mandatory,
			Environments: []string{"prod"},
			Checkov:      []string{"CKV_AZURE_233"},
			Types:        types,
			Scope:        PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				return requireOneOf(r, field(r.Properties, "zoneRedundancy"), "Disabled", "the registry is not zone redundant", "Enabled")
			},
		},
		{
			Name:        "container-registry-retention-policy",
			Category:    categoryRegistry,
			Description: "Container registries delete untagged manifests after a retention period (policies.retentionPolicy.status enabled).",
			Remediation: `Set policies.retentionPolicy to {status: "enabled", days: 7}.`,
			Enforcement: Advisory,
			Checkov:     []string{"CKV_AZURE_167"},
			Types:       types,
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				return requireOneOf(r, field(r.Properties, "policies", "retentionPolicy", "status"), "disabled", "untagged manifests are kept forever", "enabled")
			},
		},
		{
			Name:        "container-registry-content-trust",
			Category:    categoryRegistry,
			Description: "Container registries only serve signed images (policies.trustPolicy.status enabled).",
			Remediation: `Set policies.trustPolicy to {status: "enabled", type: "Notary"}.`,
			Enforcement: Advisory,
			Checkov:     []string{"CKV_AZURE_164"},
			Types:       types,
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				return requireOneOf(r, field(r.Properties, "policies", "trustPolicy", "status"), "disabled", "content trust is off", "enabled")
			},
		},
		{
			Name:        "container-registry-quarantine",
			Category:    categoryRegistry,
			Description: "Container registries quarantine pushed images until they are scanned (policies.quarantinePolicy.status enabled).",
			Remediation: `Set policies.quarantinePolicy.status to "enabled".`,
			Enforcement: Advisory,
			Checkov:     []string{"CKV_AZURE_166"},
			Types:       types,
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				return requireOneOf(r, field(r.Properties, "policies", "quarantinePolicy", "status"), "disabled", "pushed images are served before they are scanned", "enabled")
			},
		},
		{
			Name:        "container-registry-dedicated-data-endpoint",
			Category:    categoryRegistry,
			Description: "Container registries use dedicated data endpoints (dataEndpointEnabled), so firewalls allow one registry's data host rather than a region's.",
			Remediation: "Set dataEndpointEnabled to true (Premium).",
			Enforcement: Advisory,
			Checkov:     []string{"CKV_AZURE_237"},
			Types:       types,
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				return requireBool(r, field(r.Properties, "dataEndpointEnabled"), true, false, "layers are served from the shared regional data endpoint")
			},
		},
	}
}

// geoRedundantSKUs replicate a storage account to a second region.
var geoRedundantSKUs = []string{"Standard_GRS", "Standard_RAGRS", "Standard_GZRS", "Standard_RAGZRS"}

// Storage account settings:
// https://learn.microsoft.com/azure/storage/common/shared-key-authorization-prevent
// https://learn.microsoft.com/azure/storage/common/storage-network-security
// https://learn.microsoft.com/azure/storage/blobs/soft-delete-blob-overview
// https://learn.microsoft.com/azure/storage/blobs/anonymous-read-access-prevent
// https://learn.microsoft.com/azure/storage/common/storage-redundancy
func storageRules() []Rule {
	types := []string{typeStorageAccount}
	return []Rule{
		{
			Name:        "storage-account-no-shared-key",
			Category:    categoryStorage,
			Description: "Storage accounts refuse Shared Key authorization (allowSharedKeyAccess false): clients use Entra ID.",
			Remediation: "Set allowSharedKeyAccess to false and grant Storage Blob Data roles to the identities that read or write.",
			Enforcement: Mandatory,
			Checkov:     []string{"CKV2_AZURE_40"},
			AzurePolicy: []string{"8c6a50c6-9ffd-4ae7-986f-5fa6111f9a54"},
			Types:       types,
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				return requireBool(r, field(r.Properties, "allowSharedKeyAccess"), false, true, "account keys and SAS tokens signed with them are accepted")
			},
		},
		{
			Name:        "storage-account-network-default-deny",
			Category:    categoryStorage,
			Description: "Storage account firewalls deny by default (networkRuleSet.defaultAction Deny; left out, Azure's default is Allow). As the built-in, Checkov and Trivy do, this holds even with public network access disabled, so that re-enabling it does not open the account to every network.",
			Remediation: `Set networkRuleSet.defaultAction to "Deny" and list the allowed networks (and set publicNetworkAccess to "Disabled" where nothing public needs the account).`,
			Enforcement: Mandatory,
			Checkov:     []string{"CKV_AZURE_35"},
			Trivy:       []string{"AVD-AZU-0012"},
			AzurePolicy: []string{"34c877ad-507e-4c82-993e-3452a6e0ad3c"},
			Types:       types,
			Scope:       PerResource,
			// The built-in flags networkAcls.defaultAction notEquals Deny, whatever
			// publicNetworkAccess says:
			// https://github.com/Azure/azure-policy/blob/master/built-in-policies/policyDefinitions/Storage/Storage_NetworkAcls_Audit.json
			// "By default, storage accounts accept connections from clients on any network":
			// https://learn.microsoft.com/azure/storage/common/storage-network-security
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				return requireOneOf(r, field(r.Properties, "networkRuleSet", "defaultAction"), "Allow", "the account's firewall accepts connections from any network", "Deny")
			},
		},
		{
			Name:        "storage-account-trusted-services-bypass",
			Category:    categoryStorage,
			Description: "A storage account firewall that denies by default lets trusted Azure services through (networkRuleSet.bypass includes AzureServices).",
			Remediation: `Set networkRuleSet.bypass to "AzureServices" (with Logging, Metrics if needed).`,
			Enforcement: Mandatory,
			Checkov:     []string{"CKV_AZURE_36"},
			Trivy:       []string{"AVD-AZU-0010"},
			AzurePolicy: []string{"c9d007d0-c057-4772-b18c-01e546713bcd"},
			Types:       types,
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				rules := field(r.Properties, "networkRuleSet")
				if !rules.isSet() || !field(rules.v, "defaultAction").is("Deny") {
					return nil
				}
				bypass := field(rules.v, "bypass")
				if bypass.undecided() {
					return []Finding{undecidable(r, bypass.describeUnknown())}
				}
				if !bypass.isSet() {
					return nil // Azure's default is AzureServices
				}
				s, _ := bypass.text()
				for _, part := range strings.Split(s, ",") {
					if strings.EqualFold(strings.TrimSpace(part), "AzureServices") {
						return nil
					}
				}
				return []Finding{violation(r, "networkRuleSet.bypass is %q: trusted Azure services cannot reach the account", s)}
			},
		},
		{
			Name:         "storage-account-no-public-network-access",
			Category:     categoryStorage,
			Description:  "Storage accounts have public network access disabled in staging and prod.",
			Remediation:  `Set publicNetworkAccess to "Disabled" and reach the account through private endpoints.`,
			Enforcement:  Mandatory,
			Environments: stagingAndProd,
			Checkov:      []string{"CKV_AZURE_59"},
			AzurePolicy:  []string{"b2982f36-99f2-4db5-8eff-283140c09693"},
			Types:        types,
			Scope:        PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				return publicAccessDisabled(r, field(r.Properties, "publicNetworkAccess"))
			},
		},
		{
			Name:         "storage-account-private-endpoint",
			Category:     categoryStorage,
			Description:  "Every storage account has a private endpoint in the stack (group id blob), in staging and prod.",
			Remediation:  "Add an azure-native:network:PrivateEndpoint whose privateLinkServiceConnections target the account with groupIds [\"blob\"], and register it in privatelink.blob.core.windows.net.",
			Enforcement:  Mandatory,
			Environments: stagingAndProd,
			Checkov:      []string{"CKV2_AZURE_33"},
			AzurePolicy:  []string{"6edd7eda-6dd8-40f7-810d-67160c639cd9"},
			Types:        []string{typeStorageAccount, typePrivateEndpoint},
			Scope:        PerStack,
			checkStack:   privateEndpointCheck(typeStorageAccount, armStorage, "blob", "storage account"),
		},
		{
			Name:         "storage-account-geo-redundant",
			Category:     categoryStorage,
			Description:  "Storage accounts replicate to a second region in prod (sku.name " + strings.Join(geoRedundantSKUs, ", ") + ").",
			Remediation:  `Set sku.name to "Standard_GZRS" (or Standard_GRS where zones are not available).`,
			Enforcement:  Mandatory,
			Trivy:        []string{"AVD-AZU-0058"},
			Environments: []string{"prod"},
			Checkov:      []string{"CKV_AZURE_206"},
			AzurePolicy:  []string{"bf045164-79ba-4215-8f95-f8048dc1780b"},
			Types:        types,
			Scope:        PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				return requireOneOf(r, field(r.Properties, "sku", "name"), "", "the account does not replicate to another region", geoRedundantSKUs...)
			},
		},
		{
			Name:        "storage-account-no-cross-tenant-replication",
			Category:    categoryStorage,
			Description: "Storage accounts do not allow object replication to other Entra tenants (allowCrossTenantReplication false).",
			Remediation: "Set allowCrossTenantReplication to false.",
			Enforcement: Mandatory,
			AzurePolicy: []string{"92a89a79-6c52-4a7e-a03f-61306fc49312"},
			Types:       types,
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				v := field(r.Properties, "allowCrossTenantReplication")
				if !v.isSet() {
					return nil // false by default since API version 2023-01-01
				}
				return requireBool(r, v, false, false, "objects can be replicated to another tenant")
			},
		},
		{
			Name:        "storage-blob-soft-delete",
			Category:    categoryStorage,
			Description: "Blob services keep deleted blobs and containers for a retention period (deleteRetentionPolicy and containerDeleteRetentionPolicy enabled, 7 days or more).",
			Remediation: "Set deleteRetentionPolicy and containerDeleteRetentionPolicy to {enabled: true, days: 7} (or more) on the account's BlobServiceProperties.",
			Enforcement: Mandatory,
			Checkov:     []string{"CKV2_AZURE_38"},
			Types:       []string{typeBlobService},
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				var out []Finding
				for _, key := range []string{"deleteRetentionPolicy", "containerDeleteRetentionPolicy"} {
					en := field(r.Properties, key, "enabled")
					if f := requireBool(r, en, true, false, "soft delete is off"); f != nil {
						out = append(out, f...)
						continue
					}
					if days := field(r.Properties, key, "days"); days.isSet() {
						out = append(out, requireMinNumber(r, days, 7, 7, "soft delete keeps deleted data too briefly")...)
					}
				}
				return out
			},
		},
		{
			Name:        "storage-container-private",
			Category:    categoryStorage,
			Description: "Blob containers allow no anonymous access (publicAccess None).",
			Remediation: `Set publicAccess to "None" (or leave it out).`,
			Enforcement: Mandatory,
			Checkov:     []string{"CKV_AZURE_34"},
			Trivy:       []string{"AVD-AZU-0007"},
			Types:       []string{typeBlobContainer},
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				return requireOneOf(r, field(r.Properties, "publicAccess"), "None", "anonymous clients can read the container", "None")
			},
		},
	}
}
