// Package loadtest generates HTTP load with vegeta (as a library) and judges
// it against service level objectives: constant rate, a linear ramp, a
// multi-stage profile, or a stress search that raises the rate until the
// objectives break.
//
// Results are streamed into fixed-size histograms (see Histogram) and
// per-bucket tallies: memory does not grow with the number of requests.
// NewPlan turns the options of `misyinfra loadtest` into a Plan.
package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Mode is the shape of the load.
type Mode string

// Modes.
const (
	Constant Mode = "constant" // Rate for Duration
	Ramp     Mode = "ramp"     // linearly from Rate to RampTo over Duration
	Stages   Mode = "stages"   // from Rate through each of Steps
	Stress   Mode = "stress"   // stages of rising rate until the SLO breaks
)

// ParseMode reads a mode name.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case Constant, Ramp, Stages, Stress:
		return m, nil
	}
	return "", fmt.Errorf("unknown mode %q: use constant, ramp, stages or stress", s)
}

// Plan is one load test.
type Plan struct {
	Mode Mode
	// URL, Method (GET when empty), Header and Body make the request;
	// Requests, when set, replaces them with requests sent in turn.
	URL      string
	Method   string
	Header   http.Header
	Body     []byte
	Requests []Request

	// Rate is the requests per second of a constant test and the start of
	// a ramp or of Steps; RampTo the rate a ramp ends at. Fractional rates
	// are kept (0.5 is one request every two seconds).
	Rate     float64
	RampTo   float64
	Duration time.Duration
	Steps    []Step

	Stress StressPlan
	SLO    SLO

	// AbortOnFail stops the test as soon as the latency or error-rate
	// objectives are breached over the requests so far (k6's abortOnFail),
	// once AbortDelay has passed (k6's delayAbortEval; 5s when zero).
	AbortOnFail bool
	AbortDelay  time.Duration

	// Replicas is the number of replicas that served the test, PeakRate
	// the peak load to plan for and Utilization the share of a replica's
	// capacity to plan at (0.7 when zero): with Replicas set, the result
	// carries a Recommendation.
	Replicas    int
	PeakRate    float64
	Utilization float64

	Timeout time.Duration // per request; 10s when zero
	// MaxInFlight bounds the requests in flight at once (vegeta's workers,
	// k6's maxVUs): when the target slows down, the generator falls short
	// of the rate (reported as a shortfall) instead of opening connections
	// and goroutines without bound. DefaultMaxInFlight when zero.
	MaxInFlight int
	// Bucket is the time slice of the series in the report; one second
	// when zero. Past maxPoints slices it doubles.
	Bucket time.Duration
	// Progress receives a progress bar (or, with ProgressLines, a line
	// every progressLineEvery); nil for none.
	Progress      io.Writer
	ProgressLines bool

	// stage and wait replace, in this package's tests, the load of one
	// stress stage and the cool-down's wait: the search is then tested on
	// a model of the target, without wall-clock time deciding an outcome.
	stage func(ctx context.Context, rate float64, d time.Duration) (Summary, error)
	wait  func(ctx context.Context, d time.Duration) error
}

// StressPlan is the search for the breaking point: the rate starts at
// Start and is multiplied by Factor after each stage that meets the SLO,
// up to Max; between the last passing and the first failing rate it is
// then bisected until they are within Precision of each other. Between
// stages the generator sends nothing for CoolDown, so that the queue a
// failing stage left behind does not count against the next one.
// DefaultMaxInFlight is the default bound on requests in flight: 3,000
// req/s at 300 ms of latency, or 300 req/s at 3 s.
const DefaultMaxInFlight = 1000

type StressPlan struct {
	Start         float64
	Factor        float64       // 2 when zero
	Max           float64       // 100000 when zero
	StageDuration time.Duration // 10s when zero
	Precision     float64       // 0.05 when zero
	CoolDown      time.Duration // 5s when zero; negative for none
}

