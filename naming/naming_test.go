package naming

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNamesFollowAzureRules(t *testing.T) {
	rules := []Rule{ResourceGroup, VirtualNetwork, Subnet, SecurityGroup, PrivateEndpoint, KeyVault, ServiceBus, LogAnalytics, AppInsights, ActionGroup, Lock, ContainerApp, ContainerAppsEnv, ManagedIdentity}
	for _, env := range []string{"dev", "staging", "prod", "perf2"} {
		for _, loc := range Regions() {
			n, err := New("misybot", env, loc, "")
			require.NoError(t, err)
			for _, r := range rules {
				name, err := n.Name(r, "endpoints")
				require.NoError(t, err, "%s %s %s", r.Kind, env, loc)
				assert.LessOrEqual(t, len(name), r.Max, name)
				assert.Contains(t, strings.ReplaceAll(name, "-", ""), env, "environment must survive shortening: %s", name)
			}
		}
	}
}

func TestKeyVaultNameAtTheLengthLimit(t *testing.T) {
	// The longest project, environment and region codes the rules allow
	// must still give a valid 24-character vault name that keeps its unique
	// suffix and environment.
	n, err := New("misybotplatf", "staging", "germanywestcentral", "")
	require.NoError(t, err)
	name, err := n.Name(KeyVault, "")
	require.NoError(t, err)
	assert.LessOrEqual(t, len(name), 24)
	assert.Contains(t, name, "staging")
	assert.Contains(t, name, "gwc")
	assert.Regexp(t, `^kv[a-z0-9]+staginggwc[0-9a-f]{4}$`, name)

	// The staging vault keeps the whole project name: separators go first.
	n, err = New("misybot", "staging", "westeurope", "")
	require.NoError(t, err)
	name, err = n.Name(KeyVault, "")
	require.NoError(t, err)
	assert.Regexp(t, `^kvmisybotstagingweu[0-9a-f]{4}$`, name)
	n, err = New("misybot", "dev", "westeurope", "")
	require.NoError(t, err)
	name, err = n.Name(KeyVault, "")
	require.NoError(t, err)
	assert.Regexp(t, `^kv-misybot-dev-weu-[0-9a-f]{4}$`, name, "a name that fits keeps its separators")

	n, err = New("misybotplatf", "perfteam01", "germanywestcentral", "")
	require.NoError(t, err)
	name, err = n.Name(KeyVault, "")
	require.NoError(t, err, "hyphens are dropped before giving up")
	assert.LessOrEqual(t, len(name), 24)
	assert.NotContains(t, name, "-")
}

func TestGlobalNamesAreDeterministicAndSeeded(t *testing.T) {
	a, _ := New("misybot", "prod", "westeurope", "")
	b, _ := New("misybot", "prod", "westeurope", "")
	c, _ := New("misybot", "prod", "westeurope", "retry-1")
	d, _ := New("misybot", "dev", "westeurope", "")
	an, _ := a.Name(ServiceBus, "")
	bn, _ := b.Name(ServiceBus, "")
	cn, _ := c.Name(ServiceBus, "")
	dn, _ := d.Name(ServiceBus, "")
	assert.Equal(t, an, bn, "same inputs, same name")
	assert.NotEqual(t, an, cn, "a seed changes the unique suffix")
	assert.NotEqual(t, an, dn)
	rg, _ := a.Name(ResourceGroup, "")
	assert.Equal(t, "rg-misybot-prod-weu", rg, "non-global names carry no suffix")
}

func TestNewRejects(t *testing.T) {
	for _, tc := range []struct{ project, env, loc, want string }{
		{"MisyBot!", "dev", "westeurope", "project"},
		{"misybot", "Dev", "westeurope", "environment"},
		{"misybot", "dev", "westeurop", "location"},
		{"m", "dev", "westeurope", "project"},
	} {
		_, err := New(tc.project, tc.env, tc.loc, "")
		require.Error(t, err)
		assert.Contains(t, err.Error(), tc.want)
	}
}

func TestRuleCheck(t *testing.T) {
	for _, tc := range []struct {
		rule Rule
		name string
		ok   bool
	}{
		{KeyVault, "kv", false},
		{KeyVault, "kv-abc", true},
		{KeyVault, "kv--abc", false},
		{KeyVault, "1kv-abc", false},
		{KeyVault, "kv-abc-", false},
		{KeyVault, strings.Repeat("a", 24), true},
		{KeyVault, strings.Repeat("a", 25), false},
		{ServiceBus, "sbns-a", true},
		{ServiceBus, "sbns-", false},
		{ServiceBus, strings.Repeat("a", 51), false},
		{LogAnalytics, "log", false},
		{ActionGroupShort, "misybotprod", true},
		{ActionGroupShort, "misybotstaging", false},
		{ResourceGroup, "rg-x.", false},
		{ContainerApp, "ca-misybot-prod-weu", true},
		{ContainerApp, "ca--misybot", false},
		{ContainerApp, "Ca-misybot", false},
		{ContainerApp, strings.Repeat("a", 33), false},
	} {
		err := tc.rule.Check(tc.name)
		assert.Equal(t, tc.ok, err == nil, "%s %q: %v", tc.rule.Kind, tc.name, err)
	}
}
