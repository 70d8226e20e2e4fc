package main

import (
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadtestCommand(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/broken" {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	out := t.TempDir()
	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     string
		stderrLine string
	}{
		{"meets the SLO", []string{"--url", srv.URL, "--rate", "50", "--duration", "300ms", "--p95", "500ms", "--out", out}, 0, "# Load test: PASSED", ""},
		{"breaches the error rate", []string{"--url", srv.URL + "/broken", "--rate", "50", "--duration", "200ms"}, 1, "# Load test: FAILED",
			"error: load test failed its objectives: error rate 100.00% is above 1.00%"},
		{"missing url", nil, 2, "", "missing --url: name the target, e.g. --url https://staging.example/healthz"},
		{"unknown mode", []string{"--url", srv.URL, "--mode", "soak"}, 2, "", `--mode: unknown mode "soak": use constant, ramp, stages or stress`},
		{"ramp without end", []string{"--url", srv.URL, "--mode", "ramp"}, 2, "", "a ramp needs a start rate of zero or more, an end rate and a duration above zero"},
		{"bad progress", []string{"--url", srv.URL, "--progress", "sometimes"}, 2, "", `--progress: unknown value "sometimes": use auto, always or never`},
		{"secret header not set", []string{"--url", srv.URL, "--header", "X-Bot-Secret: env:MISYINFRA_TEST_UNSET"}, 2, "",
			"--header: header X-Bot-Secret: environment variable MISYINFRA_TEST_UNSET is not set"},
		{"header without a colon", []string{"--url", srv.URL, "--header", "X-Bot-Secret"}, 2, "",
			`--header: header "X-Bot-Secret": want 'Name: value' (value may be env:VARIABLE)`},
		{"body file missing", []string{"--url", srv.URL, "--body", "@/nonexistent/body.json"}, 2, "",
			"--body: reading the body: open /nonexistent/body.json: no such file or directory"},
		{"requests and url", []string{"--url", srv.URL, "--requests", "x.jsonl"}, 2, "", "--requests replaces --url: give one or the other"},
		{"stages without the mode", []string{"--url", srv.URL, "--stages", "1s:10"}, 2, "", "--stages needs --mode stages"},
		{"bad stage", []string{"--url", srv.URL, "--mode", "stages", "--stages", "1s"}, 2, "", `--stages: stage "1s": want DURATION:RATE, e.g. 30s:100`},
		{"no request in flight", []string{"--url", srv.URL, "--max-in-flight", "0"}, 2, "", "--max-in-flight 0: must be at least 1"},
		{"peak without replicas", []string{"--url", srv.URL, "--peak-rps", "500"}, 2, "", "--peak-rps needs --replicas: the replicas that served the test"},
		{"abort with stress", []string{"--url", srv.URL, "--mode", "stress", "--abort-on-fail"}, 2, "",
			"abort on fail does not apply to a stress test: its search ends at the first stage that breaks the objectives"},
		{"not a URL", []string{"--url", "staging.example/healthz"}, 2, "", `"staging.example/healthz" is not an http(s) URL`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runMain(append([]string{"loadtest"}, tt.args...)...)
			require.Equal(t, tt.code, r.code, r.stderr)
			assert.Contains(t, r.stdout, tt.stdout)
			if tt.stderrLine != "" {
				assert.Equal(t, []string{tt.stderrLine}, r.stderrLines())
			} else {
				assert.Empty(t, r.stderr)
			}
		})
	}
	for _, f := range []string{"report.md", "results.json", "latency.png", "throughput.png"} {
		assert.FileExists(t, filepath.Join(out, f))
	}
}

func readResults(t *testing.T, dir string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "results.json"))
	require.NoError(t, err)
	var res map[string]any
	require.NoError(t, json.Unmarshal(data, &res))
	return res
}

