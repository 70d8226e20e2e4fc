package main

import (
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/misybot/platform/infra/loadtest"
)

// sloBreachError ends a load test that broke its objectives: exit status 1.
type sloBreachError struct{ breaches []loadtest.Breach }

func (e *sloBreachError) Error() string {
	texts := make([]string, len(e.breaches))
	for i, b := range e.breaches {
		texts[i] = b.Text
	}
	return "load test failed its objectives: " + strings.Join(texts, "; ")
}

type loadtestFlags struct {
	url, method, mode, out, progress string
	rate, rampTo                     float64
	duration, timeout                time.Duration
	stressStart, stressFactor        float64
	stressMax, stressPrecision       float64
	stressStage                      time.Duration
	p95, p99                         time.Duration
	maxErrorRate, minThroughput      float64
}

func (a app) loadtestCommand() *cobra.Command {
	var f loadtestFlags
	cmd := &cobra.Command{
		Use:   "loadtest --url URL [--mode constant|ramp|stress]",
		Short: "Send HTTP load (vegeta) and judge it against SLOs; exit 1 on a breach",
		Long: "loadtest sends load from this machine: --mode constant (--rate for --duration), ramp\n" +
			"(from --rate to --ramp-to over --duration) or stress (from --stress-start, multiplied by\n" +
			"--stress-factor per --stress-stage until the objectives break, then bisected to\n" +
			"--stress-precision; the report gives the capacity and the breaking point).\n\n" +
			"Objectives: --p95, --p99, --max-error-rate, --min-throughput (for stress: the capacity).\n" +
			"The markdown summary goes to stdout; --out DIR also writes report.md, results.json,\n" +
			"latency.png and throughput.png. Exit status: 0 objectives met, 1 breached or failed,\n" +
			"2 a mistake in the command line.",
		Args: noArgs("loadtest"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runLoadtest(cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.url, "url", "", "target URL (required)")
	fl.StringVar(&f.method, "method", "GET", "HTTP method")
	fl.StringVar(&f.mode, "mode", "constant", "constant, ramp or stress")
	fl.Float64Var(&f.rate, "rate", 50, "requests per second (constant), start rate (ramp)")
	fl.Float64Var(&f.rampTo, "ramp-to", 0, "end rate of a ramp")
	fl.DurationVar(&f.duration, "duration", 30*time.Second, "duration of a constant or ramp test")
	fl.Float64Var(&f.stressStart, "stress-start", 10, "first rate of a stress test")
	fl.Float64Var(&f.stressFactor, "stress-factor", 2, "rate multiplier after a passing stage")
	fl.Float64Var(&f.stressMax, "stress-max", 10000, "highest rate a stress test tries")
	fl.DurationVar(&f.stressStage, "stress-stage", 10*time.Second, "duration of a stress stage")
	fl.Float64Var(&f.stressPrecision, "stress-precision", 0.05, "relative precision of the breaking point")
	fl.DurationVar(&f.p95, "p95", 0, "objective: 95th percentile latency at most this (0: unchecked)")
	fl.DurationVar(&f.p99, "p99", 0, "objective: 99th percentile latency at most this (0: unchecked)")
	fl.Float64Var(&f.maxErrorRate, "max-error-rate", 0.01, "objective: share of failed requests at most this (0.01 = 1%; 0: unchecked)")
	fl.Float64Var(&f.minThroughput, "min-throughput", 0, "objective: successful requests per second at least this (0: unchecked)")
	fl.DurationVar(&f.timeout, "timeout", 10*time.Second, "per-request timeout")
	fl.StringVar(&f.out, "out", "", "directory for report.md, results.json and the PNG charts")
	fl.StringVar(&f.progress, "progress", "auto", "progress bar on stderr: auto (when a terminal), always or never")
	return cmd
}

func runLoadtest(cmd *cobra.Command, f loadtestFlags) error {
	mode, err := loadtest.ParseMode(f.mode)
	if err != nil {
		return usagef("--mode: %v", err)
	}
	if f.url == "" {
		return usagef("missing --url: name the target, e.g. --url https://staging.example/healthz")
	}
	progress, err := progressWriter(f.progress, cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	plan := loadtest.Plan{
		Mode: mode, URL: f.url, Method: strings.ToUpper(f.method),
		Rate: f.rate, RampTo: f.rampTo, Duration: f.duration, Timeout: f.timeout,
		Stress: loadtest.StressPlan{Start: f.stressStart, Factor: f.stressFactor, Max: f.stressMax,
			StageDuration: f.stressStage, Precision: f.stressPrecision},
		SLO:      loadtest.SLO{P95: f.p95, P99: f.p99, MaxErrorRate: f.maxErrorRate, MinThroughput: f.minThroughput},
		Progress: progress,
	}
	if err := plan.Validate(); err != nil {
		return usagef("%v", err)
	}
	res, err := loadtest.Run(cmd.Context(), plan)
	if err != nil {
		return err
	}
	if err := loadtest.WriteMarkdown(cmd.OutOrStdout(), res); err != nil {
		return err
	}
	if f.out != "" {
		if err := loadtest.WriteReport(f.out, res); err != nil {
			return err
		}
	}
	if !res.Passed() {
		return &sloBreachError{breaches: res.Breaches}
	}
	return nil
}

// progressWriter is stderr when a progress bar is wanted, nil otherwise.
func progressWriter(mode string, stderr io.Writer) (io.Writer, error) {
	switch mode {
	case "always":
		return stderr, nil
	case "never":
		return nil, nil
	case "auto":
		if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			return stderr, nil
		}
		return nil, nil
	}
	return nil, usagef("--progress: unknown value %q: use auto, always or never", mode)
}
