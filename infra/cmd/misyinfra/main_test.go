package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/infra/offline"
	"github.com/misybot/platform/infra/offline/offlinetest"
	"github.com/misybot/platform/infra/stackplan"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// stackCiphertext is a secure value in the test stack file.
const stackCiphertext = "v1:c2VjdXJlLWNpcGhlcnRleHQtc2hvdWxkLW5vdC1sZWFr"

const testStack = `config:
  misybot-platform:location: westeurope
  misybot-platform:apiKey:
    secure: ` + stackCiphertext + `
`

// project writes a project directory with Pulumi.yaml and the given stack
// files, and returns it.
func project(t *testing.T, stacks map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), []byte("name: misybot-platform\nruntime: go\n"), 0o600))
	for name, content := range stacks {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi."+name+".yaml"), []byte(content), 0o600))
	}
	return dir
}

// testApp previews the sample program and accepts any configuration.
func testApp() app {
	return app{planner: stackplan.Planner{Program: stackplan.Program{
		Run:      offlinetest.Program,
		Validate: func(string, map[string]string, []string) error { return nil },
	}}}
}

type result struct {
	code           int
	stdout, stderr string
}

func (r result) stderrLines() []string {
	return strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
}

func runApp(a app, args ...string) result {
	var stdout, stderr bytes.Buffer
	code := a.run(args, &stdout, &stderr)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

func runMain(args ...string) result {
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

func assertNoSecrets(t *testing.T, out string) {
	t.Helper()
	for _, s := range []string{offlinetest.SecretPlaintext, stackCiphertext, "c2VjdXJl"} {
		assert.NotContains(t, out, s)
	}
}

func TestPlanText(t *testing.T) {
	dir := project(t, map[string]string{"dev": testStack})
	r := runApp(testApp(), "plan", "--stack", "dev", "--dir", dir)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Empty(t, r.stderr)
	assertNoSecrets(t, r.stdout)

	golden := filepath.Join("testdata", "plan-dev.txt")
	if *update {
		require.NoError(t, os.WriteFile(golden, []byte(r.stdout), 0o600))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), r.stdout, "run with -update to accept changes")

	for _, line := range []string{
		"Previewing misybot-platform/dev (offline: Pulumi mocks, no Azure calls)\n",
		" +   pulumi:pulumi:Stack ",
		" +   ├─ misybot:platform:Network ",
		" +   │  ├─ azure-native:network:VirtualNetwork ",
		"Resources:\n    + 23 to create\n",
		"    azure-native:keyvault:Secret ",
		"    dbPassword        : [secret]\n",
		`    keyVaultUri       : "https://kv-misybot-dev.vault.azure.net/"` + "\n",
	} {
		assert.Contains(t, r.stdout, line)
	}
}

func TestPlanJSON(t *testing.T) {
	dir := project(t, map[string]string{"dev": testStack})
	r := runApp(testApp(), "plan", "--stack", "dev", "--dir", dir, "--format", "json")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Empty(t, r.stderr)
	assertNoSecrets(t, r.stdout)

	var doc struct {
		Version   int
		Project   string
		Stack     string
		Resources []map[string]any
		Outputs   map[string]any
		Summary   struct {
			Resources int
			ByType    map[string]int
		}
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &doc))
	assert.Equal(t, 1, doc.Version)
	assert.Equal(t, "misybot-platform", doc.Project)
	assert.Equal(t, "dev", doc.Stack)
	assert.Len(t, doc.Resources, 23)
	assert.Equal(t, 23, doc.Summary.Resources)
	assert.Equal(t, 2, doc.Summary.ByType["azure-native:keyvault:Secret"])
	secret := map[string]any{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "[secret]"}
	assert.Equal(t, secret, doc.Outputs["dbPassword"])

	// The secure config value reaches the program as the placeholder and
	// stays secret: the api-key secret's value is the secret object.
	var apiKey map[string]any
	for _, res := range doc.Resources {
		if res["name"] == "api-key" {
			apiKey = res
		}
	}
	require.NotNil(t, apiKey)
	assert.Equal(t, secret, apiKey["inputs"].(map[string]any)["properties"].(map[string]any)["value"])

	again := runApp(testApp(), "plan", "--stack", "dev", "--dir", dir, "--format", "json")
	assert.Equal(t, r.stdout, again.stdout, "the plan is deterministic")
}