// Probe "no flags for headers or a body: a webhook POST with JSON and a
// secret header cannot be tested".
func TestLoadtestWebhookPost(t *testing.T) {
	const secret = "webhook-s3cr3t-value"
	t.Setenv("MISYINFRA_TEST_BOT_SECRET", secret)
	var ok, bad atomic.Uint64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Method != http.MethodPost || r.Header.Get("X-Bot-Secret") != secret ||
			r.Header.Get("Content-Type") != "application/json" || string(body) != `{"type":"message","text":"hi"}` {
			bad.Add(1)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		ok.Add(1)
	}))
	defer srv.Close()
	dir := t.TempDir()
	body := filepath.Join(dir, "activity.json")
	require.NoError(t, os.WriteFile(body, []byte(`{"type":"message","text":"hi"}`), 0o600))
	out := filepath.Join(dir, "out")
	r := runMain("loadtest", "--url", srv.URL+"/api/messages", "--method", "post",
		"--header", "Content-Type: application/json", "--header", "X-Bot-Secret: env:MISYINFRA_TEST_BOT_SECRET",
		"--body", "@"+body, "--rate", "40", "--duration", "500ms", "--out", out)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, uint64(20), ok.Load())
	assert.Zero(t, bad.Load())
	assert.Contains(t, r.stdout, "- Request: `POST "+srv.URL+"/api/messages`, headers Content-Type, X-Bot-Secret (values not shown), body 30 bytes")
	for _, f := range []string{"report.md", "results.json"} {
		data, err := os.ReadFile(filepath.Join(out, f))
		require.NoError(t, err)
		assert.NotContains(t, string(data), secret, f)
	}
	assert.NotContains(t, r.stdout+r.stderr, secret)

	// The same from a request file.
	reqs := filepath.Join(dir, "requests.jsonl")
	require.NoError(t, os.WriteFile(reqs, []byte(`{"method":"POST","url":"`+srv.URL+`/api/messages","header":{"Content-Type":"application/json","X-Bot-Secret":"env:MISYINFRA_TEST_BOT_SECRET"},"bodyFile":"activity.json"}`+"\n"), 0o600))
	r = runMain("loadtest", "--requests", reqs, "--rate", "40", "--duration", "250ms")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, uint64(30), ok.Load())
	assert.NotContains(t, r.stdout, secret)
}

// Probe "--rate 0.5 rounds to 1 req/s".
func TestLoadtestFractionalRate(t *testing.T) {
	var hits atomic.Uint64
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	out := t.TempDir()
	r := runMain("loadtest", "--url", srv.URL, "--rate", "1.5", "--duration", "2s", "--out", out)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, uint64(3), hits.Load(), "1.5 req/s for 2 s")
	summary := readResults(t, out)["summary"].(map[string]any)
	assert.InDelta(t, 1.5, summary["requestedRate"], 1e-9)
}

// Probe "no abort-on-fail".
func TestLoadtestAbortOnFail(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }))
	defer srv.Close()
	start := time.Now()
	r := runMain("loadtest", "--url", srv.URL, "--rate", "100", "--duration", "30s", "--abort-on-fail", "--abort-delay", "300ms")
	require.Equal(t, 1, r.code, r.stderr)
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.Contains(t, r.stdout, "# Load test: ABORTED (objectives breached)")
	require.Len(t, r.stderrLines(), 1)
	assert.Regexp(t, `^error: load test aborted: aborted at \d+s: error rate 100\.00% is above 1\.00%$`, r.stderrLines()[0])
}

// Probe "Ctrl-C: killed, no summary, no report": SIGINT ends the test
// with a partial report and exit status 1.
func TestLoadtestInterruptWritesPartialReport(t *testing.T) {
	var hits atomic.Uint64
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	out := t.TempDir()
	var r result
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		r = runMain("loadtest", "--url", srv.URL, "--rate", "100", "--duration", "1m", "--out", out)
	}()
	// Requests arriving mean the command has its signal handler.
	require.Eventually(t, func() bool { return hits.Load() >= 30 }, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGINT))
	wg.Wait()
	require.Equal(t, 1, r.code, r.stderr)
	assert.Equal(t, []string{"error: load test interrupted: the report is partial"}, r.stderrLines())
	assert.Contains(t, r.stdout, "# Load test: PARTIAL (interrupted)")
	md, err := os.ReadFile(filepath.Join(out, "report.md"))
	require.NoError(t, err)
	assert.Contains(t, string(md), "**Partial report**")
	res := readResults(t, out)
	assert.Equal(t, true, res["partial"])
	assert.Positive(t, res["summary"].(map[string]any)["requests"])
	assert.FileExists(t, filepath.Join(out, "throughput.png"))
}

// Probe "in a non-terminal with --progress always ~10 frames/s pile up
// in the log": a line every 5 s instead.
func TestLoadtestProgressLinesInALog(t *testing.T) {
	if testing.Short() {
		t.Skip("runs 6 s")
	}
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	r := runMain("loadtest", "--url", srv.URL, "--rate", "20", "--duration", "6s", "--progress", "always")
	require.Equal(t, 0, r.code, r.stderr)
	lines := r.stderrLines()
	require.Len(t, lines, 1, r.stderr)
	assert.Regexp(t, `^loadtest constant: 5s elapsed, \d+ sent \(\d+(\.\d)? req/s over the last 5s\), 100\.0% ok, p95 `, lines[0])
	assert.NotContains(t, r.stderr, "\r")
}