func (p Plan) withDefaults() Plan {
	if p.Method == "" {
		p.Method = http.MethodGet
	}
	if p.Timeout == 0 {
		p.Timeout = 10 * time.Second
	}
	if p.MaxInFlight == 0 {
		p.MaxInFlight = DefaultMaxInFlight
	}
	if p.AbortDelay == 0 {
		p.AbortDelay = 5 * time.Second
	}
	if p.Utilization == 0 {
		p.Utilization = 0.7
	}
	s := &p.Stress
	if s.Factor == 0 {
		s.Factor = 2
	}
	if s.Max == 0 {
		s.Max = 100000
	}
	if s.StageDuration == 0 {
		s.StageDuration = 10 * time.Second
	}
	if s.Precision == 0 {
		s.Precision = 0.05
	}
	if s.CoolDown == 0 {
		s.CoolDown = 5 * time.Second
	}
	if s.CoolDown < 0 {
		s.CoolDown = 0
	}
	if p.Bucket == 0 {
		p.Bucket = time.Second
	}
	return p
}

func (p Plan) requests() []Request {
	if len(p.Requests) > 0 {
		return p.Requests
	}
	method := p.Method
	if method == "" {
		method = http.MethodGet
	}
	return []Request{{Method: method, URL: p.URL, Header: p.Header, Body: p.Body}}
}

// Validate reports the first mistake in the plan.
func (p Plan) Validate() error {
	if p.URL == "" && len(p.Requests) == 0 {
		return errors.New("missing the target URL")
	}
	for _, r := range p.requests() {
		if err := r.validate(); err != nil {
			return err
		}
	}
	bad := func(f float64) bool { return math.IsNaN(f) || math.IsInf(f, 0) }
	switch {
	case bad(p.Rate) || bad(p.RampTo) || bad(p.Stress.Start) || bad(p.Stress.Factor) || bad(p.Stress.Max):
		return errors.New("rates must be finite numbers")
	case p.Mode == Constant && (p.Rate <= 0 || p.Duration <= 0):
		return errors.New("a constant test needs a rate and a duration above zero")
	case p.Mode == Ramp && (p.Rate < 0 || p.RampTo <= 0 || p.Duration <= 0):
		return errors.New("a ramp needs a start rate of zero or more, an end rate and a duration above zero")
	case p.Mode == Stages && len(p.Steps) == 0:
		return errors.New("a staged test needs stages, e.g. 30s:100,1m:100")
	case p.Mode == Stages && (p.Rate < 0 || newProfile(p.Rate, p.Steps).total() <= 0 || newProfile(p.Rate, p.Steps).planned() == 0):
		return errors.New("a staged test needs a start rate of zero or more and stages that last and send something")
	case p.Mode == Stress && (p.Stress.Start <= 0 || p.Stress.Factor < 0 || (p.Stress.Factor > 0 && p.Stress.Factor <= 1)):
		return errors.New("a stress test needs a start rate above zero and a factor above 1")
	case p.Mode == Stress && p.SLO.P95 == 0 && p.SLO.P99 == 0 && p.SLO.MaxErrorRate == 0:
		return errors.New("a stress test needs a latency or error-rate objective to break")
	case p.Mode == Stress && p.AbortOnFail:
		return errors.New("abort on fail does not apply to a stress test: its search ends at the first stage that breaks the objectives")
	case p.Mode != Constant && p.Mode != Ramp && p.Mode != Stages && p.Mode != Stress:
		return fmt.Errorf("unknown mode %q", p.Mode)
	case p.Replicas < 0:
		return errors.New("replicas must be zero or more")
	case p.PeakRate < 0 || bad(p.PeakRate):
		return errors.New("the peak rate must be zero or more")
	case p.Utilization < 0 || p.Utilization > 1:
		return errors.New("the utilization must be above 0 and at most 1")
	}
	return nil
}

