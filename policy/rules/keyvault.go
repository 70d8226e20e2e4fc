package rules

const categoryKeyVault = "Key Vault"

func keyVaultRules() []Rule {
	types := []string{typeVault}
	return []Rule{
		{
			Name:        "keyvault-rbac-authorization",
			Category:    categoryKeyVault,
			Description: "Key Vaults authorize data-plane access with Azure RBAC, not access policies.",
			Remediation: "Set properties.enableRbacAuthorization to true and grant Key Vault roles (Secrets User, Secrets Officer) instead of access policies.",
			Enforcement: Mandatory,
			AzurePolicy: []string{"12d4fa5e-1f9f-4c21-97a9-b99b3c6611b5"},
			Types:       types,
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				return requireBool(r, field(r.Properties, "properties", "enableRbacAuthorization"), true, false,
					"RBAC authorization is off: access policies grant data-plane access")
			},
		},
		{
			Name:        "keyvault-soft-delete",
			Category:    categoryKeyVault,
			Description: "Key Vaults keep soft delete on (it is the default; an explicit false is a violation).",
			Remediation: "Remove properties.enableSoftDelete or set it to true.",
			Enforcement: Mandatory,
			Checkov:     []string{"CKV_AZURE_111"},
			AzurePolicy: []string{"1e66c121-a66a-4b1f-9b83-0fd99bf0fc2d"},
			Types:       types,
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				return requireBool(r, field(r.Properties, "properties", "enableSoftDelete"), true, true,
					"soft delete is disabled: deleted secrets cannot be recovered")
			},
		},
		{
			Name:         "keyvault-purge-protection",
			Category:     categoryKeyVault,
			Description:  "Key Vaults have purge protection on in staging and prod.",
			Remediation:  "Set properties.enablePurgeProtection to true (it cannot be turned off again; Azure rejects an explicit false, so leave it out in dev).",
			Enforcement:  Mandatory,
			Environments: stagingAndProd,
			Checkov:      []string{"CKV_AZURE_110", "CKV_AZURE_42"},
			Trivy:        []string{"AVD-AZU-0016"},
			AzurePolicy:  []string{"0b60c0b2-2dc2-4e1c-b5c9-abbed971de53"},
			Types:        types,
			Scope:        PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				return requireBool(r, field(r.Properties, "properties", "enablePurgeProtection"), true, false,
					"purge protection is off: a deleted vault can be purged before its retention ends")
			},
		},
		{
			Name:        "keyvault-network-acl-default-deny",
			Category:    categoryKeyVault,
			Description: "Key Vault network ACLs deny by default (networkAcls.defaultAction Deny); only listed networks and addresses get through.",
			Remediation: `Set properties.networkAcls.defaultAction to "Deny" and list the allowed addresses in ipRules.`,
			Enforcement: Mandatory,
			Checkov:     []string{"CKV_AZURE_109"},
			Trivy:       []string{"AVD-AZU-0013"},
			AzurePolicy: []string{"55615ac9-af46-4a59-874e-391cc3dfb490"},
			Types:       types,
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				v := field(r.Properties, "properties", "networkAcls", "defaultAction")
				switch {
				case v.undecided():
					return []Finding{undecidable(r, v.describeUnknown())}
				case v.is("Deny"):
					return nil
				case !v.isSet():
					return []Finding{violation(r, "%s is not set (Azure's default is Allow)", v.path())}
				}
				got, _ := v.text()
				return []Finding{violation(r, "%s is %q, not Deny", v.path(), got)}
			},
		},
	}
}

// requireBool checks a boolean property against want; def is Azure's
// default when it is not set.
func requireBool(r *Resource, v val, want, def bool, msg string) []Finding {
	if v.undecided() {
		return []Finding{undecidable(r, v.describeUnknown())}
	}
	got := def
	if v.isSet() {
		b, ok := v.boolean()
		if !ok {
			return []Finding{violation(r, "%s is not a boolean", v.path())}
		}
		got = b
	}
	if got != want {
		return []Finding{violation(r, "%s (%s)", msg, v.path())}
	}
	return nil
}
