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

// expected are the outcomes of the program on this branch. A failing
// scenario names the review finding it shows; when the program is fixed,
// the entry becomes a pass.
var expected = map[string]map[string]outcome{}

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
				want := expected[stack][name]
				assert.Equal(t, want, o, "%s/%s: fails at %q with %s", stack, name, o.step, strings.Join(o.rules, ", "))
			}
		})
	}
}

// BenchmarkLifecycle runs every scenario of one stack.
func BenchmarkLifecycle(b *testing.B) {
	for b.Loop() {
		runScenarios(b, "prod")
	}
}
