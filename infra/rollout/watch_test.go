package rollout_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/infra/rollout"
)

// fixedAnalyzer answers every revision with one measurement, or an error;
// it records the window and whether its context had a deadline.
type fixedAnalyzer struct {
	m           rollout.Measurement
	err         error
	window      rollout.Window
	hadDeadline bool
	calls       int
}

func (a *fixedAnalyzer) Measure(ctx context.Context, w rollout.Window, revisions ...string) (map[string]rollout.Measurement, error) {
	a.calls++
	a.window = w
	_, a.hadDeadline = ctx.Deadline()
	if a.err != nil {
		return nil, a.err
	}
	out := map[string]rollout.Measurement{}
	for _, r := range revisions {
		m := a.m
		m.Revision = r
		out[r] = m
	}
	return out, nil
}

// promoteRecorder records the release promoted and the mark it carried.
type promoteRecorder struct {
	fakeStack
	mark rollout.Mark
}

func (s *promoteRecorder) Promote(ctx context.Context, release string) error {
	s.mark, _ = rollout.MarkFrom(ctx)
	return s.fakeStack.Promote(ctx, release)
}

func TestWatchEnded(t *testing.T) {
	promoted := time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC)
	res, over := rollout.WatchEnded("prod", promoted, promoted.Add(25*time.Hour), 24*time.Hour)
	require.True(t, over)
	assert.Equal(t, rollout.WatchResult{Stack: "prod", Verdict: rollout.WatchOver,
		Reason: "promoted at 2026-11-27T06:00:00Z, more than 24h0m0s ago: the watch is over"}, res)
	assert.False(t, res.Broken())
	_, over = rollout.WatchEnded("prod", promoted, promoted.Add(24*time.Hour), 24*time.Hour)
	assert.False(t, over, "the last instant of the period is still watched")
}

func TestWatch(t *testing.T) {
	promoted := time.Date(2026, 11, 28, 6, 0, 0, 0, time.UTC)
	healthy := rollout.Measurement{Requests: 1000, Errors5xx: 1, P95: 100 * time.Millisecond, P99: 200 * time.Millisecond, LatencyCount: 1000}
	severe := rollout.Measurement{Requests: 1000, Errors5xx: 500, P95: 100 * time.Millisecond, P99: 200 * time.Millisecond, LatencyCount: 1000}
	th := rollout.Thresholds{MinRequests: 50, Max5xxRatio: 0.01, MaxP95: time.Second, MaxP99: 2 * time.Second, SevereFactor: 5}
	check := func(mod func(*rollout.WatchCheck)) rollout.WatchCheck {
		c := rollout.WatchCheck{Stack: "prod", Release: "r2", Revision: "app--r2", Promoted: promoted, Now: promoted.Add(3 * time.Hour),
			Window: time.Hour, Delay: 3 * time.Minute, CallTimeout: time.Minute, Thresholds: th}
		if mod != nil {
			mod(&c)
		}
		return c
	}
	for _, tc := range []struct {
		name       string
		check      rollout.WatchCheck
		m          rollout.Measurement
		promoteErr error
		verdict    string
		severe     bool
		rolledBack string
		promotes   []string
		reason     string
		broken     bool
	}{
		{name: "healthy", check: check(nil), m: healthy, verdict: rollout.WatchHealthy, reason: "requests 1000 ≥ 50"},
		{name: "too little traffic", check: check(nil), m: rollout.Measurement{Requests: 3}, verdict: rollout.WatchInconclusive},
		{name: "breach without a rollback release", check: check(nil), m: severe, verdict: rollout.WatchBreach, severe: true, broken: true},
		{name: "severe breach rolls back", check: check(func(c *rollout.WatchCheck) { c.RollbackTo = "r1" }), m: severe,
			verdict: rollout.WatchRolledBack, severe: true, rolledBack: "r1", promotes: []string{"promote r1"}, broken: true},
		{name: "a breach that is not severe does not roll back", check: check(func(c *rollout.WatchCheck) { c.RollbackTo = "r1"; c.Thresholds.SevereFactor = -1 }), m: severe,
			verdict: rollout.WatchBreach, broken: true},
		{name: "a failed rollback stays a breach", check: check(func(c *rollout.WatchCheck) { c.RollbackTo = "r1" }), m: severe, promoteErr: errors.New("pulumi up: locked"),
			verdict: rollout.WatchBreach, severe: true, promotes: []string{"promote r1"}, reason: "; rolling back to r1 FAILED: pulumi up: locked", broken: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := &fixedAnalyzer{m: tc.m}
			stack := &promoteRecorder{fakeStack: fakeStack{setErr: tc.promoteErr}}
			res, err := rollout.Watch(context.Background(), tc.check, a, stack)
			require.NoError(t, err)
			assert.Equal(t, tc.verdict, res.Verdict)
			assert.Equal(t, tc.severe, res.Severe)
			assert.Equal(t, tc.rolledBack, res.RolledBack)
			assert.Equal(t, tc.promotes, stack.calls)
			assert.Equal(t, tc.broken, res.Broken())
			assert.Contains(t, res.Reason, tc.reason)
			assert.NotEmpty(t, res.Checks)
			assert.Equal(t, "r2", res.Release)
			assert.Equal(t, "app--r2", res.Revision)
			end := tc.check.Now.Add(-3 * time.Minute)
			assert.Equal(t, rollout.Window{Start: end.Add(-time.Hour), End: end}, a.window, "the last hour of ingested data")
			assert.True(t, a.hadDeadline, "the measurement is bounded by CallTimeout")
			if tc.promotes != nil {
				assert.Equal(t, rollout.Mark{Action: rollout.MarkRollback, Release: "r2", RunID: "watch"}, stack.mark,
					"the withdrawn release is marked in the stack's history")
			}
		})
	}
}

