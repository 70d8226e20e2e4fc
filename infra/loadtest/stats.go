package loadtest

import (
	"fmt"
	"sort"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// ErrorKind classifies a request that got no HTTP response.
type ErrorKind string

// Error kinds. A generator error is this machine's own limit (file
// descriptors, local ports): it says nothing of the target and is kept
// out of the error rate; the others are failures a user of the target
// would see, reported apart from the target's 4xx/5xx answers.
const (
	ErrTimeout    ErrorKind = "timeout"    // the client gave up waiting (--timeout)
	ErrConnection ErrorKind = "connection" // refused, reset, closed, name resolution
	ErrGenerator  ErrorKind = "generator"  // too many open files, no local port left
	ErrOther      ErrorKind = "other"
)

// classify sorts a client-side error message (Go's net/http wording).
func classify(msg string) ErrorKind {
	m := strings.ToLower(msg)
	switch {
	case strings.Contains(m, "too many open files"), strings.Contains(m, "cannot assign requested address"),
		strings.Contains(m, "no buffer space available"), strings.Contains(m, "address already in use"):
		return ErrGenerator
	case strings.Contains(m, "timeout"), strings.Contains(m, "deadline exceeded"):
		return ErrTimeout
	case strings.Contains(m, "connection refused"), strings.Contains(m, "connection reset"),
		strings.Contains(m, "broken pipe"), strings.Contains(m, "eof"), strings.Contains(m, "no such host"),
		strings.Contains(m, "network is unreachable"), strings.Contains(m, "no route to host"):
		return ErrConnection
	}
	return ErrOther
}

// tally aggregates results without keeping them: its size does not grow
// with the number of requests (the status codes and error kinds seen are
// few; at most maxErrorTexts messages are kept).
type tally struct {
	hist         Histogram
	sent, ok     uint64
	targetErrors uint64
	clientErrors map[ErrorKind]uint64
	codes        map[uint16]uint64
	errorTexts   []string
}

const maxErrorTexts = 10

func (t *tally) add(r *vegeta.Result) {
	if t.codes == nil {
		t.codes, t.clientErrors = map[uint16]uint64{}, map[ErrorKind]uint64{}
	}
	t.sent++
	t.codes[r.Code]++
	switch {
	case r.Code == 0:
		kind := classify(r.Error)
		t.clientErrors[kind]++
		if kind != ErrGenerator {
			t.hist.Record(r.Latency)
		}
		t.keepError(r.Error)
	case r.Code >= 200 && r.Code < 400:
		t.ok++
		t.hist.Record(r.Latency)
	default:
		t.targetErrors++
		t.hist.Record(r.Latency)
		t.keepError(r.Error)
	}
}

func (t *tally) keepError(msg string) {
	if msg == "" || len(t.errorTexts) >= maxErrorTexts {
		return
	}
	for _, e := range t.errorTexts {
		if e == msg {
			return
		}
	}
	t.errorTexts = append(t.errorTexts, msg)
}

func (t *tally) merge(o *tally) {
	if o.codes == nil {
		return
	}
	if t.codes == nil {
		t.codes, t.clientErrors = map[uint16]uint64{}, map[ErrorKind]uint64{}
	}
	t.hist.Merge(&o.hist)
	t.sent += o.sent
	t.ok += o.ok
	t.targetErrors += o.targetErrors
	for k, v := range o.clientErrors {
		t.clientErrors[k] += v
	}
	for k, v := range o.codes {
		t.codes[k] += v
	}
	for _, e := range o.errorTexts {
		t.keepError(e)
	}
}

// generatorShortfall is the share of the requested requests the generator
// may miss before a run is flagged as limited by the generator.
const generatorShortfall = 0.05

// summary is the tally over d, the time the load was sent for, against
// the planned number of requests.
func (t *tally) summary(d time.Duration, planned uint64) Summary {
	s := Summary{Requests: t.sent, Planned: planned, Duration: d, StatusCodes: map[string]uint64{},
		TargetErrors: t.targetErrors, Errors: append([]string(nil), t.errorTexts...)}
	for code, n := range t.codes {
		s.StatusCodes[fmt.Sprint(code)] = n
	}
	for kind, n := range t.clientErrors {
		if s.ClientErrors == nil {
			s.ClientErrors = map[ErrorKind]uint64{}
		}
		s.ClientErrors[kind] = n
	}
	gen := t.clientErrors[ErrGenerator]
	measured := t.sent - gen
	if secs := d.Seconds(); secs > 0 {
		s.RequestedRate = float64(planned) / secs
		s.Rate = float64(t.sent-gen) / secs
		s.Throughput = float64(t.ok) / secs
	}
	if measured > 0 {
		s.ErrorRate = float64(measured-t.ok) / float64(measured)
	}
	if planned > t.sent {
		s.Dropped = planned - t.sent
	}
	s.Dropped += gen
	s.GeneratorLimited = gen > 0 || float64(s.Dropped) > generatorShortfall*float64(planned) && s.Dropped > 1
	s.P50, s.P95, s.P99 = t.hist.Quantile(0.50), t.hist.Quantile(0.95), t.hist.Quantile(0.99)
	s.Max, s.Mean = t.hist.Max(), t.hist.Mean()
	return s
}

// maxPoints bounds the time series: past it, neighbouring buckets are
// merged and the bucket doubles, so a run of any length keeps at most
// maxPoints histograms.
const maxPoints = 360

// series buckets the results by the time they were sent.
type series struct {
	start  time.Time
	bucket time.Duration
	points []bucketTally
}

type bucketTally struct {
	hist           Histogram
	sent, ok, fail uint64
}

func newSeries(start time.Time, bucket time.Duration) *series {
	return &series{start: start, bucket: bucket}
}

func (s *series) add(r *vegeta.Result) {
	i := max(0, int(r.Timestamp.Sub(s.start)/s.bucket))
	for i >= maxPoints {
		s.compact()
		i = max(0, int(r.Timestamp.Sub(s.start)/s.bucket))
	}
	if i >= cap(s.points) {
		// Grow by doubling, but never past maxPoints buckets.
		grown := make([]bucketTally, len(s.points), min(maxPoints, max(2*cap(s.points), i+1, 16)))
		copy(grown, s.points)
		s.points = grown
	}
	for len(s.points) <= i {
		s.points = append(s.points, bucketTally{})
	}
	b := &s.points[i]
	b.sent++
	switch {
	case r.Code >= 200 && r.Code < 400:
		b.ok++
		b.hist.Record(r.Latency)
	case r.Code == 0 && classify(r.Error) == ErrGenerator:
		b.fail++
	default:
		b.fail++
		b.hist.Record(r.Latency)
	}
}

func (s *series) compact() {
	n := (len(s.points) + 1) / 2
	for j := 0; j < n; j++ {
		merged := s.points[2*j]
		if 2*j+1 < len(s.points) {
			o := s.points[2*j+1]
			merged.hist.Merge(&o.hist)
			merged.sent += o.sent
			merged.ok += o.ok
			merged.fail += o.fail
		}
		s.points[j] = merged
	}
	s.points = s.points[:n]
	s.bucket *= 2
}

// finish turns the buckets into points. end is the offset sending ended
// at: the last bucket is cut there and its rates divided by its real
// length, or dropped when shorter than a quarter of a bucket (too few
// requests to say anything). requested is the number of requests the
// profile asked for between two offsets.
func (s *series) finish(end time.Duration, requested func(from, to time.Duration) float64) []Point {
	out := make([]Point, 0, len(s.points))
	for i := range s.points {
		b := &s.points[i]
		from := time.Duration(i) * s.bucket
		length := min(s.bucket, end-from)
		if length < s.bucket/4 {
			break
		}
		secs := length.Seconds()
		out = append(out, Point{
			Offset: from, Length: length, Requests: b.sent, Failed: b.fail,
			RequestedRate: requested(from, from+length) / secs,
			Rate:          float64(b.sent) / secs, Throughput: float64(b.ok) / secs,
			P50: b.hist.Quantile(0.50), P95: b.hist.Quantile(0.95), P99: b.hist.Quantile(0.99),
		})
	}
	return out
}

func sortStrings(s []string) { sort.Strings(s) }
