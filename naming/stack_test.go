package naming

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEnvironmentOf(t *testing.T) {
	for stack, want := range map[string]string{
		"dev": "dev", "staging": "staging", "prod": "prod", "prod-eu2": "prod",
		"org/misybot-platform/staging-2": "staging", "Prod": "prod",
		"platform": "", "": "", "qa": "", "eu2-prod": "",
	} {
		assert.Equal(t, want, EnvironmentOf(stack), stack)
	}
}

func TestCheckStack(t *testing.T) {
	for _, ok := range []string{"dev", "staging", "prod", "prod-eu2", "dev-alice", "staging2"} {
		assert.NoError(t, CheckStack(ok), ok)
	}
	for stack, want := range map[string]string{
		"Prod":              "lowercase",
		"prod_eu2":          "lowercase",
		"prod--eu2":         "lowercase",
		"prod-":             "lowercase",
		"prod:x":            "lowercase",
		"prod*":             "lowercase",
		"qa":                "starting with dev, staging, prod",
		"platform":          "starting with dev, staging, prod",
		"staging-eastus2x1": "at most 10",
	} {
		err := CheckStack(stack)
		require.Error(t, err, stack)
		assert.Contains(t, err.Error(), want, stack)
	}
}

func TestTokenIsTheNamePartOfAStack(t *testing.T) {
	assert.Equal(t, "prodeu2", Token("prod-eu2"))
	n, err := New("misybot", Token("prod-eu2"), "eastus2", "")
	require.NoError(t, err)
	rg, err := n.Name(ResourceGroup, "")
	require.NoError(t, err)
	assert.Equal(t, "rg-misybot-prodeu2-eus2", rg)
}

func TestCompactNames(t *testing.T) {
	n, err := New("misybot", "shared", "westeurope", "")
	require.NoError(t, err)
	st, err := n.Name(StorageAccount, "state")
	require.NoError(t, err)
	assert.Regexp(t, `^st[a-z0-9]+sharedweu[0-9a-f]{4}$`, st)
	assert.LessOrEqual(t, len(st), 24)
	cr, err := n.Name(ContainerRegistry, "")
	require.NoError(t, err)
	assert.Regexp(t, `^crmisybotsharedweu[0-9a-f]{4}$`, cr)
}
