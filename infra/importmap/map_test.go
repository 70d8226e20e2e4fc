package importmap_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/infra/importmap"
	"github.com/misybot/platform/infra/offline"
)

func TestParseIDsReportsEveryInvalidLineAndSkipsComments(t *testing.T) {
	ids, err := importmap.ParseIDs("ids.txt", []byte("# header\n/subscriptions/s/resourceGroups/rg/ # portal copy\n\n"))
	require.NoError(t, err)
	assert.Equal(t, []importmap.ID{{Line: 2, ID: "/subscriptions/s/resourceGroups/rg"}}, ids)

	_, err = importmap.ParseIDs("ids.txt", []byte("kv-1\n/subscriptions/s\nrg\n"))
	var inputErr *importmap.InputError
	require.ErrorAs(t, err, &inputErr)
	require.Len(t, inputErr.Lines, 2)
	assert.Contains(t, inputErr.Lines[0], `ids.txt:1: "kv-1" is not an Azure resource ID`)
	assert.Contains(t, inputErr.Lines[1], `ids.txt:3: "rg"`)

	_, err = importmap.ParseIDs("ids.txt", []byte("# nothing\n"))
	require.ErrorAs(t, err, &inputErr)
	assert.Equal(t, []string{"ids.txt: no resource IDs (one a line; # starts a comment)"}, inputErr.Lines)
}

func TestMapFindsResourcesAndTheirComponents(t *testing.T) {
	const stack = "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev"
	comp := offline.Resource{URN: "urn:pulumi:dev::p::misybot:kv:KeyVault::keyvault", Type: "misybot:kv:KeyVault", Name: "keyvault", Parent: stack}
	vault := offline.Resource{URN: "urn:pulumi:dev::p::misybot:kv:KeyVault$azure-native:keyvault:Vault::keyvault-vault", Type: "azure-native:keyvault:Vault", Name: "keyvault-vault", Parent: comp.URN, Custom: true,
		ID: "/subscriptions/0/resourceGroups/rg-misybot-dev-weu/providers/Microsoft.KeyVault/vaults/kv-misybot-dev"}
	plan := &offline.Plan{Project: "p", Stack: "dev", StackURN: stack, Resources: []offline.Resource{comp, vault}}

	ids := []importmap.ID{
		{Line: 1, ID: "/subscriptions/9/resourceGroups/RG-MISYBOT-DEV-WEU/providers/Microsoft.KeyVault/vaults/kv-misybot-dev"},
		{Line: 2, ID: "/subscriptions/9/resourceGroups/rg-misybot-dev-weu/providers/Microsoft.KeyVault/vaults/kv-misybot-dev"},
		{Line: 3, ID: "/subscriptions/9/resourceGroups/rg-misybot-dev-weu/providers/Microsoft.KeyVault/vaults/kv-misybot-dve"},
		{Line: 4, ID: "/subscriptions/9/resourceGroups/rg-misybot-prod-weu/providers/Microsoft.KeyVault/vaults/kv-misybot-prod"},
	}
	res := importmap.Map(plan, ids, false)
	assert.Equal(t, 2, res.Unmatched)
	assert.Equal(t, 3, res.Total, "the repeated line counts once")
	assert.Equal(t, []importmap.Resource{
		{Type: "misybot:kv:KeyVault", Name: "keyvault", Component: true},
		{Type: "azure-native:keyvault:Vault", Name: "keyvault-vault", ID: ids[0].ID, Parent: "keyvault"},
	}, res.File.Resources)
	require.Len(t, res.Warnings, 3)
	assert.Contains(t, res.Warnings[0], "line 2: ")
	assert.Contains(t, res.Warnings[0], "repeats line 1")
	assert.Contains(t, res.Warnings[1], "did you mean /subscriptions/9/")
	assert.Contains(t, res.Warnings[2], "its name says prod")

	existing := importmap.Map(plan, ids[:1], true)
	assert.Equal(t, map[string]string{"keyvault": comp.URN}, existing.File.NameTable)
	assert.Equal(t, []importmap.Resource{{Type: "azure-native:keyvault:Vault", Name: "keyvault-vault", ID: ids[0].ID, Parent: "keyvault"}}, existing.File.Resources)
}
