package rollout_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/infra/rollout"
	"github.com/misybot/platform/infra/simulation"
)

// Simulation parameters: at 800 req/s a 300ms interval holds about 240
// requests, 24 of them at the first step (10%), enough for one failure of
// a canary failing one request in 20 (5%) to show in every interval.
//
// The simulation runs on simulated time (simulation.Clock): the
// controller's waits move the clock, and the traffic of each span is
// computed for it, so every outcome below is a function of the inputs,
// never of how loaded the machine is.
const (
	loadRate = 800
	interval = 300 * time.Millisecond
	stableR  = "r1"
	canaryR  = "r2"
)

// simStart is where simulated time begins.
var simStart = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)

type sim struct {
	router  *simulation.Router
	monitor *simulation.Monitor
	setter  *simulation.Setter
	clock   *simulation.Clock
	traffic *simulation.Traffic
	cfg     rollout.Config
	ctrl    *rollout.Controller
	stable  *simulation.Backend
	canary  *simulation.Backend
}

func newSim(t *testing.T, failEvery int, latency time.Duration) *sim {
	t.Helper()
	return newSimReleases(t, stableR, canaryR, failEvery, latency)
}

// revisionName is the name the app hosting component gives the revision
// of a release of the app "misybot" today (<app>--<release suffix>); the
// controller gets the names from the stack outputs and never derives them.
func revisionName(release string) string {
	return "misybot--" + strings.NewReplacer(".", "-").Replace(release)
}

// newSimReleases is a simulation of two releases of the app "misybot".
func newSimReleases(t *testing.T, stableRelease, canaryRelease string, failEvery int, latency time.Duration) *sim {
	t.Helper()
	stableRev, canaryRev := revisionName(stableRelease), revisionName(canaryRelease)
	stable := simulation.NewBackend(stableRev, 0, 0)
	canary := simulation.NewBackend(canaryRev, failEvery, latency)
	router := simulation.NewRouter(stable, canary)
	monitor := simulation.NewMonitor(router)
	clock := simulation.NewClock(simStart)
	monitor.SetClock(clock.Now)
	t.Cleanup(func() { monitor.Close(); router.Close(); stable.Close(); canary.Close() })
	client, err := monitor.Client()
	require.NoError(t, err)
	setter := simulation.NewSetter(router, stableRelease)
	cfg := rollout.Config{
		Stack: "prod", Release: canaryRelease, StableRelease: stableRelease,
		CanaryRevision: canary.Revision, StableRevision: stable.Revision,
		Interval: interval, FailureThreshold: 2, StateDir: t.TempDir(),
		Thresholds: rollout.Thresholds{MinRequests: 10, Max5xxRatio: 0.01, Max5xxIncrease: 0.01,
			CheckRestarts: true, MaxRestarts: 0},
	}
	s := &sim{router: router, monitor: monitor, setter: setter, clock: clock, cfg: cfg, stable: stable, canary: canary}
	s.ctrl = &rollout.Controller{Config: cfg, Setter: setter, Analyzer: rollout.MonitorAnalyzer{Client: client}, Stack: setter, Clock: clock}
	return s
}

// load sends constant traffic (loadRate) to the router from now on, on
// simulated time.
func (s *sim) load() { s.traffic = simulation.NewTraffic(s.clock, s.router, loadRate) }

// elapsed is the simulated time since start.
func (s *sim) elapsed(start time.Time) time.Duration { return s.clock.Now().Sub(start) }

// cancelAtWeight returns a context cancelled as soon as the stack update
// to weight w has been applied: a controller stopped (a signal, a
// cancelled job) right after that update, before anything else.
func (s *sim) cancelAtWeight(w int) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	s.ctrl.Setter = hookSetter{TrafficSetter: s.ctrl.Setter, after: func(_ string, weight int) {
		if weight == w {
			cancel()
		}
	}}
	return ctx
}

// hookSetter calls after once each SetCanary has been applied.
type hookSetter struct {
	rollout.TrafficSetter
	after func(release string, weight int)
}

func (h hookSetter) SetCanary(ctx context.Context, release string, weight int) error {
	if err := h.TrafficSetter.SetCanary(ctx, release, weight); err != nil {
		return err
	}
	h.after(release, weight)
	return nil
}

