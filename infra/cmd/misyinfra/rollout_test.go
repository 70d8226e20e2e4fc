package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/infra/azmon"
	"github.com/misybot/platform/infra/rollout"
	"github.com/misybot/platform/infra/simulation"
)

// simSetter is the simulation's setter with the outputs the stack would
// report.
type simSetter struct {
	*simulation.Setter
}

func (s simSetter) Outputs(ctx context.Context) (map[string]string, error) {
	v, err := s.View(ctx)
	if err != nil {
		return nil, err
	}
	return map[string]string{
		rollout.OutputAppResourceID: simulation.ResourceID, rollout.OutputWorkspaceID: simulation.WorkspaceID,
		rollout.OutputStableRevision: "misybot--r1", rollout.OutputCanaryRevision: "misybot--r2",
		rollout.OutputStableRelease: v.StableRelease, rollout.OutputCanaryRelease: v.CanaryRelease, rollout.OutputCanaryWeight: strconv.Itoa(v.CanaryWeight),
	}, nil
}

func (s simSetter) LastMark(ctx context.Context) (*rollout.Mark, error) {
	v, err := s.View(ctx)
	return v.Last, err
}

// simulated is a simulation on simulated time: two revisions behind a
// router, 400 req/s of traffic, the fake Azure Monitor.
type simulated struct {
	router *simulation.Router
	clock  *simulation.Clock
	setter *simulation.Setter
}

// simEnv runs the rollout command against a simulation on simulated time
// (simulation.Clock): outcomes never depend on the machine's load.
func simEnv(t *testing.T, failEvery int) (rolloutEnv, *simulated) {
	t.Helper()
	stable := simulation.NewBackend("misybot--r1", 0, 0)
	canary := simulation.NewBackend("misybot--r2", failEvery, 0)
	router := simulation.NewRouter(stable, canary)
	monitor := simulation.NewMonitor(router)
	clock := simulation.NewClock(time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC))
	monitor.SetClock(clock.Now)
	simulation.NewTraffic(clock, router, 400)
	setter := simulation.NewSetter(router, "r1")
	t.Cleanup(func() {
		monitor.Close()
		router.Close()
		stable.Close()
		canary.Close()
	})
	return rolloutEnv{
		setter: func(context.Context, string, string, io.Writer, []string) (rollout.Stack, error) {
			return simSetter{setter}, nil
		},
		analyzer: func(cfg azmon.Config) (rollout.Analyzer, error) {
			mc := monitor.Config()
			cfg.MetricsEndpoint, cfg.LogsEndpoint, cfg.ClientOptions = mc.MetricsEndpoint, mc.LogsEndpoint, mc.ClientOptions
			c, err := azmon.New(cfg, azmon.StaticCredential{Token: simulation.Token})
			if err != nil {
				return nil, err
			}
			return rollout.MonitorAnalyzer{Client: c}, nil
		},
		clock: clock,
	}, &simulated{router: router, clock: clock, setter: setter}
}

func runRollout(env rolloutEnv, args ...string) (string, error) {
	cmd := newRolloutCommand(env)
	var out bytes.Buffer
	cmd.SetArgs(args)
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

func TestRolloutStartSimulated(t *testing.T) {
	tests := []struct {
		name      string
		failEvery int
		wantErr   error
		wantOut   string
	}{
		{"healthy canary is promoted", 0, nil, "promoted at weight 100% after 4 intervals"},
		{"failing canary is rolled back", 10, rollout.ErrRolledBack, "rolled-back at weight 0% after 2 intervals"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, sim := simEnv(t, tt.failEvery)
			out, err := runRollout(env, "start", "--stack", "prod", "--release", "r2", "--interval", "500ms", "--delay", "0s",
				"--min-requests", "10", "--failure-threshold", "2", "--max-latency-increase", "0", "--max-p95", "0", "--max-p99", "0",
				"--state-dir", t.TempDir(), "--progress", "never")
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.Equal(t, 0, sim.router.Weight())
			} else {
				require.NoError(t, err)
			}
			assert.Contains(t, out, tt.wantOut)
		})
	}
}

