package rollout_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/infra/rollout"
)

// The fault-injection cases of the controller: each one failed on the
// controller before this file existed (see the decision in each test).

func lastDecision(st *rollout.State) rollout.Decision { return st.Decisions[len(st.Decisions)-1] }

func countActions(st *rollout.State, a rollout.Action) int {
	n := 0
	for _, d := range st.Decisions {
		if d.Action == a {
			n++
		}
	}
	return n
}

// Our releases are dotted versions: their revision suffixes contain "-"
// (misybot--v1-5-0). A 150 ms canary against a 100 ms limit was promoted
// because its latency was attributed to no revision and read as 0.
func TestSlowCanaryWithDashedRevisionNamesRollsBack(t *testing.T) {
	s := newSimReleases(t, "v1.4.2", "v1.5.0", 0, 150*time.Millisecond)
	require.Equal(t, "misybot--v1-5-0", s.cfg.CanaryRevision)
	s.ctrl.Config.Thresholds.MaxP95 = 100 * time.Millisecond
	s.ctrl.Config.FailureThreshold = 1
	s.ctrl.Config.Steps = []int{50, 100}
	s.load()
	st, err := s.ctrl.Run(context.Background())
	require.ErrorIs(t, err, rollout.ErrRolledBack)
	last := lastDecision(st)
	require.NotNil(t, last.Canary)
	assert.Greater(t, last.Canary.P95, 100*time.Millisecond, "the canary's own latency was measured")
	assert.Contains(t, last.Reason, "p95")
}

// No latency rows for the canary is not a fast canary.
func TestMissingLatencyIsInconclusive(t *testing.T) {
	th := rollout.Thresholds{MinRequests: 50, Max5xxRatio: 0.01, MaxP95: 100 * time.Millisecond}
	stable := rollout.Measurement{Requests: 900, LatencyCount: 900, P95: 50 * time.Millisecond, P99: 80 * time.Millisecond}
	tests := []struct {
		name   string
		canary rollout.Measurement
		want   rollout.Outcome
	}{
		{"no latency rows", rollout.Measurement{Requests: 100}, rollout.Inconclusive},
		{"too few latency rows", rollout.Measurement{Requests: 100, LatencyCount: 10, P95: time.Millisecond}, rollout.Inconclusive},
		{"errors still fail without latency", rollout.Measurement{Requests: 100, Errors5xx: 50}, rollout.Fail},
		{"enough rows", rollout.Measurement{Requests: 100, LatencyCount: 100, P95: 60 * time.Millisecond, P99: 90 * time.Millisecond}, rollout.Pass},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, rollout.Evaluate(stable, tt.canary, th).Outcome)
		})
	}
}

// With Azure Monitor's ingestion delay at 40% of the interval, a canary
// that fails every request late in the last step was promoted: each window
// was analysed before its tail was ingested.
func TestIngestionDelayLateFailureRollsBack(t *testing.T) {
	s := newSim(t, 0, 0)
	delay := interval * 4 / 10
	s.monitor.SetDelay(delay)
	s.ctrl.Config.Delay = delay
	s.ctrl.Config.Thresholds.SevereFactor = -1 // judged by the windows alone
	s.ctrl.Config.FailureThreshold = 1
	s.ctrl.Config.Steps = []int{50, 100}
	s.load()
	var full time.Time // when the canary got all the traffic
	s.traffic.OnRequest(func(at time.Time) {
		if full.IsZero() && s.router.Weight() == 100 {
			full = at
		}
		if !full.IsZero() && at.Sub(full) >= interval*7/10 {
			s.canary.SetBehaviour(1, 0) // every request fails from here on
		}
	})
	st, err := s.ctrl.Run(context.Background())
	require.ErrorIs(t, err, rollout.ErrRolledBack, "decisions %v", actions(st))
	assert.NotContains(t, s.setter.Calls(), "promote r2")
	assert.Equal(t, 0, s.router.Weight())
}

