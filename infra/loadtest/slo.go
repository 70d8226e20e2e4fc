package loadtest

import (
	"fmt"
	"time"
)

// SLO are the gates of a load test; a zero field is not checked.
type SLO struct {
	P95           time.Duration `json:"p95Ns,omitempty"`
	P99           time.Duration `json:"p99Ns,omitempty"`
	MaxErrorRate  float64       `json:"maxErrorRate,omitempty"`  // 0.01 is 1%
	MinThroughput float64       `json:"minThroughput,omitempty"` // successful requests per second
}

// Breach is a gate the load did not meet.
type Breach struct {
	Gate  string  `json:"gate"`
	Value float64 `json:"value"`
	Limit float64 `json:"limit"`
	Text  string  `json:"text"`
}

// Check returns the gates s breaks. The throughput gate is checked only
// when withThroughput is set: a stress stage is judged on latency and
// errors, its throughput being the rate it was sent at.
func (o SLO) Check(s Summary, withThroughput bool) []Breach {
	var out []Breach
	if o.P95 > 0 && s.P95 > o.P95 {
		out = append(out, latencyBreach("p95", s.P95, o.P95))
	}
	if o.P99 > 0 && s.P99 > o.P99 {
		out = append(out, latencyBreach("p99", s.P99, o.P99))
	}
	if o.MaxErrorRate > 0 && s.ErrorRate > o.MaxErrorRate {
		out = append(out, Breach{Gate: "error-rate", Value: s.ErrorRate, Limit: o.MaxErrorRate,
			Text: fmt.Sprintf("error rate %.2f%% is above %.2f%%", 100*s.ErrorRate, 100*o.MaxErrorRate)})
	}
	if withThroughput && o.MinThroughput > 0 && s.Throughput < o.MinThroughput {
		out = append(out, Breach{Gate: "min-throughput", Value: s.Throughput, Limit: o.MinThroughput,
			Text: fmt.Sprintf("throughput %.1f req/s is below %.1f req/s", s.Throughput, o.MinThroughput)})
	}
	return out
}

func latencyBreach(gate string, v, limit time.Duration) Breach {
	return Breach{Gate: gate, Value: ms(v), Limit: ms(limit),
		Text: fmt.Sprintf("%s latency %s is above %s", gate, v.Round(time.Microsecond*100), limit)}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// StagingSLO is the gate of the staging load test, locally and in Azure
// Load Testing (loadtest/plan.yaml states the same numbers as fail
// criteria; a test keeps them in step).
func StagingSLO() SLO {
	return SLO{P95: 500 * time.Millisecond, P99: time.Second, MaxErrorRate: 0.01, MinThroughput: 50}
}
