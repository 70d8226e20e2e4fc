package simulation

import (
	"context"
	"fmt"
	"sync"
)

// Setter stands in for the stack: it applies canary weights to the router
// and records every call, as the rollout controller's traffic setter.
type Setter struct {
	Router *Router

	mu    sync.Mutex
	calls []string
	// FailAt makes the call with this index (0-based) fail; -1 never.
	FailAt int
}

// NewSetter returns a setter for the router.
func NewSetter(r *Router) *Setter { return &Setter{Router: r, FailAt: -1} }

func (s *Setter) record(call string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, call)
	if len(s.calls)-1 == s.FailAt {
		return fmt.Errorf("simulated failure of %s", call)
	}
	return nil
}

// SetCanary sets the router's canary weight.
func (s *Setter) SetCanary(_ context.Context, release string, weight int) error {
	if err := s.record(fmt.Sprintf("canary %s %d", release, weight)); err != nil {
		return err
	}
	return s.Router.SetWeight(weight)
}

// Promote sends all traffic to the canary.
func (s *Setter) Promote(_ context.Context, release string) error {
	if err := s.record("promote " + release); err != nil {
		return err
	}
	return s.Router.Promote()
}

// Calls are the calls so far, such as "canary r2 10" and "promote r2".
func (s *Setter) Calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.calls...)
}
