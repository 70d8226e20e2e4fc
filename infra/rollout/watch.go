package rollout

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Watch verdicts.
const (
	WatchOver         = "over"         // the watch period has ended
	WatchHealthy      = "healthy"      // the SLOs hold
	WatchInconclusive = "inconclusive" // too little traffic to judge
	WatchBreach       = "breach"       // an SLO is broken: open an issue
	WatchRolledBack   = "rolled-back"  // a severe breach: the previous release is back
)

// WatchResult is what one post-deployment watch check found (the JSON of
// `misyinfra rollout watch --result`).
type WatchResult struct {
	Stack    string  `json:"stack"`
	Release  string  `json:"release"`
	Revision string  `json:"revision"`
	Verdict  string  `json:"verdict"`
	Reason   string  `json:"reason"`
	Window   Window  `json:"window"`
	Checks   []Check `json:"checks,omitempty"`
	// Severe: the breach is past the rollback threshold (SevereFactor).
	Severe     bool   `json:"severe,omitempty"`
	RolledBack string `json:"rolledBackTo,omitempty"`
}

// Broken tells whether the verdict is a breach or a rollback: the SLOs of
// the release are broken.
func (r WatchResult) Broken() bool {
	return r.Verdict == WatchBreach || r.Verdict == WatchRolledBack
}

// WatchEnded returns the "over" result when the promotion at promoted is
// more than period before now: the watch has nothing left to do.
func WatchEnded(stack string, promoted, now time.Time, period time.Duration) (WatchResult, bool) {
	if now.Sub(promoted) <= period {
		return WatchResult{}, false
	}
	return WatchResult{Stack: stack, Verdict: WatchOver,
		Reason: fmt.Sprintf("promoted at %s, more than %s ago: the watch is over", promoted.Format(time.RFC3339), period)}, true
}

// WatchCheck is one check of a promoted release.
type WatchCheck struct {
	Stack, Release, Revision string
	// Promoted is the time of the promotion; Now the time of the check.
	Promoted, Now time.Time
	// Window is the span of data judged, ending Delay before Now (Azure
	// Monitor's ingestion delay) and starting no earlier than Promoted.
	Window, Delay time.Duration
	// CallTimeout bounds the measurement (0: no bound).
	CallTimeout time.Duration
	// Thresholds are the SLOs: MinRequests, Max5xxRatio, MaxP95, MaxP99
	// and SevereFactor apply (the stable revision is judged alone).
	Thresholds Thresholds
	// RollbackTo is the release made stable again on a severe breach
	// ("": never roll back).
	RollbackTo string
}

// Watch measures the promoted release's revision over the check's window
// and judges it against the SLOs: healthy, inconclusive or breach; a
// severe breach with RollbackTo promotes that release again (marked in the
// stack's history, so that no controller exposes the withdrawn release
// again without --retry) and is rolled-back. A failed rollback stays a
// breach, its failure in the reason.
func Watch(ctx context.Context, c WatchCheck, analyzer Analyzer, stack TrafficSetter) (WatchResult, error) {
	res := WatchResult{Stack: c.Stack, Release: c.Release, Revision: c.Revision}
	end := c.Now.Add(-c.Delay)
	start := end.Add(-c.Window)
	if start.Before(c.Promoted) {
		start = c.Promoted
	}
	res.Window = Window{Start: start, End: end}
	if !end.After(start) {
		res.Verdict, res.Reason = WatchInconclusive, "no ingested data since the promotion yet"
		return res, nil
	}
	mctx, cancel := context.WithCancel(ctx)
	if c.CallTimeout > 0 {
		mctx, cancel = context.WithTimeout(ctx, c.CallTimeout)
	}
	defer cancel()
	m, err := analyzer.Measure(mctx, res.Window, c.Revision)
	if err != nil {
		return res, fmt.Errorf("measuring %s: %w", c.Revision, err)
	}
	v := Evaluate(Measurement{}, m[c.Revision], c.Thresholds)
	res.Checks = v.Checks
	texts := make([]string, len(v.Checks))
	for i, ch := range v.Checks {
		texts[i] = ch.String()
	}
	res.Reason = strings.Join(texts, "; ")
	switch v.Outcome {
	case Pass:
		res.Verdict = WatchHealthy
	case Inconclusive:
		res.Verdict = WatchInconclusive
	case Fail:
		res.Verdict, res.Severe = WatchBreach, v.Severe
		if v.Severe && c.RollbackTo != "" {
			rctx := WithMark(ctx, Mark{Action: MarkRollback, Release: res.Release, RunID: "watch"})
			if err := stack.Promote(rctx, c.RollbackTo); err != nil {
				res.Reason += fmt.Sprintf("; rolling back to %s FAILED: %v", c.RollbackTo, err)
			} else {
				res.Verdict, res.RolledBack = WatchRolledBack, c.RollbackTo
			}
		}
	}
	return res, nil
}