// Probe "no warning when the requested rate is not reached".
func TestLoadtestWarnsWhenTheGeneratorFallsShort(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	r := runMain("loadtest", "--url", srv.URL, "--rate", "200000", "--duration", "100ms", "--max-error-rate", "0")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "> **Warning**: the generator fell short: ")
	assert.Regexp(t, `\| 200000\.0 \| \d+\.\d \|`, r.stdout, "requested and achieved rates side by side")
}

// A slow target must not grow the generator without bound (the 40 s run
// at 3,000 req/s whose target slowed down held 918 MB): past
// --max-in-flight the rate falls short, and the report says so.
func TestLoadtestBoundsRequestsInFlight(t *testing.T) {
	var inFlight, most atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			m := most.Load()
			if n <= m || most.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(200 * time.Millisecond)
	}))
	defer srv.Close()
	r := runMain("loadtest", "--url", srv.URL, "--rate", "200", "--duration", "1s", "--max-in-flight", "4", "--max-error-rate", "0")
	require.Equal(t, 0, r.code, r.stderr)
	assert.LessOrEqual(t, most.Load(), int64(4), "requests in flight at once")
	assert.Greater(t, most.Load(), int64(1), "the bound is not a serialisation")
	assert.Contains(t, r.stdout, "> **Warning**: the generator fell short: ")
}

func TestLoadtestRecommendation(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	r := runMain("loadtest", "--url", srv.URL, "--rate", "100", "--duration", "500ms", "--replicas", "2", "--peak-rps", "1000")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "## Scale recommendation")
	// The figures follow from the throughput the run achieved (100 req/s
	// over 2 replicas when the machine keeps up: C = 50, 35 and 29; a
	// loaded machine sends a little less), so they are checked against the
	// capacity the report prints, not against the wall clock.
	m := regexp.MustCompile("capacity per replica \\| ([0-9.]+) req/s \\|\n\\| `app.httpConcurrency` \\| (\\d+) \\|\n\\| `app.maxReplicas` for 1000 req/s \\| (\\d+) \\|").
		FindStringSubmatch(r.stdout)
	require.NotNil(t, m, r.stdout)
	c, _ := strconv.ParseFloat(m[1], 64)
	assert.InDelta(t, 50, c, 10, "about half of 100 req/s per replica")
	assert.Equal(t, m[2], strconv.Itoa(int(math.Floor(0.7*c))), "httpConcurrency = floor(u × C)")
	assert.Equal(t, m[3], strconv.Itoa(int(math.Ceil(1000/(0.7*c)))), "maxReplicas = ceil(peak / (u × C))")
	assert.Contains(t, r.stdout, "maxReplicas = ceil(peak / (u × C))")
	assert.True(t, strings.Contains(r.stdout, "The capacity is a lower bound"))
}

// The load-testing docs name only flags the command has: every --flag of
// docs/load-testing.md, and of each `misyinfra loadtest` command line in
// loadtest/README.md and loadtest/plan.yaml.
func TestLoadtestDocsNameRealFlags(t *testing.T) {
	cmd := platform().loadtestCommand()
	flag := regexp.MustCompile(`--([a-z][a-z0-9-]*)`)
	check := func(file, text string) {
		for _, m := range flag.FindAllStringSubmatch(text, -1) {
			assert.NotNil(t, cmd.Flags().Lookup(m[1]), "%s names --%s, which misyinfra loadtest does not have", file, m[1])
		}
	}
	read := func(rel string) string {
		data, err := os.ReadFile(filepath.Join(repoRoot, rel))
		require.NoError(t, err)
		return string(data)
	}
	check("docs/load-testing.md", read("docs/load-testing.md"))
	commands := 0
	for _, rel := range []string{"loadtest/README.md", "loadtest/plan.yaml", "docs/load-testing.md"} {
		lines := strings.Split(read(rel), "\n")
		for i := 0; i < len(lines); i++ {
			if !strings.Contains(lines[i], "misyinfra loadtest") {
				continue
			}
			command := lines[i]
			for strings.HasSuffix(strings.TrimSpace(lines[i]), `\`) && i+1 < len(lines) {
				i++
				command += " " + lines[i]
			}
			commands++
			check(rel, command[strings.Index(command, "misyinfra loadtest"):])
		}
	}
	assert.GreaterOrEqual(t, commands, 8)
}
