package input_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/policy/input"
	"github.com/misybot/platform/policy/rules"
)

const export = `{"version": 3, "deployment": {"manifest": {}, "resources": [
 {"urn": "urn:pulumi:prod-weu::misybot-platform::pulumi:pulumi:Stack::misybot-platform-prod-weu", "custom": false, "type": "pulumi:pulumi:Stack"},
 {"urn": "urn:pulumi:prod-weu::misybot-platform::pulumi:providers:azure-native::default", "custom": true, "type": "pulumi:providers:azure-native", "inputs": {}},
 {"urn": "urn:pulumi:prod-weu::misybot-platform::misybot:network:Network::network", "custom": false, "type": "misybot:network:Network"},
 {"urn": "urn:pulumi:prod-weu::misybot-platform::misybot:network:Network$azure-native:network/v20230201:NetworkSecurityGroup::nsg",
  "custom": true, "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg", "type": "azure-native:network/v20230201:NetworkSecurityGroup",
  "inputs": {"securityRules": [], "tags": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "v1:x"}},
  "parent": "urn:pulumi:prod-weu::misybot-platform::misybot:network:Network::network", "dependencies": ["urn:a"], "propertyDependencies": {"securityRules": ["urn:a"]}},
 {"urn": "urn:pulumi:prod-weu::misybot-platform::azure-native:network:VirtualNetwork::shared", "custom": true, "external": true, "type": "azure-native:network:VirtualNetwork", "inputs": {}},
 {"urn": "urn:pulumi:prod-weu::misybot-platform::azure-native:network:VirtualNetwork::old", "custom": true, "delete": true, "type": "azure-native:network:VirtualNetwork", "inputs": {}}
]}}`

func TestParseExport(t *testing.T) {
	st, err := input.Parse([]byte(export))
	require.NoError(t, err)
	assert.Equal(t, "prod-weu", st.Name)
	assert.Equal(t, "misybot-platform", st.Project)
	require.Len(t, st.Resources, 1, "stack, provider, component, external and deleted resources are left out")
	r := st.Resources[0]
	assert.Equal(t, "nsg", r.Name)
	assert.Equal(t, "azure-native:network/v20230201:NetworkSecurityGroup", r.Type)
	assert.Equal(t, "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg", r.ID)
	assert.Equal(t, []string{"urn:a"}, r.Dependencies)
	assert.Equal(t, map[string][]string{"securityRules": {"urn:a"}}, r.PropertyDependencies)
	assert.Contains(t, r.Properties["tags"], rules.SigKey, "secrets stay marked")
}

// TestCustomLeftOut: a hand-written file without "custom" is audited (its
// resources are custom unless they are Pulumi's own types), in both
// formats; "custom": false still leaves a resource out.
func TestCustomLeftOut(t *testing.T) {
	const resources = `
	 {"urn": "urn:pulumi:corpus::p::pulumi:pulumi:Stack::p-corpus", "type": "pulumi:pulumi:Stack"},
	 {"urn": "urn:pulumi:corpus::p::pulumi:providers:azure-native::default", "type": "pulumi:providers:azure-native"},
	 {"urn": "urn:pulumi:corpus::p::azure-native:storage:StorageAccount::st", "type": "azure-native:storage:StorageAccount", "inputs": {"allowSharedKeyAccess": true}},
	 {"urn": "urn:pulumi:corpus::p::azure-native:keyvault:Vault::kv", "type": "azure-native:keyvault:Vault", "custom": null},
	 {"urn": "urn:pulumi:corpus::p::misybot:net:Network::net", "type": "misybot:net:Network", "custom": false}`
	var states []map[string]any
	require.NoError(t, json.Unmarshal([]byte("["+resources+"]"), &states))
	var steps []map[string]any
	for _, s := range states {
		steps = append(steps, map[string]any{"op": "create", "urn": s["urn"], "newState": s})
	}
	preview, err := json.Marshal(map[string]any{"steps": steps})
	require.NoError(t, err)
	for name, doc := range map[string]string{
		"export":  `{"version": 3, "deployment": {"resources": [` + resources + `]}}`,
		"preview": string(preview),
	} {
		t.Run(name, func(t *testing.T) {
			st, err := input.Parse([]byte(doc))
			require.NoError(t, err)
			var names []string
			for _, r := range st.Resources {
				names = append(names, r.Name)
			}
			assert.Equal(t, []string{"st", "kv"}, names)
		})
	}
}

