package rollout_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/misybot/platform/infra/rollout"
)

func TestEvaluate(t *testing.T) {
	th := rollout.Thresholds{MinRequests: 50, Max5xxRatio: 0.01, Max5xxIncrease: 0.005, MaxP95: 500 * time.Millisecond,
		MaxP99: time.Second, MaxLatencyIncrease: 0.2, LatencyFloor: 5 * time.Millisecond, CheckRestarts: true}.Defaults()
	stable := rollout.Measurement{Requests: 1000, Errors5xx: 2, P95: 100 * time.Millisecond, P99: 200 * time.Millisecond, LatencyCount: 1000}
	good := rollout.Measurement{Requests: 100, P95: 110 * time.Millisecond, P99: 150 * time.Millisecond, LatencyCount: 100}
	with := func(f func(*rollout.Measurement)) rollout.Measurement { m := good; f(&m); return m }
	tests := []struct {
		name    string
		stable  rollout.Measurement
		canary  rollout.Measurement
		outcome rollout.Outcome
		failed  []string
	}{
		{"healthy", stable, good, rollout.Pass, nil},
		{"too few requests", stable, with(func(m *rollout.Measurement) { m.Requests = 49 }), rollout.Inconclusive, []string{"requests"}},
		{"5% errors", stable, with(func(m *rollout.Measurement) { m.Errors5xx = 5 }), rollout.Fail, []string{"5xx ratio", "5xx ratio over stable"}},
		{"worse than stable only", rollout.Measurement{Requests: 1000, LatencyCount: 1000, P95: 100 * time.Millisecond, P99: 200 * time.Millisecond}, with(func(m *rollout.Measurement) { m.Errors5xx = 0.8 }), rollout.Fail, []string{"5xx ratio over stable"}},
		{"slower than stable", stable, with(func(m *rollout.Measurement) { m.P95, m.P99 = 300*time.Millisecond, 350*time.Millisecond }), rollout.Fail, []string{"p95 over stable"}},
		{"slower than stable within the noise", stable, with(func(m *rollout.Measurement) { m.P95 = 130 * time.Millisecond }), rollout.Pass, nil},
		{"slower than stable by less than the floor", rollout.Measurement{Requests: 1000, LatencyCount: 1000, P95: 10 * time.Millisecond, P99: 12 * time.Millisecond},
			with(func(m *rollout.Measurement) {
				m.P95, m.P99 = 14*time.Millisecond, 15*time.Millisecond
				m.LatencyCount = 5000
			}), rollout.Pass, nil},
		{"absolute latency", stable, with(func(m *rollout.Measurement) { m.P95, m.P99, m.LatencyCount = 600*time.Millisecond, 2*time.Second, 1000 }), rollout.Fail, []string{"p95", "p99", "p95 over stable"}},
		{"relative checks skipped without stable traffic", rollout.Measurement{}, with(func(m *rollout.Measurement) { m.P95 = 400 * time.Millisecond }), rollout.Pass, nil},
		{"restart", stable, with(func(m *rollout.Measurement) { m.Restarts = 1 }), rollout.Fail, []string{"restarts"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := rollout.Evaluate(tt.stable, tt.canary, th)
			assert.Equal(t, tt.outcome, v.Outcome)
			var failed []string
			for _, c := range v.Checks {
				if !c.OK {
					failed = append(failed, c.Name)
				}
			}
			assert.Equal(t, tt.failed, failed)
		})
	}
}

func TestConfigValidate(t *testing.T) {
	base := rollout.Config{Stack: "prod", Release: "r2", CanaryRevision: "a--r2", StableRevision: "a--r1", Interval: time.Second, StateDir: "d"}.Defaults()
	tests := []struct {
		name   string
		change func(*rollout.Config)
		want   string
	}{
		{"valid", func(*rollout.Config) {}, ""},
		{"steps not ending at 100", func(c *rollout.Config) { c.Steps = []int{10, 50} }, "the last step must be 100"},
		{"steps falling", func(c *rollout.Config) { c.Steps = []int{50, 10, 100} }, "steps must rise"},
		{"same revisions", func(c *rollout.Config) { c.StableRevision = c.CanaryRevision }, "are both a--r2"},
		{"bad recovery", func(c *rollout.Config) { c.OnInterrupted = "retry" }, `unknown recovery "retry"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base
			tt.change(&c)
			err := c.Validate()
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tt.want)
		})
	}
}