func (p Plan) profile() profile {
	switch p.Mode {
	case Ramp:
		return newProfile(p.Rate, []Step{{Duration: p.Duration, Target: p.RampTo}})
	case Stages:
		return newProfile(p.Rate, p.Steps)
	}
	return constantProfile(p.Rate, p.Duration)
}

// Summary is the aggregate of a set of requests.
type Summary struct {
	Requests uint64        `json:"requests"` // sent, including those that failed on this machine
	Planned  uint64        `json:"planned"`  // the profile asked for
	Duration time.Duration `json:"durationNs"`
	// RequestedRate is Planned per second; Rate the achieved rate (sent
	// minus generator errors, per second of sending); Throughput the
	// successful requests per second of sending.
	RequestedRate float64 `json:"requestedRate"`
	Rate          float64 `json:"rate"`
	Throughput    float64 `json:"throughput"`
	// Dropped is the requests the generator did not send or could not
	// (generator errors); GeneratorLimited is set when they are more than
	// 5% of the plan or any generator error occurred (k6: dropped_iterations).
	Dropped          uint64 `json:"dropped,omitempty"`
	GeneratorLimited bool   `json:"generatorLimited,omitempty"`
	// ErrorRate is the share of failed requests (target errors and client
	// errors other than the generator's) among those that left this machine.
	ErrorRate    float64              `json:"errorRate"`
	TargetErrors uint64               `json:"targetErrors"`           // 4xx and 5xx answers
	ClientErrors map[ErrorKind]uint64 `json:"clientErrors,omitempty"` // no answer, by kind
	P50          time.Duration        `json:"p50Ns"`
	P95          time.Duration        `json:"p95Ns"`
	P99          time.Duration        `json:"p99Ns"`
	Max          time.Duration        `json:"maxNs"`
	Mean         time.Duration        `json:"meanNs"`
	StatusCodes  map[string]uint64    `json:"statusCodes"` // "0" counts requests without an answer
	Errors       []string             `json:"errors,omitempty"`
}

// Point is one time slice of a test, by the time requests were sent.
type Point struct {
	Offset        time.Duration `json:"offsetNs"`
	Length        time.Duration `json:"lengthNs"` // the bucket, or less for the last
	Requests      uint64        `json:"requests"`
	Failed        uint64        `json:"failed"`
	RequestedRate float64       `json:"requestedRate"`
	Rate          float64       `json:"rate"`       // sent per second
	Throughput    float64       `json:"throughput"` // successful per second
	P50           time.Duration `json:"p50Ns"`
	P95           time.Duration `json:"p95Ns"`
	P99           time.Duration `json:"p99Ns"`
}

// Stage is one rate of a stress test.
type Stage struct {
	Rate     float64  `json:"rate"` // requested
	Summary  Summary  `json:"summary"`
	Breaches []Breach `json:"breaches,omitempty"`
	// GeneratorLimited: the generator could not send this stage's load;
	// the stage says nothing of the target and the search ends there.
	GeneratorLimited bool `json:"generatorLimited,omitempty"`
}

// Result is the outcome of a plan.
type Result struct {
	Mode     Mode          `json:"mode"`
	URL      string        `json:"url"`
	Requests []RequestInfo `json:"requests"`
	Started  time.Time     `json:"started"`
	SLO      SLO           `json:"slo"`
	Summary  Summary       `json:"summary"`
	Series   []Point       `json:"series"`
	Breaches []Breach      `json:"breaches,omitempty"`
	Warnings []string      `json:"warnings,omitempty"`

	// Partial: the test was interrupted (SIGINT, SIGTERM) and the result
	// covers what ran. Aborted: a threshold was breached with AbortOnFail
	// and the test stopped early.
	Partial bool `json:"partial,omitempty"`
	Aborted bool `json:"aborted,omitempty"`

	// Stress only: the stages run, the achieved throughput of the best
	// stage that met the SLO, the requested rate of the lowest that broke
	// it (0 when none broke it) and that stage's achieved throughput.
	Stages             []Stage `json:"stages,omitempty"`
	Capacity           float64 `json:"capacity,omitempty"`
	CapacityRequested  float64 `json:"capacityRequested,omitempty"`
	BreakingPoint      float64 `json:"breakingPoint,omitempty"`
	BreakingThroughput float64 `json:"breakingThroughput,omitempty"`

	Recommendation *Recommendation `json:"recommendation,omitempty"`
}

