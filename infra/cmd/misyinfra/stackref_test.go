package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withStackOutputs rewrites a saved state's stack outputs with edit.
func withStackOutputs(t *testing.T, path string, edit func(outputs map[string]any)) string {
	t.Helper()
	return editedState(t, path, func(deployment map[string]any) {
		found := false
		for _, r := range deployment["resources"].([]any) {
			res := r.(map[string]any)
			if res["type"] == "pulumi:pulumi:Stack" {
				edit(res["outputs"].(map[string]any))
				found = true
			}
		}
		require.True(t, found, "the state has a stack resource")
	})
}

// An environment stack's StackReference to the bootstrap is answered by
// the bootstrap's offline plan by default, or by --bootstrap-state (its
// `pulumi stack export`): the same plan either way. A missing output is
// an error naming it, not a panic or an empty string; a file that is not
// the bootstrap's state is a usage error.
func TestPlanAnswersTheBootstrapReference(t *testing.T) {
	tmp := t.TempDir()
	boot := filepath.Join(tmp, "bootstrap.json")
	r := runMain("plan", "--dir", filepath.Join(repoRoot, "bootstrap"), "--stack", "platform", "--policy-config", filepath.Join(repoRoot, "bootstrap", "policy-config.json"), "--save-state", boot)
	require.Equal(t, 0, r.code, r.stderr)

	def := runMain("plan", "--stack", "dev", "--dir", repoRoot, "--format", "json")
	require.Equal(t, 0, def.code, def.stderr)
	fromFile := runMain("plan", "--stack", "dev", "--dir", repoRoot, "--format", "json", "--bootstrap-state", boot)
	require.Equal(t, 0, fromFile.code, fromFile.stderr)
	assert.JSONEq(t, def.stdout, fromFile.stdout, "the bootstrap's state answers as its offline plan does")
	for _, cmd := range [][]string{{"graph"}, {"import", "--allow-unmatched"}} {
		args := append(append([]string{}, cmd...), "--stack", "dev", "--dir", repoRoot, "--bootstrap-state", boot, "-o", filepath.Join(tmp, "out"))
		if cmd[0] == "import" {
			ids := filepath.Join(tmp, "ids.txt")
			require.NoError(t, os.WriteFile(ids, []byte("/subscriptions/x/resourceGroups/y\n"), 0o600))
			args = append(args, ids)
		}
		r := runMain(args...)
		assert.NotEqual(t, 2, r.code, "%s takes --bootstrap-state: %s", cmd[0], r.stderr)
	}

	// A bootstrap older than the program: dev's registryId is missing.
	old := withStackOutputs(t, boot, func(o map[string]any) {
		delete(o["stacks"].(map[string]any)["dev"].(map[string]any), "registryId")
	})
	missing := runMain("plan", "--stack", "dev", "--dir", repoRoot, "--bootstrap-state", old)
	assert.Equal(t, 1, missing.code)
	assert.Contains(t, missing.stderr, "stacks.dev.registryId")
	assert.NotContains(t, missing.stderr, "panic")

	// A bootstrap that does not list the stack.
	unlisted := runMain("plan", "--stack", "dev", "--dir", repoRoot, "--bootstrap-state", withStackOutputs(t, boot, func(o map[string]any) {
		delete(o["stacks"].(map[string]any), "dev")
	}))
	assert.Equal(t, 1, unlisted.code)
	assert.Contains(t, unlisted.stderr, "output stacks.dev is missing")

	// Not a state at all.
	notState := filepath.Join(tmp, "list.json")
	require.NoError(t, os.WriteFile(notState, []byte(`[1]`), 0o600))
	for _, path := range []string{notState, filepath.Join(tmp, "absent.json")} {
		bad := runMain("plan", "--stack", "dev", "--dir", repoRoot, "--bootstrap-state", path)
		assert.Equal(t, 2, bad.code, bad.stderr)
		assert.Contains(t, bad.stderr, "--bootstrap-state")
	}
}
