package stackfile

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const projectYAML = `name: misybot-platform
runtime: go
description: test project
config:
  misybot-platform:location:
    type: string
    default: westeurope
  owner:
    type: string
    description: no default, so every stack must set it
  costCenter: cc-0001
  azure-native:location:
    value: westeurope
  tags:
    type: object
    default:
      team: bots
`

// writeProject writes a project directory with Pulumi.yaml and the given
// stack files (stack name -> content).
func writeProject(t *testing.T, project string, stacks map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), []byte(project), 0o600))
	for name, content := range stacks {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi."+name+".yaml"), []byte(content), 0o600))
	}
	return dir
}

func TestLoadFlattensValues(t *testing.T) {
	dir := writeProject(t, projectYAML, map[string]string{"dev": `encryptionsalt: v1:abc
config:
  misybot-platform:environment: dev
  owner: platform-team
  misybot-platform:protect: false
  misybot-platform:count: 3
  misybot-platform:ratio: 1.50
  misybot-platform:empty:
  misybot-platform:network:
    addressSpace: 10.10.0.0/16
    ingressSources: [VirtualNetwork, 10.0.0.0/8]
    extraRules:
      - name: allow-https
        priority: 200
        enabled: true
        note: null
  azure-native:subscriptionId: 11111111-2222-3333-4444-555555555555
`})
	st, err := Load(dir, "dev")
	require.NoError(t, err)
	assert.Equal(t, "misybot-platform", st.Project)
	assert.Equal(t, filepath.Join(dir, "Pulumi.dev.yaml"), st.StackFile)
	assert.Equal(t, filepath.Join(dir, "Pulumi.yaml"), st.ProjectFile)
	assert.Equal(t, map[string]string{
		"misybot-platform:environment": "dev",
		"misybot-platform:owner":       "platform-team",
		"misybot-platform:protect":     "false",
		"misybot-platform:count":       "3",
		"misybot-platform:ratio":       "1.50",
		"misybot-platform:empty":       "",
		"misybot-platform:network": `{"addressSpace":"10.10.0.0/16","extraRules":[{"enabled":true,"name":"allow-https","note":null,"priority":200}],` +
			`"ingressSources":["VirtualNetwork","10.0.0.0/8"]}`,
		"azure-native:subscriptionId": "11111111-2222-3333-4444-555555555555",
		// Defaults from Pulumi.yaml for keys the stack does not set.
		"misybot-platform:location":   "westeurope",
		"misybot-platform:costCenter": "cc-0001",
		"azure-native:location":       "westeurope",
		"misybot-platform:tags":       `{"team":"bots"}`,
	}, st.Config)
	assert.Empty(t, st.SecretKeys)
	assert.Empty(t, st.Missing)
	assert.NoError(t, st.CheckMissing())
}

func TestStackValueOverridesProjectDefault(t *testing.T) {
	dir := writeProject(t, projectYAML, map[string]string{"prod": `config:
  owner: core-team
  misybot-platform:location: northeurope
  tags: {team: core}
`})
	st, err := Load(dir, "prod")
	require.NoError(t, err)
	assert.Equal(t, "northeurope", st.Config["misybot-platform:location"])
	assert.Equal(t, `{"team":"core"}`, st.Config["misybot-platform:tags"])
	assert.Equal(t, "core-team", st.Config["misybot-platform:owner"])
}

func TestDeclaredKeysWithoutDefaultAreRequired(t *testing.T) {
	project := projectYAML + "  misybot-platform:lock:\n    type: boolean\n"
	dir := writeProject(t, project, map[string]string{"dev": "config:\n  misybot-platform:lock: false\n", "qa": ""})
	st, err := Load(dir, "dev")
	require.NoError(t, err, "a partial stack can still be read")
	assert.Equal(t, []string{"misybot-platform:owner"}, st.Missing)
	err = st.CheckMissing()
	require.Error(t, err)
	assert.Equal(t, filepath.Join(dir, "Pulumi.dev.yaml")+": missing config misybot-platform:owner, declared without a default in "+
		filepath.Join(dir, "Pulumi.yaml"), err.Error())

	st, err = Load(dir, "qa")
	require.NoError(t, err)
	assert.Equal(t, []string{"misybot-platform:lock", "misybot-platform:owner"}, st.Missing)
}

