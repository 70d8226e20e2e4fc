package stacks

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// App, identity and alert settings a user gets wrong, each rejected at its key.
func TestLoadRejectsBrokenAppConfigs(t *testing.T) {
	const reg = `"repository":"misybot/bot"`
	tests := []struct {
		name    string
		dev     bool
		key     string
		value   string
		wantKey string
		want    string
	}{
		{"canary weight above 100", false, "app", `{` + reg + `,"release":"1.4.2","canary":{"release":"1.5.0","weight":101}}`, "app.canary.weight", "101"},
		{"negative canary weight", false, "app", `{` + reg + `,"release":"1.4.2","canary":{"release":"1.5.0","weight":-5}}`, "app.canary.weight", "-5"},
		{"canary without a release", false, "app", `{` + reg + `,"release":"1.4.2","canary":{"weight":10}}`, "app.canary.release", "image tag"},
		{"canary is the stable release", false, "app", `{` + reg + `,"release":"1.4.2","canary":{"release":"1.4.2","weight":10}}`, "app.canary.release", "1.4.2"},
		{"release without letters or digits", false, "app", `{` + reg + `,"release":"---"}`, "app.release", "---"},
		{"release too long for a revision name", false, "app", `{` + reg + `,"release":"sha-3f2a9c1d5e7b9a0c2e4f6a8b0c2d4e6f8a0b2c4d"}`, "app.release", "more than 43"},
		{"missing release", false, "app", `{` + reg + `}`, "app.release", "image tag"},
		{"registry set in the stack (the bootstrap's output now)", false, "app", `{"registry":{"name":"crmisybotshared","resourceGroup":"rg"},"release":"1.4.2"}`, "app.registry", "crmisybotshared"},
		{"bootstrap that is not organization/project/stack", false, "bootstrap", `misybot-bootstrap/platform`, "bootstrap", "organization/misybot-bootstrap/platform"},
		{"scale to zero in prod", false, "app", `{` + reg + `,"release":"1.4.2","minReplicas":0}`, "app.minReplicas", "at least 1"},
		{"canary with scale to zero in dev", true, "app", `{` + reg + `,"release":"1.4.2","minReplicas":0,"canary":{"release":"1.5.0","weight":10}}`, "app.minReplicas", "canary"},
		{"public environment in prod", false, "app", `{` + reg + `,"release":"1.4.2","internal":false}`, "app.internal", "virtual network"},
		{"cpu off the grid", false, "app", `{` + reg + `,"release":"1.4.2","cpu":0.3}`, "app.cpu", "0.3"},
		{"memory not twice the cpu", false, "app", `{` + reg + `,"release":"1.4.2","cpu":1,"memory":"3Gi"}`, "app.memory", "2Gi"},
		{"scale queue that does not exist", false, "app", `{` + reg + `,"release":"1.4.2","scaleQueue":"inbound-mesages"}`, "app.scaleQueue", "inbound-messages"},
		{"bad env var name", false, "app", `{` + reg + `,"release":"1.4.2","secrets":[{"name":"bot-token","envVar":"BOT-TOKEN"}]}`, "app.secrets[0].envVar", "BOT-TOKEN"},
		{"env var set twice", false, "app", `{` + reg + `,"release":"1.4.2","secrets":[{"name":"bot-token","envVar":"TOKEN"}],"env":{"TOKEN":"x"}}`, `app.env["TOKEN"]`, "TOKEN"},
		{"open allow-list", false, "app", `{` + reg + `,"release":"1.4.2","allowedIpRanges":["0.0.0.0/0"]}`, "app.allowedIpRanges[0]", "0.0.0.0/0"},
		{"app secret not declared", false, "app", `{` + reg + `,"release":"1.4.2","secrets":[{"name":"bot-token","envVar":"BOT_TOKEN"}]}`, "app.secrets[0].name", "pulumi config set --secret --path 'keyVaultSecrets.bot-token'"},
		{"typo in app key", false, "app", `{` + reg + `,"relase":"1.4.2","release":"1.4.2"}`, "app.relase", "did you mean release?"},
		{"ratio above 100", false, "alerts", `{"http5xxRatioPercent":150}`, "alerts.http5xxRatioPercent", "150"},
		{"negative latency", false, "alerts", `{"latencyMs":-1}`, "alerts.latencyMs", "-1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw := prodRaw()
			if tc.dev {
				raw = devRaw()
			}
			raw[fullKey(tc.key)] = tc.value
			_, err := Load(project, raw, nil)
			ps := withKey(problemsOf(t, err), tc.wantKey)
			require.NotEmpty(t, ps, "no problem at %s in:\n%v", tc.wantKey, err)
			assert.Contains(t, ps[0].String(), tc.want)
		})
	}
}

// Every canary weight from 0 to 100 loads, and the prod plan's traffic
// then sums to 100 (TestAppHostingInEveryStack checks the committed weight).
func TestEveryCanaryWeightLoads(t *testing.T) {
	for w := 0; w <= 100; w++ {
		raw := prodRaw()
		raw[fullKey("app")] = `{"release":"1.4.2","canary":{"release":"1.5.0","weight":` + strconv.Itoa(w) + `}}`
		cfg, err := Load(project, raw, nil)
		require.NoError(t, err, "weight %d", w)
		assert.Equal(t, w, cfg.App.Canary.Weight)
	}
}
