package rollout

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
)

// StackView is what the stack itself says about the canary: the truth
// that outlives any controller, state directory or CI job. A controller
// reads it when it starts and reconciles its state file with it
// (docs/progressive-delivery.md, "Where the release and the weights
// live").
type StackView struct {
	// StableRelease and CanaryRelease are the stack outputs stableRelease
	// and canaryRelease ("" without a canary); CanaryWeight its
	// canaryWeight output.
	StableRelease string
	CanaryRelease string
	CanaryWeight  int
	// Last is the most recent controller mark in the stack's update
	// history (the message of a controller's pulumi up), nil when none.
	Last *Mark
}

// StackReader reads a stack's view.
type StackReader interface {
	View(ctx context.Context) (StackView, error)
}

// MarkAction is what a controller's stack update did.
type MarkAction string

// Mark actions.
const (
	MarkCanary   MarkAction = "canary"   // the canary's weight set
	MarkRollback MarkAction = "rollback" // the canary withdrawn after a failed analysis
	MarkAbort    MarkAction = "abort"    // the canary withdrawn by an operator
	MarkPromote  MarkAction = "promote"  // the canary made stable
)

// Mark is a controller's stack update as recorded in the stack's update
// history: its message is Mark.String, parsed back by ParseMark.
type Mark struct {
	Action  MarkAction
	Release string
	Weight  int
	RunID   string
}

// String is the update message of the mark, e.g.
// "rollout: rollback v1.5.0 at 0% (run 123-1)".
func (m Mark) String() string {
	return fmt.Sprintf("rollout: %s %s at %d%% (run %s)", m.Action, m.Release, m.Weight, m.RunID)
}

var markPattern = regexp.MustCompile(`^rollout: (canary|rollback|abort|promote) (\S+) at (\d{1,3})% \(run ([^)\s]*)`)

// ParseMark reads an update message; ok is false for a message that is
// not a controller's mark (a plain deploy, a human's update).
func ParseMark(message string) (m Mark, ok bool) {
	sub := markPattern.FindStringSubmatch(message)
	if sub == nil {
		return Mark{}, false
	}
	w, err := strconv.Atoi(sub[3])
	if err != nil || w > 100 {
		return Mark{}, false
	}
	return Mark{Action: MarkAction(sub[1]), Release: sub[2], Weight: w, RunID: sub[4]}, true
}

type markKey struct{}

// WithMark attaches the mark of a stack update to its context: a
// TrafficSetter that keeps an update history (autostack) records it as
// the update's message.
func WithMark(ctx context.Context, m Mark) context.Context {
	return context.WithValue(ctx, markKey{}, m)
}

// MarkFrom is the mark attached by WithMark.
func MarkFrom(ctx context.Context) (Mark, bool) {
	m, ok := ctx.Value(markKey{}).(Mark)
	return m, ok
}

// ErrOtherRelease says the stack exposes the canary of another release:
// a controller never mixes two releases.
var ErrOtherRelease = fmt.Errorf("the stack serves the canary of another release")

// CheckMix refuses to roll release out while the stack exposes the
// canary of another release to traffic: that rollout must be finished or
// withdrawn first.
func CheckMix(v StackView, release string) error {
	if v.CanaryRelease != "" && v.CanaryRelease != release && v.CanaryWeight > 0 {
		return fmt.Errorf("%w: %s has %d%% of the traffic; finish its rollout (misyinfra rollout start --release %s) or take it to weight 0 before rolling out %s",
			ErrOtherRelease, v.CanaryRelease, v.CanaryWeight, v.CanaryRelease, release)
	}
	return nil
}

// withdrawn tells whether release's last rollout on the stack ended in a
// rollback or an abort, by the state or by the stack's history.
func withdrawn(release string, prev *State, v *StackView) (bool, string) {
	if prev != nil && prev.Release == release && (prev.Phase == RolledBack || prev.Phase == Aborted) {
		return true, fmt.Sprintf("run %s %s it (state file)", prev.RunID, prev.Phase)
	}
	if v != nil && v.Last != nil && v.Last.Release == release && (v.Last.Action == MarkRollback || v.Last.Action == MarkAbort) {
		return true, fmt.Sprintf("run %s recorded %q in the stack's history", v.Last.RunID, v.Last.String())
	}
	return false, ""
}

// validState reports what makes a state file unusable: a partial or
// foreign file is treated as lost, never trusted.
func validState(st *State, stack string) error {
	switch {
	case st.Stack != stack:
		return fmt.Errorf("it is the state of stack %q", st.Stack)
	case st.Release == "" || st.RunID == "":
		return fmt.Errorf("it names no release or run")
	case st.Phase != Running && st.Phase != Paused && st.Phase != RollingBack && !st.Phase.Final():
		return fmt.Errorf("unknown phase %q", st.Phase)
	case len(st.Steps) == 0 || st.Step < 0 || st.Step > len(st.Steps):
		return fmt.Errorf("step %d of %v", st.Step, st.Steps)
	case st.Weight < 0 || st.Weight > 100:
		return fmt.Errorf("weight %d", st.Weight)
	}
	return nil
}

// stepAt is the index of the step a canary at weight w resumes from: the
// highest step not above w (the first step below it).
func stepAt(steps []int, w int) int {
	i := 0
	for j, s := range steps {
		if s <= w {
			i = j
		}
	}
	return i
}
