package rules_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/policy/rules"
)

var update = flag.Bool("update", false, "rewrite docs/policies.md from the registry")

// TestPoliciesDoc fails when docs/policies.md is not what the registry
// generates. Regenerate with
//
//	go test ./policy/rules -run TestPoliciesDoc -update
func TestPoliciesDoc(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, rules.Markdown(&buf))
	path := filepath.Join("..", "..", "docs", "policies.md")
	if *update {
		require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
	}
	committed, err := os.ReadFile(path)
	require.NoError(t, err, "docs/policies.md is missing; run go test ./policy/rules -run TestPoliciesDoc -update")
	require.Equal(t, buf.String(), string(committed),
		"docs/policies.md is stale; run go test ./policy/rules -run TestPoliciesDoc -update")
	for _, r := range rules.NewRegistry().Rules() {
		require.Contains(t, buf.String(), "### "+r.Name)
	}
}
