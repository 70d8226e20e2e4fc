package azuremodel

import (
	"slices"
	"strings"

	"github.com/misybot/platform/infra/offline"
)

const (
	srcKVSoftDelete = "https://learn.microsoft.com/azure/key-vault/general/soft-delete-overview"
	srcKVRecovery   = "https://learn.microsoft.com/azure/key-vault/general/key-vault-recovery"
)

// Rule ids of Key Vault.
const (
	rulePurgeProtection = "KV001"
	ruleSoftDeletedName = "KV002"
	ruleSoftDeleteOff   = "KV003"
	ruleRetentionRange  = "KV004"
	ruleVaultCompute    = "KV101"
)

var vaultType = &Type{
	Token: "azure-native:keyvault:Vault",
	Rules: []Rule{
		{ID: rulePurgeProtection, Code: "BadRequest", Source: srcKVSoftDelete,
			Summary: "purge protection, once enabled, cannot be disabled"},
		{ID: ruleSoftDeletedName, Code: "ConflictError", Source: srcKVRecovery,
			Summary: "a vault name held by a soft-deleted vault cannot be used for a new vault until the deleted vault is recovered or purged (soft-deleted names: `misyinfra plan --soft-deleted-vault`)"},
		{ID: ruleSoftDeleteOff, Code: "BadRequest", Source: srcKVSoftDelete,
			Summary: "soft delete cannot be turned off (`enableSoftDelete: false` is refused)"},
		{ID: ruleRetentionRange, Code: "BadRequest", Source: srcKVSoftDelete,
			Summary: "`softDeleteRetentionInDays` is 7 to 90 (a deleted vault or object is recoverable for a configurable 7 to 90 calendar days)"},
		{ID: ruleVaultCompute, Computes: true, Source: "https://learn.microsoft.com/azure/key-vault/general/about-keys-secrets-certificates#object-identifiers",
			Summary: "`properties.vaultUri` (`https://<name>.vault.azure.net/`); a secret's `secretUri` and `secretUriWithVersion`"},
	},
}

func checkVault(c *checker, v offline.Resource, ch offline.Change) {
	t := vaultType
	name := sval(v, "name")
	if ch.Op == offline.OpUpdate {
		if prior, ok := c.run.prior.ByURN(v.URN); ok {
			was, _ := prior.Input("properties.enablePurgeProtection")
			now, _ := bval(v, "properties.enablePurgeProtection")
			if was == true && !now {
				c.failRes(t, rulePurgeProtection, v, ch.Op, "properties.enablePurgeProtection",
					"purge protection is enabled on vault %s and cannot be turned off", name)
			}
		}
	}
	if days, ok := fval(v, "properties.softDeleteRetentionInDays"); ok && (days < 7 || days > 90) {
		c.failRes(t, ruleRetentionRange, v, ch.Op, "properties.softDeleteRetentionInDays",
			"the soft-delete retention is %g days, not 7 to 90", days)
	}
	if off, ok := bval(v, "properties.enableSoftDelete"); ok && !off {
		c.failRes(t, ruleSoftDeleteOff, v, ch.Op, "properties.enableSoftDelete", "soft delete cannot be disabled")
	}
	if ch.Op == offline.OpCreate || ch.Op == offline.OpReplace {
		if slices.ContainsFunc(c.run.opts.SoftDeletedVaults, func(s string) bool { return strings.EqualFold(s, name) }) {
			c.failRes(t, ruleSoftDeletedName, v, ch.Op, "vaultName",
				"a soft-deleted vault named %s exists: recover it or purge it first", name)
		}
	}
}
