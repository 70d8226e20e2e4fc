// Package loadtest generates HTTP load with vegeta (as a library) and judges
// it against service level objectives: constant rate, a linear ramp, or a
// stress search that raises the rate until the objectives break.
package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"time"

	"github.com/schollz/progressbar/v3"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Mode is the shape of the load.
type Mode string

// Modes.
const (
	Constant Mode = "constant" // Rate for Duration
	Ramp     Mode = "ramp"     // linearly from Rate to RampTo over Duration
	Stress   Mode = "stress"   // stages of rising rate until the SLO breaks
)

// ParseMode reads a mode name.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case Constant, Ramp, Stress:
		return m, nil
	}
	return "", fmt.Errorf("unknown mode %q: use constant, ramp or stress", s)
}

// Plan is one load test.
type Plan struct {
	Mode   Mode
	URL    string
	Method string // GET when empty
	Header http.Header
	Body   []byte

	// Rate is the requests per second of a constant test and the start of
	// a ramp; RampTo the rate a ramp ends at.
	Rate     float64
	RampTo   float64
	Duration time.Duration

	Stress StressPlan
	SLO    SLO

	Timeout time.Duration // per request; 10s when zero
	// Bucket is the time slice of the series in the report; a thirtieth of
	// the test (at least 100ms) when zero.
	Bucket time.Duration
	// Progress receives a progress bar; nil for none.
	Progress io.Writer
}

// StressPlan is the search for the breaking point: the rate starts at
// Start and is multiplied by Factor after each stage that meets the SLO,
// up to Max; between the last passing and the first failing rate it is
// then bisected until they are within Precision of each other.
type StressPlan struct {
	Start         float64
	Factor        float64       // 2 when zero
	Max           float64       // 100000 when zero
	StageDuration time.Duration // 10s when zero
	Precision     float64       // 0.05 when zero
}

