package main

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

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
		{"unknown mode", []string{"--url", srv.URL, "--mode", "soak"}, 2, "", `--mode: unknown mode "soak": use constant, ramp or stress`},
		{"ramp without end", []string{"--url", srv.URL, "--mode", "ramp"}, 2, "", "a ramp needs a start rate of zero or more, an end rate and a duration above zero"},
		{"bad progress", []string{"--url", srv.URL, "--progress", "sometimes"}, 2, "", `--progress: unknown value "sometimes": use auto, always or never`},
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
