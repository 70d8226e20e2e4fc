package main

import (
	"errors"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/misybot/platform/infra/loadtest"
)

// sloBreachError ends a load test that broke its objectives: exit status 1.
type sloBreachError struct {
	breaches []loadtest.Breach
	aborted  bool
}

func (e *sloBreachError) Error() string {
	texts := make([]string, len(e.breaches))
	for i, b := range e.breaches {
		texts[i] = b.Text
	}
	head := "load test failed its objectives: "
	if e.aborted {
		head = "load test aborted: "
	}
	return head + strings.Join(texts, "; ")
}

type loadtestFlags struct {
	url, method, mode, out, progress string
	headers                          []string
	body, requests, stages           string
	rate, rampTo                     float64
	duration, timeout                time.Duration
	stressStart, stressFactor        float64
	stressMax, stressPrecision       float64
	stressStage, stressCoolDown      time.Duration
	p95, p99                         time.Duration
	maxErrorRate, minThroughput      float64
	abortOnFail                      bool
	abortDelay                       time.Duration
	replicas, maxInFlight            int
	peakRPS, utilization             float64
}

func (a app) loadtestCommand() *cobra.Command {
	var f loadtestFlags
	cmd := &cobra.Command{
		Use:   "loadtest --url URL [--mode constant|ramp|stages|stress]",
		Short: "Send HTTP load (vegeta) and judge it against SLOs; exit 1 on a breach",
		Long: "loadtest sends load from this machine: --mode constant (--rate for --duration), ramp\n" +
			"(from --rate to --ramp-to over --duration), stages (from --rate through --stages, e.g.\n" +
			"30s:100,2m:100,30s:0) or stress (from --stress-start, multiplied by --stress-factor per\n" +
			"--stress-stage with --stress-cooldown between stages, until the objectives break, then\n" +
			"bisected to --stress-precision; the capacity is the achieved throughput).\n\n" +
			"The request: --url, --method, --header 'Name: value' (repeatable; 'Name: env:VAR' reads\n" +
			"the value from the environment; reports never show header values) and --body (text or\n" +
			"@file), or --requests FILE (one JSON request a line, sent in turn).\n\n" +
			"Objectives: --p95, --p99, --max-error-rate, --min-throughput (for stress: the capacity);\n" +
			"--abort-on-fail stops at the first breach. --replicas (and --peak-rps) add a scale\n" +
			"recommendation. SIGINT or SIGTERM stops the test and writes a partial report.\n" +
			"The markdown summary goes to stdout; --out DIR also writes report.md, results.json,\n" +
			"latency.png and throughput.png. Exit status: 0 objectives met, 1 breached, aborted,\n" +
			"interrupted or failed, 2 a mistake in the command line.",
		Args: noArgs("loadtest"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runLoadtest(cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.url, "url", "", "target URL (required unless --requests)")
	fl.StringVar(&f.method, "method", "GET", "HTTP method")
	fl.StringArrayVar(&f.headers, "header", nil, "request header 'Name: value', repeatable; 'Name: env:VAR' reads the value from the environment")
	fl.StringVar(&f.body, "body", "", "request body, or @FILE for a file's content")
	fl.StringVar(&f.requests, "requests", "", "file of requests, one JSON object a line: method, url, header, body or bodyFile")
	fl.StringVar(&f.mode, "mode", "constant", "constant, ramp, stages or stress")
	fl.Float64Var(&f.rate, "rate", 50, "requests per second (constant), start rate (ramp, stages); fractions allowed")
	fl.Float64Var(&f.rampTo, "ramp-to", 0, "end rate of a ramp")
	fl.DurationVar(&f.duration, "duration", 30*time.Second, "duration of a constant or ramp test")
	fl.StringVar(&f.stages, "stages", "", "load profile of --mode stages: DURATION:RATE,... each ramping from the previous rate")
	fl.Float64Var(&f.stressStart, "stress-start", 10, "first rate of a stress test")
	fl.Float64Var(&f.stressFactor, "stress-factor", 2, "rate multiplier after a passing stage")
	fl.Float64Var(&f.stressMax, "stress-max", 10000, "highest rate a stress test tries")
	fl.DurationVar(&f.stressStage, "stress-stage", 10*time.Second, "duration of a stress stage")
	fl.DurationVar(&f.stressCoolDown, "stress-cooldown", 5*time.Second, "pause between stress stages (0: none)")
	fl.Float64Var(&f.stressPrecision, "stress-precision", 0.05, "relative precision of the breaking point")
	fl.DurationVar(&f.p95, "p95", 0, "objective: 95th percentile latency at most this (0: unchecked)")
	fl.DurationVar(&f.p99, "p99", 0, "objective: 99th percentile latency at most this (0: unchecked)")
	fl.Float64Var(&f.maxErrorRate, "max-error-rate", 0.01, "objective: share of failed requests at most this (0.01 = 1%; 0: unchecked)")
	fl.Float64Var(&f.minThroughput, "min-throughput", 0, "objective: successful requests per second at least this (0: unchecked)")
	fl.BoolVar(&f.abortOnFail, "abort-on-fail", false, "stop as soon as a latency or error-rate objective is breached (not with stress)")
	fl.DurationVar(&f.abortDelay, "abort-delay", 5*time.Second, "time before --abort-on-fail judges")
	fl.IntVar(&f.replicas, "replicas", 0, "replicas that served the test: adds a scale recommendation to the report")
	fl.Float64Var(&f.peakRPS, "peak-rps", 0, "peak load in requests per second the recommendation sizes maxReplicas for")
	fl.Float64Var(&f.utilization, "utilization", 0.7, "share of a replica's measured capacity the recommendation plans at")
	fl.DurationVar(&f.timeout, "timeout", 10*time.Second, "per-request timeout")
	fl.IntVar(&f.maxInFlight, "max-in-flight", loadtest.DefaultMaxInFlight, "most requests in flight at once; past it the rate falls short (reported) instead of memory growing")
	fl.StringVar(&f.out, "out", "", "directory for report.md, results.json and the PNG charts")
	fl.StringVar(&f.progress, "progress", "auto", "progress on stderr: auto (a bar on a terminal), always (a bar, or a line every 5s when not a terminal) or never")
	return cmd
}

func runLoadtest(cmd *cobra.Command, f loadtestFlags) error {
	plan, err := loadtestPlan(cmd, f, os.LookupEnv)
	if err != nil {
		return err
	}
	// The first SIGINT/SIGTERM ends the test with a partial report; the
	// default handling is restored then, so a second one kills.
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop()
	}()
	res, runErr := loadtest.Run(ctx, plan)
	if res == nil {
		return runErr
	}
	if err := loadtest.WriteMarkdown(cmd.OutOrStdout(), res); err != nil {
		return err
	}
	if f.out != "" {
		if err := loadtest.WriteReport(f.out, res); err != nil {
			return err
		}
	}
	switch {
	case errors.Is(runErr, loadtest.ErrInterrupted):
		return errors.New("load test interrupted: the report is partial")
	case runErr != nil:
		return runErr
	case !res.Passed():
		return &sloBreachError{breaches: res.Breaches, aborted: res.Aborted}
	}
	return nil
}

// loadtestPlan turns the flags into a plan; every mistake is a
// *loadtest.OptionsError (exit 2).
func loadtestPlan(cmd *cobra.Command, f loadtestFlags, lookup loadtest.Lookup) (loadtest.Plan, error) {
	plan, err := loadtest.NewPlan(loadtest.Options{
		Mode: f.mode, URL: f.url, Method: f.method, Headers: f.headers, Body: f.body, Requests: f.requests, Stages: f.stages,
		Rate: f.rate, RampTo: f.rampTo, Duration: f.duration, Timeout: f.timeout,
		StressStart: f.stressStart, StressFactor: f.stressFactor, StressMax: f.stressMax, StressPrecision: f.stressPrecision,
		StressStage: f.stressStage, StressCoolDown: f.stressCoolDown,
		P95: f.p95, P99: f.p99, MaxErrorRate: f.maxErrorRate, MinThroughput: f.minThroughput,
		AbortOnFail: f.abortOnFail, AbortDelay: f.abortDelay,
		Replicas: f.replicas, MaxInFlight: f.maxInFlight, PeakRPS: f.peakRPS, Utilization: f.utilization,
		Progress: f.progress, Given: cmd.Flags().Changed,
	}, cmd.ErrOrStderr(), lookup)
	return plan, err
}
