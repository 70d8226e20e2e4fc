package loadtest

import (
	"math"
	"math/rand/v2"
	"runtime"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

func TestHistogramBinsCoverTheRange(t *testing.T) {
	want := int(math.Ceil(math.Log(float64(histMax)/float64(histMin))/histLogGamma)) + 1
	assert.Equal(t, want, histBins)
	assert.Equal(t, histBins-1, histIndex(histMax))
	assert.Equal(t, histBins-1, histIndex(time.Hour), "beyond the range: the last bin")
}

// The quantiles are within HistogramRelativeError of the exact
// nearest-rank quantiles, for distributions from flat to heavy-tailed.
func TestHistogramQuantileErrorBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	dists := map[string]func() time.Duration{
		"uniform 1-100ms": func() time.Duration {
			return time.Millisecond + time.Duration(rng.Float64()*float64(99*time.Millisecond))
		},
		"lognormal σ0.8": func() time.Duration { return time.Duration(5e6 * math.Exp(0.8*rng.NormFloat64())) },
		"bimodal":        func() time.Duration { return []time.Duration{2 * time.Millisecond, 2 * time.Second}[rng.IntN(2)] },
		"µs to minutes":  func() time.Duration { return time.Duration(math.Pow(10, 3+rng.Float64()*8)) },
		"constant":       func() time.Duration { return 1234567 * time.Nanosecond },
	}
	for name, draw := range dists {
		for _, n := range []int{1, 7, 100, 10000} {
			var h Histogram
			exact := make([]time.Duration, n)
			for i := range exact {
				exact[i] = draw()
				h.Record(exact[i])
			}
			sort.Slice(exact, func(i, j int) bool { return exact[i] < exact[j] })
			for _, q := range []float64{0.01, 0.5, 0.9, 0.95, 0.99, 0.999, 1} {
				want := exact[max(0, int(math.Ceil(q*float64(n)))-1)]
				got := h.Quantile(q)
				assert.InEpsilon(t, float64(want), float64(got), HistogramRelativeError+1e-9, "%s n=%d q=%v", name, n, q)
			}
			assert.Equal(t, exact[n-1], h.Max())
			assert.Equal(t, uint64(n), h.Count())
		}
	}
}

func TestHistogramMerge(t *testing.T) {
	var a, b, all Histogram
	for i := 1; i <= 1000; i++ {
		d := time.Duration(i) * time.Millisecond
		all.Record(d)
		if i%3 == 0 {
			a.Record(d)
		} else {
			b.Record(d)
		}
	}
	a.Merge(&b)
	assert.Equal(t, all, a)
	var empty Histogram
	assert.Zero(t, empty.Quantile(0.5))
	assert.Zero(t, empty.Mean())
}

// Streaming: the aggregate of a run does not grow with the number of
// requests. A million results, one second of sending each 1,000, leave
// the heap within a fixed bound (the old generator kept ~0.3 KB per
// request: 300 MB here).
func TestAggregatesDoNotGrowWithRequests(t *testing.T) {
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	start := time.Now()
	record := func(n int) (*tally, *series) {
		var tl tally
		s := newSeries(start, time.Second)
		r := &vegeta.Result{Code: 200}
		for i := 0; i < n; i++ {
			r.Timestamp = start.Add(time.Duration(i) * time.Millisecond)
			r.Latency = time.Duration(1+i%5000) * time.Microsecond
			r.Code = []uint16{200, 200, 200, 503, 0}[i%5]
			r.Error = []string{"", "", "", "503 Service Unavailable", "dial tcp: connect: connection refused"}[i%5]
			tl.add(r)
			s.add(r)
		}
		return &tl, s
	}
	before := heap()
	small, smallSeries := record(100_000)
	afterSmall := heap()
	big, bigSeries := record(1_000_000)
	afterBig := heap()
	smallBytes, bigBytes := afterSmall-before, afterBig-afterSmall
	t.Logf("heap for 100k results: %d KB, for 1M: %d KB", smallBytes/1024, bigBytes/1024)
	assert.Less(t, bigBytes, uint64(maxPoints+1)*uint64(unsafeSizeofBucket())+1<<20, "bounded by maxPoints buckets")
	assert.LessOrEqual(t, len(bigSeries.points), maxPoints)
	assert.Equal(t, uint64(1_000_000), big.sent)
	assert.Equal(t, uint64(100_000), small.sent)
	assert.Len(t, smallSeries.points, 100)
	assert.Equal(t, 4*time.Second, bigSeries.bucket, "1,000 s in at most 360 buckets: 1s doubled twice")
}