func TestSecureValues(t *testing.T) {
	const cipherTop = "v1:Zm9vYmFyYmF6cXV4AAAAtop"
	const cipherNested = "v1:Zm9vYmFyYmF6cXV4AAAAnested"
	dir := writeProject(t, "name: misybot-platform\n", map[string]string{"dev": `config:
  misybot-platform:keyVaultSecrets:
    secure: ` + cipherTop + `
  misybot-platform:alerts:
    receivers:
      - name: ops
        webhook:
          url:
            secure: ` + cipherNested + `
          kind: teams
  misybot-platform:plain: hello
`})
	st, err := Load(dir, "dev")
	require.NoError(t, err)
	assert.Equal(t, SecretPlaceholder, st.Config["misybot-platform:keyVaultSecrets"])

	var alerts map[string]any
	require.NoError(t, json.Unmarshal([]byte(st.Config["misybot-platform:alerts"]), &alerts))
	assert.Equal(t, map[string]any{"receivers": []any{map[string]any{
		"name":    "ops",
		"webhook": map[string]any{"url": SecretPlaceholder, "kind": "teams"},
	}}}, alerts, "nested secure values become the placeholder, keeping the structure")

	assert.Equal(t, []string{"misybot-platform:alerts", "misybot-platform:keyVaultSecrets"}, st.SecretKeys)
	for k, v := range st.Config {
		assert.NotContains(t, v, "Zm9vYmFy", "ciphertext leaked into %s", k)
	}
}

func TestUnknownStackFile(t *testing.T) {
	dir := writeProject(t, projectYAML, nil)
	_, err := Load(dir, "qa")
	require.Error(t, err)
	assert.Equal(t, "stack qa: "+filepath.Join(dir, "Pulumi.qa.yaml")+": file does not exist", err.Error())
}

func TestMissingProjectFile(t *testing.T) {
	_, err := Load(t.TempDir(), "dev")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Pulumi.yaml: file does not exist")
}

func TestInvalidStackName(t *testing.T) {
	dir := writeProject(t, projectYAML, nil)
	for _, name := range []string{"", "../etc", "a/b", ".."} {
		_, err := Load(dir, name)
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), "invalid stack name")
	}
}

func TestErrorsNameFileAndLine(t *testing.T) {
	cases := []struct {
		name, stack, want string
	}{
		{"syntax", "config:\n  a: b\n   c: d\n", "Pulumi.dev.yaml:3: "},
		{"duplicate", "config:\n  misybot-platform:a: 1\n  a: 2\n", "Pulumi.dev.yaml:3: config key misybot-platform:a is set twice (first at line 2)"},
		{"bad key", "config:\n  a:b:c: 1\n", `Pulumi.dev.yaml:2: invalid config key "a:b:c"`},
		{"config not a map", "config:\n  - a\n", "Pulumi.dev.yaml:2: config must be a mapping, not a list"},
		{"document not a map", "- a\n", "Pulumi.dev.yaml:1: the document must be a mapping, not a list"},
		{"tab", "config:\n\ta: b\n", "Pulumi.dev.yaml:2: "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := writeProject(t, projectYAML, map[string]string{"dev": tc.stack})
			_, err := Load(dir, "dev")
			require.Error(t, err)
			msg := err.Error()
			assert.NotContains(t, msg, "\n", "errors are one line")
			assert.Contains(t, msg, filepath.Join(dir, tc.want))
		})
	}
}

func TestProjectErrors(t *testing.T) {
	dir := writeProject(t, "runtime: go\n", map[string]string{"dev": ""})
	_, err := Load(dir, "dev")
	require.Error(t, err)
	assert.Equal(t, filepath.Join(dir, "Pulumi.yaml")+":1: the project has no name", err.Error())

	dir = writeProject(t, "name: p\nconfig:\n  x:\n    default: [1, 2]\n  x: 2\n", map[string]string{"dev": ""})
	_, err = Load(dir, "dev")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Pulumi.yaml:5: key \"x\" is set twice")
}

func TestEmptyStackFile(t *testing.T) {
	dir := writeProject(t, "name: misybot-platform\nconfig:\n  location: westeurope\n", map[string]string{"dev": ""})
	st, err := Load(dir, "dev")
	require.NoError(t, err)
	assert.Equal(t, "westeurope", st.Config["misybot-platform:location"])
}

func TestLoadFileAndStackConfigDir(t *testing.T) {
	dir := writeProject(t, "name: proj\nstackConfigDir: stacks\n", nil)
	require.NoError(t, os.Mkdir(filepath.Join(dir, "stacks"), 0o700))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "stacks", "Pulumi.dev.yaml"), []byte("config:\n  k: v\n"), 0o600))
	st, err := Load(dir, "dev")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"proj:k": "v"}, st.Config)

	other := filepath.Join(t.TempDir(), "custom.yaml")
	require.NoError(t, os.WriteFile(other, []byte("config:\n  proj:k: w\n  aliased: &a {x: 1}\n  again: *a\n"), 0o600))
	st, err = LoadFile(filepath.Join(dir, "Pulumi.yaml"), other)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"proj:k": "w", "proj:aliased": `{"x":1}`, "proj:again": `{"x":1}`}, st.Config)
	assert.Equal(t, other, st.StackFile)

	_, err = LoadFile(filepath.Join(dir, "Pulumi.yaml"), filepath.Join(dir, "nope.yaml"))
	require.Error(t, err)
	assert.True(t, strings.HasSuffix(err.Error(), "nope.yaml: file does not exist"), err.Error())
}
