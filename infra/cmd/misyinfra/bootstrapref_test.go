package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/infra/offline"
)

// An environment stack's reference to the bootstrap is answered by the
// bootstrap's offline plan by default, or by --bootstrap: a `pulumi stack
// output --json` or `pulumi stack export` of it. A missing output is an
// error naming it; a file that is not outputs is a usage error.
func TestPlanAnswersTheBootstrapReference(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	require.NoError(t, err)
	bootDir := filepath.Join(root, "bootstrap")
	dir := t.TempDir()

	def := runMain("plan", "--stack", "dev", "--dir", root, "--format", "json", "--no-azure-model")
	require.Equal(t, 0, def.code, def.stderr)

	// The bootstrap's state, as `pulumi stack export` would give it.
	export := filepath.Join(dir, "bootstrap-export.json")
	r := runMain("plan", "--stack", "platform", "--dir", bootDir, "--policy-config", filepath.Join(bootDir, "policy-config.json"), "--save-state", export)
	require.Equal(t, 0, r.code, r.stderr)
	fromExport := runMain("plan", "--stack", "dev", "--dir", root, "--format", "json", "--no-azure-model", "--bootstrap", export)
	require.Equal(t, 0, fromExport.code, fromExport.stderr)
	assert.JSONEq(t, def.stdout, fromExport.stdout, "the export answers as the offline plan does")

	// `pulumi stack output --json` of the same stack.
	outs, err := offline.LoadStackOutputs(export)
	require.NoError(t, err)
	plain := map[string]any{}
	for k, v := range outs.Outputs {
		plain[string(k)] = v.Mappable()
	}
	write := func(name string, v any) string {
		data, err := json.Marshal(v)
		require.NoError(t, err)
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, data, 0o600))
		return path
	}
	fromOutputs := runMain("plan", "--stack", "dev", "--dir", root, "--format", "json", "--no-azure-model", "--bootstrap", write("outputs.json", plain))
	require.Equal(t, 0, fromOutputs.code, fromOutputs.stderr)
	assert.JSONEq(t, def.stdout, fromOutputs.stdout)

	// A bootstrap older than the program: dev's registryId is missing.
	stacksOut := plain["stacks"].(map[string]any)
	delete(stacksOut["dev"].(map[string]any), "registryId")
	missing := runMain("plan", "--stack", "dev", "--dir", root, "--bootstrap", write("old.json", plain))
	assert.Equal(t, 1, missing.code)
	assert.Contains(t, missing.stderr, "stacks.dev.registryId")
	assert.NotContains(t, missing.stderr, "panic")

	// A bootstrap that does not list the stack.
	delete(stacksOut, "dev")
	unlisted := runMain("plan", "--stack", "dev", "--dir", root, "--bootstrap", write("unlisted.json", plain))
	assert.Equal(t, 1, unlisted.code)
	assert.Contains(t, unlisted.stderr, "output stacks.dev is missing")

	// Not outputs at all, and no file.
	for _, path := range []string{write("list.json", []int{1}), filepath.Join(dir, "absent.json")} {
		bad := runMain("plan", "--stack", "dev", "--dir", root, "--bootstrap", path)
		assert.Equal(t, 2, bad.code, bad.stderr)
		assert.Contains(t, bad.stderr, "--bootstrap")
	}
	// The export of another stack.
	other := filepath.Join(dir, "dev-export.json")
	require.Equal(t, 0, runMain("plan", "--stack", "dev", "--dir", root, "--no-azure-model", "--save-state", other).code)
	wrong := runMain("plan", "--stack", "dev", "--dir", root, "--bootstrap", other)
	assert.Equal(t, 2, wrong.code, wrong.stderr)
	assert.Contains(t, wrong.stderr, "misybot-platform/dev")
}
