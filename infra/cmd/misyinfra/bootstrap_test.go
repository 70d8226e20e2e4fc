package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// editedState writes a copy of the saved state at path, changed by edit
// (which gets the deployment: its resources and the rest), and returns the
// copy's path.
func editedState(t *testing.T, path string, edit func(deployment map[string]any)) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(data, &doc))
	edit(doc["deployment"].(map[string]any))
	out, err := json.Marshal(doc)
	require.NoError(t, err)
	edited := filepath.Join(t.TempDir(), "edited.json")
	require.NoError(t, os.WriteFile(edited, out, 0o600))
	return edited
}

// withoutResource rewrites a saved state without the resource whose URN
// ends with ::name.
func withoutResource(t *testing.T, path, name string) string {
	t.Helper()
	return editedState(t, path, func(deployment map[string]any) {
		var kept []any
		for _, r := range deployment["resources"].([]any) {
			if !strings.HasSuffix(r.(map[string]any)["urn"].(string), "::"+name) {
				kept = append(kept, r)
			}
		}
		require.Len(t, kept, len(deployment["resources"].([]any))-1, "the state has %s", name)
		deployment["resources"] = kept
	})
}

// TestPlanAsTheBootstrapsIdentities: --as preview, drift and deploy run
// as the stack's identities of the bootstrap project, planned offline
// from bootstrap/ or read from --bootstrap-state; the preview identity
// refreshes with the Reader grant the bootstrap gives it, and without it
// every read is refused.
func TestPlanAsTheBootstrapsIdentities(t *testing.T) {
	tmp := t.TempDir()
	boot := filepath.Join(tmp, "bootstrap.json")
	r := runMain("plan", "--dir", filepath.Join(repoRoot, "bootstrap"), "--stack", "platform", "--policy-config", filepath.Join(repoRoot, "bootstrap", "policy-config.json"), "--save-state", boot)
	require.Equal(t, 0, r.code, r.stderr)
	state := filepath.Join(tmp, "dev.json")
	r = runMain("plan", "--dir", repoRoot, "--stack", "dev", "--save-state", state)
	require.Equal(t, 0, r.code, r.stderr)

	for _, as := range []string{"preview", "drift"} {
		t.Run(as+" from the planned bootstrap", func(t *testing.T) {
			r := runMain("plan", "--dir", repoRoot, "--stack", "dev", "--state", state, "--as", as)
			assert.Equal(t, 0, r.code, r.stderr)
		})
		t.Run(as+" from --bootstrap-state", func(t *testing.T) {
			r := runMain("plan", "--dir", repoRoot, "--stack", "dev", "--state", state, "--as", as, "--bootstrap-state", boot)
			assert.Equal(t, 0, r.code, r.stderr)
		})
		t.Run(as+" without its Reader grant", func(t *testing.T) {
			edited := withoutResource(t, boot, "dev-ci-"+as+"-reader")
			r := runMain("plan", "--dir", repoRoot, "--stack", "dev", "--state", state, "--as", as, "--bootstrap-state", edited)
			assert.Equal(t, 1, r.code)
			lines := r.stderrLines()
			require.NotEmpty(t, lines)
			for _, line := range lines {
				assert.Regexp(t, `^error: AuthorizationFailed: urn:pulumi:dev::misybot-platform::\S+ .*the `+as+` identity \(object ID [0-9a-f-]+\) does not have authorization to perform action '[^']+/read' .*\[rule AZ001; https://learn.microsoft.com/`, line)
			}
		})
	}
	t.Run("deploy with nothing to change", func(t *testing.T) {
		r := runMain("plan", "--dir", repoRoot, "--stack", "dev", "--state", state, "--as", "deploy", "--bootstrap-state", boot)
		assert.Equal(t, 0, r.code, r.stderr)
	})
	t.Run("a bootstrap state of another project", func(t *testing.T) {
		r := runMain("plan", "--dir", repoRoot, "--stack", "dev", "--state", state, "--as", "preview", "--bootstrap-state", state)
		assert.Equal(t, 2, r.code)
		require.Len(t, r.stderrLines(), 1)
		assert.Equal(t, []string{`--bootstrap-state ` + state + `: the state is of project "misybot-platform", not "misybot-bootstrap"`}, r.stderrLines())
	})
}