// A healthy canary is still promoted with a delay, and no window is
// analysed before it is complete: windows are contiguous and end at least
// the delay before the analysis. A delay longer than the interval used to
// roll a healthy canary back as inconclusive (every window read before
// any of its data arrived).
func TestIngestionDelayHealthyCanaryPromoted(t *testing.T) {
	for _, delay := range []time.Duration{interval / 2, interval * 3 / 2} {
		t.Run(delay.String(), func(t *testing.T) {
			s := newSim(t, 0, 0)
			s.monitor.SetDelay(delay)
			s.ctrl.Config.Delay = delay
			s.ctrl.Config.Steps = []int{50, 100}
			s.load()
			st, err := s.ctrl.Run(context.Background())
			require.NoError(t, err, "decisions %v", actions(st))
			assert.Equal(t, rollout.Promoted, st.Phase)
			for _, d := range st.Decisions {
				if d.Action == rollout.ActAdvance {
					assert.GreaterOrEqual(t, d.Canary.Requests, float64(interval.Seconds()*loadRate*0.5*0.8), "a whole interval of canary requests: %s", d.Reason)
				}
			}
			assert.Equal(t, 2, countActions(st, rollout.ActAdvance))
			assert.Zero(t, countActions(st, rollout.ActHold), "no window is inconclusive")
		})
	}
}

// Throttling or 5xx of the metrics API after the SDK's retries used to end
// the run with the canary left at its weight and nothing logged.
func TestProviderErrors(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		n       int
		wantErr error
		phase   rollout.Phase
	}{
		{"throttled on every call rolls back", http.StatusTooManyRequests, -1, rollout.ErrRolledBack, rollout.RolledBack},
		{"server errors on every call roll back", http.StatusServiceUnavailable, -1, rollout.ErrRolledBack, rollout.RolledBack},
		{"two transient errors are absorbed", http.StatusTooManyRequests, 2, nil, rollout.Promoted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t, 0, 0)
			s.ctrl.Config.ErrorLimit = 3
			s.ctrl.Config.Thresholds.SevereFactor = -1 // no reads within the window: every fault hits an analysis
			s.ctrl.Config.Steps = []int{50, 100}
			s.monitor.SetFault(tt.status, tt.n)
			s.load()
			st, err := s.ctrl.Run(context.Background())
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.Equal(t, 0, s.router.Weight())
				assert.Equal(t, 2, countActions(st, rollout.ActError), "errors before the limit are in the decision log")
				assert.Contains(t, lastDecision(st).Reason, "consecutive metric reads failed")
			} else {
				require.NoError(t, err)
				assert.GreaterOrEqual(t, countActions(st, rollout.ActError), 1)
			}
			assert.Equal(t, tt.phase, st.Phase)
			for _, d := range st.Decisions {
				if d.Action == rollout.ActError {
					assert.Contains(t, d.Reason, "metrics could not be read")
				}
			}
		})
	}
}

// lognormal samples with median m and shape sigma.
func lognormal(rng *rand.Rand, n int, median, sigma float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = median * math.Exp(sigma*rng.NormFloat64())
	}
	return out
}

// measurementOf computes what the latency query returns: nearest-rank
// p95 and p99 and the count.
func measurementOf(ms []float64) rollout.Measurement {
	s := append([]float64(nil), ms...)
	sort.Float64s(s)
	rank := func(p float64) time.Duration {
		i := int(math.Ceil(p/100*float64(len(s)))) - 1
		return time.Duration(s[max(0, i)] * float64(time.Millisecond))
	}
	return rollout.Measurement{Requests: float64(len(s)), LatencyCount: int64(len(s)), P95: rank(95), P99: rank(99)}
}

// failRate is the share of intervals the latency check fails for a canary
// whose median is ratio times the stable's, over 2,000 seeded intervals;
// bare is the share the old bare "+20% p95" rule failed.
func failRate(nStable, nCanary int, sigma, ratio float64) (rate, bare float64) {
	th := rollout.Thresholds{MinRequests: 50, MaxLatencyIncrease: 0.2, LatencyFloor: 5 * time.Millisecond}
	const trials = 2000
	fails, bareFails := 0, 0
	for seed := uint64(0); seed < trials; seed++ {
		rng := rand.New(rand.NewPCG(seed, 42))
		stable := measurementOf(lognormal(rng, nStable, 100, sigma))
		canary := measurementOf(lognormal(rng, nCanary, 100*ratio, sigma))
		if rollout.Evaluate(stable, canary, th).Outcome == rollout.Fail {
			fails++
		}
		if float64(canary.P95) > 1.2*float64(stable.P95) {
			bareFails++
		}
	}
	return float64(fails) / trials, float64(bareFails) / trials
}

