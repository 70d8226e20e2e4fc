package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/infra/azmon"
	"github.com/misybot/platform/infra/loadtest"
	"github.com/misybot/platform/infra/rollout"
	"github.com/misybot/platform/infra/simulation"
	"github.com/misybot/platform/stacks"
)

// simSetter is the simulation's setter with the stable release the stack
// would report.
type simSetter struct {
	*simulation.Setter
}

func (simSetter) StableRelease(context.Context) (string, error) { return "r1", nil }

// simEnv runs the rollout command against a simulation with load.
func simEnv(t *testing.T, failEvery int) (rolloutEnv, *simulation.Router) {
	t.Helper()
	stable := simulation.NewBackend("misybot--r1", 0, 0)
	canary := simulation.NewBackend("misybot--r2", failEvery, 0)
	router := simulation.NewRouter(stable, canary)
	monitor := simulation.NewMonitor(router)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = loadtest.Run(ctx, loadtest.Plan{Mode: loadtest.Constant, URL: router.URL(), Rate: 800, Duration: time.Minute})
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		monitor.Close()
		router.Close()
		stable.Close()
		canary.Close()
	})
	return rolloutEnv{
		setter: func(context.Context, string, string, io.Writer) (stackSetter, error) {
			return simSetter{simulation.NewSetter(router)}, nil
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
	}, router
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
		{"healthy canary is promoted", 0, nil, "rollout of r2 on prod: promoted at weight 100% after 4 intervals"},
		{"failing canary is rolled back", 20, rollout.ErrRolledBack, "rollout of r2 on prod: rolled-back at weight 0% after 2 intervals"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, router := simEnv(t, tt.failEvery)
			out, err := runRollout(env, "start", "--stack", "prod", "--app", "misybot", "--release", "r2", "--interval", "300ms",
				"--min-requests", "10", "--failure-threshold", "2", "--max-latency-increase", "0", "--max-p95", "50ms",
				"--resource-id", simulation.ResourceID, "--workspace-id", simulation.WorkspaceID,
				"--state-dir", t.TempDir(), "--progress", "never")
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.Equal(t, 0, router.Weight())
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
			"missing --resource-id or --workspace-id: the analysis needs the container app and its workspace",
		}},
		{"bad steps", []string{"rollout", "start", "--stack", "prod", "--release", "r2", "--resource-id", "x", "--workspace-id", "y", "--steps", "10,x"},
			[]string{`--steps: "x" is not a weight`}},
		{"pause without a rollout", []string{"rollout", "pause", "--stack", "prod", "--state-dir", dir},
			[]string{"no rollout of stack prod in progress in " + dir}},
		{"abort without stack", []string{"rollout", "abort"}, []string{"missing --stack: name the stack whose rollout to abort"}},
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

func TestRolloutGateAndStatus(t *testing.T) {
	env, _ := simEnv(t, 0)
	dir := t.TempDir()
	done := make(chan error, 1)
	go func() {
		_, err := runRollout(env, "start", "--stack", "staging", "--app", "misybot", "--release", "r2", "--interval", "2s",
			"--resource-id", simulation.ResourceID, "--workspace-id", simulation.WorkspaceID, "--state-dir", dir, "--progress", "never")
		done <- err
	}()
	require.Eventually(t, func() bool {
		return runMain("rollout", "status", "--stack", "staging", "--state-dir", dir).code == 0
	}, 3*time.Second, 20*time.Millisecond)
	r := runMain("rollout", "abort", "--stack", "staging", "--state-dir", dir)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "abort sent to the rollout of staging\n", r.stdout)
	require.ErrorIs(t, <-done, rollout.ErrAborted)
	r = runMain("rollout", "status", "--stack", "staging", "--state-dir", dir)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "# Rollout of r2 on stack staging: aborted")
	assert.Contains(t, r.stdout, "aborted by the operator; canary weight 10% → 0%")
}

func TestRolloutNamesTheStacksRevisions(t *testing.T) {
	cfg, err := stackConfig(".", "prod")
	require.NoError(t, err)
	app := cfg.AppName()
	assert.Equal(t, "ca-misybot-prod-weu", app)
	rev, err := revisionOf("", app, "1.5.0", cfg, nil)
	require.NoError(t, err)
	want, err := cfg.RevisionName("1.5.0")
	require.NoError(t, err)
	assert.Equal(t, want, rev, "the revision the prod stack announces for its canary")
	assert.Regexp(t, `^ca-misybot-prod-weu--v1-5-0-[0-9a-f]{6}$`, rev)
	_, err = stackConfig(".", "qa")
	assert.Error(t, err)
	_, err = revisionOf("", app, "1.5.0", stacks.Config{}, errors.New("no stack file"))
	assert.ErrorContains(t, err, "no stack file")
	given, err := revisionOf("ca-misybot-prod-weu--custom", app, "1.5.0", stacks.Config{}, errors.New("no stack file"))
	require.NoError(t, err)
	assert.Equal(t, "ca-misybot-prod-weu--custom", given)
}