// TestOutputsStandInForMissingInputs: a resource written with outputs and
// no inputs is audited on its outputs; with both, the inputs count.
func TestOutputsStandInForMissingInputs(t *testing.T) {
	doc := `{"version": 3, "deployment": {"resources": [
	 {"urn": "urn:pulumi:c::p::azure-native:storage:StorageAccount::only", "custom": true, "type": "azure-native:storage:StorageAccount", "outputs": {"allowSharedKeyAccess": true}},
	 {"urn": "urn:pulumi:c::p::azure-native:storage:StorageAccount::both", "custom": true, "type": "azure-native:storage:StorageAccount", "inputs": {"allowSharedKeyAccess": false}, "outputs": {"allowSharedKeyAccess": true}}]}}`
	st, err := input.Parse([]byte(doc))
	require.NoError(t, err)
	require.Len(t, st.Resources, 2)
	assert.Equal(t, map[string]any{"allowSharedKeyAccess": true}, st.Resources[0].Properties)
	assert.Equal(t, map[string]any{"allowSharedKeyAccess": false}, st.Resources[1].Properties)

	preview := `{"steps": [{"op": "create", "urn": "urn:pulumi:c::p::azure-native:keyvault:Vault::kv", "newState": {"custom": true, "type": "azure-native:keyvault:Vault", "outputs": {"token": "[secret]"}}}]}`
	st, err = input.Parse([]byte(preview))
	require.NoError(t, err)
	require.Len(t, st.Resources, 1)
	assert.Equal(t, map[string]any{rules.SigKey: rules.SecretSig, "ciphertext": "[secret]"}, st.Resources[0].Properties["token"])

	_, err = input.Parse([]byte(strings.Replace(doc, `"outputs": {"allowSharedKeyAccess": true}}`, `"outputs": [1]}`, 1)))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `deployment.resources[0]: resource "urn:pulumi:c::p::azure-native:storage:StorageAccount::only": outputs: invalid JSON`)
}

func TestParsePreview(t *testing.T) {
	preview := `{"steps": [
	 {"op": "same", "urn": "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev", "newState": {"urn": "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev", "type": "pulumi:pulumi:Stack"}},
	 {"op": "create-replacement", "urn": "urn:pulumi:dev::p::azure-native:keyvault:Vault::kv", "newState": {"type": "azure-native:keyvault:Vault", "custom": true, "inputs": {"properties": {"publicNetworkAccess": "Enabled"}}}},
	 {"op": "replace", "urn": "urn:pulumi:dev::p::azure-native:keyvault:Vault::kv", "newState": {"type": "azure-native:keyvault:Vault", "custom": true, "inputs": {"properties": {"publicNetworkAccess": "04da6b54-80e4-46f7-96ec-b56ff0331ba9", "token": "[secret]"}}}},
	 {"op": "delete-replaced", "urn": "urn:pulumi:dev::p::azure-native:keyvault:Vault::kv", "oldState": {"type": "azure-native:keyvault:Vault", "custom": true}},
	 {"op": "delete", "urn": "urn:pulumi:dev::p::azure-native:storage:StorageAccount::gone", "oldState": {"type": "azure-native:storage:StorageAccount", "custom": true}}
	], "changeSummary": {"replace": 1, "delete": 1}}`
	st, err := input.Parse([]byte(preview))
	require.NoError(t, err)
	assert.Equal(t, "dev", st.Name)
	require.Len(t, st.Resources, 1, "one vault, its last new state; deletions are left out")
	props := st.Resources[0].Properties["properties"].(map[string]any)
	assert.Equal(t, rules.UnknownString, props["publicNetworkAccess"])
	assert.Equal(t, map[string]any{rules.SigKey: rules.SecretSig, "ciphertext": "[secret]"}, props["token"])
}

func TestInvalidInputGivesOneLineReason(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ name, data, want string }{
		{"empty", "", "empty input"},
		{"not json", "hello", "invalid JSON at byte 1"},
		{"truncated", `{"version": 3, "deployment": {"resources": [`, "invalid JSON"},
		{"array", `[1, 2]`, "invalid JSON"},
		{"other document", `{"name": "x"}`, "neither a stack export"},
		{"old version", `{"version": 1, "deployment": {}}`, "version 1 is not supported"},
		{"no version", `{"deployment": {"resources": []}}`, "has no version"},
		{"resources not a list", `{"version": 3, "deployment": {"resources": {}}}`, "invalid JSON"},
		{"bad urn", `{"version": 3, "deployment": {"resources": [{"urn": "x", "type": "t", "custom": true}]}}`, "not a Pulumi URN"},
		{"no type", `{"version": 3, "deployment": {"resources": [{"urn": "urn:pulumi:a::b::c::d", "custom": true}]}}`, "no urn or type"},
		{"steps not a list", `{"steps": 3}`, "invalid JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".json")
			require.NoError(t, os.WriteFile(path, []byte(tc.data), 0o600))
			_, err := input.ReadFile(path)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "\n")
			assert.Contains(t, err.Error(), path)
		})
	}
	_, err := input.ReadFile(filepath.Join(dir, "missing.json"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no such file")
}

func TestReadsTheRuleFixtures(t *testing.T) {
	for _, env := range rules.Environments() {
		st, err := input.ReadFile(filepath.Join("..", "rules", "testdata", "compliant-"+env+".json"))
		require.NoError(t, err)
		assert.Equal(t, env, st.Name)
		assert.Greater(t, len(st.Resources), 20)
	}
}
