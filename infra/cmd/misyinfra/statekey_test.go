package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/infra/stackplan"
)

func TestMain(m *testing.M) {
	// The tests never write the user's key file: saved states in tests
	// use a key of their own.
	os.Setenv(stackplan.StateKeyEnv, "misyinfra-tests")
	os.Exit(m.Run())
}

// TestSecretNotComparableOffline: the committed stack's Key Vault secret
// is a `secure:` value the offline engine cannot decrypt, so a plan from
// a saved state cannot tell whether it changed: "update?", with the
// reason, never "unchanged". (A secret whose value the engine knows is
// compared through its keyed hash: offline.TestSecretValueChanges and the
// lifecycle's secret rotation.)
func TestSecretNotComparableOffline(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	r := runMain("plan", "--dir", repoRoot, "--stack", "dev", "--save-state", state)
	require.Equal(t, 0, r.code, r.stderr)

	r = runMain("plan", "--dir", repoRoot, "--stack", "dev", "--state", state)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "~? 1 to update if a secret changed")
	assert.Regexp(t, `~\? urn:pulumi:dev::misybot-platform::\S+keyvault-secret-bot-token: properties \(a secret`, r.stdout)
	assert.NotContains(t, r.stdout, "~ 1 to update")
}