func TestBrokenStackFile(t *testing.T) {
	dir := project(t, map[string]string{"dev": "config:\n  misybot-platform:location: westeurope\n   owner: x\n"})
	r := runMain("plan", "--stack", "dev", "--dir", dir)
	assert.Equal(t, 2, r.code)
	assert.Empty(t, r.stdout)
	assert.Equal(t, []string{filepath.Join(dir, "Pulumi.dev.yaml") + ":3: mapping values are not allowed in this context"}, r.stderrLines())
}

func TestInvalidConfigOneProblemPerLine(t *testing.T) {
	// Through the real validation (stacks.Load): several mistakes at once.
	dir := project(t, map[string]string{"dev": `config:
  misybot-platform:environment: qa
  misybot-platform:location: westeurope
  misybot-platform:network:
    addressSpace: 8.8.8.0/24
`})
	r := runMain("plan", "--stack", "dev", "--dir", dir)
	assert.Equal(t, 2, r.code, r.stderr)
	assert.Empty(t, r.stdout)
	lines := r.stderrLines()
	assert.Greater(t, len(lines), 1, r.stderr)
	for _, line := range lines {
		assert.NotEmpty(t, strings.TrimSpace(line))
		assert.NotContains(t, line, "Usage")
		assert.NotContains(t, line, "goroutine")
	}
	assert.Contains(t, r.stderr, "environment")
	assert.Contains(t, r.stderr, "8.8.8.0/24")

	// Exactly the validator's problems, in its order.
	a := testApp()
	a.planner.Program.Validate = func(string, map[string]string, []string) error {
		return &usageError{lines: []string{"owner: not set — expected a team", "location: \"mars\" — expected an Azure region"}}
	}
	r = runApp(a, "plan", "--stack", "dev", "--dir", project(t, map[string]string{"dev": testStack}))
	assert.Equal(t, 2, r.code)
	assert.Empty(t, r.stdout)
	assert.Equal(t, []string{"owner: not set — expected a team", `location: "mars" — expected an Azure region`}, r.stderrLines())
}

func TestDeclaredKeyNotSet(t *testing.T) {
	dir := project(t, map[string]string{"dev": testStack})
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi.yaml"),
		[]byte("name: misybot-platform\nconfig:\n  owner:\n    type: string\n"), 0o600))
	r := runApp(testApp(), "plan", "--stack", "dev", "--dir", dir)
	assert.Equal(t, 2, r.code)
	assert.Empty(t, r.stdout)
	assert.Equal(t, []string{filepath.Join(dir, "Pulumi.dev.yaml") + ": missing config misybot-platform:owner, declared without a default in " +
		filepath.Join(dir, "Pulumi.yaml")}, r.stderrLines())
}

func TestUsageErrors(t *testing.T) {
	dir := project(t, map[string]string{"dev": testStack})
	cases := map[string]struct {
		args []string
		want string
	}{
		"missing stack":   {[]string{"plan", "--dir", dir}, "missing --stack: name the stack to preview, e.g. --stack dev"},
		"unknown format":  {[]string{"plan", "--stack", "dev", "--dir", dir, "--format", "yaml"}, `--format: unknown format "yaml" (want text, markdown, json, sarif)`},
		"unknown flag":    {[]string{"plan", "--stack", "dev", "--verbose"}, "unknown flag: --verbose"},
		"unknown command": {[]string{"apply"}, `unknown command "apply": run 'misyinfra --help' for the commands`},
		"extra argument":  {[]string{"plan", "dev"}, `plan takes no arguments, got "dev"`},
		"bad stack name":  {[]string{"plan", "--stack", "../dev", "--dir", dir}, `--stack: invalid stack name "../dev": use letters, digits, '-', '_' and '.'`},
		"unknown stack":   {[]string{"plan", "--stack", "qa", "--dir", dir}, "stack qa: " + filepath.Join(dir, "Pulumi.qa.yaml") + ": file does not exist"},
		"missing file":    {[]string{"plan", "--stack", "dev", "--dir", dir, "--config-file", filepath.Join(dir, "nope.yaml")}, filepath.Join(dir, "nope.yaml") + ": file does not exist"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := runApp(testApp(), tc.args...)
			assert.Equal(t, 2, r.code)
			assert.Empty(t, r.stdout)
			assert.Equal(t, []string{tc.want}, r.stderrLines())
		})
	}
}