func TestRolloutUsage(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name  string
		args  []string
		lines []string
	}{
		{"start without flags", []string{"rollout", "start"}, []string{
			"missing --stack: name the stack, e.g. --stack prod",
			"missing --release: name the release to roll out",
		}},
		{"bad steps", []string{"rollout", "start", "--stack", "prod", "--release", "r2", "--steps", "10,x"},
			[]string{`--steps: "x" is not a weight`}},
		{"outputs without the controller's", []string{"rollout", "start", "--stack", "prod", "--release", "r2", "--outputs", outputsFile(t, `{"canaryRelease": "r1"}`),
			"--state-dir", dir}, []string{
			`--outputs: the stack's canary is "r1", not r2: deploy it at weight 0 first, or leave out --outputs`,
			"missing --resource-id: the stack has no appResourceId output (deploy the stack first, or pass --resource-id)",
			"missing --workspace-id: the stack has no logAnalyticsWorkspaceCustomerId output (deploy the stack first, or pass --workspace-id)",
			"missing --canary-revision: the stack has no canaryRevision output (deploy the stack first, or pass --canary-revision)",
			"missing --stable-revision: the stack has no stableRevision output (deploy the stack first, or pass --stable-revision)",
			"missing --stable-release: the stack has no stableRelease output (deploy the stack first, or pass --stable-release)",
		}},
		{"pause without a rollout", []string{"rollout", "pause", "--stack", "prod", "--release", "r2", "--state-dir", dir},
			[]string{"no rollout of stack prod in progress in " + dir}},
		{"abort without stack or release", []string{"rollout", "abort"}, []string{"missing --stack: name the stack whose rollout to abort",
			"missing --release: name the release whose rollout to abort"}},
		{"watch without flags", []string{"rollout", "watch"}, []string{"missing --stack: name the stack, e.g. --stack prod",
			`--promoted-at: want an RFC 3339 time such as 2026-11-28T06:00:00Z, got ""`}},
		{"status without a rollout", []string{"rollout", "status", "--stack", "prod", "--state-dir", dir}, []string{"no rollout of stack prod in " + dir}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runMain(tt.args...)
			assert.Equal(t, 2, r.code, r.stderr)
			assert.Equal(t, tt.lines, r.stderrLines())
		})
	}
}

func outputsFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "outputs.json")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	return path
}

func TestRolloutGateAndStatus(t *testing.T) {
	env, sim := simEnv(t, 0)
	dir := t.TempDir()
	// The controller waits at 10% (its simulated clock stops) until the
	// test has sent its gates.
	proceed, waiting := make(chan struct{}), make(chan struct{})
	var once sync.Once
	sim.clock.OnAdvance(func(time.Time, time.Time) {
		if sim.router.Weight() == 10 {
			once.Do(func() { close(waiting) })
			<-proceed
		}
	})
	done := make(chan error, 1)
	go func() {
		_, err := runRollout(env, "start", "--stack", "staging", "--release", "r2", "--interval", "2s", "--run-id", "run-42",
			"--state-dir", dir, "--progress", "never")
		done <- err
	}()
	<-waiting // the controller analyses at 10%: its clock waits for the test
	r := runMain("rollout", "status", "--stack", "staging", "--state-dir", dir)
	assert.Contains(t, r.stdout, "controller: running (pid ")
	assert.Contains(t, r.stdout, "run run-42 of release r2")
	r = runMain("rollout", "unlock", "--stack", "staging", "--state-dir", dir)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "a live controller holds")
	r = runMain("rollout", "abort", "--stack", "staging", "--release", "r3", "--state-dir", dir)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "rolls out r2, not r3: gate refused")
	r = runMain("rollout", "abort", "--stack", "staging", "--release", "r2", "--state-dir", dir)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "abort sent to the rollout of r2 on staging\n", r.stdout)
	close(proceed)
	require.ErrorIs(t, <-done, rollout.ErrAborted)
	r = runMain("rollout", "status", "--stack", "staging", "--state-dir", dir)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "controller: none (the rollout ended: aborted)")
	assert.Contains(t, r.stdout, "# Rollout of r2 on stack staging: aborted")
	assert.Contains(t, r.stdout, "aborted by the operator; canary weight 10% → 0%")
}

// The status of a rollout whose controller died says so, and a gate for
// it is refused.
func TestRolloutStatusOfADeadController(t *testing.T) {
	dir := t.TempDir()
	files := rollout.FilesFor(dir, "prod")
	st := `{"stack":"prod","runId":"run-1","release":"r2","phase":"running","steps":[10,25,50,100],"step":1,"weight":25}`
	require.NoError(t, os.WriteFile(files.State, []byte(st), 0o644))
	require.NoError(t, os.WriteFile(files.Lock, []byte(`{"pid":1,"host":"elsewhere","runId":"run-1","release":"r2"}`), 0o644))
	r := runMain("rollout", "status", "--stack", "prod", "--state-dir", dir)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "controller: NOT RUNNING: the rollout stopped in phase running at weight 25%")
	r = runMain("rollout", "promote", "--stack", "prod", "--release", "r2", "--state-dir", dir)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "no live controller for the rollout of r2 on prod")
	r = runMain("rollout", "unlock", "--stack", "prod", "--state-dir", dir)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "removed the lock of stack prod held by pid 1 on elsewhere")
	assert.NoFileExists(t, files.Lock)
}

