package workflows

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/infra/rollout"
)

func deployStackJob(t *testing.T) *job {
	t.Helper()
	path := ".github/workflows/deploy-stack.yml"
	data, err := os.ReadFile(filepath.Join(repoRoot, path))
	require.NoError(t, err)
	w, err := parseWorkflow(path, data)
	require.NoError(t, err)
	j := w.Jobs["deploy"]
	require.NotNil(t, j)
	return j
}

func stepIndex(j *job, pred func(*step) bool) int {
	for i, s := range j.Steps {
		if pred(s) {
			return i
		}
	}
	return -1
}

// The controller's state directory outlived no job: a cancelled, timed
// out or killed job restarted the rollout from weight 0 and lost the
// decision log. The deploy restores the stack's last state before the
// controller and saves it whatever the outcome, on the path the
// controller writes.
func TestRolloutStateOutlivesTheJob(t *testing.T) {
	j := deployStackJob(t)
	ro := stepIndex(j, func(s *step) bool { return s.ID == "rollout" })
	require.GreaterOrEqual(t, ro, 0)
	restore := stepIndex(j, func(s *step) bool { return actionName(s.Uses) == "actions/cache/restore" })
	save := stepIndex(j, func(s *step) bool { return actionName(s.Uses) == "actions/cache/save" })
	require.GreaterOrEqual(t, restore, 0, "the state is restored")
	require.GreaterOrEqual(t, save, 0, "the state is saved")
	assert.Less(t, restore, ro, "restored before the controller starts")
	assert.Greater(t, save, ro, "saved after it")

	r, s := j.Steps[restore], j.Steps[save]
	const dir = "${{ runner.temp }}/rollout"
	assert.Equal(t, dir, r.With["path"])
	assert.Equal(t, dir, s.With["path"])
	assert.Contains(t, j.Steps[ro].Run, `--state-dir "$RUNNER_TEMP/rollout"`, "the controller writes where the cache reads")
	assert.Contains(t, s.If, "always()", "saved when the job fails or is cancelled too")
	assert.Equal(t, r.With["key"], s.With["key"], "saved under the key this run restores with")
	assert.Contains(t, s.With["key"], "${{ github.run_id }}-${{ github.run_attempt }}", "a new cache per run (caches are immutable)")
	prefix := "rollout-${{ inputs.stack }}-"
	assert.True(t, strings.HasPrefix(s.With["key"], prefix), "per stack: %s", s.With["key"])
	assert.Equal(t, prefix, strings.TrimSpace(r.With["restore-keys"]), "the stack's most recent state")
}

// The cancel step's update is a controller mark, so that the next run
// sees why the canary is at 0 (and resumes it, where a rollback's mark
// would stop it).
func TestCancelledRolloutLeavesAMark(t *testing.T) {
	j := deployStackJob(t)
	i := stepIndex(j, func(s *step) bool {
		return strings.Contains(s.If, "cancelled()") && strings.Contains(s.Run, "pulumi up")
	})
	require.GreaterOrEqual(t, i, 0)
	m := regexp.MustCompile(`--message "([^"]+)"`).FindStringSubmatch(j.Steps[i].Run)
	require.NotNil(t, m, "the update has a message")
	msg := strings.NewReplacer("$RELEASE", "v1.5.0", "$GITHUB_RUN_ID", "77", "$GITHUB_RUN_ATTEMPT", "2").Replace(m[1])
	mark, ok := rollout.ParseMark(msg)
	require.True(t, ok, "%q is a controller mark", msg)
	assert.Equal(t, rollout.Mark{Action: rollout.MarkCanary, Release: "v1.5.0", Weight: 0, RunID: "77-2"}, mark)
	assert.Equal(t, "${{ steps.release.outputs.release }}", j.Steps[i].Env["RELEASE"])
}

// The watch finds promotions by the controller's promote mark.
func TestWatchFindsThePromoteMark(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot, ".github/workflows/watch.yml"))
	require.NoError(t, err)
	promote := rollout.Mark{Action: rollout.MarkPromote, Release: "v1.5.0", Weight: 100, RunID: "1-1"}.String()
	const prefix = "rollout: promote "
	require.True(t, strings.HasPrefix(promote, prefix), promote)
	assert.Contains(t, string(data), `startswith("`+prefix+`")`)
}

// A retry of a rolled-back release is decided by closing its issue: the
// controller gets --retry only then.
func TestRetryOnlyAfterTheIssueIsClosed(t *testing.T) {
	j := deployStackJob(t)
	rel := j.Steps[stepIndex(j, func(s *step) bool { return s.ID == "release" })]
	assert.Contains(t, rel.Run, "--state closed --label rollout-rollback")
	assert.Contains(t, rel.Run, `echo "retry=true" >> "$GITHUB_OUTPUT"`)
	ro := j.Steps[stepIndex(j, func(s *step) bool { return s.ID == "rollout" })]
	assert.Equal(t, "${{ steps.release.outputs.retry }}", ro.Env["RETRY"])
	assert.Contains(t, ro.Run, `if [ "$RETRY" = true ]; then`)
}

// Two runs of one stack never overlap (their controllers would fight
// over the weights from two runners, where the lock file cannot see the
// other): the deploy job queues them, never cancels a running one, and
// keeps every pending one (a rollback queued behind a deploy was
// cancelled by the next deploy).
// The smoke test's Azure calls are bounded.
func TestOneDeployOfAStackAtATime(t *testing.T) {
	j := deployStackJob(t)
	var c struct {
		Group            string `yaml:"group"`
		CancelInProgress bool   `yaml:"cancel-in-progress"`
		Queue            string `yaml:"queue"`
	}
	require.NoError(t, j.Concurrency.Decode(&c))
	assert.Equal(t, "deploy-${{ inputs.stack }}", c.Group)
	assert.False(t, c.CancelInProgress)
	assert.Equal(t, "max", c.Queue, "a pending rollback is not cancelled by a newer deploy")
	smoke := j.Steps[stepIndex(j, func(s *step) bool { return s.ID == "smoke" })]
	for _, l := range strings.Split(smoke.Run, "\n") {
		if strings.Contains(l, "az ") && !strings.HasPrefix(strings.TrimSpace(l), "#") && !strings.HasPrefix(strings.TrimSpace(l), "--") {
			assert.Contains(t, l, "timeout ", "every az call of the smoke test is bounded: %s", l)
		}
	}
}

// A deploy after a job that died mid-rollout (no cancel step ran) keeps
// the weight the stack gives the release, so that the controller resumes
// there instead of the deploy taking it to 0 first.
func TestADeployKeepsTheWeightOfARolloutUnderWay(t *testing.T) {
	j := deployStackJob(t)
	rel := j.Steps[stepIndex(j, func(s *step) bool { return s.ID == "release" })].Run
	keep := strings.Index(rel, `pulumi stack output canaryWeight --stack "$STACK"`)
	require.GreaterOrEqual(t, keep, 0, "the release step reads the stack's canary weight")
	assert.Contains(t, rel[:keep], `pulumi stack output canaryRelease --stack "$STACK" 2>/dev/null || true)" = "$desired"`,
		"only for the release being rolled out")
	set := strings.Index(rel, `--path 'app.canary.weight' "${weight:-0}"`)
	assert.Greater(t, set, keep, "the weight read is the weight set")
}