func actions(st *rollout.State) []rollout.Action {
	var out []rollout.Action
	for _, d := range st.Decisions {
		out = append(out, d.Action)
	}
	return out
}

// TestFailingCanaryIsRolledBack is measurement (a): a canary failing 10% of
// its requests is rolled back after FailureThreshold intervals, never
// having had more than 10% of the traffic.
func TestFailingCanaryIsRolledBack(t *testing.T) {
	s := newSim(t, 10, 0) // any window of 10 or more requests holds a failure
	s.load()

	start := s.clock.Now()
	st, err := s.ctrl.Run(context.Background())
	elapsed := s.elapsed(start)
	require.ErrorIs(t, err, rollout.ErrRolledBack)
	require.NotNil(t, st)

	share := s.router.Share(start, start.Add(elapsed))
	total := share[s.cfg.StableRevision] + share[s.cfg.CanaryRevision]
	exposed := float64(share[s.cfg.CanaryRevision]) / float64(total)
	t.Logf("rolled back after %d intervals (threshold %d) in %s; canary served %d of %d requests (%.1f%%); decisions %v",
		st.Intervals, s.cfg.FailureThreshold, elapsed.Round(time.Millisecond), share[s.cfg.CanaryRevision], total, 100*exposed, actions(st))

	assert.Equal(t, rollout.RolledBack, st.Phase)
	assert.Equal(t, s.cfg.FailureThreshold, st.Intervals, "rolled back within the threshold's number of intervals")
	assert.Equal(t, 0, s.router.Weight())
	assert.LessOrEqual(t, exposed, 0.10+0.005, "at most 10% of the traffic exposed")
	assert.Equal(t, []string{"canary r2 0", "canary r2 10", "canary r2 0"}, s.setter.Calls())
	assert.Equal(t, []rollout.Action{rollout.ActDeploy, rollout.ActStep, rollout.ActHold, rollout.ActRollback}, actions(st))
	last := st.Decisions[len(st.Decisions)-1]
	assert.Contains(t, last.Reason, "5xx ratio")
	assert.Greater(t, last.Canary.Errors5xx, 0.0)
}

// TestHealthyCanaryIsPromoted is measurement (b): a healthy canary reaches
// 100% and is promoted after steps × interval.
func TestHealthyCanaryIsPromoted(t *testing.T) {
	s := newSim(t, 0, 0)
	s.load()

	start := s.clock.Now()
	st, err := s.ctrl.Run(context.Background())
	elapsed := s.elapsed(start)
	require.NoError(t, err)
	steps := len(rollout.DefaultSteps())
	t.Logf("promoted after %d intervals in %s (steps × interval = %s); decisions %v",
		st.Intervals, elapsed.Round(time.Millisecond), time.Duration(steps)*interval, actions(st))

	assert.Equal(t, rollout.Promoted, st.Phase)
	assert.Equal(t, steps, st.Intervals)
	assert.GreaterOrEqual(t, elapsed, time.Duration(steps)*interval)
	assert.Less(t, elapsed, time.Duration(steps)*interval+interval, "no more than one interval of overhead")
	assert.Equal(t, []string{"canary r2 0", "canary r2 10", "canary r2 25", "canary r2 50", "canary r2 100", "promote r2"}, s.setter.Calls())

	// The decision log exists in both forms and carries the numbers.
	files := rollout.FilesFor(s.cfg.StateDir, "prod")
	saved, err := rollout.LoadState(files.State)
	require.NoError(t, err)
	assert.Equal(t, st.Decisions[len(st.Decisions)-1].Reason, saved.Decisions[len(saved.Decisions)-1].Reason)
	md, err := os.ReadFile(files.Log)
	require.NoError(t, err)
	assert.Contains(t, string(md), "# Rollout of r2 on stack prod: promoted")
	assert.Contains(t, string(md), "5xx ratio 0.00 ≤ 1.00 %: ok")
	assert.NoFileExists(t, files.Lock)
}

