package loadtest_test

import (
	"bytes"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/infra/loadtest"
)

// defaults are the options of `misyinfra loadtest --url URL` (its flag
// defaults).
func defaults() loadtest.Options {
	return loadtest.Options{
		Mode: "constant", URL: "https://staging.example/healthz", Method: "get", Rate: 50, Duration: 30 * time.Second, Timeout: 10 * time.Second,
		StressStart: 10, StressFactor: 2, StressMax: 10000, StressStage: 10 * time.Second, StressCoolDown: 5 * time.Second, StressPrecision: 0.05,
		MaxErrorRate: 0.01, AbortDelay: 5 * time.Second, MaxInFlight: loadtest.DefaultMaxInFlight, Utilization: 0.7, Progress: "never",
	}
}

func lookup(env map[string]string) loadtest.Lookup {
	return func(name string) (string, bool) { v, ok := env[name]; return v, ok }
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

func TestNewPlan(t *testing.T) {
	body := writeFile(t, "body.json", `{"text":"hi"}`)
	requests := writeFile(t, "requests.jsonl", `{"method":"POST","url":"https://staging.example/api/messages","header":{"Authorization":"env:BOT_TOKEN"},"body":"{}"}`+"\n")
	env := map[string]string{"BOT_TOKEN": "Bearer s3cret"}
	for _, tc := range []struct {
		name  string
		mod   func(*loadtest.Options)
		check func(*testing.T, loadtest.Plan)
	}{
		{"constant by default, method upper-cased", nil, func(t *testing.T, p loadtest.Plan) {
			assert.Equal(t, loadtest.Constant, p.Mode)
			assert.Equal(t, "GET", p.Method)
			assert.Equal(t, 50.0, p.Rate)
			assert.Equal(t, 5*time.Second, p.Stress.CoolDown)
			assert.Nil(t, p.Progress)
		}},
		{"no cool-down is -1 for the plan", func(o *loadtest.Options) { o.StressCoolDown = 0 }, func(t *testing.T, p loadtest.Plan) {
			assert.Equal(t, time.Duration(-1), p.Stress.CoolDown)
		}},
		{"headers, one from the environment", func(o *loadtest.Options) { o.Headers = []string{"Authorization: env:BOT_TOKEN", "X-Test: 1"} },
			func(t *testing.T, p loadtest.Plan) {
				assert.Equal(t, "Bearer s3cret", p.Header.Get("Authorization"))
				assert.Equal(t, "1", p.Header.Get("X-Test"))
			}},
		{"body from a file", func(o *loadtest.Options) { o.Body = "@" + body }, func(t *testing.T, p loadtest.Plan) {
			assert.Equal(t, `{"text":"hi"}`, string(p.Body))
		}},
		{"requests from a file", func(o *loadtest.Options) { o.URL, o.Requests = "", requests }, func(t *testing.T, p loadtest.Plan) {
			require.Len(t, p.Requests, 1)
			assert.Equal(t, http.MethodPost, p.Requests[0].Method)
			assert.Equal(t, "Bearer s3cret", p.Requests[0].Header.Get("Authorization"))
		}},
		{"stages", func(o *loadtest.Options) { o.Mode, o.Stages = "stages", "1s:10,2s:20" }, func(t *testing.T, p loadtest.Plan) {
			assert.Equal(t, []loadtest.Step{{Duration: time.Second, Target: 10}, {Duration: 2 * time.Second, Target: 20}}, p.Steps)
		}},
		{"objectives and recommendation", func(o *loadtest.Options) {
			o.P95, o.P99, o.MinThroughput, o.Replicas, o.PeakRPS = time.Second, 2*time.Second, 40, 2, 500
		}, func(t *testing.T, p loadtest.Plan) {
			assert.Equal(t, loadtest.SLO{P95: time.Second, P99: 2 * time.Second, MaxErrorRate: 0.01, MinThroughput: 40}, p.SLO)
			assert.Equal(t, 2, p.Replicas)
			assert.Equal(t, 500.0, p.PeakRate)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := defaults()
			if tc.mod != nil {
				tc.mod(&o)
			}
			p, err := loadtest.NewPlan(o, &bytes.Buffer{}, lookup(env))
			require.NoError(t, err)
			tc.check(t, p)
		})
	}
}

func TestNewPlanMistakes(t *testing.T) {
	badRequests := writeFile(t, "bad.jsonl", "{\"url\":\"https://a.example\"}\nnot json\n[1]\n")
	emptyRequests := writeFile(t, "empty.jsonl", "\n")
	given := func(flags ...string) func(string) bool {
		return func(name string) bool {
			for _, f := range flags {
				if f == name {
					return true
				}
			}
			return false
		}
	}
	for _, tc := range []struct {
		name  string
		mod   func(*loadtest.Options)
		lines []string // exact, or a prefix of the only line with prefix
		start string
	}{
		{name: "unknown mode", mod: func(o *loadtest.Options) { o.Mode = "soak" }, lines: []string{`--mode: unknown mode "soak": use constant, ramp, stages or stress`}},
		{name: "unknown progress", mod: func(o *loadtest.Options) { o.Progress = "sometimes" }, lines: []string{`--progress: unknown value "sometimes": use auto, always or never`}},
		{name: "no request in flight", mod: func(o *loadtest.Options) { o.MaxInFlight = 0 }, lines: []string{"--max-in-flight 0: must be at least 1"}},
		{name: "peak without replicas", mod: func(o *loadtest.Options) { o.PeakRPS = 500 }, lines: []string{"--peak-rps needs --replicas: the replicas that served the test"}},
		{name: "requests and a given url", mod: func(o *loadtest.Options) { o.Requests, o.Given = "x.jsonl", given("url") },
			lines: []string{"--requests replaces --url: give one or the other"}},
		{name: "requests and a given header", mod: func(o *loadtest.Options) { o.URL, o.Requests, o.Given = "", "x.jsonl", given("header") },
			lines: []string{"--requests replaces --header: give one or the other"}},
		{name: "requests file missing", mod: func(o *loadtest.Options) { o.URL, o.Requests = "", "/nonexistent/r.jsonl" },
			lines: []string{"--requests: open /nonexistent/r.jsonl: no such file or directory"}},
		{name: "requests file with bad lines: one problem a line", mod: func(o *loadtest.Options) { o.URL, o.Requests = "", badRequests },
			start: "--requests " + badRequests + ": "},
		{name: "requests file without a request", mod: func(o *loadtest.Options) { o.URL, o.Requests = "", emptyRequests },
			lines: []string{"--requests " + emptyRequests + ": the request file holds no request"}},
		{name: "missing url", mod: func(o *loadtest.Options) { o.URL = "" }, lines: []string{"missing --url: name the target, e.g. --url https://staging.example/healthz"}},
		{name: "header from an unset variable", mod: func(o *loadtest.Options) { o.Headers = []string{"X-Bot-Secret: env:UNSET"} },
			lines: []string{"--header: header X-Bot-Secret: environment variable UNSET is not set"}},
		{name: "header without a colon", mod: func(o *loadtest.Options) { o.Headers = []string{"X-Bot-Secret"} },
			lines: []string{`--header: header "X-Bot-Secret": want 'Name: value' (value may be env:VARIABLE)`}},
		{name: "body file missing", mod: func(o *loadtest.Options) { o.Body = "@/nonexistent/body.json" },
			lines: []string{"--body: reading the body: open /nonexistent/body.json: no such file or directory"}},
		{name: "stages without the mode", mod: func(o *loadtest.Options) { o.Stages = "1s:10" }, lines: []string{"--stages needs --mode stages"}},
		{name: "bad stage", mod: func(o *loadtest.Options) { o.Mode, o.Stages = "stages", "1s" }, lines: []string{`--stages: stage "1s": want DURATION:RATE, e.g. 30s:100`}},
		{name: "the plan's own check", mod: func(o *loadtest.Options) { o.Mode = "ramp" },
			lines: []string{"a ramp needs a start rate of zero or more, an end rate and a duration above zero"}},
		{name: "not a URL", mod: func(o *loadtest.Options) { o.URL = "staging.example/healthz" }, lines: []string{`"staging.example/healthz" is not an http(s) URL`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := defaults()
			tc.mod(&o)
			_, err := loadtest.NewPlan(o, &bytes.Buffer{}, lookup(nil))
			var optsErr *loadtest.OptionsError
			require.True(t, errors.As(err, &optsErr), "every mistake is an OptionsError: %v", err)
			if tc.start != "" {
				require.Greater(t, len(optsErr.Lines), 1, "one line per bad request line")
				for _, l := range optsErr.Lines {
					assert.True(t, len(l) > len(tc.start) && l[:len(tc.start)] == tc.start, "line %q names the file", l)
				}
				return
			}
			if assert.Len(t, optsErr.Lines, 1) {
				assert.Contains(t, optsErr.Lines[0], tc.lines[0])
			}
		})
	}
}

func TestProgressWriter(t *testing.T) {
	var stderr bytes.Buffer
	for _, tc := range []struct {
		mode string
		want bool
	}{
		{"always", true}, {"never", false}, {"auto", false}, // a buffer is no terminal
	} {
		t.Run(tc.mode, func(t *testing.T) {
			w, err := loadtest.ProgressWriter(tc.mode, &stderr)
			require.NoError(t, err)
			assert.Equal(t, tc.want, w != nil)
		})
	}
	_, err := loadtest.ProgressWriter("", &stderr)
	assert.EqualError(t, err, `--progress: unknown value "": use auto, always or never`)
	assert.False(t, loadtest.IsTerminal(&stderr))
}

// TestNewPlanProgressLinesWhenNotATerminal: "always" on a pipe or a file
// writes progress lines, not a bar.
func TestNewPlanProgressLinesWhenNotATerminal(t *testing.T) {
	o := defaults()
	o.Progress = "always"
	var stderr bytes.Buffer
	p, err := loadtest.NewPlan(o, &stderr, lookup(nil))
	require.NoError(t, err)
	assert.Same(t, &stderr, p.Progress)
	assert.True(t, p.ProgressLines)
}