func (p Plan) withDefaults() Plan {
	if p.Method == "" {
		p.Method = http.MethodGet
	}
	if p.Timeout == 0 {
		p.Timeout = 10 * time.Second
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
	if p.Bucket == 0 {
		total := p.Duration
		if p.Mode == Stress {
			total = 10 * s.StageDuration
		}
		p.Bucket = max(100*time.Millisecond, total/30)
	}
	return p
}

// Validate reports the first mistake in the plan.
func (p Plan) Validate() error {
	switch {
	case p.URL == "":
		return errors.New("missing the target URL")
	case p.Mode == Constant && (p.Rate <= 0 || p.Duration <= 0):
		return errors.New("a constant test needs a rate and a duration above zero")
	case p.Mode == Ramp && (p.Rate < 0 || p.RampTo <= 0 || p.Duration <= 0):
		return errors.New("a ramp needs a start rate of zero or more, an end rate and a duration above zero")
	case p.Mode == Stress && (p.Stress.Start <= 0 || p.Stress.Factor < 0 || (p.Stress.Factor > 0 && p.Stress.Factor <= 1)):
		return errors.New("a stress test needs a start rate above zero and a factor above 1")
	case p.Mode == Stress && p.SLO.P95 == 0 && p.SLO.P99 == 0 && p.SLO.MaxErrorRate == 0:
		return errors.New("a stress test needs a latency or error-rate objective to break")
	case p.Mode != Constant && p.Mode != Ramp && p.Mode != Stress:
		return fmt.Errorf("unknown mode %q", p.Mode)
	}
	return nil
}

// Summary is the aggregate of a set of requests.
type Summary struct {
	Requests    uint64         `json:"requests"`
	Duration    time.Duration  `json:"durationNs"`
	Rate        float64        `json:"rate"`       // requests sent per second
	Throughput  float64        `json:"throughput"` // successful requests per second
	ErrorRate   float64        `json:"errorRate"`  // share of non-2xx/3xx responses
	P50         time.Duration  `json:"p50Ns"`
	P95         time.Duration  `json:"p95Ns"`
	P99         time.Duration  `json:"p99Ns"`
	Max         time.Duration  `json:"maxNs"`
	StatusCodes map[string]int `json:"statusCodes"`
	Errors      []string       `json:"errors,omitempty"`
}

// Point is one time slice of a test.
type Point struct {
	Offset     time.Duration `json:"offsetNs"`
	Requests   int           `json:"requests"`
	Rate       float64       `json:"rate"`
	Throughput float64       `json:"throughput"`
	P50        time.Duration `json:"p50Ns"`
	P95        time.Duration `json:"p95Ns"`
	P99        time.Duration `json:"p99Ns"`
}

// Stage is one rate of a stress test.
type Stage struct {
	Rate     float64  `json:"rate"`
	Summary  Summary  `json:"summary"`
	Breaches []Breach `json:"breaches,omitempty"`
}

// Result is the outcome of a plan.
type Result struct {
	Mode     Mode      `json:"mode"`
	URL      string    `json:"url"`
	Started  time.Time `json:"started"`
	SLO      SLO       `json:"slo"`
	Summary  Summary   `json:"summary"`
	Series   []Point   `json:"series"`
	Breaches []Breach  `json:"breaches,omitempty"`

	// Stress only: the stages run, the highest rate that met the SLO and
	// the lowest that broke it (0 when none broke it up to the maximum).
	Stages        []Stage `json:"stages,omitempty"`
	Capacity      float64 `json:"capacity,omitempty"`
	BreakingPoint float64 `json:"breakingPoint,omitempty"`
}

// Passed tells whether the SLO held (for stress: whether the capacity
// meets the minimum throughput).
func (r *Result) Passed() bool { return len(r.Breaches) == 0 }

// sample is what is kept of one request.
type sample struct {
	at      time.Time
	latency time.Duration
	ok      bool
	code    uint16
	err     string
}

// Run runs the plan until it ends or ctx is cancelled.
func Run(ctx context.Context, p Plan) (*Result, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	p = p.withDefaults()
	res := &Result{Mode: p.Mode, URL: p.URL, Started: time.Now(), SLO: p.SLO}
	bar := newBar(p)
	defer func() {
		if bar != nil {
			_ = bar.Finish()
		}
	}()
	var all []sample
	switch p.Mode {
	case Constant, Ramp:
		pacer := vegeta.Pacer(vegeta.ConstantPacer{Freq: perSecond(p.Rate), Per: time.Second})
		if p.Mode == Ramp {
			slope := (p.RampTo - p.Rate) / p.Duration.Seconds()
			pacer = vegeta.LinearPacer{StartAt: vegeta.Rate{Freq: perSecond(math.Max(p.Rate, 1)), Per: time.Second}, Slope: slope}
		}
		s, err := attack(ctx, p, pacer, p.Duration, bar)
		if err != nil {
			return nil, err
		}
		all = s
		res.Summary = summarize(s, p.Duration)
		res.Breaches = p.SLO.Check(res.Summary, true)
	case Stress:
		s, err := stress(ctx, p, res, bar)
		if err != nil {
			return nil, err
		}
		all = s
		res.Summary = summarize(s, 0)
		if min := p.SLO.MinThroughput; min > 0 && res.Capacity < min {
			res.Breaches = append(res.Breaches, Breach{Gate: "capacity", Value: res.Capacity, Limit: min,
				Text: fmt.Sprintf("capacity %.1f req/s is below the minimum throughput %.1f req/s", res.Capacity, min)})
		}
	}
	res.Series = series(all, res.Started, p.Bucket)
	return res, nil
}

func perSecond(rate float64) int { return max(1, int(math.Round(rate))) }

func newBar(p Plan) *progressbar.ProgressBar {
	if p.Progress == nil {
		return nil
	}
	total := int64(-1)
	switch p.Mode {
	case Constant:
		total = int64(p.Rate * p.Duration.Seconds())
	case Ramp:
		total = int64((p.Rate + p.RampTo) / 2 * p.Duration.Seconds())
	}
	return progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(p.Progress),
		progressbar.OptionSetDescription(string(p.Mode)+" "+p.URL),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("req"),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
}

// attack sends the load and keeps every result.
func attack(ctx context.Context, p Plan, pacer vegeta.Pacer, d time.Duration, bar *progressbar.ProgressBar) ([]sample, error) {
	target := vegeta.Target{Method: p.Method, URL: p.URL, Header: p.Header, Body: p.Body}
	atk := vegeta.NewAttacker(vegeta.Timeout(p.Timeout), vegeta.KeepAlive(true), vegeta.MaxBody(0))
	results := atk.Attack(vegeta.NewStaticTargeter(target), pacer, d, "misyinfra")
	var out []sample
	for {
		select {
		case <-ctx.Done():
			atk.Stop()
			for range results {
			}
			return out, fmt.Errorf("load test interrupted: %w", ctx.Err())
		case r, ok := <-results:
			if !ok {
				return out, nil
			}
			out = append(out, sample{at: r.Timestamp, latency: r.Latency, ok: r.Code >= 200 && r.Code < 400 && r.Error == "", code: r.Code, err: r.Error})
			if bar != nil {
				_ = bar.Add(1)
			}
		}
	}
}

// stress searches for the breaking point and fills the stress fields of
// res; it returns every sample of every stage.
func stress(ctx context.Context, p Plan, res *Result, bar *progressbar.ProgressBar) ([]sample, error) {
	var all []sample
	run := func(rate float64) (bool, error) {
		pacer := vegeta.ConstantPacer{Freq: perSecond(rate), Per: time.Second}
		s, err := attack(ctx, p, pacer, p.Stress.StageDuration, bar)
		all = append(all, s...)
		if err != nil {
			return false, err
		}
		sum := summarize(s, p.Stress.StageDuration)
		br := p.SLO.Check(sum, false)
		res.Stages = append(res.Stages, Stage{Rate: float64(perSecond(rate)), Summary: sum, Breaches: br})
		if bar != nil {
			bar.Describe(fmt.Sprintf("stress %s: %d req/s %s", p.URL, perSecond(rate), passText(len(br) == 0)))
		}
		return len(br) == 0, nil
	}
	lo, hi := 0.0, 0.0
	for rate := p.Stress.Start; ; rate = math.Min(rate*p.Stress.Factor, p.Stress.Max) {
		ok, err := run(rate)
		if err != nil {
			return all, err
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
	for hi > 0 && lo > 0 && hi-lo > p.Stress.Precision*lo && math.Round(hi) != math.Round(lo) {
		mid := (lo + hi) / 2
		ok, err := run(mid)
		if err != nil {
			return all, err
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	res.Capacity, res.BreakingPoint = float64(int(lo)), math.Round(hi)
	return all, nil
}

func passText(ok bool) string {
	if ok {
		return "met the SLO"
	}
	return "broke the SLO"
}

// summarize aggregates samples; d is the nominal duration (the span of the
// samples when zero).
func summarize(s []sample, d time.Duration) Summary {
	sum := Summary{Requests: uint64(len(s)), StatusCodes: map[string]int{}}
	if len(s) == 0 {
		return sum
	}
	first, last := s[0].at, s[0].at
	lat := make([]time.Duration, 0, len(s))
	errs := map[string]bool{}
	okCount := 0
	for _, x := range s {
		if x.at.Before(first) {
			first = x.at
		}
		if end := x.at.Add(x.latency); end.After(last) {
			last = end
		}
		lat = append(lat, x.latency)
		sum.StatusCodes[fmt.Sprint(x.code)]++
		if x.ok {
			okCount++
		}
		if x.err != "" && !errs[x.err] && len(errs) < 10 {
			errs[x.err] = true
			sum.Errors = append(sum.Errors, x.err)
		}
	}
	span := last.Sub(first)
	if d == 0 {
		d = span
	}
	sum.Duration = max(d, span)
	secs := sum.Duration.Seconds()
	sum.Rate = float64(len(s)) / secs
	sum.Throughput = float64(okCount) / secs
	sum.ErrorRate = 1 - float64(okCount)/float64(len(s))
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	sum.P50, sum.P95, sum.P99, sum.Max = quantile(lat, 0.50), quantile(lat, 0.95), quantile(lat, 0.99), lat[len(lat)-1]
	return sum
}

// quantile is the nearest-rank quantile of sorted latencies.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// series slices the samples into buckets from start.
func series(s []sample, start time.Time, bucket time.Duration) []Point {
	if len(s) == 0 {
		return nil
	}
	groups := map[int][]sample{}
	last := 0
	for _, x := range s {
		i := max(0, int(x.at.Sub(start)/bucket))
		groups[i] = append(groups[i], x)
		last = max(last, i)
	}
	out := make([]Point, 0, last+1)
	for i := 0; i <= last; i++ {
		g := groups[i]
		sum := summarize(g, bucket)
		out = append(out, Point{
			Offset: time.Duration(i) * bucket, Requests: len(g),
			Rate: float64(len(g)) / bucket.Seconds(), Throughput: sum.Throughput,
			P50: sum.P50, P95: sum.P95, P99: sum.P99,
		})
	}
	return out
}