// Passed tells whether the test ran in full and the SLO held (for stress:
// whether the capacity meets the minimum throughput).
func (r *Result) Passed() bool { return len(r.Breaches) == 0 && !r.Partial && !r.Aborted }

// ErrInterrupted is returned with the partial result of a test whose
// context ended.
var ErrInterrupted = errors.New("load test interrupted")

// Run runs the plan until it ends or ctx is cancelled. On cancellation it
// returns the partial result (Partial set) and an error wrapping both
// ErrInterrupted and the context's error.
func Run(ctx context.Context, p Plan) (*Result, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	p = p.withDefaults()
	reqs := p.requests()
	r := &runner{p: p, started: time.Now()}
	r.res = &Result{Mode: p.Mode, URL: reqs[0].URL, Started: r.started, SLO: p.SLO}
	targets := make([]vegeta.Target, len(reqs))
	for i, q := range reqs {
		targets[i] = q.target()
		r.res.Requests = append(r.res.Requests, q.info())
	}
	r.targeter = vegeta.NewStaticTargeter(targets...)
	r.series = newSeries(r.started, p.Bucket)
	r.prog = newProgress(p, r.started)
	defer r.prog.finish()

	var err error
	switch p.Mode {
	case Stress:
		err = r.stress(ctx)
	default:
		var st tally
		var out attackOutcome
		out, err = r.attack(ctx, p.profile(), &st)
		r.res.Summary = r.total.summary(out.sent, out.planned)
		if !r.res.Aborted {
			r.res.Breaches = p.SLO.Check(r.res.Summary, !r.res.Partial)
		}
		if measured := r.res.Summary.Requests - r.res.Summary.ClientErrors[ErrGenerator]; measured == 0 && !r.res.Partial {
			r.res.Breaches = append(r.res.Breaches, Breach{Gate: "no-data", Text: "no request left this machine: nothing was measured"})
		}
	}
	r.res.Series = r.series.finish(r.end, r.requestedBetween)
	r.warn()
	r.res.Recommendation = recommend(p, r.res)
	if err != nil {
		return r.res, err
	}
	return r.res, nil
}

type runner struct {
	p        Plan
	res      *Result
	targeter vegeta.Targeter
	started  time.Time
	total    tally
	series   *series
	prog     progress
	// scheduled is each attack's profile and offset, for the requested
	// rate of the series; end the offset the last attack stopped sending.
	scheduled []scheduled
	end       time.Duration
}

type scheduled struct {
	offset time.Duration
	prof   profile
	stop   time.Duration // offset in prof the attack stopped at
}

func (r *runner) requestedBetween(from, to time.Duration) float64 {
	var n float64
	for _, s := range r.scheduled {
		a := min(max(from-s.offset, 0), s.stop)
		b := min(max(to-s.offset, 0), s.stop)
		n += s.prof.due(b) - s.prof.due(a)
	}
	return n
}

type attackOutcome struct {
	sent    time.Duration // how long the load was sent
	planned uint64        // the requests due in that time
}

