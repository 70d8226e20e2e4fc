package rollout

import (
	"context"
	"fmt"
	"time"

	"github.com/misybot/platform/infra/azmon"
)

// Window is the time range of one analysis.
type Window struct {
	Start, End time.Time
}

// Measurement is what one revision did in a window.
type Measurement struct {
	Revision     string        `json:"revision"`
	Requests     float64       `json:"requests"`
	Errors5xx    float64       `json:"errors5xx"`
	P95          time.Duration `json:"p95Ns"`
	P99          time.Duration `json:"p99Ns"`
	LatencyCount int64         `json:"latencyCount"`
	Restarts     float64       `json:"restarts"`
}

// ErrorRatio is the share of 5xx responses (0 without requests).
func (m Measurement) ErrorRatio() float64 {
	if m.Requests == 0 {
		return 0
	}
	return m.Errors5xx / m.Requests
}

// Analyzer measures revisions over a window.
type Analyzer interface {
	Measure(ctx context.Context, w Window, revisions ...string) (map[string]Measurement, error)
}

// MonitorAnalyzer measures with Azure Monitor: requests and 5xx from the
// Requests metric, restarts from RestartCount, latency from the logs.
type MonitorAnalyzer struct {
	Client *azmon.Client
}

// Measure implements Analyzer.
func (a MonitorAnalyzer) Measure(ctx context.Context, w Window, revisions ...string) (map[string]Measurement, error) {
	reqs, err := a.Client.Requests(ctx, w.Start, w.End)
	if err != nil {
		return nil, err
	}
	restarts, err := a.Client.Restarts(ctx, w.Start, w.End)
	if err != nil {
		return nil, err
	}
	lat, err := a.Client.Latencies(ctx, w.Start, w.End)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Measurement, len(revisions))
	for _, rev := range revisions {
		r, l := reqs[rev], lat[rev]
		out[rev] = Measurement{Revision: rev, Requests: r.Total, Errors5xx: r.ServerErrors(),
			P95: l.P95, P99: l.P99, LatencyCount: l.Count, Restarts: restarts[rev]}
	}
	return out, nil
}

// Outcome is the verdict of one analysis.
type Outcome string

// Outcomes.
const (
	Pass         Outcome = "pass"
	Fail         Outcome = "fail"
	Inconclusive Outcome = "inconclusive"
)

// Check is one comparison of a value with its threshold.
type Check struct {
	Name      string  `json:"name"`
	Value     float64 `json:"value"`
	Threshold float64 `json:"threshold"`
	Unit      string  `json:"unit,omitempty"`
	OK        bool    `json:"ok"`
	Note      string  `json:"note,omitempty"`
}

func (c Check) String() string {
	op := "≤"
	if c.Name == "requests" {
		op = "≥"
	}
	verdict := "ok"
	if !c.OK {
		verdict = "FAILED"
	}
	s := fmt.Sprintf("%s %s %s %s %s: %s", c.Name, format(c.Value, c.Unit), op, format(c.Threshold, c.Unit), c.Unit, verdict)
	if c.Note != "" {
		s += " (" + c.Note + ")"
	}
	return s
}

func format(v float64, unit string) string {
	if unit == "%" {
		return fmt.Sprintf("%.2f", v)
	}
	if v == float64(int64(v)) {
		return fmt.Sprintf("%d", int64(v))
	}
	return fmt.Sprintf("%.1f", v)
}

// Verdict is the outcome of an analysis and the checks behind it.
type Verdict struct {
	Outcome Outcome `json:"outcome"`
	Checks  []Check `json:"checks"`
}

// Evaluate judges the canary against the thresholds and the stable
// revision. Too few canary requests make the verdict inconclusive; a
// relative check is skipped when the stable revision served too few.
func Evaluate(stable, canary Measurement, t Thresholds) Verdict {
	v := Verdict{Outcome: Pass}
	min := float64(t.MinRequests)
	if canary.Requests < min {
		v.Outcome = Inconclusive
		v.Checks = append(v.Checks, Check{Name: "requests", Value: canary.Requests, Threshold: min, Unit: "req", OK: false,
			Note: "too few canary requests to judge"})
		return v
	}
	v.Checks = append(v.Checks, Check{Name: "requests", Value: canary.Requests, Threshold: min, Unit: "req", OK: true})
	add := func(c Check) {
		v.Checks = append(v.Checks, c)
		if !c.OK {
			v.Outcome = Fail
		}
	}
	ratio := 100 * canary.ErrorRatio()
	if t.Max5xxRatio > 0 {
		add(Check{Name: "5xx ratio", Value: ratio, Threshold: 100 * t.Max5xxRatio, Unit: "%", OK: ratio <= 100*t.Max5xxRatio,
			Note: fmt.Sprintf("%.0f of %.0f requests", canary.Errors5xx, canary.Requests)})
	}
	stableJudged := stable.Requests >= min
	if t.Max5xxIncrease > 0 && stableJudged {
		inc := ratio - 100*stable.ErrorRatio()
		add(Check{Name: "5xx ratio over stable", Value: inc, Threshold: 100 * t.Max5xxIncrease, Unit: "%", OK: inc <= 100*t.Max5xxIncrease,
			Note: fmt.Sprintf("stable %.2f%% of %.0f requests", 100*stable.ErrorRatio(), stable.Requests)})
	}
	msOf := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	if t.MaxP95 > 0 {
		add(Check{Name: "p95", Value: msOf(canary.P95), Threshold: msOf(t.MaxP95), Unit: "ms", OK: canary.P95 <= t.MaxP95})
	}
	if t.MaxP99 > 0 {
		add(Check{Name: "p99", Value: msOf(canary.P99), Threshold: msOf(t.MaxP99), Unit: "ms", OK: canary.P99 <= t.MaxP99})
	}
	if t.MaxLatencyIncrease > 0 && stable.LatencyCount >= int64(t.MinRequests) && stable.P95 > 0 {
		limit := time.Duration(float64(stable.P95) * (1 + t.MaxLatencyIncrease))
		add(Check{Name: "p95 over stable", Value: msOf(canary.P95), Threshold: msOf(limit), Unit: "ms", OK: canary.P95 <= limit,
			Note: fmt.Sprintf("stable p95 %.1f ms + %.0f%%", msOf(stable.P95), 100*t.MaxLatencyIncrease)})
	}
	if t.CheckRestarts {
		add(Check{Name: "restarts", Value: canary.Restarts, Threshold: t.MaxRestarts, Unit: "", OK: canary.Restarts <= t.MaxRestarts})
	}
	return v
}
