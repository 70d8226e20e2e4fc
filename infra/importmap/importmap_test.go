package importmap

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCheckResourceID(t *testing.T) {
	for id, want := range map[string]string{
		"/subscriptions/s":                                                     "",
		"/subscriptions/s/resourceGroups/rg":                                   "",
		"/subscriptions/s/resourceGroups/rg/":                                  "",
		"/subscriptions/s/providers/Microsoft.Authorization/roleAssignments/g": "",
		"/subscriptions/s/resourceGroups/rg/providers/Microsoft.ServiceBus/namespaces/n/topics/t/subscriptions/x":                     "",
		"/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv/providers/Microsoft.Insights/diagnosticSettings/d": "",
		"subscriptions/s/resourceGroups/rg":                                      "want /subscriptions/",
		"/subscription/s":                                                        "want /subscriptions/",
		"/subscriptions/s//resourceGroups/rg":                                    "empty segment",
		"/subscriptions/s/resourceGroups":                                        "without a resource group name",
		"/subscriptions/s/resourceGroups/rg/vaults/kv":                           `"vaults" where providers belongs`,
		"/subscriptions/s/resourceGroups/rg/providers":                           "without a resource provider namespace",
		"/subscriptions/s/resourceGroups/rg/providers/vaults/kv":                 "not a resource provider namespace",
		"/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault":        "names no resource type and name",
		"/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults": `type "vaults" without a name`,
		"/subscriptions/s/resourceGroups/my rg":                                  "has a space",
	} {
		err := CheckResourceID(id)
		if want == "" {
			assert.NoError(t, err, id)
		} else if assert.Error(t, err, id) {
			assert.Contains(t, err.Error(), want, id)
		}
	}
}

func TestIDKeyIgnoresSubscriptionAndCase(t *testing.T) {
	a := idKey("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-misybot-dev-weu/providers/Microsoft.KeyVault/vaults/kv-1")
	assert.Equal(t, a, idKey("/SUBSCRIPTIONS/5f2c9a1e/resourcegroups/RG-MISYBOT-DEV-WEU/providers/microsoft.keyvault/vaults/KV-1/"))
	assert.NotEqual(t, a, idKey("/subscriptions/5f2c9a1e/resourceGroups/rg-misybot-dev-weu2/providers/Microsoft.KeyVault/vaults/kv-1"))
	assert.NotEqual(t, a, idKey("/subscriptions/5f2c9a1e/resourceGroups/rg-misybot-dev-weu/providers/Microsoft.KeyVault/vaults/kv-12"))
}

func TestEditDistance(t *testing.T) {
	assert.Equal(t, 0, editDistance("abc", "abc", 4))
	assert.Equal(t, 1, editDistance("inbound-mesages", "inbound-messages", 4))
	assert.Equal(t, 2, editDistance("abcd", "acbd", 4))
	assert.Equal(t, 4, editDistance("a", "abcdefgh", 4), "capped at the limit")
}