// Identical revisions failed 11-22% of intervals under the bare +20% p95
// rule; with the floor and the significance test they fail below 2%,
// while a clearly slower canary is still caught (with n = 50, a p95 rests
// on two or three samples: only large regressions are visible).
func TestLatencyNoise(t *testing.T) {
	for _, tt := range []struct {
		nStable, nCanary int
		sigma            float64
	}{{450, 50, 0.8}, {50, 50, 0.8}, {450, 50, 0.5}, {2000, 200, 0.8}} {
		rate, bare := failRate(tt.nStable, tt.nCanary, tt.sigma, 1)
		t.Logf("identical revisions, stable n=%d canary n=%d sigma %.1f: %.2f%% of intervals fail (bare +20%% rule: %.1f%%)",
			tt.nStable, tt.nCanary, tt.sigma, 100*rate, 100*bare)
		assert.Less(t, rate, 0.02)
	}
	for _, tt := range []struct {
		nStable, nCanary int
		ratio, want      float64
	}{{450, 50, 3, 0.4}, {2000, 200, 2, 0.75}, {2000, 500, 1.5, 0.4}} {
		rate, _ := failRate(tt.nStable, tt.nCanary, 0.8, tt.ratio)
		t.Logf("canary %.1fx slower, stable n=%d canary n=%d: caught in %.1f%% of intervals", tt.ratio, tt.nStable, tt.nCanary, 100*rate)
		assert.Greater(t, rate, tt.want)
	}
}

// A canary failing every request was rolled back only after
// FailureThreshold full intervals; now at the first severe evidence.
func TestSevereFailureRollsBackAtOnce(t *testing.T) {
	s := newSim(t, 1, 0)
	s.ctrl.Config.FailureThreshold = 3
	s.ctrl.Config.Interval = 2 * time.Second
	s.load()
	start := s.clock.Now()
	st, err := s.ctrl.Run(context.Background())
	elapsed := s.elapsed(start)
	require.ErrorIs(t, err, rollout.ErrRolledBack)
	t.Logf("rolled back in %s (interval %s); %s", elapsed, s.ctrl.Config.Interval, lastDecision(st).Reason)
	assert.Equal(t, 1, st.Intervals)
	assert.Less(t, elapsed, s.ctrl.Config.Interval, "within the first interval")
	assert.Contains(t, lastDecision(st).Reason, "severe")
}

// waitUntil polls cond until it holds. It has no deadline of its own: a
// condition that never holds is a defect that the test binary's timeout
// reports, and how long the machine takes never decides an outcome.
func waitUntil(cond func() bool) {
	for !cond() {
		time.Sleep(time.Millisecond)
	}
}

// startAsync runs the controller in the background.
func startAsync(s *sim, ctx context.Context) (done chan struct{}, st **rollout.State, err *error) {
	done = make(chan struct{})
	st, err = new(*rollout.State), new(error)
	go func() { defer close(done); *st, *err = s.ctrl.Run(ctx) }()
	return done, st, err
}

