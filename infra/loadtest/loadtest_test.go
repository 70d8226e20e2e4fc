package loadtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
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

func TestReportFiles(t *testing.T) {
	srv := simulation.NewLimitedServer(100, 5)
	defer srv.Close()
	res, err := loadtest.Run(context.Background(), loadtest.Plan{
		Mode: loadtest.Stress, URL: srv.URL(),
		Stress: loadtest.StressPlan{Start: 50, Factor: 2, StageDuration: 300 * time.Millisecond, Precision: 0.2, CoolDown: -1},
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

// Probe "Rate 318.2 reported for 350 sent": the rate is per second of
// sending, not stretched by the latency of the last requests.
func TestRateIsPerSecondOfSending(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { time.Sleep(300 * time.Millisecond) }))
	defer srv.Close()
	res, err := loadtest.Run(context.Background(), loadtest.Plan{Mode: loadtest.Constant, URL: srv.URL, Rate: 50, Duration: time.Second})
	require.NoError(t, err)
	// A busy machine may send the last request after the end: 49 or 50.
	assert.InDelta(t, 50, float64(res.Summary.Requests), 1)
	assert.InEpsilon(t, 50, res.Summary.Rate, 0.05, "the old generator reported 42 here")
	assert.InEpsilon(t, 50, res.Summary.Throughput, 0.05)
}

// Probe "the throughput chart divides each bucket's count by bucket
// length plus latency and understates ~3× at 2 s latency; the last partial
// bucket drops to ~0": each bucket is its count over its length, by send
// time, and the last is cut where sending ended.
func TestSeriesRatesAreCountsOverBucketLength(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { time.Sleep(400 * time.Millisecond) }))
	defer srv.Close()
	res, err := loadtest.Run(context.Background(), loadtest.Plan{Mode: loadtest.Constant, URL: srv.URL,
		Rate: 100, Duration: 1100 * time.Millisecond, Bucket: 250 * time.Millisecond})
	require.NoError(t, err)
	require.Len(t, res.Series, 5)
	for i, p := range res.Series {
		tolerance := 0.15
		if i == len(res.Series)-1 {
			tolerance = 0.35 // 10 requests
		}
		assert.InEpsilon(t, 100, p.Rate, tolerance, "sent rate of bucket %d", i)
		assert.InEpsilon(t, 100, p.Throughput, tolerance, "throughput of bucket %d", i)
	}
}

// Probe "--rate 0.5 rounds to 1 req/s": fractional rates are kept.
func TestFractionalRate(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	res, err := loadtest.Run(context.Background(), loadtest.Plan{Mode: loadtest.Constant, URL: srv.URL, Rate: 1.5, Duration: 2 * time.Second})
	require.NoError(t, err)
	assert.Equal(t, uint64(3), res.Summary.Requests, "1.5 req/s for 2 s")
}

// Probe "no abort-on-fail".
func TestAbortOnFail(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusInternalServerError) }))
	defer srv.Close()
	start := time.Now()
	res, err := loadtest.Run(context.Background(), loadtest.Plan{Mode: loadtest.Constant, URL: srv.URL, Rate: 100, Duration: 20 * time.Second,
		SLO: loadtest.SLO{MaxErrorRate: 0.01}, AbortOnFail: true, AbortDelay: 300 * time.Millisecond})
	require.NoError(t, err)
	assert.Less(t, time.Since(start), 3*time.Second, "stopped early")
	assert.True(t, res.Aborted)
	assert.False(t, res.Passed())
	require.NotEmpty(t, res.Breaches)
	assert.Equal(t, "error-rate", res.Breaches[0].Gate)
	assert.Contains(t, res.Breaches[0].Text, "aborted at")
	assert.Less(t, res.Summary.Duration, 3*time.Second, "the summary covers the time sent")
	assert.InEpsilon(t, 100, res.Summary.RequestedRate, 0.1, "requested over the time sent, not the full plan")

	var md bytes.Buffer
	require.NoError(t, loadtest.WriteMarkdown(&md, res))
	assert.Contains(t, md.String(), "# Load test: ABORTED")
}

