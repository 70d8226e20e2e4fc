package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/infra/azuremodel"
	"github.com/misybot/platform/infra/offline"
)

// modelApp is testApp with the Azure model.
func modelApp() app {
	a := testApp()
	a.planner.Model = func(o azuremodel.Options) offline.Model { return azuremodel.New(o) }
	return a
}

// savedState plans the test stack and returns the saved state's path.
func savedState(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.json")
	r := runApp(modelApp(), "plan", "--stack", "dev", "--dir", dir, "--save-state", path)
	require.Equal(t, 0, r.code, r.stderr)
	return path
}

func TestPlanFromSavedStateIsUnchanged(t *testing.T) {
	dir := project(t, map[string]string{"dev": testStack})
	path := savedState(t, dir)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assertNoSecrets(t, string(data))
	assert.Contains(t, string(data), `"version": 3`)

	r := runApp(modelApp(), "plan", "--stack", "dev", "--dir", dir, "--state", path, "--format", "json")
	require.Equal(t, 0, r.code, r.stderr)
	var doc struct {
		Diff []struct {
			URN  string
			Op   string
			Keys []string
		}
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &doc))
	require.Len(t, doc.Diff, 23)
	for _, d := range doc.Diff {
		if strings.HasSuffix(d.URN, "::api-key") {
			// Its value is the stack file's `secure:` ciphertext, which the
			// offline engine cannot decrypt: whether it changed is unknown.
			assert.Equal(t, "update?", d.Op, d.URN)
			assert.Equal(t, []string{"properties"}, d.Keys)
			continue
		}
		assert.Equal(t, "same", d.Op, d.URN)
	}

	text := runApp(modelApp(), "plan", "--stack", "dev", "--dir", dir, "--state", path)
	require.Equal(t, 0, text.code, text.stderr)
	assert.Contains(t, text.stdout, "    + 0 to create\n    ~? 1 to update if a secret changed (not comparable offline)\n      22 unchanged\n")
}

func TestPlanFromStateShowsUpdatesReplacementsAndDeletes(t *testing.T) {
	dir := project(t, map[string]string{"dev": testStack})
	path := savedState(t, dir)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var file map[string]any
	require.NoError(t, json.Unmarshal(data, &file))
	resources := file["deployment"].(map[string]any)["resources"].([]any)
	var kept []any
	for _, r := range resources {
		res := r.(map[string]any)
		inputs, _ := res["inputs"].(map[string]any)
		switch res["type"] {
		case "azure-native:operationalinsights:Workspace":
			inputs["retentionInDays"] = 7.0 // the program says otherwise: an update
		case "azure-native:managedidentity:UserAssignedIdentity":
			inputs["location"] = "northeurope" // a replacement
		}
		kept = append(kept, res)
	}
	// A resource the program no longer declares: a delete.
	kept = append(kept, map[string]any{
		"urn": "urn:pulumi:dev::misybot-platform::azure-native:network:PrivateZone::old-zone", "custom": true,
		"type": "azure-native:network:PrivateZone", "id": "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Network/privateDnsZones/old",
		"inputs": map[string]any{"privateZoneName": "old", "resourceGroupName": "rg"},
	})
	file["deployment"].(map[string]any)["resources"] = kept
	edited, err := json.Marshal(file)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, edited, 0o600))

	// The identity is replaced under the group's CanNotDelete lock: Azure
	// refuses the delete half. The plan is still printed.
	r := runApp(modelApp(), "plan", "--stack", "dev", "--dir", dir, "--state", path, "--format", "json")
	require.Equal(t, 1, r.code, r.stderr)
	require.Len(t, r.stderrLines(), 1)
	assert.True(t, strings.HasPrefix(r.stderr, "error: ScopeLocked: urn:pulumi:dev::misybot-platform::azure-native:managedidentity:UserAssignedIdentity::bot-id (id-bot-misybot-dev): cannot replace"), r.stderr)
	assert.Contains(t, r.stderr, "[rule LK001; https://learn.microsoft.com/")
	var doc struct {
		Diff []struct {
			URN, Op     string
			Keys        []string
			ReplaceKeys []string
		}
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &doc))
	ops := map[string]string{}
	for _, d := range doc.Diff {
		if d.Op != "same" {
			ops[d.URN[strings.LastIndex(d.URN, "::")+2:]] = d.Op + " " + strings.Join(d.Keys, ",") + " " + strings.Join(d.ReplaceKeys, ",")
		}
	}
	assert.Equal(t, map[string]string{
		"api-key":  "update? properties ", // a `secure:` value: not comparable offline
		"logs":     "update retentionInDays ",
		"bot-id":   "replace location location",
		"old-zone": "delete  ",
	}, ops)

	text := runApp(modelApp(), "plan", "--stack", "dev", "--dir", dir, "--state", path)
	require.Equal(t, 1, text.code, text.stderr)
	assert.Contains(t, text.stdout, "(replace forced by location)")
	assert.Contains(t, text.stdout, "    - 1 to delete\n")
}

