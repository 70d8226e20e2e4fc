package loadtest

import (
	"math"
	"time"
)

// Histogram counts latencies in logarithmic bins (the scheme of DDSketch,
// https://arxiv.org/abs/1908.10693): bin i holds the latencies in
// (histMin·γ^(i-1), histMin·γ^i] with γ = (1+HistogramRelativeError) /
// (1-HistogramRelativeError), and a quantile is answered with the bin's
// representative value 2·histMin·γ^i/(γ+1). Every latency in the bin is
// then within HistogramRelativeError of that value, so a quantile is within
// HistogramRelativeError of the exact nearest-rank quantile for latencies
// from histMin to histMax (below histMin the error is at most histMin in
// absolute terms; above histMax, latencies are counted in the last bin and
// the exact maximum is kept apart).
//
// Its size is fixed (histBins counters) whatever the number of samples:
// a load test keeps no per-request data.
type Histogram struct {
	counts   [histBins]uint64
	n        uint64
	sum      float64 // nanoseconds, for the mean
	min, max time.Duration
}

// HistogramRelativeError bounds the relative error of the quantiles a
// Histogram reports.
const HistogramRelativeError = 0.01

const (
	histMin  = time.Microsecond
	histMax  = 20 * time.Minute
	histBins = 1047 // ceil(log_γ(histMax/histMin)) + 1, checked by a test
)

var (
	histGamma    = (1 + HistogramRelativeError) / (1 - HistogramRelativeError)
	histLogGamma = math.Log(histGamma)
)

func histIndex(d time.Duration) int {
	if d <= histMin {
		return 0
	}
	i := int(math.Ceil(math.Log(float64(d)/float64(histMin)) / histLogGamma))
	return min(max(i, 0), histBins-1)
}

func histValue(i int) time.Duration {
	if i == 0 {
		return histMin
	}
	return time.Duration(2 * float64(histMin) * math.Pow(histGamma, float64(i)) / (histGamma + 1))
}

// Record counts one latency.
func (h *Histogram) Record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[histIndex(d)]++
	if h.n == 0 || d < h.min {
		h.min = d
	}
	if d > h.max {
		h.max = d
	}
	h.n++
	h.sum += float64(d)
}

// Merge adds the counts of o.
func (h *Histogram) Merge(o *Histogram) {
	if o.n == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	h.max = max(h.max, o.max)
	h.n += o.n
	h.sum += o.sum
}

// Count is the number of latencies recorded.
func (h *Histogram) Count() uint64 { return h.n }

// Max is the exact largest latency recorded.
func (h *Histogram) Max() time.Duration { return h.max }

// Mean is the exact mean latency.
func (h *Histogram) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return time.Duration(h.sum / float64(h.n))
}

// Quantile is the nearest-rank q-quantile (0 < q ≤ 1) within
// HistogramRelativeError; 0 when nothing was recorded.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return min(max(histValue(i), h.min), h.max)
		}
	}
	return h.max
}
