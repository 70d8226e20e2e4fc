package rollout_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/infra/rollout"
)

// The controller's state ends with a CI job on a hosted runner, and a
// job can be killed at any point. These are the restarts: the state kept,
// lost, partial or corrupt, or left by an older release; the stack (its
// outputs and the controller's marks in its update history) is the truth
// they are reconciled with.

// restart puts the setter back (no more faults) and returns the calls
// made so far, so that a test can look at the calls of the restart only.
func (s *sim) restart() int {
	s.ctrl.Setter = s.setter
	s.setter.FailAt, s.setter.DieAfter = -1, -1
	s.ctrl.Config.RunID = ""
	return len(s.setter.Calls())
}

func (s *sim) callsSince(n int) []string { return s.setter.Calls()[n:] }

func (s *sim) stateFile() string { return rollout.FilesFor(s.cfg.StateDir, s.cfg.Stack).State }

// damage does to the state file what a job can leave behind.
func damage(t *testing.T, path, how string) {
	t.Helper()
	switch how {
	case "kept":
	case "lost":
		require.NoError(t, os.Remove(path))
	case "partial":
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(path, data[:len(data)/2], 0o644))
	case "corrupt":
		require.NoError(t, os.WriteFile(path, []byte("\x00\x17 not json"), 0o644))
	case "foreign":
		// Valid JSON without a rollout in it (a restored cache of something else).
		require.NoError(t, os.WriteFile(path, []byte(`{"stack":"prod","steps":[]}`), 0o644))
	default:
		t.Fatalf("unknown damage %q", how)
	}
}

// A job killed between steps (after the update to 25%): the next run
// resumes at the weight the stack shows, whatever became of the state
// file, never going back to 0 or 10% and never skipping the analysis of
// 25%.
func TestRestartAfterAKillBetweenSteps(t *testing.T) {
	for _, how := range []string{"kept", "lost", "partial", "corrupt", "foreign"} {
		t.Run("state "+how, func(t *testing.T) {
			s := newSim(t, 0, 0)
			s.load()
			_, err := s.ctrl.Run(s.cancelAtWeight(25))
			require.ErrorIs(t, err, context.Canceled)
			damage(t, s.stateFile(), how)

			n := s.restart()
			st, err := s.ctrl.Run(context.Background())
			require.NoError(t, err, "decisions %v", actions(st))
			assert.Equal(t, rollout.Promoted, st.Phase)
			assert.Equal(t, []string{"canary r2 50", "canary r2 100", "promote r2"}, s.callsSince(n))
			require.Equal(t, 1, countActions(st, rollout.ActRecover), "decisions %v", actions(st))
			var recovered rollout.Decision
			for _, d := range st.Decisions {
				if d.Action == rollout.ActRecover {
					recovered = d
				}
			}
			assert.Contains(t, recovered.Reason, "r2 at 25%: resuming at step 2/4")
			if how == "partial" || how == "corrupt" || how == "foreign" {
				assert.FileExists(t, s.stateFile()+".unreadable", "the damaged file is kept for the post-mortem")
				assert.Contains(t, recovered.Reason, "unusable")
			}
			if how == "kept" {
				assert.Contains(t, recovered.Reason, "interrupted rollout found", "the history of the rollout goes on")
			}
		})
	}
}

// Killed after the stack took 25% and before the state recorded it: the
// state says 10%, the stack 25%. The stack wins: 25% is analysed, not
// lowered to 10% and not skipped.
func TestRestartAfterAKillBetweenTheStackUpdateAndTheStateWrite(t *testing.T) {
	s := newSim(t, 0, 0)
	s.load()
	s.setter.DieAfter = 2 // "canary r2 25" is applied, then the controller dies
	_, err := s.ctrl.Run(context.Background())
	require.Error(t, err)
	saved, err := rollout.LoadState(s.stateFile())
	require.NoError(t, err)
	require.Equal(t, 10, saved.Weight, "the state did not record the update")
	require.Equal(t, 25, s.router.Weight())

	n := s.restart()
	st, err := s.ctrl.Run(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"canary r2 50", "canary r2 100", "promote r2"}, s.callsSince(n))
	assert.Equal(t, rollout.Promoted, st.Phase)
}

