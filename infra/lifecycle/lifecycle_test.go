package lifecycle_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/infra/lifecycle"
	"github.com/misybot/platform/stacks"
)

var repoRoot = filepath.Join("..", "..")

// outcome is where a scenario stops: the step that fails and its rules,
// or "" when every step passes.
type outcome struct {
	step  string
	rules []string
}

// firstDeployFails are the rules the first deploy of each stack breaks
// with the program of this branch, so that every scenario of the stack
// stops there (a failed update leaves no state to continue from). Each
// rule is a finding of the deployability review:
//   - CA001, prod: the canary is set on a new app, so traffic goes to a
//     stable revision that does not exist (finding 1);
//   - CA006, dev: the vault denies by default with bypass None and has no
//     private endpoint; Container Apps is not a trusted service (finding 3);
//   - CA008, all: the KEDA Service Bus scaler's identity holds Data
//     Receiver/Sender, not Manage (finding 4);
//   - ME003, staging: the load test cannot reach the internal environment:
//     no private DNS zone for its default domain (finding 7).
//
// When the program is fixed, the entry goes and the scenarios run through.
//   - CA007, all: the app identity's AcrPull on the shared registry is the
//     bootstrap's (bootstrap/foundation), outside the stack's plan, and the
//     model does not yet take the bootstrap's role assignments as existing
//     ones; bootstrap/foundation's tests check the grant itself.
var firstDeployFails = map[string][]string{
	"dev":     {"CA006", "CA007", "CA008"},
	"staging": {"CA007", "CA008", "ME003"},
	"prod":    {"CA001", "CA007", "CA008"},
}

// expectedOutcome is the outcome a scenario must have.
func expectedOutcome(stack, scenario string) outcome {
	if rules, ok := firstDeployFails[stack]; ok {
		return outcome{step: "first deploy", rules: rules}
	}
	return outcome{}
}

func runScenarios(t testing.TB, stack string) map[string]outcome {
	r, err := lifecycle.NewRunner(repoRoot, stack, stacks.Build, lifecycle.Secrets)
	require.NoError(t, err)
	got := map[string]outcome{}
	for _, sc := range lifecycle.Scenarios(stack) {
		results, err := r.Run(context.Background(), sc.Steps)
		require.NoError(t, err, sc.Name)
		o := outcome{}
		last := results[len(results)-1]
		if last.Failed() {
			o.step = last.Step
			o.rules = last.Rules()
			if last.Err != nil {
				o.rules = []string{"program: " + last.Err.Error()}
			}
			if tt, ok := t.(*testing.T); ok {
				for _, p := range last.Plan.Problems {
					tt.Logf("%s/%s: step %q: %s", stack, sc.Name, last.Step, p.String())
				}
			}
		}
		got[sc.Name] = o
	}
	return got
}

func TestLifecycle(t *testing.T) {
	for _, stack := range []string{"dev", "staging", "prod"} {
		t.Run(stack, func(t *testing.T) {
			got := runScenarios(t, stack)
			for name, o := range got {
				want := expectedOutcome(stack, name)
				assert.Equal(t, want, o, "%s/%s: fails at %q with %s", stack, name, o.step, strings.Join(o.rules, ", "))
			}
		})
	}
}

// TestUndeclaredSecret: the stack files name the app secret bot-token but
// declare no keyVaultSecrets; without the secret set, the revision cannot
// resolve its Key Vault reference (finding 2).
func TestUndeclaredSecret(t *testing.T) {
	r, err := lifecycle.NewRunner(repoRoot, "staging", stacks.Build, nil)
	require.NoError(t, err)
	results, err := r.Run(context.Background(), lifecycle.Scenarios("staging")[0].Steps)
	require.NoError(t, err)
	assert.Contains(t, results[0].Rules(), "CA004")
}

// BenchmarkLifecycle runs every scenario of one stack.
func BenchmarkLifecycle(b *testing.B) {
	for b.Loop() {
		runScenarios(b, "prod")
	}
}
