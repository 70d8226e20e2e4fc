package simulation

import (
	"context"
	"fmt"
	"sync"

	"github.com/misybot/platform/infra/rollout"
)

// Setter stands in for the stack: it applies canary weights to the router
// and records every call, as the rollout controller's traffic setter, and
// reports the outputs and the last controller mark the stack would hold
// afterwards (rollout.StackReader).
type Setter struct {
	Router *Router

	mu    sync.Mutex
	calls []string
	// FailAt makes the call with this index (0-based) fail before it
	// changes anything (a stack update that never happened); -1 never.
	FailAt int
	// DieAfter makes the call with this index fail after it changed the
	// stack (a controller killed between the stack update and its own
	// record of it); -1 never.
	DieAfter int

	stable, canary string
	weight         int
	last           *rollout.Mark
}

// NewSetter returns a setter for the router whose stack serves stable.
func NewSetter(r *Router, stable string) *Setter {
	return &Setter{Router: r, FailAt: -1, DieAfter: -1, stable: stable}
}

// record counts the call; it fails when FailAt names it.
func (s *Setter) record(call string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, call)
	i := len(s.calls) - 1
	if i == s.FailAt {
		return i, fmt.Errorf("simulated failure of %s", call)
	}
	return i, nil
}

// applied records the stack's new state and the update's mark; it fails
// when DieAfter names the call.
func (s *Setter) applied(ctx context.Context, i int, change func()) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	change()
	if m, ok := rollout.MarkFrom(ctx); ok {
		s.last = &m
	}
	if i == s.DieAfter {
		return fmt.Errorf("simulated kill after call %d", i)
	}
	return nil
}

// SetCanary sets the router's canary weight.
func (s *Setter) SetCanary(ctx context.Context, release string, weight int) error {
	i, err := s.record(fmt.Sprintf("canary %s %d", release, weight))
	if err != nil {
		return err
	}
	if err := s.Router.SetWeight(weight); err != nil {
		return err
	}
	return s.applied(ctx, i, func() { s.canary, s.weight = release, weight })
}

// Promote sends all traffic to the canary.
func (s *Setter) Promote(ctx context.Context, release string) error {
	i, err := s.record("promote " + release)
	if err != nil {
		return err
	}
	if err := s.Router.Promote(); err != nil {
		return err
	}
	return s.applied(ctx, i, func() { s.stable, s.canary, s.weight = release, "", 0 })
}

// Expose sets what the stack serves without a call being recorded: a
// human's update, or the deploy workflow's own pulumi up.
func (s *Setter) Expose(canary string, weight int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.canary, s.weight = canary, weight
	_ = s.Router.SetWeight(weight)
}

// View implements rollout.StackReader.
func (s *Setter) View(context.Context) (rollout.StackView, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := rollout.StackView{StableRelease: s.stable, CanaryRelease: s.canary, CanaryWeight: s.weight}
	if s.last != nil {
		m := *s.last
		v.Last = &m
	}
	return v, nil
}

// Calls are the calls so far, such as "canary r2 10" and "promote r2".
func (s *Setter) Calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.calls...)
}