func unsafeSizeofBucket() int { return histBins*8 + 64 }

func TestSeriesCompactKeepsCounts(t *testing.T) {
	start := time.Now()
	s := newSeries(start, time.Second)
	var sent uint64
	for i := 0; i < 2*maxPoints+3; i++ {
		s.add(&vegeta.Result{Timestamp: start.Add(time.Duration(i)*time.Second + time.Millisecond), Code: 200, Latency: time.Millisecond})
		sent++
	}
	var total uint64
	for _, p := range s.points {
		total += p.sent
	}
	assert.Equal(t, sent, total)
	assert.Equal(t, 4*time.Second, s.bucket)
	pts := s.finish(time.Duration(2*maxPoints+3)*time.Second, func(_, _ time.Duration) float64 { return 0 })
	require.NotEmpty(t, pts)
	for _, p := range pts[:len(pts)-1] {
		assert.InDelta(t, 1.0, p.Rate, 1e-9, "one request a second at offset %s", p.Offset)
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		msg  string
		want ErrorKind
	}{
		{"Get \"http://127.0.0.1:8080/\": dial tcp 127.0.0.1:8080: socket: too many open files", ErrGenerator},
		{"Get \"http://10.0.0.1/\": dial tcp 10.0.0.1:80: connect: cannot assign requested address", ErrGenerator},
		{"Get \"http://127.0.0.1:8080/\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)", ErrTimeout},
		{"Get \"http://127.0.0.1:8080/\": dial tcp 127.0.0.1:8080: i/o timeout", ErrTimeout},
		{"Get \"http://127.0.0.1:1/\": dial tcp 127.0.0.1:1: connect: connection refused", ErrConnection},
		{"Post \"http://127.0.0.1:8080/\": read tcp 127.0.0.1:5->127.0.0.1:8080: read: connection reset by peer", ErrConnection},
		{"Get \"http://x/\": EOF", ErrConnection},
		{"something odd", ErrOther},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, classify(tt.msg), tt.msg)
	}
}

// Generator errors are not target failures: they stay out of the error
// rate, count as dropped and flag the run.
func TestTallyKeepsGeneratorErrorsApart(t *testing.T) {
	var tl tally
	add := func(n int, code uint16, msg string) {
		for i := 0; i < n; i++ {
			tl.add(&vegeta.Result{Code: code, Error: msg, Latency: time.Millisecond})
		}
	}
	add(90, 200, "")
	add(5, 500, "500 Internal Server Error")
	add(3, 0, "dial tcp: connect: connection refused")
	add(2, 0, "dial tcp: socket: too many open files")
	s := tl.summary(time.Second, 100)
	assert.Equal(t, uint64(5), s.TargetErrors)
	assert.Equal(t, map[ErrorKind]uint64{ErrConnection: 3, ErrGenerator: 2}, s.ClientErrors)
	assert.InDelta(t, 8.0/98, s.ErrorRate, 1e-9, "5xx and refused over the 98 requests that left")
	assert.InDelta(t, 98.0, s.Rate, 1e-9)
	assert.InDelta(t, 100.0, s.RequestedRate, 1e-9)
	assert.Equal(t, uint64(2), s.Dropped)
	assert.True(t, s.GeneratorLimited)
}
