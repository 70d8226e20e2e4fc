package loadtest

import (
	"fmt"
	"math"
	"time"
)

// Recommendation sizes the app's scale rule from a measured capacity.
//
// Azure Container Apps' HTTP scale rule counts "concurrent requests" as
// the requests of the past 15 seconds divided by 15, i.e. a rate per
// second, and adds a replica when it exceeds concurrentRequests
// (https://learn.microsoft.com/azure/container-apps/scale-app#http); our
// stack config sets it as app.httpConcurrency, and app.maxReplicas caps
// the replicas. So, with C the capacity per replica and u the planned
// utilization:
//
//	httpConcurrency = max(1, floor(u × C))
//	maxReplicas     = ceil(peak / (u × C))
//
// InFlight is Little's law (L = λ·W) at that rate and the mean latency
// measured: the requests a replica holds at once, for the app's own
// limits (connection pools, workers).
type Recommendation struct {
	Basis           string        `json:"basis"`
	Replicas        int           `json:"replicas"`
	Capacity        float64       `json:"capacity"`           // successful req/s of the whole app
	PerReplica      float64       `json:"perReplica"`         // Capacity / Replicas
	LowerBound      bool          `json:"lowerBound"`         // the test did not reach the breaking point
	MeanLatency     time.Duration `json:"meanLatencyNs"`      // at that load
	Utilization     float64       `json:"utilization"`        // u
	HTTPConcurrency int           `json:"httpConcurrency"`    // app.httpConcurrency
	InFlight        int           `json:"inFlight"`           // per replica, Little's law
	PeakRate        float64       `json:"peakRate,omitempty"` // req/s to plan for
	MaxReplicas     int           `json:"maxReplicas,omitempty"`
	Note            string        `json:"note,omitempty"`
}

// recommend sizes the scale rule from the result; nil without replicas.
func recommend(p Plan, r *Result) *Recommendation {
	if p.Replicas <= 0 {
		return nil
	}
	rec := &Recommendation{Replicas: p.Replicas, Utilization: p.Utilization, PeakRate: p.PeakRate}
	switch {
	case r.Mode == Stress && r.Capacity > 0:
		rec.Capacity = r.Capacity
		rec.LowerBound = r.BreakingPoint == 0
		for _, st := range r.Stages {
			if st.Rate == r.CapacityRequested && len(st.Breaches) == 0 {
				rec.MeanLatency = st.Summary.Mean
			}
		}
		rec.Basis = "the stress search: the achieved throughput of the best stage that met the objectives"
	case r.Mode != Stress && len(r.Breaches) == 0 && !r.Aborted && r.Summary.Throughput > 0:
		rec.Capacity = r.Summary.Throughput
		rec.LowerBound = true
		rec.MeanLatency = r.Summary.Mean
		rec.Basis = "the throughput this test achieved within the objectives (a lower bound: run --mode stress for the capacity)"
	default:
		rec.Note = "no capacity measured: the objectives were not met at any load tested; lower the load or run --mode stress"
		return rec
	}
	rec.PerReplica = rec.Capacity / float64(p.Replicas)
	planned := p.Utilization * rec.PerReplica
	rec.HTTPConcurrency = max(1, int(math.Floor(planned+1e-9)))
	rec.InFlight = max(1, int(math.Ceil(planned*rec.MeanLatency.Seconds())))
	if p.PeakRate > 0 {
		rec.MaxReplicas = int(math.Ceil(p.PeakRate/planned - 1e-9))
	}
	if r.Summary.GeneratorLimited || len(r.Warnings) > 0 {
		rec.Note = "the generator limited this test: the capacity per replica may be higher"
	}
	return rec
}

// formulas states the arithmetic of a recommendation with its numbers.
func (rec *Recommendation) formulas() []string {
	u, c := rec.Utilization, rec.PerReplica
	out := []string{
		fmt.Sprintf("capacity per replica C = %.1f req/s / %d replicas = %.1f req/s", rec.Capacity, rec.Replicas, c),
		fmt.Sprintf("httpConcurrency = max(1, floor(u × C)) = floor(%.2f × %.1f) = %d", u, c, rec.HTTPConcurrency),
		fmt.Sprintf("in flight per replica (Little's law) = ceil(u × C × mean latency) = ceil(%.2f × %.1f × %s) = %d",
			u, c, round(rec.MeanLatency), rec.InFlight),
	}
	if rec.PeakRate > 0 {
		out = append(out, fmt.Sprintf("maxReplicas = ceil(peak / (u × C)) = ceil(%s / (%.2f × %.1f)) = %d",
			fmtRate(rec.PeakRate), u, c, rec.MaxReplicas))
	}
	return out
}
