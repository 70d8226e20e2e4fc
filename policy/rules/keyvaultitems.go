package rules

import (
	"regexp"
	"strconv"
	"strings"
)

// Key Vault secrets and keys: Azure Policy audits them through the
// Microsoft.KeyVault.Data mode; the properties are the management-plane
// ones azure-native writes (properties.attributes.expires is Unix seconds).
// https://learn.microsoft.com/azure/key-vault/general/azure-policy
// https://learn.microsoft.com/azure/key-vault/keys/how-to-configure-key-rotation
func keyVaultItemRules() []Rule {
	secret := []string{typeKVSecret}
	key := []string{typeKVKey}
	return []Rule{
		{
			Name:        "keyvault-secret-expiry",
			Category:    categoryKeyVault,
			Description: "Key Vault secrets have an expiration date (properties.attributes.expires). Advisory: an expiry needs a rotation that renews the secret before it, which the platform does not automate yet.",
			Remediation: "Set properties.attributes.expires (Unix time) and rotate the secret before it passes; for secrets issued by a third party, set it to the date the issuer rotates them.",
			// Advisory: the platform stores third-party secrets (the bot
			// token) whose lifetime it does not decide.
			Enforcement: Advisory,
			Checkov:     []string{"CKV_AZURE_41"},
			Trivy:       []string{"AVD-AZU-0017"},
			AzurePolicy: []string{"98728c90-32c7-4049-8429-847dc0f4fe37"},
			Types:       secret,
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				return requireSet(r, field(r.Properties, "properties", "attributes", "expires"), "the secret never expires")
			},
		},
		{
			Name:        "keyvault-secret-content-type",
			Category:    categoryKeyVault,
			Description: "Key Vault secrets declare a content type (properties.contentType), so readers know how to interpret them.",
			Remediation: `Set properties.contentType, for example "text/plain" or "application/x-pkcs12".`,
			Enforcement: Mandatory,
			Checkov:     []string{"CKV_AZURE_114"},
			Trivy:       []string{"AVD-AZU-0015"},
			AzurePolicy: []string{"75262d3e-ba4a-4f43-85f8-9f72c090e5e3"},
			Types:       secret,
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				return requireSet(r, field(r.Properties, "properties", "contentType"), "the secret has no content type")
			},
		},
		{
			Name:        "keyvault-key-expiry",
			Category:    categoryKeyVault,
			Description: "Key Vault keys have an expiration date (properties.attributes.expires).",
			Remediation: "Set properties.attributes.expires, and a rotation policy that rotates the key before it expires.",
			Enforcement: Mandatory,
			Checkov:     []string{"CKV_AZURE_40"},
			Trivy:       []string{"AVD-AZU-0014"},
			AzurePolicy: []string{"152b15f7-8e1f-4c1f-ab71-8c010ba5dbc0"},
			Types:       key,
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				return requireSet(r, field(r.Properties, "properties", "attributes", "expires"), "the key never expires")
			},
		},
		{
			Name:        "keyvault-key-hsm-backed",
			Category:    categoryKeyVault,
			Description: "Key Vault keys are HSM-backed (properties.kty RSA-HSM or EC-HSM). Advisory: HSM-backed keys need a Premium vault, and the platform's vaults are Standard.",
			Remediation: `Set properties.kty to "RSA-HSM" or "EC-HSM" and the vault's sku.name to "premium".`,
			Enforcement: Advisory,
			Checkov:     []string{"CKV_AZURE_112"},
			AzurePolicy: []string{"587c79fe-dd04-4a5e-9d0b-f89598c7261b"},
			Types:       key,
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				return requireOneOf(r, field(r.Properties, "properties", "kty"), "", "the key is not HSM-backed", "RSA-HSM", "EC-HSM")
			},
		},
		{
			Name:        "keyvault-key-rsa-min-size",
			Category:    categoryKeyVault,
			Description: "RSA keys in Key Vault are at least 2048 bits (properties.keySize).",
			Remediation: "Set properties.keySize to 2048, 3072 or 4096.",
			Enforcement: Mandatory,
			AzurePolicy: []string{"82067dbb-e53b-4e06-b631-546d197452d9"},
			Types:       key,
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				kty := field(r.Properties, "properties", "kty")
				if kty.undecided() {
					return []Finding{undecidable(r, kty.describeUnknown())}
				}
				if !kty.is("RSA", "RSA-HSM") {
					return nil
				}
				size := field(r.Properties, "properties", "keySize")
				if !size.isSet() {
					return nil // Key Vault creates 2048-bit RSA keys by default
				}
				return requireMinNumber(r, size, 2048, 2048, "the RSA key is too short")
			},
		},
		{
			Name:          "keyvault-key-rotation-policy",
			Category:      categoryKeyVault,
			Description:   "Key Vault keys have a rotation policy with an automatic rotate action, rotating within 2 years of creation, in staging and prod.",
			Remediation:   `Set properties.rotationPolicy.lifetimeActions to [{action: {type: "rotate"}, trigger: {timeAfterCreate: "P90D"}}] and attributes.expiryTime (for example "P1Y").`,
			Enforcement:   Mandatory,
			Environments:  stagingAndProd,
			AzurePolicy:   []string{"d8cf8476-a2ec-4916-896e-992351803c44"},
			Types:         key,
			Scope:         PerResource,
			checkResource: checkKeyRotation,
		},
	}
}

// maxRotationDays is the longest rotation period the rule accepts: the
// lifetime Microsoft recommends for keys (2 years).
const maxRotationDays = 730

func checkKeyRotation(_ Context, r *Resource, _ *view) []Finding {
	actions := field(r.Properties, "properties", "rotationPolicy", "lifetimeActions")
	if actions.undecided() {
		return []Finding{undecidable(r, actions.describeUnknown())}
	}
	for _, a := range actions.elems() {
		if a.undecided() {
			return []Finding{undecidable(r, a.describeUnknown())}
		}
		typ := field(a.v, "action", "type")
		if typ.undecided() {
			return []Finding{undecidable(r, typ.describeUnknown())}
		}
		if !typ.is("rotate") {
			continue
		}
		after := field(a.v, "trigger", "timeAfterCreate")
		if after.undecided() || !after.isSet() {
			return nil // rotates relative to expiry, or at a time not known yet
		}
		s, _ := after.text()
		if days, ok := isoDays(s); ok && days > maxRotationDays {
			return []Finding{violation(r, "the key rotates only %s after creation (more than %d days)", s, maxRotationDays)}
		}
		return nil
	}
	return []Finding{violation(r, "the key has no rotation policy with a rotate action (properties.rotationPolicy.lifetimeActions)")}
}

var isoDuration = regexp.MustCompile(`(?i)^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$`)

// isoDays converts an ISO 8601 date duration (P1Y, P90D, P2M) to days,
// counting a year as 365 and a month as 30 days.
func isoDays(s string) (int, bool) {
	m := isoDuration.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, false
	}
	days := 0
	for i, mult := range []int{365, 30, 7, 1} {
		if m[i+1] != "" {
			n, _ := strconv.Atoi(m[i+1])
			days += n * mult
		}
	}
	return days, true
}
