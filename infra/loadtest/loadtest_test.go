package loadtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/infra/loadtest"
	"github.com/misybot/platform/infra/simulation"
)

func TestConstantAndRampGates(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(20 * time.Millisecond)
	}))
	defer slow.Close()
	tests := []struct {
		name      string
		plan      loadtest.Plan
		wantGates []string
	}{
		{"constant meets the SLO", loadtest.Plan{Mode: loadtest.Constant, Rate: 100, Duration: 500 * time.Millisecond,
			SLO: loadtest.SLO{P95: 200 * time.Millisecond, P99: 500 * time.Millisecond, MaxErrorRate: 0.01, MinThroughput: 50}}, nil},
		{"p95 and p99 breached", loadtest.Plan{Mode: loadtest.Constant, Rate: 50, Duration: 400 * time.Millisecond,
			SLO: loadtest.SLO{P95: 5 * time.Millisecond, P99: 10 * time.Millisecond}}, []string{"p95", "p99"}},
		{"throughput too low", loadtest.Plan{Mode: loadtest.Constant, Rate: 20, Duration: 400 * time.Millisecond,
			SLO: loadtest.SLO{MinThroughput: 100}}, []string{"min-throughput"}},
		{"ramp meets the SLO", loadtest.Plan{Mode: loadtest.Ramp, Rate: 10, RampTo: 150, Duration: 600 * time.Millisecond,
			SLO: loadtest.SLO{P95: 200 * time.Millisecond, MaxErrorRate: 0.01}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.plan.URL = slow.URL
			res, err := loadtest.Run(context.Background(), tt.plan)
			require.NoError(t, err)
			var gates []string
			for _, b := range res.Breaches {
				gates = append(gates, b.Gate)
			}
			assert.Equal(t, tt.wantGates, gates)
			assert.Equal(t, tt.wantGates == nil, res.Passed())
			assert.NotEmpty(t, res.Series)
			assert.Greater(t, res.Summary.Requests, uint64(0))
		})
	}
}

func TestRampRaisesTheRate(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	res, err := loadtest.Run(context.Background(), loadtest.Plan{Mode: loadtest.Ramp, URL: srv.URL,
		Rate: 10, RampTo: 200, Duration: time.Second, Bucket: 250 * time.Millisecond})
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(res.Series), 4)
	assert.Greater(t, res.Series[3].Rate, 2*res.Series[0].Rate, "the last quarter is sent faster than the first")
	// Expected total: the area under the ramp, (10+200)/2 requests.
	assert.InDelta(t, 105, float64(res.Summary.Requests), 25)
}

// TestStressFindsCapacity measures the stress search against a server that
// serves at most a known rate and answers 503 beyond it.
func TestStressFindsCapacity(t *testing.T) {
	tests := []struct {
		name     string
		capacity float64
	}{
		{"150 req/s", 150},
		{"300 req/s", 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := simulation.NewLimitedServer(tt.capacity, 5)
			defer srv.Close()
			res, err := loadtest.Run(context.Background(), loadtest.Plan{
				Mode: loadtest.Stress, URL: srv.URL(),
				Stress: loadtest.StressPlan{Start: 20, Factor: 2, StageDuration: 800 * time.Millisecond, Precision: 0.05},
				// 2%: one request delayed by the scheduler and answered 503
				// must not break a stage below the capacity.
				SLO: loadtest.SLO{MaxErrorRate: 0.02},
			})
			require.NoError(t, err)
			t.Logf("known capacity %.0f req/s: found capacity %.0f req/s, breaking point %.0f req/s, %d stages, error %.1f%%",
				tt.capacity, res.Capacity, res.BreakingPoint, len(res.Stages), 100*(res.Capacity-tt.capacity)/tt.capacity)
			assert.InEpsilon(t, tt.capacity, res.Capacity, 0.10, "capacity within 10%")
			assert.Greater(t, res.BreakingPoint, res.Capacity)
			assert.True(t, res.Passed())
		})
	}
}

func TestReportFiles(t *testing.T) {
	srv := simulation.NewLimitedServer(100, 5)
	defer srv.Close()
	res, err := loadtest.Run(context.Background(), loadtest.Plan{
		Mode: loadtest.Stress, URL: srv.URL(),
		Stress: loadtest.StressPlan{Start: 50, Factor: 2, StageDuration: 300 * time.Millisecond, Precision: 0.2},
		SLO:    loadtest.SLO{MaxErrorRate: 0.01, MinThroughput: 1000},
	})
	require.NoError(t, err)
	assert.False(t, res.Passed(), "capacity below the minimum throughput fails")

	dir := t.TempDir()
	require.NoError(t, loadtest.WriteReport(dir, res))
	md, err := os.ReadFile(filepath.Join(dir, loadtest.ReportMarkdown))
	require.NoError(t, err)
	assert.Contains(t, string(md), "# Load test: FAILED")
	assert.Contains(t, string(md), "## Stress search")
	assert.Contains(t, string(md), "is below the minimum throughput")

	var back loadtest.Result
	data, err := os.ReadFile(filepath.Join(dir, loadtest.ReportJSON))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &back))
	assert.Equal(t, res.Capacity, back.Capacity)
	assert.Len(t, back.Stages, len(res.Stages))

	for _, chart := range []string{loadtest.ChartLatency, loadtest.ChartThroughput} {
		png, err := os.ReadFile(filepath.Join(dir, chart))
		require.NoError(t, err)
		assert.True(t, bytes.HasPrefix(png, []byte("\x89PNG")), chart)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		plan loadtest.Plan
		want string
	}{
		{"no url", loadtest.Plan{Mode: loadtest.Constant, Rate: 1, Duration: time.Second}, "missing the target URL"},
		{"no rate", loadtest.Plan{Mode: loadtest.Constant, URL: "http://127.0.0.1:1", Duration: time.Second}, "constant test needs"},
		{"ramp without end", loadtest.Plan{Mode: loadtest.Ramp, URL: "http://127.0.0.1:1", Duration: time.Second}, "ramp needs"},
		{"stress without gates", loadtest.Plan{Mode: loadtest.Stress, URL: "http://127.0.0.1:1", Stress: loadtest.StressPlan{Start: 1}}, "objective to break"},
		{"unknown mode", loadtest.Plan{Mode: "soak", URL: "http://127.0.0.1:1"}, "unknown mode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.plan.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