// A promote left for a dead run of another release was obeyed by the next
// run; gates sent to a dead controller reported success.
func TestGatesAreBoundToALiveRun(t *testing.T) {
	t.Run("a gate without a live controller is refused", func(t *testing.T) {
		s := newSim(t, 0, 0)
		_, err := s.ctrl.Run(s.cancelAtWeight(10))
		require.ErrorIs(t, err, context.Canceled)
		err = rollout.SendCommand(s.cfg.StateDir, "prod", rollout.Gate{Command: rollout.CmdPromote, Release: canaryR})
		require.ErrorIs(t, err, rollout.ErrNoLiveController)
		assert.NoFileExists(t, rollout.FilesFor(s.cfg.StateDir, "prod").Control)
	})
	t.Run("a stale gate of another run is ignored", func(t *testing.T) {
		s := newSim(t, 0, 0)
		s.ctrl.Config.MaxInconclusive = 2
		files := rollout.FilesFor(s.cfg.StateDir, "prod")
		stale, _ := json.Marshal(map[string]any{"command": "promote", "runId": "dead-run", "release": "r1", "time": time.Now()})
		require.NoError(t, os.MkdirAll(s.cfg.StateDir, 0o755))
		require.NoError(t, os.WriteFile(files.Control, stale, 0o644))
		st, err := s.ctrl.Run(context.Background())
		require.ErrorIs(t, err, rollout.ErrRolledBack, "no traffic: inconclusive, never promoted")
		assert.NotContains(t, s.setter.Calls(), "promote r2")
		assert.Equal(t, 1, countActions(st, rollout.ActIgnore))
	})
	t.Run("a gate for another release or run is refused", func(t *testing.T) {
		s := newSim(t, 0, 0)
		s.ctrl.Config.Interval = 5 * time.Second
		s.ctrl.Config.RunID = "run-1"
		var wrongRelease, wrongRun, right error
		sent := false
		s.clock.OnAdvance(func(time.Time, time.Time) {
			if sent || s.router.Weight() != 10 {
				return
			}
			sent = true
			wrongRelease = rollout.SendCommand(s.cfg.StateDir, "prod", rollout.Gate{Command: rollout.CmdPromote, Release: "r3"})
			wrongRun = rollout.SendCommand(s.cfg.StateDir, "prod", rollout.Gate{Command: rollout.CmdPromote, Release: canaryR, RunID: "run-0"})
			right = rollout.SendCommand(s.cfg.StateDir, "prod", rollout.Gate{Command: rollout.CmdAbort, Release: canaryR, RunID: "run-1"})
		})
		st, err := s.ctrl.Run(context.Background())
		assert.ErrorContains(t, wrongRelease, "rolls out r2, not r3")
		assert.ErrorContains(t, wrongRun, "not run-0")
		require.NoError(t, right)
		require.ErrorIs(t, err, rollout.ErrAborted)
		assert.Equal(t, rollout.Aborted, st.Phase)
	})
}

// blockingSetter blocks the call with index blockAt until released.
type blockingSetter struct {
	rollout.TrafficSetter
	mu      sync.Mutex
	n       int
	blockAt int
	entered chan struct{}
	release chan struct{}
}

func (b *blockingSetter) SetCanary(ctx context.Context, release string, weight int) error {
	b.mu.Lock()
	i := b.n
	b.n++
	b.mu.Unlock()
	if i == b.blockAt {
		close(b.entered)
		<-b.release
	}
	return b.TrafficSetter.SetCanary(ctx, release, weight)
}

// slowAnalyzer takes until its context ends.
type slowAnalyzer struct{ calls atomic.Int32 }

func (a *slowAnalyzer) Measure(ctx context.Context, _ rollout.Window, _ ...string) (map[string]rollout.Measurement, error) {
	a.calls.Add(1)
	<-ctx.Done()
	return nil, ctx.Err()
}

// Abort was not immediate: during a stack update one more step ran
// (0 → 10 → 25 → 0); during an analysis the analysis finished first.
func TestAbortIsImmediate(t *testing.T) {
	t.Run("during the stack update", func(t *testing.T) {
		s := newSim(t, 0, 0)
		bs := &blockingSetter{TrafficSetter: s.setter, blockAt: 1, entered: make(chan struct{}), release: make(chan struct{})}
		s.ctrl.Setter = bs
		done, st, err := startAsync(s, context.Background())
		<-bs.entered
		require.NoError(t, rollout.SendCommand(s.cfg.StateDir, "prod", rollout.Gate{Command: rollout.CmdAbort, Release: canaryR}))
		// The watcher takes the gate while the stack update blocks.
		waitUntil(func() bool {
			_, e := os.Stat(rollout.FilesFor(s.cfg.StateDir, "prod").Control)
			return os.IsNotExist(e)
		})
		close(bs.release)
		<-done
		require.ErrorIs(t, *err, rollout.ErrAborted)
		assert.Equal(t, []string{"canary r2 0", "canary r2 10", "canary r2 0"}, s.setter.Calls(), "no step after the abort")
		assert.Equal(t, 0, (*st).Intervals)
	})
	t.Run("during an analysis", func(t *testing.T) {
		s := newSim(t, 0, 0)
		a := &slowAnalyzer{}
		s.ctrl.Analyzer = a
		// Only the abort can end the analysis: the call timeout is longer
		// than any test run.
		s.ctrl.Config.CallTimeout = 24 * time.Hour
		done, _, err := startAsync(s, context.Background())
		waitUntil(func() bool { return a.calls.Load() > 0 })
		require.NoError(t, rollout.SendCommand(s.cfg.StateDir, "prod", rollout.Gate{Command: rollout.CmdAbort, Release: canaryR}))
		<-done
		require.ErrorIs(t, *err, rollout.ErrAborted)
		assert.Equal(t, int32(1), a.calls.Load(), "the analysis in flight was interrupted, no other started")
		assert.Equal(t, []string{"canary r2 0", "canary r2 10", "canary r2 0"}, s.setter.Calls())
	})
}

