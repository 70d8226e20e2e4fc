package rollout

import (
	"context"
	"fmt"
	"math"
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
// Requests metric, restarts from RestartCount, latency from the logs. Each
// revision is looked up by its exact name.
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
	lat, err := a.Client.Latencies(ctx, w.Start, w.End, revisions...)
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
	// Severe: the canary fails so clearly that it is rolled back at once.
	Severe bool `json:"severe,omitempty"`
}

// Evaluate judges the canary against the thresholds and the stable
// revision. Too few canary requests, or too few latency samples when a
// latency check is configured, make the verdict inconclusive: missing data
// is never a pass. A relative check is skipped when the stable revision
// served too few.
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
		if t.SevereFactor > 0 {
			lower := wilsonLower(canary.Errors5xx, canary.Requests, 3.09)
			if severe := t.SevereFactor * t.Max5xxRatio; lower > severe {
				v.Severe = true
				v.Checks[len(v.Checks)-1].Note += fmt.Sprintf("; severe: above %.1f%% with 99.9%% confidence (lower bound %.1f%%)", 100*severe, 100*lower)
			}
		}
	}
	stableJudged := stable.Requests >= min
	if t.Max5xxIncrease > 0 && stableJudged {
		inc := ratio - 100*stable.ErrorRatio()
		add(Check{Name: "5xx ratio over stable", Value: inc, Threshold: 100 * t.Max5xxIncrease, Unit: "%", OK: inc <= 100*t.Max5xxIncrease,
			Note: fmt.Sprintf("stable %.2f%% of %.0f requests", 100*stable.ErrorRatio(), stable.Requests)})
	}
	latencyChecked := t.MaxP95 > 0 || t.MaxP99 > 0 || t.MaxLatencyIncrease > 0
	if latencyChecked && canary.LatencyCount < int64(t.MinRequests) {
		// No latency rows for the canary (none ingested yet, or requests
		// attributed to no known revision) is not a fast canary.
		v.Checks = append(v.Checks, Check{Name: "latency samples", Value: float64(canary.LatencyCount), Threshold: min, Unit: "req", OK: false,
			Note: "too few canary latency samples to judge"})
		if v.Outcome == Pass {
			v.Outcome = Inconclusive
		}
		return v
	}
	msOf := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	if t.MaxP95 > 0 {
		add(Check{Name: "p95", Value: msOf(canary.P95), Threshold: msOf(t.MaxP95), Unit: "ms", OK: canary.P95 <= t.MaxP95})
	}
	if t.MaxP99 > 0 {
		add(Check{Name: "p99", Value: msOf(canary.P99), Threshold: msOf(t.MaxP99), Unit: "ms", OK: canary.P99 <= t.MaxP99})
	}
	if t.MaxLatencyIncrease > 0 && stableJudged && stable.LatencyCount < int64(t.MinRequests) {
		// The stable revision served (the metric says so) but its latency
		// rows are missing: the comparison cannot be made, which is not a
		// pass. (A stable revision without traffic, at 100%, is not judged.)
		v.Checks = append(v.Checks, Check{Name: "stable latency samples", Value: float64(stable.LatencyCount), Threshold: min, Unit: "req", OK: false,
			Note: fmt.Sprintf("the stable revision served %.0f requests but has too few latency samples to compare with", stable.Requests)})
		if v.Outcome == Pass {
			v.Outcome = Inconclusive
		}
	} else if t.MaxLatencyIncrease > 0 && stable.LatencyCount >= int64(t.MinRequests) && stable.P95 > 0 {
		limit := max(time.Duration(float64(stable.P95)*(1+t.MaxLatencyIncrease)), stable.P95+t.LatencyFloor)
		sigma := spreadOf(stable, canary)
		z := (float64(canary.P95) - float64(limit)) / math.Hypot(p95StdErr(canary, sigma), p95StdErr(stable, sigma))
		crit := normalQuantile(confidence(t.LatencyConfidence))
		ok := canary.P95 <= limit || z <= crit
		add(Check{Name: "p95 over stable", Value: msOf(canary.P95), Threshold: msOf(limit), Unit: "ms", OK: ok,
			Note: fmt.Sprintf("stable p95 %.1f ms + max(%.0f%%, %s); z %.2f vs %.2f", msOf(stable.P95), 100*t.MaxLatencyIncrease, t.LatencyFloor, z, crit)})
	}
	if t.CheckRestarts {
		add(Check{Name: "restarts", Value: canary.Restarts, Threshold: t.MaxRestarts, Unit: "", OK: canary.Restarts <= t.MaxRestarts})
	}
	return v
}

func confidence(c float64) float64 {
	if c == 0 {
		return DefaultLatencyConfidence
	}
	return c
}

// logSpread is the spread of latencies in log space, estimated from the
// p95 and p99 assuming a log-normal tail (latencies are close to
// log-normal): ln(p99/p95) / (z99 - z95). Zero when it cannot be told.
func logSpread(m Measurement) float64 {
	if m.LatencyCount <= 0 || m.P99 <= m.P95 || m.P95 <= 0 {
		return 0
	}
	return math.Log(float64(m.P99)/float64(m.P95)) / (z99 - z95)
}

const z95, z99 = 1.6448536269514722, 2.3263478740408408

// p95StdErr is the standard error of a sample p95 by the asymptotic
// normality of sample quantiles, sqrt(p(1-p)/n) / f(q95), with the
// density of a log-normal of spread sigma at the p95: φ(z95) / (q95 σ).
func p95StdErr(m Measurement, sigma float64) float64 {
	if m.LatencyCount <= 0 || sigma <= 0 {
		return 0
	}
	density := math.Exp(-z95*z95/2) / math.Sqrt(2*math.Pi) / (float64(m.P95) * sigma)
	return math.Sqrt(0.95*0.05/float64(m.LatencyCount)) / density
}

// spreadOf is the log spread both revisions are judged with: under the
// hypothesis that the canary is no slower both share one distribution,
// so the estimate of the revision with more samples is used (a p99 of 50
// samples is their maximum and understates the spread).
func spreadOf(stable, canary Measurement) float64 {
	if stable.LatencyCount >= canary.LatencyCount {
		if s := logSpread(stable); s > 0 {
			return s
		}
		return logSpread(canary)
	}
	if s := logSpread(canary); s > 0 {
		return s
	}
	return logSpread(stable)
}

// normalQuantile is the standard normal quantile of p.
func normalQuantile(p float64) float64 { return math.Sqrt2 * math.Erfinv(2*p-1) }

// wilsonLower is the lower bound of the Wilson score interval of k
// successes in n at z.
func wilsonLower(k, n, z float64) float64 {
	if n <= 0 {
		return 0
	}
	p := k / n
	z2 := z * z
	return (p + z2/(2*n) - z*math.Sqrt(p*(1-p)/n+z2/(4*n*n))) / (1 + z2/n)
}