func TestProtectedDeleteIsAnError(t *testing.T) {
	dir := project(t, map[string]string{"dev": testStack})
	path := savedState(t, dir)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var file map[string]any
	require.NoError(t, json.Unmarshal(data, &file))
	dep := file["deployment"].(map[string]any)
	dep["resources"] = append(dep["resources"].([]any), map[string]any{
		"urn": "urn:pulumi:dev::misybot-platform::azure-native:keyvault:Vault::old-vault", "custom": true, "protect": true,
		"type": "azure-native:keyvault:Vault", "id": "/subscriptions/x/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-old",
		"outputs": map[string]any{"name": "kv-old"},
	})
	edited, err := json.Marshal(file)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, edited, 0o600))
	saveTo := filepath.Join(t.TempDir(), "next.json")

	r := runApp(modelApp(), "plan", "--stack", "dev", "--dir", dir, "--state", path, "--save-state", saveTo)
	assert.Equal(t, 1, r.code)
	assert.Equal(t, []string{"error: ResourceProtected: urn:pulumi:dev::misybot-platform::azure-native:keyvault:Vault::old-vault (kv-old): " +
		"the resource is protected: it cannot be deleted (remove `protect` in a separate update first) [rule pulumi.protect; https://www.pulumi.com/docs/iac/concepts/options/protect/]"}, r.stderrLines())
	assert.NoFileExists(t, saveTo, "a failed update leaves no state")
}

func TestBadStateIsAUsageError(t *testing.T) {
	dir := project(t, map[string]string{"dev": testStack})
	tmp := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(tmp, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
		return p
	}
	other := strings.ReplaceAll(func() string { d, _ := os.ReadFile(savedState(t, dir)); return string(d) }(), "urn:pulumi:dev::", "urn:pulumi:prod::")
	tests := []struct {
		name, path, want string
	}{
		{"missing", filepath.Join(tmp, "nope.json"), "cannot read it"},
		{"not JSON", write("bad.json", "{"), "not a stack export (JSON)"},
		{"wrong version", write("v2.json", `{"version": 2, "deployment": {}}`), "deployment version 2: want 3"},
		{"another stack", write("prod.json", other), `the state is of stack "prod", not "dev"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runApp(modelApp(), "plan", "--stack", "dev", "--dir", dir, "--state", tt.path)
			assert.Equal(t, 2, r.code)
			require.Len(t, r.stderrLines(), 1)
			assert.Contains(t, r.stderr, "--state "+tt.path+": ")
			assert.Contains(t, r.stderr, tt.want)
		})
	}
	r := runApp(modelApp(), "plan", "--stack", "dev", "--dir", dir, "--as", "root")
	assert.Equal(t, 2, r.code)
	assert.Equal(t, []string{`--as "root": want admin, deploy, preview, drift`}, r.stderrLines())
}

func TestPlanReadsARealStackExport(t *testing.T) {
	// The shape of `pulumi stack export`: a secret as ciphertext, the
	// stack and provider resources, a pending delete.
	export := `{"version": 3, "deployment": {"manifest": {"time": "2026-11-01T00:00:00Z", "magic": "x", "version": "v3.200.0"},
	  "secrets_providers": {"type": "passphrase"},
	  "resources": [
	    {"urn": "urn:pulumi:dev::misybot-platform::pulumi:pulumi:Stack::misybot-platform-dev", "custom": false, "type": "pulumi:pulumi:Stack"},
	    {"urn": "urn:pulumi:dev::misybot-platform::pulumi:providers:azure-native::default_2_90_0", "custom": true, "id": "abc", "type": "pulumi:providers:azure-native"},
	    {"urn": "urn:pulumi:dev::misybot-platform::azure-native:keyvault:Secret::legacy", "custom": true, "id": "/x/secrets/legacy", "type": "azure-native:keyvault:Secret",
	     "inputs": {"properties": {"value": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "AAABAJ..."}}}},
	    {"urn": "urn:pulumi:dev::misybot-platform::azure-native:keyvault:Secret::gone", "custom": true, "id": "/x/secrets/gone", "type": "azure-native:keyvault:Secret", "delete": true}
	  ]}}`
	path := filepath.Join(t.TempDir(), "export.json")
	require.NoError(t, os.WriteFile(path, []byte(export), 0o600))
	dir := project(t, map[string]string{"dev": testStack})
	r := runApp(modelApp(), "plan", "--stack", "dev", "--dir", dir, "--state", path, "--format", "json")
	require.Equal(t, 0, r.code, r.stderr)
	assert.NotContains(t, r.stdout, "AAABAJ", "a ciphertext is never printed")
	var doc struct{ Diff []struct{ URN, Op string } }
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &doc))
	last := doc.Diff[len(doc.Diff)-1]
	assert.Equal(t, "delete", last.Op)
	assert.Contains(t, last.URN, "::legacy")
	for _, d := range doc.Diff[:len(doc.Diff)-1] {
		assert.Equal(t, "create", d.Op, d.URN)
	}
}