// A controller killed during the rollback's stack update resumed the
// rollout on restart and put the failing canary back to 10%.
func TestRollbackResumesAsRollbackAfterAKill(t *testing.T) {
	s := newSim(t, 20, 0)
	s.ctrl.Config.Thresholds.SevereFactor = -1
	s.setter.FailAt = 2 // the rollback's update dies: "canary r2 0" after "canary r2 10"
	ctx := context.Background()
	s.load()
	_, err := s.ctrl.Run(ctx)
	require.Error(t, err)
	saved, lerr := rollout.LoadState(rollout.FilesFor(s.cfg.StateDir, "prod").State)
	require.NoError(t, lerr)
	require.Equal(t, rollout.RollingBack, saved.Phase, "the state says rolling-back before the stack is touched")

	s.setter.FailAt = -1
	st, err := s.ctrl.Run(ctx) // default recovery: resume
	require.ErrorIs(t, err, rollout.ErrRolledBack)
	assert.Equal(t, rollout.RolledBack, st.Phase)
	calls := s.setter.Calls()
	assert.Equal(t, []string{"canary r2 0", "canary r2 10", "canary r2 0", "canary r2 0"}, calls, "never back to 10%")
}

// Ctrl-C left the lock and a state that did not say where it stopped.
func TestInterruptLeavesAConsistentState(t *testing.T) {
	s := newSim(t, 0, 0)
	st, err := s.ctrl.Run(s.cancelAtWeight(10))
	require.ErrorIs(t, err, context.Canceled)
	files := rollout.FilesFor(s.cfg.StateDir, "prod")
	assert.NoFileExists(t, files.Lock)
	saved, lerr := rollout.LoadState(files.State)
	require.NoError(t, lerr)
	assert.Equal(t, rollout.Running, saved.Phase)
	assert.Equal(t, rollout.ActInterrupt, lastDecision(saved).Action)
	assert.Contains(t, lastDecision(saved).Reason, "weight 10%")
	assert.Equal(t, st.RunID, saved.RunID)
	owner, oerr := rollout.LockOwner(files.Lock)
	require.NoError(t, oerr)
	assert.Nil(t, owner)
}

// Two racers taking over a stale lock both won in 127 of 300 trials
// (delete-then-create). Here: a stale lock file, eight racers, 300 trials.
func TestLockTakeoverRace(t *testing.T) {
	dir := t.TempDir()
	for trial := 0; trial < 300; trial++ {
		path := filepath.Join(dir, "prod.rollout.lock")
		require.NoError(t, os.WriteFile(path, deadLock(t), 0o644))
		var wg sync.WaitGroup
		var won atomic.Int32
		locks := make(chan *rollout.Lock, 8)
		start := make(chan struct{})
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				l, err := rollout.AcquireLock(path, rollout.LockInfo{})
				if err == nil {
					won.Add(1)
					locks <- l
					return
				}
				var locked *rollout.LockedError
				assert.True(t, errors.As(err, &locked), "trial %d: %v", trial, err)
			}()
		}
		close(start)
		wg.Wait()
		close(locks)
		require.Equal(t, int32(1), won.Load(), "trial %d: exactly one racer holds the lock", trial)
		for l := range locks {
			require.NoError(t, l.Release())
		}
	}
}

