// Package rollout is the canary controller: it moves a stack's traffic to a
// new revision in steps, analyses metrics of both revisions after each
// interval, rolls back when checks fail too often and promotes the canary
// when every step passed. State, lock, manual gates and the decision log
// live in files per stack, so a rollout survives an interrupted run.
//
// Around the controller: the stack outputs it reads (ParseOutputs,
// FillFromOutputs, OutputsView), the canary's first deploy at weight 0
// (PrepareCanary), the webhook that announces the end (Webhook), the
// status line of `misyinfra rollout status` (ControllerLine), and the
// post-deployment watch of a promoted release (Watch).
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

	// Revisions analysed: the stack's stableRevision and canaryRevision
	// outputs in production (apphosting.RevisionName names them).
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
	// SmokeTimeout bounds each smoke-test request (DefaultSmokeTimeout
	// when zero).
	SmokeTimeout time.Duration

	// Delay is how late Azure Monitor data arrives (ingestion): a window is
	// analysed only once Delay has passed after its end, and before the
	// promotion the data of that last Delay (the tail) is analysed too.
	Delay time.Duration
	// ErrorLimit is the number of consecutive analyses whose metrics
	// could not be read (throttling, 5xx after the SDK's retries) that
	// roll back (Argo Rollouts' consecutiveErrorLimit).
	ErrorLimit int
	// ProgressDeadline rolls back when the weight has not advanced for
	// this long (0: none), whatever the reason: holds, pauses, errors.
	ProgressDeadline time.Duration
	// CallTimeout bounds every metrics call.
	CallTimeout time.Duration
	// RunID names this run; gates must carry it (generated when empty).
	RunID string

	// OnInterrupted is what happens to an unfinished rollout of the same
	// release found in the state directory: Resume (default) or RollBack.
	OnInterrupted Recovery
	// Retry rolls the release out again although its last rollout on the
	// stack was rolled back or aborted (without it such a release is never
	// exposed again).
	Retry    bool
	StateDir string
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
	// LatencyFloor is the smallest p95 difference over the stable revision
	// that can fail the relative latency check (a few milliseconds more of
	// a fast service are not a regression).
	LatencyFloor time.Duration
	// LatencyConfidence is the one-sided confidence at which the canary's
	// p95 must exceed the stable limit to fail (DefaultLatencyConfidence).
	LatencyConfidence float64
	// SevereFactor: a canary whose 5xx share is, with 99.9% confidence,
	// above SevereFactor × Max5xxRatio is rolled back at once, without
	// waiting for FailureThreshold failed analyses (0: 5; negative: never).
	SevereFactor float64
}

// Defaults fills the thresholds that have defaults.
func (t Thresholds) Defaults() Thresholds {
	if t.LatencyConfidence == 0 {
		t.LatencyConfidence = DefaultLatencyConfidence
	}
	if t.SevereFactor == 0 {
		t.SevereFactor = 5
	}
	return t
}

// DefaultLatencyConfidence is the confidence of the latency comparison:
// identical revisions fail fewer than 2% of windows at n = 50 (TestLatencyNoise).
const DefaultLatencyConfidence = 0.995

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
	c.Thresholds = c.Thresholds.Defaults()
	if c.SmokeTimeout == 0 {
		c.SmokeTimeout = DefaultSmokeTimeout
	}
	if c.ErrorLimit == 0 {
		c.ErrorLimit = 4
	}
	if c.CallTimeout == 0 {
		c.CallTimeout = 2 * time.Minute
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
	if c.Delay < 0 || c.ProgressDeadline < 0 || c.CallTimeout < 0 {
		errs = append(errs, errors.New("the delay, the progress deadline and the call timeout cannot be negative"))
	}
	if c.ErrorLimit < 1 {
		errs = append(errs, errors.New("the provider error limit must be at least 1"))
	}
	if lc := c.Thresholds.LatencyConfidence; lc <= 0.5 || lc >= 1 {
		errs = append(errs, fmt.Errorf("the latency confidence must be between 0.5 and 1, got %g", lc))
	}
	if c.OnInterrupted != Resume && c.OnInterrupted != RollBack {
		errs = append(errs, fmt.Errorf("unknown recovery %q: use resume or rollback", c.OnInterrupted))
	}
	if c.StateDir == "" {
		errs = append(errs, errors.New("missing the state directory"))
	}
	return errors.Join(errs...)
}
