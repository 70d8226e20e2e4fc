package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLoadtestMemoryIsFlat runs the real CLI at a constant 3,000 req/s
// against a server on 127.0.0.1 for 10 s and for 40 s, and compares the
// peak RSS of the two (getrusage of the child): the results are streamed,
// so the longer run may use at most 1.2× the memory of the shorter one.
// It takes about a minute, so it runs only when asked:
//
//	MISYINFRA_LOADTEST_MEMORY=1 go test ./infra/cmd/misyinfra -run TestLoadtestMemoryIsFlat -v -timeout 10m
//
// MISYINFRA_LOADTEST_BINARY names a prebuilt binary to measure instead of
// building this one (to compare with another version);
// MISYINFRA_LOADTEST_RATE changes the rate (for a machine that cannot
// hold 3,000 req/s: the test refuses to compare runs the generator could
// not hold).
func TestLoadtestMemoryIsFlat(t *testing.T) {
	if os.Getenv("MISYINFRA_LOADTEST_MEMORY") == "" {
		t.Skip("set MISYINFRA_LOADTEST_MEMORY=1 to run (about a minute of load)")
	}
	bin := os.Getenv("MISYINFRA_LOADTEST_BINARY")
	if bin == "" {
		bin = filepath.Join(t.TempDir(), "misyinfra")
		build := exec.Command("go", "build", "-o", bin, ".")
		build.Stderr = os.Stderr
		require.NoError(t, build.Run(), "go build")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	}))
	defer srv.Close()

	rate := 3000.0
	if s := os.Getenv("MISYINFRA_LOADTEST_RATE"); s != "" {
		var err error
		rate, err = strconv.ParseFloat(s, 64)
		require.NoError(t, err, "MISYINFRA_LOADTEST_RATE")
	}
	measure := func(d time.Duration) (maxRSSKB int64, achieved float64) {
		out := t.TempDir()
		cmd := exec.Command(bin, "loadtest", "--url", srv.URL, "--rate", fmt.Sprint(rate), "--duration", d.String(),
			"--progress", "never", "--max-error-rate", "0", "--out", out)
		stdout, err := cmd.Output()
		require.NoError(t, err, "misyinfra loadtest --duration %s:\n%s", d, stdout)
		maxRSSKB = cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss // kilobytes on Linux
		data, err := os.ReadFile(filepath.Join(out, "results.json"))
		require.NoError(t, err)
		var res struct {
			Summary struct {
				Requests uint64  `json:"requests"`
				Rate     float64 `json:"rate"`
			} `json:"summary"`
		}
		require.NoError(t, json.Unmarshal(data, &res))
		t.Logf("%s at %.0f req/s: %d requests, achieved %.1f req/s, max RSS %.1f MB", d, rate, res.Summary.Requests, res.Summary.Rate, float64(maxRSSKB)/1024)
		return maxRSSKB, res.Summary.Rate
	}
	short, shortRate := measure(10 * time.Second)
	long, longRate := measure(40 * time.Second)
	t.Logf("40 s / 10 s peak RSS: %.2f", float64(long)/float64(short))
	for _, r := range []float64{shortRate, longRate} {
		require.Greater(t, r, 0.95*rate, "the generator did not hold %.0f req/s on this machine: the comparison means nothing", rate)
	}
	assert.LessOrEqual(t, float64(long), 1.2*float64(short), "a 40 s run may use at most 1.2× the memory of a 10 s run")
}
