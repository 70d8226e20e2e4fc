package lifecycle_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/infra/azuremodel"
	"github.com/misybot/platform/infra/lifecycle"
	"github.com/misybot/platform/infra/offline"
	"github.com/misybot/platform/stacks"
)

var repoRoot = filepath.Join("..", "..")

// outcome is where a scenario stops: the step that fails and its rules,
// or "" when every step passes.
type outcome struct {
	step  string
	rules []string
}

// expected are the scenarios that do not run through with the program of
// this branch, where they stop and the rules they break; every other
// scenario passes every step. Each entry says why.
var expected = map[string]outcome{
	// The destroy is refused before anything is deleted: the resource
	// group, the vault, the workspace and the queues are protected. This
	// is the behaviour wanted.
	"prod/destroy attempt": {step: "destroy", rules: []string{offline.RuleProtect}},
	// The preview identity is the bootstrap's (bootstrap/foundation), no
	// longer in the stack's plan or state, so the model cannot run as it
	// (AZ004: it resolves --as from the plan's service principals). The
	// read failures the stack itself caused before the bootstrap (AZ001 on
	// the AcrPull assignment in the registry's group, AZ003 on the Entra
	// applications) are gone with them. bootstrap/foundation's tests check
	// the preview identity's grants (read-only, its stack's group).
	// TODO: give the model the bootstrap's principals as existing state,
	// as for the AcrPull grant (Runner.Existing), and drop these entries.
	"dev/preview as the preview identity":     {step: "preview and refresh as the preview identity", rules: []string{"AZ004"}},
	"staging/preview as the preview identity": {step: "preview and refresh as the preview identity", rules: []string{"AZ004"}},
	"prod/preview as the preview identity":    {step: "preview and refresh as the preview identity", rules: []string{"AZ004"}},
}

// bootstrapGrants are the stack's grants by the bootstrap, as the model
// takes them.
func bootstrapGrants(t testing.TB, r *lifecycle.Runner, stack string) []azuremodel.ExistingRoleAssignment {
	b, err := stacks.ReadBootstrapStack(r.Bootstrap.Outputs.Name, stack, r.Bootstrap.Outputs.Outputs[stacks.BootstrapStacksOutput].Mappable())
	require.NoError(t, err)
	grants := stacks.BootstrapGrants(b)
	var out []azuremodel.ExistingRoleAssignment
	for _, g := range grants {
		out = append(out, azuremodel.ExistingRoleAssignment{IdentityID: g.IdentityID, Role: g.Role, Scope: g.Scope})
	}
	return out
}

// expectedOutcome is the outcome a scenario must have.
func expectedOutcome(stack, scenario string) outcome {
	return expected[stack+"/"+scenario]
}

func runScenarios(t testing.TB, stack string) map[string]outcome {
	r, err := lifecycle.NewRunner(repoRoot, stack, stacks.Build, lifecycle.Secrets)
	require.NoError(t, err)
	// The bootstrap grants the app identity AcrPull on the registry before
	// the stack's first deploy (bootstrap/foundation): existing state.
	r.Existing = bootstrapGrants(t, r, stack)
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
			if tt, ok := t.(*testing.T); ok && last.Plan != nil {
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

// TestUndeclaredSecret: an app secret that keyVaultSecrets does not
// declare would leave the revision's Key Vault reference unresolved
// (finding 2, rule CA004 in package azuremodel); the program now refuses
// such a configuration before any resource is registered.
func TestUndeclaredSecret(t *testing.T) {
	r, err := lifecycle.NewRunner(repoRoot, "staging", stacks.Build, nil)
	require.NoError(t, err)
	delete(r.Base.Values, "misybot-platform:keyVaultSecrets")
	results, err := r.Run(context.Background(), lifecycle.Scenarios("staging")[0].Steps)
	require.NoError(t, err)
	require.Len(t, results, 1)
	require.Error(t, results[0].Err)
	assert.Contains(t, results[0].Err.Error(), "bot-token")
}

// BenchmarkLifecycle runs every scenario of one stack.
func BenchmarkLifecycle(b *testing.B) {
	for b.Loop() {
		runScenarios(b, "prod")
	}
}