// attack sends the profile, recording each result in the run's tallies,
// its series and st. It ends when the profile does, on abort, or when ctx
// is cancelled (then it marks the result partial and returns
// ErrInterrupted).
func (r *runner) attack(ctx context.Context, prof profile, st *tally) (attackOutcome, error) {
	atk := vegeta.NewAttacker(vegeta.Timeout(r.p.Timeout), vegeta.KeepAlive(true), vegeta.MaxBody(0),
		vegeta.MaxWorkers(uint64(r.p.MaxInFlight)))
	begin := time.Now()
	offset := begin.Sub(r.started)
	results := atk.Attack(r.targeter, prof, prof.total(), "misyinfra")
	tick := time.NewTicker(progressTick)
	defer tick.Stop()
	done := ctx.Done()
	var stoppedAt time.Duration
	stop := func() {
		if stoppedAt == 0 {
			stoppedAt = max(time.Since(begin), time.Nanosecond)
			atk.Stop()
		}
	}
	var interrupted error
	for {
		select {
		case <-done:
			done = nil
			interrupted = fmt.Errorf("%w: %w", ErrInterrupted, ctx.Err())
			r.res.Partial = true
			stop()
		case res, ok := <-results:
			if !ok {
				sent := prof.total()
				if stoppedAt > 0 {
					sent = min(stoppedAt, sent)
				}
				r.scheduled = append(r.scheduled, scheduled{offset: offset, prof: prof, stop: sent})
				r.end = offset + sent
				planned := uint64(math.Ceil(prof.due(sent) - 1e-9))
				if sent == prof.total() {
					planned = prof.planned()
				}
				return attackOutcome{sent: sent, planned: planned}, interrupted
			}
			r.total.add(res)
			st.add(res)
			r.series.add(res)
		case now := <-tick.C:
			r.prog.update(now, &r.total)
			if stoppedAt == 0 && r.shouldAbort(now) {
				r.res.Aborted = true
				stop()
			}
		}
	}
}

// minAbortSamples is the fewest requests abort-on-fail judges.
const minAbortSamples = 20

func (r *runner) shouldAbort(now time.Time) bool {
	if !r.p.AbortOnFail || now.Sub(r.started) < r.p.AbortDelay || r.total.sent < minAbortSamples {
		return false
	}
	s := r.total.summary(now.Sub(r.started), 0)
	br := r.p.SLO.Check(s, false)
	if len(br) == 0 {
		return false
	}
	for i := range br {
		br[i].Text = "aborted at " + now.Sub(r.started).Round(time.Second).String() + ": " + br[i].Text
	}
	r.res.Breaches = append(r.res.Breaches, br...)
	return true
}

