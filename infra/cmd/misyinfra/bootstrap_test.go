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

// withoutResource rewrites a saved state without the resource whose URN
// ends with ::name.
func withoutResource(t *testing.T, path, name string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(data, &doc))
	deployment := doc["deployment"].(map[string]any)
	var kept []any
	for _, r := range deployment["resources"].([]any) {
		if !strings.HasSuffix(r.(map[string]any)["urn"].(string), "::"+name) {
			kept = append(kept, r)
		}
	}
	require.Len(t, kept, len(deployment["resources"].([]any))-1, "the state has %s", name)
	deployment["resources"] = kept
	out, err := json.Marshal(doc)
	require.NoError(t, err)
	edited := filepath.Join(t.TempDir(), "edited.json")
	require.NoError(t, os.WriteFile(edited, out, 0o600))
	return edited
}

// stackOutputsOf is what `pulumi stack output --json` prints for a saved
// state: its stack outputs.
func stackOutputsOf(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var doc struct {
		Deployment struct {
			Resources []struct {
				Type    string
				Outputs json.RawMessage
			}
		}
	}
	require.NoError(t, json.Unmarshal(data, &doc))
	for _, r := range doc.Deployment.Resources {
		if r.Type == "pulumi:pulumi:Stack" {
			return r.Outputs
		}
	}
	require.Fail(t, "no stack resource")
	return nil
}

// TestPlanAsTheBootstrapsIdentities: --as preview, drift and deploy run
// as the stack's identities of the bootstrap project, planned offline
// from bootstrap/ or read from --bootstrap; the preview identity
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
		t.Run(as+" from --bootstrap", func(t *testing.T) {
			r := runMain("plan", "--dir", repoRoot, "--stack", "dev", "--state", state, "--as", as, "--bootstrap", boot)
			assert.Equal(t, 0, r.code, r.stderr)
		})
		t.Run(as+" without its Reader grant", func(t *testing.T) {
			edited := withoutResource(t, boot, "dev-ci-"+as+"-reader")
			r := runMain("plan", "--dir", repoRoot, "--stack", "dev", "--state", state, "--as", as, "--bootstrap", edited)
			assert.Equal(t, 1, r.code)
			lines := r.stderrLines()
			require.NotEmpty(t, lines)
			for _, line := range lines {
				assert.Regexp(t, `^error: AuthorizationFailed: urn:pulumi:dev::misybot-platform::\S+ .*the `+as+` identity \(object ID [0-9a-f-]+\) does not have authorization to perform action '[^']+/read' .*\[rule AZ001; https://learn.microsoft.com/`, line)
			}
		})
	}
	t.Run("deploy with nothing to change", func(t *testing.T) {
		r := runMain("plan", "--dir", repoRoot, "--stack", "dev", "--state", state, "--as", "deploy", "--bootstrap", boot)
		assert.Equal(t, 0, r.code, r.stderr)
	})
	t.Run("a bootstrap state of another project", func(t *testing.T) {
		r := runMain("plan", "--dir", repoRoot, "--stack", "dev", "--state", state, "--as", "preview", "--bootstrap", state)
		assert.Equal(t, 2, r.code)
		require.Len(t, r.stderrLines(), 1)
		assert.Contains(t, r.stderr, "--bootstrap: ")
		assert.Contains(t, r.stderr, "misybot-platform/dev, not misybot-bootstrap/platform")
	})
	t.Run("preview with the bootstrap's outputs alone", func(t *testing.T) {
		// `pulumi stack output --json` answers the stack's reference but
		// names no service principal: there is no preview identity to run
		// as, and the plan says so instead of passing.
		outputs := filepath.Join(t.TempDir(), "outputs.json")
		require.NoError(t, os.WriteFile(outputs, stackOutputsOf(t, boot), 0o600))
		fromOutputs := filepath.Join(t.TempDir(), "dev.json")
		r := runMain("plan", "--dir", repoRoot, "--stack", "dev", "--bootstrap", outputs, "--save-state", fromOutputs)
		require.Equal(t, 0, r.code, "the app identity's AcrPull is known from the outputs: %s", r.stderr)
		r = runMain("plan", "--dir", repoRoot, "--stack", "dev", "--state", fromOutputs, "--as", "preview", "--bootstrap", outputs)
		assert.Equal(t, 1, r.code)
		require.Len(t, r.stderrLines(), 1)
		assert.Contains(t, r.stderr, "error: PrincipalNotFound: ")
		assert.Contains(t, r.stderr, "give its `pulumi stack export`")
	})
}
