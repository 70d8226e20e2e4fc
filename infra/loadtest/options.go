package loadtest

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/term"
)

// Options are the settings of a load test as `misyinfra loadtest` takes
// them: each field is the flag named in its comment, unparsed. NewPlan
// turns them into a Plan; its errors name the flags.
type Options struct {
	Mode     string   // --mode: constant, ramp, stages or stress
	URL      string   // --url
	Method   string   // --method (any case)
	Headers  []string // --header 'Name: value' or 'Name: env:VAR'
	Body     string   // --body: text, or @FILE
	Requests string   // --requests: a file of JSON requests, one a line
	Stages   string   // --stages: DURATION:RATE,...

	Rate, RampTo      float64       // --rate, --ramp-to
	Duration, Timeout time.Duration // --duration, --timeout

	StressStart, StressFactor   float64       // --stress-start, --stress-factor
	StressMax, StressPrecision  float64       // --stress-max, --stress-precision
	StressStage, StressCoolDown time.Duration // --stress-stage, --stress-cooldown (0: none)
	P95, P99                    time.Duration // --p95, --p99
	MaxErrorRate, MinThroughput float64       // --max-error-rate, --min-throughput
	AbortOnFail                 bool          // --abort-on-fail
	AbortDelay                  time.Duration // --abort-delay
	Replicas, MaxInFlight       int           // --replicas, --max-in-flight
	PeakRPS, Utilization        float64       // --peak-rps, --utilization
	Progress                    string        // --progress: auto, always or never

	// Given tells whether the user gave a flag (by its name without
	// dashes): --requests refuses url, method, header and body. Nil: none.
	Given func(flag string) bool
}

// OptionsError lists the mistakes in Options, one a line, each naming
// its flag.
type OptionsError struct {
	Lines []string
}

func (e *OptionsError) Error() string { return strings.Join(e.Lines, "\n") }

func optionsErrorf(format string, args ...any) error {
	return &OptionsError{Lines: []string{fmt.Sprintf(format, args...)}}
}

// NewPlan turns the options into a plan. stderr is where progress goes
// (--progress); lookup reads the environment variables that headers and
// request files name. Every mistake is an *OptionsError; the request
// file's mistakes are one line each, prefixed with the file.
func NewPlan(o Options, stderr io.Writer, lookup Lookup) (Plan, error) {
	mode, err := ParseMode(o.Mode)
	if err != nil {
		return Plan{}, optionsErrorf("--mode: %v", err)
	}
	progress, err := ProgressWriter(o.Progress, stderr)
	if err != nil {
		return Plan{}, err
	}
	given := o.Given
	if given == nil {
		given = func(string) bool { return false }
	}
	plan := Plan{
		Mode: mode, URL: o.URL, Method: strings.ToUpper(o.Method),
		Rate: o.Rate, RampTo: o.RampTo, Duration: o.Duration, Timeout: o.Timeout, MaxInFlight: o.MaxInFlight,
		Stress: StressPlan{Start: o.StressStart, Factor: o.StressFactor, Max: o.StressMax,
			StageDuration: o.StressStage, Precision: o.StressPrecision, CoolDown: o.StressCoolDown},
		SLO:         SLO{P95: o.P95, P99: o.P99, MaxErrorRate: o.MaxErrorRate, MinThroughput: o.MinThroughput},
		AbortOnFail: o.AbortOnFail, AbortDelay: o.AbortDelay,
		Replicas: o.Replicas, PeakRate: o.PeakRPS, Utilization: o.Utilization,
		Progress: progress, ProgressLines: progress != nil && !IsTerminal(progress),
	}
	if o.StressCoolDown == 0 {
		plan.Stress.CoolDown = -1
	}
	if o.MaxInFlight < 1 {
		return plan, optionsErrorf("--max-in-flight %d: must be at least 1", o.MaxInFlight)
	}
	if o.PeakRPS > 0 && o.Replicas == 0 {
		return plan, optionsErrorf("--peak-rps needs --replicas: the replicas that served the test")
	}
	if o.Requests != "" {
		for _, name := range []string{"url", "method", "header", "body"} {
			if given(name) {
				return plan, optionsErrorf("--requests replaces --%s: give one or the other", name)
			}
		}
		file, err := os.Open(o.Requests)
		if err != nil {
			return plan, optionsErrorf("--requests: %v", err)
		}
		defer file.Close()
		reqs, err := ReadRequests(file, filepath.Dir(o.Requests), lookup)
		if err != nil {
			lines := strings.Split(err.Error(), "\n")
			for i := range lines {
				lines[i] = "--requests " + o.Requests + ": " + lines[i]
			}
			return plan, &OptionsError{Lines: lines}
		}
		plan.Requests = reqs
	} else if o.URL == "" {
		return plan, optionsErrorf("missing --url: name the target, e.g. --url https://staging.example/healthz")
	}
	if len(o.Headers) > 0 {
		plan.Header = http.Header{}
		for _, h := range o.Headers {
			if err := ParseHeader(plan.Header, h, lookup); err != nil {
				return plan, optionsErrorf("--header: %v", err)
			}
		}
	}
	if o.Body != "" {
		if plan.Body, err = ReadBody(o.Body); err != nil {
			return plan, optionsErrorf("--body: %v", err)
		}
	}
	if o.Stages != "" {
		if mode != Stages {
			return plan, optionsErrorf("--stages needs --mode stages")
		}
		if plan.Steps, err = ParseSteps(o.Stages); err != nil {
			return plan, optionsErrorf("--stages: %v", err)
		}
	}
	if err := plan.Validate(); err != nil {
		return plan, optionsErrorf("%v", err)
	}
	return plan, nil
}

// ProgressWriter is where a run's progress goes for a --progress mode:
// stderr with "always", nil with "never", and with "auto" stderr when it
// is a terminal, else nil. An unknown mode is an *OptionsError.
func ProgressWriter(mode string, stderr io.Writer) (io.Writer, error) {
	switch mode {
	case "always":
		return stderr, nil
	case "never":
		return nil, nil
	case "auto":
		if IsTerminal(stderr) {
			return stderr, nil
		}
		return nil, nil
	}
	return nil, optionsErrorf("--progress: unknown value %q: use auto, always or never", mode)
}

// IsTerminal tells whether w is a terminal (a progress bar rather than
// progress lines).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