// stress searches for the breaking point and fills the stress fields of
// the result.
func (r *runner) stress(ctx context.Context) error {
	p := r.p
	best := -1 // index of the passing stage with the highest throughput
	load, wait := p.stage, p.wait
	if load == nil {
		load = r.loadStage
	}
	if wait == nil {
		wait = sleep
	}
	run := func(rate float64) (passed, limited bool, err error) {
		if len(r.res.Stages) > 0 && p.Stress.CoolDown > 0 {
			r.prog.describe(fmt.Sprintf("cool-down %s", p.Stress.CoolDown))
			if err := wait(ctx, p.Stress.CoolDown); err != nil {
				r.res.Partial = true
				return false, false, fmt.Errorf("%w: %w", ErrInterrupted, err)
			}
		}
		r.prog.describe(fmt.Sprintf("stage %d: %s req/s", len(r.res.Stages)+1, fmtRate(rate)))
		sum, err := load(ctx, rate, p.Stress.StageDuration)
		stage := Stage{Rate: rate, Summary: sum, GeneratorLimited: sum.GeneratorLimited}
		if err == nil && !r.res.Aborted {
			stage.Breaches = p.SLO.Check(sum, false)
		}
		r.res.Stages = append(r.res.Stages, stage)
		if err != nil || r.res.Aborted {
			return false, false, err
		}
		ok := len(stage.Breaches) == 0 && !stage.GeneratorLimited
		if ok && (best < 0 || sum.Throughput > r.res.Stages[best].Summary.Throughput) {
			best = len(r.res.Stages) - 1
		}
		return ok, stage.GeneratorLimited, nil
	}
	var err error
	lo, hi := 0.0, 0.0
	limited := false
	for rate := p.Stress.Start; ; rate = math.Min(rate*p.Stress.Factor, p.Stress.Max) {
		var ok bool
		if ok, limited, err = run(rate); err != nil || limited || r.res.Aborted {
			break
		}
		if !ok {
			hi = rate
			break
		}
		lo = rate
		if rate >= p.Stress.Max {
			break
		}
	}
	for err == nil && !limited && !r.res.Aborted && hi > 0 && lo > 0 && hi-lo > p.Stress.Precision*lo && math.Round(hi) != math.Round(lo) {
		mid := (lo + hi) / 2
		var ok bool
		if ok, limited, err = run(mid); err != nil || limited || r.res.Aborted {
			break
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	r.res.Summary = r.total.summary(r.sendingTime(), r.plannedTotal())
	if best >= 0 {
		r.res.Capacity = r.res.Stages[best].Summary.Throughput
		r.res.CapacityRequested = r.res.Stages[best].Rate
	}
	for _, st := range r.res.Stages {
		if st.Rate == hi && len(st.Breaches) > 0 {
			r.res.BreakingPoint, r.res.BreakingThroughput = st.Rate, st.Summary.Throughput
		}
	}
	if limited {
		last := r.res.Stages[len(r.res.Stages)-1]
		r.res.Warnings = append(r.res.Warnings, fmt.Sprintf(
			"the stress search ended at stage %d: the generator sent %s of %s req/s requested (%d dropped, %d generator errors); "+
				"the target's capacity is at least the capacity below, its breaking point is unknown",
			len(r.res.Stages), fmtRate(last.Summary.Rate), fmtRate(last.Rate), last.Summary.Dropped, last.Summary.ClientErrors[ErrGenerator]))
	}
	if min := p.SLO.MinThroughput; min > 0 && !r.res.Partial && !r.res.Aborted && r.res.Capacity < min {
		r.res.Breaches = append(r.res.Breaches, Breach{Gate: "capacity", Value: r.res.Capacity, Limit: min,
			Text: fmt.Sprintf("capacity %.1f req/s is below the minimum throughput %.1f req/s", r.res.Capacity, min)})
	}
	return err
}

// loadStage sends one stress stage at a constant rate.
func (r *runner) loadStage(ctx context.Context, rate float64, d time.Duration) (Summary, error) {
	var st tally
	out, err := r.attack(ctx, constantProfile(rate, d), &st)
	return st.summary(out.sent, out.planned), err
}

// sleep waits d, or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (r *runner) sendingTime() time.Duration {
	var d time.Duration
	for _, s := range r.scheduled {
		d += s.stop
	}
	return d
}

func (r *runner) plannedTotal() uint64 {
	var n uint64
	for _, st := range r.res.Stages {
		n += st.Summary.Planned
	}
	return n
}

// warn adds the warnings of a run: the generator falling short of the
// requested rate.
func (r *runner) warn() {
	s := r.res.Summary
	if r.p.Mode != Stress && s.GeneratorLimited {
		r.res.Warnings = append(r.res.Warnings, fmt.Sprintf(
			"the generator fell short: %s req/s achieved of %s requested (%d of %d requests not sent or failed on this machine); "+
				"the target was not tested at the requested load: use a bigger machine or more engines",
			fmtRate(s.Rate), fmtRate(s.RequestedRate), s.Dropped, s.Planned))
	}
	if n := s.ClientErrors[ErrGenerator]; n > 0 && r.p.Mode != Stress {
		r.res.Warnings = append(r.res.Warnings, fmt.Sprintf(
			"%d requests failed on this machine (e.g. too many open files): not counted as target errors", n))
	}
}

func fmtRate(f float64) string {
	if f == math.Trunc(f) && f < 1e9 {
		return fmt.Sprintf("%.0f", f)
	}
	return fmt.Sprintf("%.1f", f)
}
