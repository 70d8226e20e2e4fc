package workflows

import (
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSetupGoCachesTheBuild: every job that sets up Go restores the Go build
// and module caches keyed on go.sum, so that only the first run after a
// dependency change compiles the SDKs cold (docs/build-cost.md).
// actions/setup-go documents both inputs in the release that added them:
// https://github.com/actions/setup-go/releases/tag/v3.2.0 (cache, cache-dependency-path).
func TestSetupGoCachesTheBuild(t *testing.T) {
	r, problems := loadRepo(repoRoot, nil)
	require.Empty(t, problems)
	seen := 0
	for _, p := range r.paths() {
		w := r.workflows[p]
		ids := w.jobIDs()
		sort.Strings(ids)
		for _, id := range ids {
			for _, s := range w.Jobs[id].Steps {
				if actionName(s.Uses) != "actions/setup-go" {
					continue
				}
				seen++
				assert.Equal(t, "true", s.With["cache"], "%s job %s: setup-go needs cache: true", p, id)
				assert.Equal(t, "go.sum", s.With["cache-dependency-path"], "%s job %s: setup-go keys its cache on go.sum", p, id)
			}
		}
	}
	assert.Positive(t, seen, "no workflow sets up Go")
}