// Killed during a rollback, before or after its stack update, with the
// state kept or lost: the canary never gets more traffic than it had, and
// a withdrawn canary is never exposed again.
func TestRestartDuringARollback(t *testing.T) {
	tests := []struct {
		name      string
		fault     func(s *sim) // the first run's fault
		how       string
		wantCalls []string // the restart's calls
	}{
		// The rollback's update never happened (the stack still shows 10%).
		{"before the update, state kept", func(s *sim) { s.setter.FailAt = 2 }, "kept", []string{"canary r2 0"}},
		// Without the state the rollback's intent is gone (it is in no
		// stack record before the update): the canary is analysed again at
		// the stack's 10%, never more, and rolled back again.
		{"before the update, state lost", func(s *sim) { s.setter.FailAt = 2 }, "lost", []string{"canary r2 0"}},
		// The update happened, its record did not.
		{"after the update, state kept", func(s *sim) { s.setter.DieAfter = 2 }, "kept", nil},
		// The stack's history says "rollback r2": nothing is touched.
		{"after the update, state lost", func(s *sim) { s.setter.DieAfter = 2 }, "lost", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t, 20, 0) // fails one request in 20: every window fails
			s.ctrl.Config.Thresholds.SevereFactor = -1
			s.load()
			tt.fault(s)
			_, err := s.ctrl.Run(context.Background())
			require.Error(t, err)
			require.NotErrorIs(t, err, rollout.ErrRolledBack, "the first run died in the rollback")
			damage(t, s.stateFile(), tt.how)

			n := s.restart()
			st, err := s.ctrl.Run(context.Background())
			require.ErrorIs(t, err, rollout.ErrRolledBack, "decisions %v", actions(st))
			assert.Equal(t, rollout.RolledBack, st.Phase)
			if tt.wantCalls == nil {
				assert.Empty(t, s.callsSince(n), "the stack is not touched")
			} else {
				assert.Equal(t, tt.wantCalls, s.callsSince(n))
			}
			assert.Equal(t, 0, s.router.Weight())
		})
	}
}

// An aborted (or rolled-back) canary is not exposed again by a later run
// of the same release, whether the state survived or only the stack's
// history says so; --retry is the explicit way to try it again.
func TestAWithdrawnCanaryIsNotExposedAgain(t *testing.T) {
	for _, how := range []string{"kept", "lost", "corrupt"} {
		t.Run("state "+how, func(t *testing.T) {
			s := newSim(t, 0, 0)
			s.load()
			s.ctrl.Config.Interval = 5 * interval
			s.sendGates(t, 10, rollout.CmdAbort)
			_, err := s.ctrl.Run(context.Background())
			require.ErrorIs(t, err, rollout.ErrAborted)
			damage(t, s.stateFile(), how)

			n := s.restart()
			st, err := s.ctrl.Run(context.Background())
			require.ErrorIs(t, err, rollout.ErrAborted)
			assert.Empty(t, s.callsSince(n), "the stack is not touched")
			assert.Contains(t, lastDecision(st).Reason, "not exposed again")

			n = s.restart()
			s.ctrl.Config.Retry = true
			st, err = s.ctrl.Run(context.Background())
			require.NoError(t, err)
			assert.Equal(t, rollout.Promoted, st.Phase)
			assert.Equal(t, "canary r2 0", s.callsSince(n)[0])
		})
	}
	t.Run("exposed again by hand", func(t *testing.T) {
		s := newSim(t, 0, 0)
		s.load()
		s.ctrl.Config.Interval = 5 * interval
		s.sendGates(t, 10, rollout.CmdAbort)
		_, err := s.ctrl.Run(context.Background())
		require.ErrorIs(t, err, rollout.ErrAborted)
		s.setter.Expose(canaryR, 25)

		n := s.restart()
		_, err = s.ctrl.Run(context.Background())
		require.ErrorIs(t, err, rollout.ErrAborted)
		assert.Equal(t, []string{"canary r2 0"}, s.callsSince(n), "taken back to 0 at once")
	})
}

// staleState is the state file of an unfinished rollout of r0 at 50%.
func staleState(t *testing.T, s *sim) {
	t.Helper()
	st := rollout.State{Stack: "prod", RunID: "old-run", Release: "r0", Phase: rollout.Running, Steps: rollout.DefaultSteps(), Step: 2, Weight: 50}
	data, err := json.Marshal(st)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(s.cfg.StateDir, 0o755))
	require.NoError(t, os.WriteFile(s.stateFile(), data, 0o644))
}