func TestRolloutWatch(t *testing.T) {
	tests := []struct {
		name      string
		failEvery int
		promoted  time.Duration
		args      []string
		verdict   string
		wantErr   bool
	}{
		{"healthy", 0, time.Minute, nil, rollout.WatchHealthy, false},
		{"over", 0, 25 * time.Hour, nil, rollout.WatchOver, false},
		{"breach opens an issue", 20, time.Minute, []string{"--severe-factor", "-1"}, rollout.WatchBreach, true},
		{"severe breach rolls back", 1, time.Minute, []string{"--rollback-to", "r1"}, rollout.WatchRolledBack, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, sim := simEnv(t, tt.failEvery)
			require.NoError(t, sim.router.SetWeight(100)) // r2 promoted: all traffic on it
			sim.clock.Advance(time.Second)
			result := filepath.Join(t.TempDir(), "watch.json")
			args := append([]string{"watch", "--stack", "prod", "--promoted-at", sim.clock.Now().Add(-tt.promoted).UTC().Format(time.RFC3339),
				"--delay", "0s", "--window", "1s", "--min-requests", "50", "--max-p95", "0", "--max-p99", "0",
				"--stable-revision", "misybot--r2", "--result", result}, tt.args...)
			out, err := runRollout(env, args...)
			if tt.wantErr {
				require.Error(t, err, out)
			} else {
				require.NoError(t, err, out)
			}
			data, rerr := os.ReadFile(result)
			require.NoError(t, rerr)
			var res rollout.WatchResult
			require.NoError(t, json.Unmarshal(data, &res))
			assert.Equal(t, tt.verdict, res.Verdict, out)
			if tt.verdict == rollout.WatchRolledBack {
				assert.Equal(t, "r1", res.RolledBack)
			}
		})
	}
}

// A start for a release while the stack gives another release's canary
// traffic is refused before the stack is touched (the other rollout's job
// was killed: finish or withdraw it first).
func TestRolloutStartRefusesToMixReleases(t *testing.T) {
	env, sim := simEnv(t, 0)
	sim.setter.Expose("r0", 25)
	_, err := runRollout(env, "start", "--stack", "prod", "--release", "r2", "--interval", "500ms", "--delay", "0s",
		"--state-dir", t.TempDir(), "--progress", "never")
	require.ErrorIs(t, err, rollout.ErrOtherRelease)
	assert.Contains(t, err.Error(), "r0 has 25% of the traffic")
	assert.Empty(t, sim.setter.Calls())
}

// A release the stack's history says was rolled back is not rolled out
// again by a new job (its state directory is empty), unless --retry.
func TestRolloutStartAfterARollbackInAnotherJob(t *testing.T) {
	env, sim := simEnv(t, 10)
	args := []string{"start", "--stack", "prod", "--release", "r2", "--interval", "500ms", "--delay", "0s", "--min-requests", "10",
		"--failure-threshold", "2", "--max-latency-increase", "0", "--max-p95", "0", "--max-p99", "0", "--progress", "never"}
	_, err := runRollout(env, append(args, "--state-dir", t.TempDir())...)
	require.ErrorIs(t, err, rollout.ErrRolledBack)
	n := len(sim.setter.Calls())

	out, err := runRollout(env, append(args, "--state-dir", t.TempDir())...) // a new job: no state
	require.ErrorIs(t, err, rollout.ErrRolledBack)
	assert.Contains(t, err.Error(), "not exposed again")
	assert.Equal(t, n, len(sim.setter.Calls()), "the stack is not touched: %s", out)

	_, err = runRollout(env, append(args, "--state-dir", t.TempDir(), "--retry")...)
	require.ErrorIs(t, err, rollout.ErrRolledBack, "still failing, rolled back again")
	assert.Greater(t, len(sim.setter.Calls()), n, "--retry rolled it out again")
}

// TestStacksExportWhatTheControllerReads: the controller's output names
// (rollout.StackOutputs) are the program's, in every stack: a renamed
// output in stacks/deploy.go fails here, not in a prod rollout.
func TestStacksExportWhatTheControllerReads(t *testing.T) {
	for _, stack := range []string{"dev", "staging", "prod"} {
		t.Run(stack, func(t *testing.T) {
			r := runMain("plan", "--stack", stack, "--dir", repoRoot, "--format", "json", "--no-azure-model")
			require.Equal(t, 0, r.code, r.stderr)
			var doc struct {
				Outputs map[string]json.RawMessage `json:"outputs"`
			}
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &doc))
			for _, name := range rollout.StackOutputs() {
				assert.Contains(t, doc.Outputs, name)
			}
		})
	}
}