// TestInconclusiveHolds is measurement (c): without traffic the controller
// holds at the first step and never raises the weight.
func TestInconclusiveHolds(t *testing.T) {
	s := newSim(t, 0, 0)
	s.ctrl.Config.MaxInconclusive = 3
	st, err := s.ctrl.Run(context.Background())
	require.ErrorIs(t, err, rollout.ErrRolledBack)
	t.Logf("decisions %v", actions(st))
	assert.Equal(t, []rollout.Action{rollout.ActDeploy, rollout.ActStep, rollout.ActHold, rollout.ActHold, rollout.ActRollback}, actions(st))
	for _, d := range st.Decisions[2:] {
		assert.Equal(t, rollout.Inconclusive, d.Outcome)
		assert.LessOrEqual(t, d.Weight, 10)
		assert.Contains(t, d.Reason, "too few canary requests")
	}
	assert.Equal(t, 0, st.Failures, "inconclusive is not a failure")
}

// TestSyntheticTrafficResolvesInconclusive sends load to the canary label
// after an inconclusive interval.
func TestSyntheticTrafficResolvesInconclusive(t *testing.T) {
	s := newSim(t, 0, 0)
	s.ctrl.Config.LabelURL = s.router.LabelURL()
	s.traffic = simulation.NewTraffic(s.clock, s.router, 0) // no traffic but the synthetic one
	s.ctrl.Synthetic = simulation.Label{Traffic: s.traffic, Clock: s.clock, Rate: 200}
	s.ctrl.Config.Steps = []int{50, 100}
	st, err := s.ctrl.Run(context.Background())
	require.NoError(t, err)
	t.Logf("decisions %v", actions(st))
	assert.Equal(t, rollout.Promoted, st.Phase)
	assert.Equal(t, []rollout.Action{rollout.ActDeploy, rollout.ActSmoke, rollout.ActStep, rollout.ActHold, rollout.ActAdvance,
		rollout.ActStep, rollout.ActHold, rollout.ActAdvance, rollout.ActPromote}, actions(st))
}

func TestSlowCanaryAndRestartsFail(t *testing.T) {
	tests := []struct {
		name     string
		latency  time.Duration
		restarts float64
		check    string
	}{
		{"latency", 40 * time.Millisecond, 0, "p95"},
		{"restarts", 0, 2, "restarts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t, 0, tt.latency)
			s.router.SetRestarts(s.cfg.CanaryRevision, tt.restarts)
			if tt.latency > 0 {
				s.ctrl.Config.Thresholds.MaxP95 = tt.latency / 2
			}
			s.ctrl.Config.FailureThreshold = 1
			s.ctrl.Config.Steps = []int{50, 100}
			s.load()
			st, err := s.ctrl.Run(context.Background())
			require.ErrorIs(t, err, rollout.ErrRolledBack)
			last := st.Decisions[len(st.Decisions)-1]
			var failed []string
			for _, c := range last.Checks {
				if !c.OK {
					failed = append(failed, c.Name)
				}
			}
			assert.Equal(t, []string{tt.check}, failed)
		})
	}
}

func TestManualGates(t *testing.T) {
	tests := []struct {
		name      string
		commands  []rollout.Command
		wantPhase rollout.Phase
		wantErr   error
		wantLast  []string
	}{
		{"abort", []rollout.Command{rollout.CmdAbort}, rollout.Aborted, rollout.ErrAborted, []string{"canary r2 0"}},
		{"promote", []rollout.Command{rollout.CmdPromote}, rollout.Promoted, nil, []string{"promote r2"}},
		{"pause then abort", []rollout.Command{rollout.CmdPause, rollout.CmdAbort}, rollout.Aborted, rollout.ErrAborted, []string{"canary r2 0"}},
		{"pause, resume, abort", []rollout.Command{rollout.CmdPause, rollout.CmdResume, rollout.CmdAbort}, rollout.Aborted, rollout.ErrAborted, []string{"canary r2 0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t, 0, 0)
			s.ctrl.Config.Interval = time.Second // long enough that no analysis happens first
			s.sendGates(t, 10, tt.commands...)
			st, err := s.ctrl.Run(context.Background())
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tt.wantPhase, st.Phase)
			assert.Equal(t, 0, st.Intervals, "a manual gate ends the rollout without analysis")
			calls := s.setter.Calls()
			assert.Equal(t, tt.wantLast, calls[len(calls)-1:])
			for i, c := range tt.commands {
				assert.Equal(t, rollout.Action(c), st.Decisions[2+i].Action)
			}
		})
	}
}