func TestUnlock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "prod.rollout.lock")
	l, err := rollout.AcquireLock(path, rollout.LockInfo{RunID: "run-7", Release: "r2"})
	require.NoError(t, err)
	owner, err := rollout.Unlock(path, false)
	var locked *rollout.LockedError
	require.ErrorAs(t, err, &locked, "a live owner is not unlocked")
	assert.Contains(t, err.Error(), "run run-7 of release r2")
	assert.True(t, owner.Alive)
	assert.FileExists(t, path)
	_, err = rollout.Unlock(path, true)
	require.NoError(t, err, "--force")
	assert.NoFileExists(t, path)
	require.NoError(t, l.Release())

	require.NoError(t, os.WriteFile(path, deadLock(t), 0o644))
	owner, err = rollout.Unlock(path, false)
	require.NoError(t, err, "a dead owner's lock is removed")
	assert.False(t, owner.Alive)
	assert.NoFileExists(t, path)
}

// The smoke test's HTTP client had no timeout: a label URL that never
// answers hung the rollout forever.
func TestSmokeTestTimesOut(t *testing.T) {
	hang := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(hang)
	s := newSim(t, 0, 0)
	s.ctrl.Config.LabelURL = srv.URL
	// The server never answers: only the timeout ends the smoke test (a
	// test that hangs here is the defect).
	s.ctrl.Config.SmokeTimeout = 200 * time.Millisecond
	st, err := s.ctrl.Run(context.Background())
	require.ErrorIs(t, err, rollout.ErrRolledBack)
	assert.Equal(t, rollout.ActSmoke, lastDecision(st).Action)
	assert.Contains(t, lastDecision(st).Reason, "Timeout")
}

// With --max-inconclusive 0 a rollout without traffic held forever.
func TestProgressDeadline(t *testing.T) {
	s := newSim(t, 0, 0)
	s.ctrl.Config.MaxInconclusive = 0
	s.ctrl.Config.ProgressDeadline = 3 * interval
	start := s.clock.Now()
	st, err := s.ctrl.Run(context.Background())
	require.ErrorIs(t, err, rollout.ErrRolledBack)
	assert.LessOrEqual(t, s.elapsed(start), 3*interval+interval/5, "rolled back at the first look past the deadline")
	assert.Contains(t, lastDecision(st).Reason, "progress deadline")
}

type recordingNotifier struct{ events []rollout.Event }

func (n *recordingNotifier) Notify(_ context.Context, e rollout.Event) error {
	n.events = append(n.events, e)
	return nil
}

// A rollback was announced to no one.
func TestRollbackIsNotified(t *testing.T) {
	s := newSim(t, 0, 0)
	s.ctrl.Config.MaxInconclusive = 1
	n := &recordingNotifier{}
	s.ctrl.Notifier = n
	_, err := s.ctrl.Run(context.Background())
	require.ErrorIs(t, err, rollout.ErrRolledBack)
	require.Len(t, n.events, 1)
	assert.Equal(t, rollout.RolledBack, n.events[0].Phase)
	assert.Equal(t, canaryR, n.events[0].Release)
	data, err := os.ReadFile(rollout.FilesFor(s.cfg.StateDir, "prod").Event)
	require.NoError(t, err)
	var e rollout.Event
	require.NoError(t, json.Unmarshal(data, &e))
	assert.Equal(t, n.events[0].RunID, e.RunID)
}

// Re-probe: the metrics answer for the stable revision but the logs hold
// none of its latency rows (a partial answer, rows of another workspace):
// the relative latency check was silently skipped and a canary 3× slower
// than the stable revision passed. The stable revision served traffic, so
// its latency is missing data: inconclusive.
func TestPartialStableLatencyRowsAreInconclusive(t *testing.T) {
	th := rollout.Thresholds{MinRequests: 50, Max5xxRatio: 0.01, MaxP95: time.Second, MaxLatencyIncrease: 0.2,
		LatencyFloor: 5 * time.Millisecond, LatencyConfidence: 0.995}
	canary := rollout.Measurement{Requests: 100, LatencyCount: 100, P95: 300 * time.Millisecond, P99: 400 * time.Millisecond}
	tests := []struct {
		name   string
		stable rollout.Measurement
		want   rollout.Outcome
	}{
		{"stable served, its latency rows missing", rollout.Measurement{Requests: 900}, rollout.Inconclusive},
		{"stable served, too few latency rows", rollout.Measurement{Requests: 900, LatencyCount: 10, P95: 100 * time.Millisecond}, rollout.Inconclusive},
		{"stable served nothing (canary at 100%)", rollout.Measurement{}, rollout.Pass},
		{"stable rows present", rollout.Measurement{Requests: 900, LatencyCount: 900, P95: 100 * time.Millisecond, P99: 120 * time.Millisecond}, rollout.Fail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := rollout.Evaluate(tt.stable, canary, th)
			assert.Equal(t, tt.want, v.Outcome, "%+v", v.Checks)
		})
	}
}