func TestWatchWindowStartsAtThePromotion(t *testing.T) {
	promoted := time.Date(2026, 11, 28, 6, 0, 0, 0, time.UTC)
	c := rollout.WatchCheck{Stack: "prod", Revision: "app--r2", Promoted: promoted, Now: promoted.Add(33 * time.Minute), Window: time.Hour, Delay: 3 * time.Minute}
	a := &fixedAnalyzer{m: rollout.Measurement{Requests: 3}}
	res, err := rollout.Watch(context.Background(), c, a, &fakeStack{})
	require.NoError(t, err)
	assert.Equal(t, rollout.Window{Start: promoted, End: promoted.Add(30 * time.Minute)}, a.window)
	assert.Equal(t, res.Window, a.window)
	assert.False(t, a.hadDeadline, "no CallTimeout: no deadline")
}

func TestWatchBeforeAnyIngestedData(t *testing.T) {
	promoted := time.Date(2026, 11, 28, 6, 0, 0, 0, time.UTC)
	c := rollout.WatchCheck{Stack: "prod", Revision: "app--r2", Promoted: promoted, Now: promoted.Add(2 * time.Minute), Window: time.Hour, Delay: 3 * time.Minute}
	a := &fixedAnalyzer{}
	res, err := rollout.Watch(context.Background(), c, a, &fakeStack{})
	require.NoError(t, err)
	assert.Equal(t, rollout.WatchInconclusive, res.Verdict)
	assert.Equal(t, "no ingested data since the promotion yet", res.Reason)
	assert.Zero(t, a.calls, "nothing to measure")
}

func TestWatchMeasureError(t *testing.T) {
	promoted := time.Date(2026, 11, 28, 6, 0, 0, 0, time.UTC)
	c := rollout.WatchCheck{Stack: "prod", Revision: "app--r2", Promoted: promoted, Now: promoted.Add(time.Hour), Window: time.Hour}
	stack := &fakeStack{}
	_, err := rollout.Watch(context.Background(), c, &fixedAnalyzer{err: errors.New("429 throttled")}, stack)
	assert.EqualError(t, err, "measuring app--r2: 429 throttled")
	assert.Empty(t, stack.calls)
}