func TestSendCommandWithoutRollout(t *testing.T) {
	err := rollout.SendCommand(t.TempDir(), "prod", rollout.Gate{Command: rollout.CmdPause, Release: canaryR})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no rollout of stack prod in progress")
}

func TestInterruptedRollout(t *testing.T) {
	tests := []struct {
		name      string
		recovery  rollout.Recovery
		wantPhase rollout.Phase
		wantErr   error
	}{
		{"resumes", rollout.Resume, rollout.Promoted, nil},
		{"rolls back", rollout.RollBack, rollout.RolledBack, rollout.ErrRolledBack},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t, 0, 0)
			s.load()
			st, err := s.ctrl.Run(s.cancelAtWeight(25))
			require.ErrorIs(t, err, context.Canceled)
			require.Equal(t, rollout.Running, st.Phase)
			require.Equal(t, 25, st.Weight)

			// A crash leaves the lock of a process that is gone.
			files := rollout.FilesFor(s.cfg.StateDir, "prod")
			require.NoError(t, os.WriteFile(files.Lock, deadLock(t), 0o644))

			s.ctrl.Config.OnInterrupted = tt.recovery
			s.ctrl.Setter = s.setter
			st, err = s.ctrl.Run(context.Background())
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tt.wantPhase, st.Phase)
			assert.Contains(t, actions(st), rollout.ActRecover)
			t.Logf("decisions %v; calls %v", actions(st), s.setter.Calls())
		})
	}
}

// sendGates sends the gates one after the other once the canary has the
// weight: each one at a wait of the controller after the previous one was
// taken, as an operator would.
func (s *sim) sendGates(t *testing.T, weight int, gates ...rollout.Command) {
	t.Helper()
	control := rollout.FilesFor(s.cfg.StateDir, s.cfg.Stack).Control
	s.clock.OnAdvance(func(time.Time, time.Time) {
		if len(gates) == 0 || s.router.Weight() != weight {
			return
		}
		if _, err := os.Stat(control); err == nil {
			return // the previous gate is not taken yet
		}
		assert.NoError(t, rollout.SendCommand(s.cfg.StateDir, s.cfg.Stack, rollout.Gate{Command: gates[0], Release: s.cfg.Release}))
		gates = gates[1:]
	})
}

// deadLock is a lock file naming a process that has exited.
func deadLock(t *testing.T) []byte {
	t.Helper()
	cmd := exec.Command("true")
	require.NoError(t, cmd.Run())
	host, _ := os.Hostname()
	return []byte(`{"pid":` + strconv.Itoa(cmd.Process.Pid) + `,"host":"` + host + `","started":"2026-01-01T00:00:00Z"}`)
}

func TestLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "prod.rollout.lock")
	l, err := rollout.AcquireLock(path, rollout.LockInfo{})
	require.NoError(t, err)
	_, err = rollout.AcquireLock(path, rollout.LockInfo{})
	var locked *rollout.LockedError
	require.True(t, errors.As(err, &locked), "second lock: %v", err)
	assert.Equal(t, os.Getpid(), locked.Info.PID)
	require.NoError(t, l.Release())

	require.NoError(t, os.WriteFile(path, deadLock(t), 0o644))
	l, err = rollout.AcquireLock(path, rollout.LockInfo{})
	require.NoError(t, err, "a stale lock is taken over")
	require.NoError(t, l.Release())
}

func TestConcurrentRolloutRefused(t *testing.T) {
	s := newSim(t, 0, 0)
	l, err := rollout.AcquireLock(rollout.FilesFor(s.cfg.StateDir, "prod").Lock, rollout.LockInfo{})
	require.NoError(t, err)
	defer l.Release()
	_, err = s.ctrl.Run(context.Background())
	var locked *rollout.LockedError
	require.ErrorAs(t, err, &locked)
	assert.Empty(t, s.setter.Calls(), "the stack is not touched")
}