func TestProgramFailure(t *testing.T) {
	a := testApp()
	a.planner.Program.Run = func(*pulumi.Context) (map[string]pulumi.Output, error) {
		return nil, errors.New("stack dev: invalid configuration:\nlocation: not set")
	}
	r := runApp(a, "plan", "--stack", "dev", "--dir", project(t, map[string]string{"dev": testStack}))
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.Equal(t, []string{"error: misybot-platform/dev: stack dev: invalid configuration:; location: not set"}, r.stderrLines())
}

func TestConfigFileAndProjectDiscovery(t *testing.T) {
	dir := project(t, nil)
	other := filepath.Join(t.TempDir(), "custom.yaml")
	require.NoError(t, os.WriteFile(other, []byte(testStack), 0o600))
	sub := filepath.Join(dir, "infra", "deep")
	require.NoError(t, os.MkdirAll(sub, 0o700))
	t.Chdir(sub)

	r := runApp(testApp(), "plan", "--stack", "ci", "--config-file", other, "--format", "json")
	require.Equal(t, 0, r.code, r.stderr)
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &doc))
	assert.Equal(t, "ci", doc["stack"])

	t.Chdir(t.TempDir())
	r = runApp(testApp(), "plan", "--stack", "dev")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "no Pulumi.yaml in ")
}

func TestHelp(t *testing.T) {
	r := runMain("plan", "--help")
	assert.Equal(t, 0, r.code)
	for _, flag := range []string{"--stack", "--config-file", "--dir", "--format"} {
		assert.Contains(t, r.stdout, flag)
	}
}

// TestRealStacks previews the platform's own stacks with the program the
// command ships with.
func TestRealStacks(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	require.NoError(t, err)
	for _, stack := range []string{"dev", "staging", "prod"} {
		t.Run(stack, func(t *testing.T) {
			if _, err := os.Stat(filepath.Join(root, "Pulumi."+stack+".yaml")); err != nil {
				t.Skipf("no stack file: %v", err)
			}
			r := runMain("plan", "--stack", stack, "--dir", root, "--format", "json")
			require.Equal(t, 0, r.code, r.stderr)
			var doc offline.Document
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &doc))
			assert.Equal(t, stack, doc.Stack)
			assert.Positive(t, doc.Summary.Resources)
			assert.Zero(t, doc.Summary.ByType["azure-native:resources:ResourceGroup"], "the bootstrap owns the resource group")
		})
	}
}

// The bootstrap plans like a stack: --dir selects its project, and so its
// program; its bad configuration is exit 2, one problem a line.
func TestBootstrapPlan(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("..", "..", "..", "bootstrap"))
	require.NoError(t, err)
	r := runMain("plan", "--stack", "platform", "--dir", dir, "--format", "json", "--policy-config", filepath.Join(dir, "policy-config.json"))
	require.Equal(t, 0, r.code, r.stderr)
	strict := runMain("plan", "--stack", "platform", "--dir", dir)
	assert.Equal(t, 1, strict.code, "without its policy configuration, the public secrets vault is a mandatory violation")
	var doc offline.Document
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &doc))
	assert.Equal(t, "misybot-bootstrap", doc.Project)
	assert.Equal(t, 9, doc.Summary.ByType["azuread:index/application:Application"], "deploy, preview and drift for each of the three stacks")

	bad := project(t, map[string]string{"platform": `config:
  misybot-bootstrap:location: westeurope
  misybot-bootstrap:owners: ["alice"]
  misybot-bootstrap:stacks: [{name: qa}]
  misybot-bootstrap:nameSeed:
    secure: v1:c2VjcmV0
  github:token: ghp_plaintexttoken
`})
	require.NoError(t, os.WriteFile(filepath.Join(bad, "Pulumi.yaml"), []byte("name: misybot-bootstrap\nruntime: go\n"), 0o644))
	r = runMain("plan", "--stack", "platform", "--dir", bad)
	assert.Equal(t, 2, r.code, r.stderr)
	for _, key := range []string{"costCenter:", "github.owner:", "owners[0]:", "registry.name:", "stacks[0].name:", "github:token:", "nameSeed:"} {
		assert.Contains(t, r.stderr, key)
	}
	assert.NotContains(t, r.stderr, "ghp_plaintexttoken", "the bootstrap holds no secret, and never prints one")
}
