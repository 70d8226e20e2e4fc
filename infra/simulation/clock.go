package simulation

import (
	"sync"
	"time"
)

// Clock is simulated time for the rollout controller (rollout.Clock): it
// moves only when the code under test waits, by exactly the wait, and
// what happens in the simulation during a wait (traffic) is computed for
// that span of simulated time. A run is then a function of its inputs,
// whatever the load of the machine: no sleep decides an outcome.
//
// Only one goroutine may wait on it (the controller's step loop); others
// read Now.
type Clock struct {
	mu    sync.Mutex
	now   time.Time
	hooks []func(from, to time.Time)
}

// NewClock starts simulated time at start.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now is the simulated time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// OnAdvance registers f, called with each span simulated time moves over,
// in registration order, before the wait returns.
func (c *Clock) OnAdvance(f func(from, to time.Time)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hooks = append(c.hooks, f)
}

// After moves simulated time forward by d, runs the hooks over the span
// and returns a channel that already holds the new time.
func (c *Clock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	ch <- c.Advance(d)
	return ch
}

// Advance moves simulated time forward by d (not below zero) and returns
// the new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	from := c.now
	to := from.Add(max(d, 0))
	c.now = to
	hooks := append([]func(time.Time, time.Time){}, c.hooks...)
	c.mu.Unlock()
	for _, h := range hooks {
		h(from, to)
	}
	return to
}