// Probe "Ctrl-C: killed, no summary, no report": a cancelled run returns
// what it measured, marked partial.
func TestInterruptedRunIsPartial(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
	defer cancel()
	res, err := loadtest.Run(ctx, loadtest.Plan{Mode: loadtest.Constant, URL: srv.URL, Rate: 100, Duration: time.Minute,
		SLO: loadtest.SLO{MaxErrorRate: 0.01, MinThroughput: 90}})
	require.ErrorIs(t, err, loadtest.ErrInterrupted)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.NotNil(t, res)
	assert.True(t, res.Partial)
	assert.False(t, res.Passed())
	assert.InDelta(t, 60, float64(res.Summary.Requests), 15)
	assert.InEpsilon(t, 100, res.Summary.Rate, 0.15, "over the time sent")
	assert.Empty(t, res.Breaches, "a partial run is judged on what ran; throughput is not judged")
	assert.NotEmpty(t, res.Series)

	dir := t.TempDir()
	require.NoError(t, loadtest.WriteReport(dir, res))
	md, err := os.ReadFile(filepath.Join(dir, loadtest.ReportMarkdown))
	require.NoError(t, err)
	assert.Contains(t, string(md), "# Load test: PARTIAL")
	assert.Contains(t, string(md), "**Partial report**")
}

// Probe "no warning when the requested rate is not reached".
func TestGeneratorShortfallWarns(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	res, err := loadtest.Run(context.Background(), loadtest.Plan{Mode: loadtest.Constant, URL: srv.URL, Rate: 200000, Duration: 100 * time.Millisecond,
		Timeout: 2 * time.Second})
	require.NoError(t, err)
	t.Logf("requested %.0f req/s, achieved %.0f req/s, %d dropped", res.Summary.RequestedRate, res.Summary.Rate, res.Summary.Dropped)
	assert.True(t, res.Summary.GeneratorLimited)
	assert.Positive(t, res.Summary.Dropped)
	require.NotEmpty(t, res.Warnings)
	assert.Contains(t, res.Warnings[0], "the generator fell short")
}

// A stress stage the generator cannot send is not judged and ends the
// search: its failures would be the generator's.
func TestStressStopsWhenTheGeneratorSaturates(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	res, err := loadtest.Run(context.Background(), loadtest.Plan{Mode: loadtest.Stress, URL: srv.URL, Timeout: 2 * time.Second,
		Stress: loadtest.StressPlan{Start: 200000, StageDuration: 100 * time.Millisecond},
		SLO:    loadtest.SLO{MaxErrorRate: 0.01}})
	require.NoError(t, err)
	require.Len(t, res.Stages, 1)
	assert.True(t, res.Stages[0].GeneratorLimited)
	assert.Empty(t, res.Stages[0].Breaches, "not judged")
	assert.Zero(t, res.Capacity)
	assert.Zero(t, res.BreakingPoint)
	require.NotEmpty(t, res.Warnings)
	assert.Contains(t, res.Warnings[0], "the stress search ended at stage 1")
}

func TestStagesProfile(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	steps, err := loadtest.ParseSteps("400ms:100,400ms:100,0s:0,400ms:0,0s:50,400ms:50")
	require.NoError(t, err)
	res, err := loadtest.Run(context.Background(), loadtest.Plan{Mode: loadtest.Stages, URL: srv.URL, Rate: 0, Steps: steps,
		Bucket: 400 * time.Millisecond})
	require.NoError(t, err)
	// 20 on the ramp, 40 held, none in the pause, 20 at 50 req/s.
	assert.Equal(t, uint64(80), res.Summary.Planned)
	assert.InDelta(t, 80, float64(res.Summary.Requests), 1)
	require.Len(t, res.Series, 4)
	// Buckets start with the run, the schedule a few ms later, when the
	// attacker is ready: the requested rates are shifted by that much.
	assert.InDelta(t, 50, res.Series[0].RequestedRate, 1)
	assert.InDelta(t, 100, res.Series[1].RequestedRate, 1)
	assert.InDelta(t, 0, res.Series[2].RequestedRate, 1, "the pause asks for nothing")
	assert.LessOrEqual(t, res.Series[2].Requests, uint64(2), "at most a late request of the stage before")
	assert.InDelta(t, 50, res.Series[3].Rate, 8)
}

