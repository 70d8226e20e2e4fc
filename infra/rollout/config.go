// Package rollout is the canary controller: it moves a stack's traffic to a
// new revision in steps, analyses metrics of both revisions after each
// interval, rolls back when checks fail too often and promotes the canary
// when every step passed. State, lock, manual gates and the decision log
// live in files per stack, so a rollout survives an interrupted run.
package rollout

import (
	"errors"
	"fmt"
	"time"
)

// Config is one rollout of one stack.
type Config struct {
	Stack         string
	Release       string // the canary's release
	StableRelease string // the release serving traffic before the rollout

	// Revisions analysed; apphosting.RevisionName(app, release, scope) in
	// production, with the revision scope of the stack's configuration.
	CanaryRevision, StableRevision string

	// Steps are the canary weights in percent, ascending, ending at 100.
	Steps            []int
	Interval         time.Duration // bake time before each analysis
	FailureThreshold int           // failed analyses that roll back
	MaxInconclusive  int           // inconclusive analyses that roll back (0: never)
	Thresholds       Thresholds

	// LabelURL reaches the canary only (its revision label). When set, the
	// rollout smoke-tests LabelURL+SmokePath SmokeRequests times before the
	// first step, and synthetic traffic goes there.
	LabelURL      string
	SmokePath     string
	SmokeRequests int

	// OnInterrupted is what happens to an unfinished rollout of the same
	// release found in the state directory: Resume (default) or RollBack.
	OnInterrupted Recovery
	StateDir      string
}

// Recovery is what to do with an interrupted rollout.
type Recovery string

// Recoveries.
const (
	Resume   Recovery = "resume"
	RollBack Recovery = "rollback"
)

// Thresholds judge the canary; a zero value disables a check, except
// MinRequests.
type Thresholds struct {
	// MinRequests the canary must serve in an interval for a verdict;
	// fewer make the interval inconclusive.
	MinRequests int
	// Max5xxRatio is the largest share of 5xx responses of the canary.
	Max5xxRatio float64
	// Max5xxIncrease is how much the canary's 5xx share may exceed the
	// stable revision's (0.005: half a percentage point).
	Max5xxIncrease float64
	MaxP95, MaxP99 time.Duration
	// MaxLatencyIncrease is how much the canary's p95 may exceed the
	// stable revision's p95, relatively (0.2: 20% slower).
	MaxLatencyIncrease float64
	// MaxRestarts of the canary's containers in an interval.
	MaxRestarts float64
	// CheckRestarts enables the restart check (MaxRestarts may be 0).
	CheckRestarts bool
}

// DefaultSteps are the canary weights when none are configured.
func DefaultSteps() []int { return []int{10, 25, 50, 100} }

// Defaults fills the zero fields that have defaults.
func (c Config) Defaults() Config {
	if len(c.Steps) == 0 {
		c.Steps = DefaultSteps()
	}
	if c.FailureThreshold == 0 {
		c.FailureThreshold = 3
	}
	if c.OnInterrupted == "" {
		c.OnInterrupted = Resume
	}
	if c.SmokeRequests == 0 {
		c.SmokeRequests = 3
	}
	if c.Thresholds.MinRequests == 0 {
		c.Thresholds.MinRequests = 50
	}
	return c
}

// Validate reports every mistake in the configuration.
func (c Config) Validate() error {
	var errs []error
	if c.Stack == "" {
		errs = append(errs, errors.New("missing the stack"))
	}
	if c.Release == "" {
		errs = append(errs, errors.New("missing the release to roll out"))
	}
	if c.CanaryRevision == "" || c.StableRevision == "" {
		errs = append(errs, errors.New("missing the canary or the stable revision name"))
	} else if c.CanaryRevision == c.StableRevision {
		errs = append(errs, fmt.Errorf("the canary and the stable revision are both %s", c.CanaryRevision))
	}
	prev := 0
	for i, w := range c.Steps {
		if w <= prev || w > 100 {
			errs = append(errs, fmt.Errorf("steps must rise from above 0 to 100, got %v", c.Steps))
			break
		}
		prev = w
		if i == len(c.Steps)-1 && w != 100 {
			errs = append(errs, fmt.Errorf("the last step must be 100, got %d", w))
		}
	}
	if c.Interval <= 0 {
		errs = append(errs, errors.New("the interval must be above zero"))
	}
	if c.FailureThreshold < 1 {
		errs = append(errs, errors.New("the failure threshold must be at least 1"))
	}
	if c.OnInterrupted != Resume && c.OnInterrupted != RollBack {
		errs = append(errs, fmt.Errorf("unknown recovery %q: use resume or rollback", c.OnInterrupted))
	}
	if c.StateDir == "" {
		errs = append(errs, errors.New("missing the state directory"))
	}
	return errors.Join(errs...)
}