// Re-probe: Azure Monitor's ingestion runs later than --delay (clock skew
// between the configured delay and the real one: 3× here). The tail read
// before the promotion held no data yet, counted as a pass, and a canary
// failing every request at the end of the last step was promoted. A tail
// with far fewer requests than the last window's rate implies is not
// ingested: the controller reads a longer tail until it is, and fails it.
func TestIngestionLaterThanTheDelayDoesNotPromoteBlind(t *testing.T) {
	s := newSim(t, 0, 0)
	s.monitor.SetDelay(interval * 6 / 10) // the real ingestion delay
	s.ctrl.Config.Delay = interval / 5    // the configured one
	s.ctrl.Config.Thresholds.SevereFactor = -1
	s.ctrl.Config.FailureThreshold = 1
	s.ctrl.Config.Steps = []int{50, 100}
	s.load()
	var full time.Time
	s.traffic.OnRequest(func(at time.Time) {
		if full.IsZero() && s.router.Weight() == 100 {
			full = at
		}
		if !full.IsZero() && at.Sub(full) >= interval*95/100 {
			s.canary.SetBehaviour(1, 0)
		}
	})
	st, err := s.ctrl.Run(context.Background())
	require.ErrorIs(t, err, rollout.ErrRolledBack, "decisions %v", actions(st))
	assert.NotContains(t, s.setter.Calls(), "promote r2")
	assert.Contains(t, lastDecision(st).Reason, "the tail before promotion failed")
}

// The same late ingestion with a healthy canary: the tail is read again
// until it is ingested, then the canary is promoted.
func TestIngestionLaterThanTheDelayStillPromotesAHealthyCanary(t *testing.T) {
	s := newSim(t, 0, 0)
	s.monitor.SetDelay(interval * 6 / 10)
	s.ctrl.Config.Delay = interval / 5
	s.ctrl.Config.Steps = []int{50, 100}
	s.load()
	st, err := s.ctrl.Run(context.Background())
	require.NoError(t, err, "decisions %v", actions(st))
	assert.Equal(t, rollout.Promoted, st.Phase)
}

// Re-probe: a gate written for the right run and release, but for a
// previous process of it (the controller died before taking it, and the
// run was started again with the same --run-id, or its state directory
// was restored from a cache): it was obeyed at once, promoting a canary
// with zero analyses. Gates are for the live process: what is pending
// when a controller starts is ignored and logged.
func TestAGateLeftForAPreviousProcessIsIgnored(t *testing.T) {
	s := newSim(t, 0, 0)
	s.ctrl.Config.RunID = "run-1"
	s.ctrl.Config.MaxInconclusive = 2
	files := rollout.FilesFor(s.cfg.StateDir, "prod")
	left, _ := json.Marshal(map[string]any{"command": "promote", "runId": "run-1", "release": canaryR, "time": simStart})
	require.NoError(t, os.MkdirAll(s.cfg.StateDir, 0o755))
	require.NoError(t, os.WriteFile(files.Control, left, 0o644))
	st, err := s.ctrl.Run(context.Background())
	require.ErrorIs(t, err, rollout.ErrRolledBack, "no traffic: inconclusive, never promoted; decisions %v", actions(st))
	assert.NotContains(t, s.setter.Calls(), "promote r2")
	require.Equal(t, 1, countActions(st, rollout.ActIgnore))
	for _, d := range st.Decisions {
		if d.Action == rollout.ActIgnore {
			assert.Contains(t, d.Reason, "left before this controller started")
		}
	}
}