// A state left by an older release: when the stack no longer exposes that
// release the state is superseded; when it does, the new release is
// refused (two canaries are never mixed).
func TestStaleStateOfAnOlderRelease(t *testing.T) {
	t.Run("superseded", func(t *testing.T) {
		s := newSim(t, 0, 0)
		s.load()
		staleState(t, s)
		s.setter.Expose(canaryR, 0) // the deploy workflow put r2 at 0 in place of r0
		st, err := s.ctrl.Run(context.Background())
		require.NoError(t, err)
		assert.Equal(t, "canary r2 0", s.setter.Calls()[0])
		assert.Contains(t, st.Decisions[0].Reason, "run old-run of r0 stopped unfinished at 50%")
		assert.Contains(t, st.Decisions[0].Reason, "superseded")
	})
	t.Run("the older release still has traffic", func(t *testing.T) {
		s := newSim(t, 0, 0)
		staleState(t, s)
		s.setter.Expose("r0", 50)
		_, err := s.ctrl.Run(context.Background())
		require.ErrorIs(t, err, rollout.ErrOtherRelease)
		assert.Contains(t, err.Error(), "r0 has 50% of the traffic")
		assert.Empty(t, s.setter.Calls())
		assert.Equal(t, 50, s.router.Weight())
	})
}

// Killed after the promotion's stack update, before its record: the next
// run sees the stack serving the release and records the promotion.
func TestRestartAfterTheHiddenPromotion(t *testing.T) {
	s := newSim(t, 0, 0)
	s.load()
	s.setter.DieAfter = 5 // 0, 10, 25, 50, 100, promote
	_, err := s.ctrl.Run(context.Background())
	require.Error(t, err)
	n := s.restart()
	st, err := s.ctrl.Run(context.Background())
	require.NoError(t, err)
	assert.Empty(t, s.callsSince(n))
	assert.Equal(t, rollout.Promoted, st.Phase)
	assert.True(t, strings.Contains(lastDecision(st).Reason, "already serves r2"), lastDecision(st).Reason)
}

// signalSetter receives SIGTERM during the update to weight at: the
// Automation API passes it on to pulumi as an interrupt, and Pulumi either
// finishes the operation in flight (applied) or stops before it.
type signalSetter struct {
	rollout.TrafficSetter
	at      int
	signal  context.CancelFunc
	applied bool
}

func (s signalSetter) SetCanary(ctx context.Context, release string, weight int) error {
	if weight != s.at {
		return s.TrafficSetter.SetCanary(ctx, release, weight)
	}
	s.signal()
	if s.applied {
		if err := s.TrafficSetter.SetCanary(context.WithoutCancel(ctx), release, weight); err != nil {
			return err
		}
	}
	return errors.New("pulumi up: update canceled")
}

// SIGTERM during a stack update: the controller stops with its lock
// released and an interrupt decision; whether or not Pulumi applied the
// update, the next run continues from what the stack shows.
func TestSignalDuringAStackUpdate(t *testing.T) {
	for _, applied := range []bool{true, false} {
		t.Run(fmt.Sprintf("applied %t", applied), func(t *testing.T) {
			s := newSim(t, 0, 0)
			s.load()
			ctx, signal := context.WithCancel(context.Background())
			s.ctrl.Setter = signalSetter{TrafficSetter: s.setter, at: 25, signal: signal, applied: applied}
			_, err := s.ctrl.Run(ctx)
			require.Error(t, err)
			files := rollout.FilesFor(s.cfg.StateDir, s.cfg.Stack)
			assert.NoFileExists(t, files.Lock)
			saved, lerr := rollout.LoadState(files.State)
			require.NoError(t, lerr)
			assert.Equal(t, rollout.ActInterrupt, lastDecision(saved).Action)

			n := s.restart()
			st, err := s.ctrl.Run(context.Background())
			require.NoError(t, err)
			assert.Equal(t, rollout.Promoted, st.Phase)
			want := []string{"canary r2 50", "canary r2 100", "promote r2"}
			if !applied {
				want = append([]string{"canary r2 25"}, want...)
			}
			assert.Equal(t, want, s.callsSince(n))
		})
	}
}