// A webhook POST: method, headers (a secret from the environment), body;
// several requests in turn.
func TestRequestsCarryMethodHeadersAndBody(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen[r.Method+" "+r.URL.Path+" "+r.Header.Get("X-Bot-Secret")+" "+string(body)]++
		mu.Unlock()
		if r.Method == http.MethodPost && r.Header.Get("X-Bot-Secret") != "s3cr3t" {
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	defer srv.Close()
	h := http.Header{}
	require.NoError(t, loadtest.ParseHeader(h, "X-Bot-Secret: env:BOT_WEBHOOK_SECRET", env(map[string]string{"BOT_WEBHOOK_SECRET": "s3cr3t"})))
	res, err := loadtest.Run(context.Background(), loadtest.Plan{Mode: loadtest.Constant, Rate: 40, Duration: 500 * time.Millisecond,
		Requests: []loadtest.Request{
			{Method: http.MethodPost, URL: srv.URL + "/api/messages", Header: h, Body: []byte(`{"type":"message"}`)},
			{Method: http.MethodGet, URL: srv.URL + "/healthz"},
		}})
	require.NoError(t, err)
	assert.True(t, res.Passed(), res.Breaches)
	assert.Equal(t, map[string]int{
		`POST /api/messages s3cr3t {"type":"message"}`: 10,
		"GET /healthz  ": 10,
	}, seen)
	var md, js bytes.Buffer
	require.NoError(t, loadtest.WriteMarkdown(&md, res))
	require.NoError(t, loadtest.WriteJSON(&js, res))
	assert.Contains(t, md.String(), "headers X-Bot-Secret (values not shown)")
	assert.NotContains(t, md.String(), "s3cr3t")
	assert.NotContains(t, js.String(), "s3cr3t")
}

// Client-side errors are counted apart from the target's answers.
func TestClientErrorsApartFromTargetErrors(t *testing.T) {
	var n atomic.Uint64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		switch n.Add(1) % 4 {
		case 0:
			w.WriteHeader(http.StatusInternalServerError)
		case 1:
			time.Sleep(300 * time.Millisecond) // beyond the client's timeout
		}
	}))
	defer srv.Close()
	res, err := loadtest.Run(context.Background(), loadtest.Plan{Mode: loadtest.Constant, URL: srv.URL, Rate: 40, Duration: time.Second,
		Timeout: 100 * time.Millisecond, SLO: loadtest.SLO{MaxErrorRate: 0.01}})
	require.NoError(t, err)
	s := res.Summary
	assert.Equal(t, uint64(10), s.TargetErrors)
	assert.Equal(t, map[loadtest.ErrorKind]uint64{loadtest.ErrTimeout: 10}, s.ClientErrors)
	assert.InDelta(t, 0.5, s.ErrorRate, 1e-9, "both fail the user")
	var md bytes.Buffer
	require.NoError(t, loadtest.WriteMarkdown(&md, res))
	assert.Contains(t, md.String(), "Failures: 10 answered with 4xx/5xx by the target; 10 client-side timeout.")
}

func TestTargetDownFails(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	url := srv.URL
	srv.Close()
	res, err := loadtest.Run(context.Background(), loadtest.Plan{Mode: loadtest.Constant, URL: url, Rate: 20, Duration: 300 * time.Millisecond,
		SLO: loadtest.SLO{MaxErrorRate: 0.01}})
	require.NoError(t, err)
	assert.False(t, res.Passed())
	assert.Equal(t, uint64(6), res.Summary.ClientErrors[loadtest.ErrConnection])
}
