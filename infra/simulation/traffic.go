package simulation

import (
	"context"
	"sort"
	"sync"
	"time"
)

// Traffic is a constant arrival rate of requests to the router on
// simulated time: request k of the run arrives at start + k/Rate, goes
// through the router's deterministic weighted split and gets the
// backend's answer (status and latency) without any HTTP or sleep. The
// router records it like a request it forwarded, so the fake Azure
// Monitor reports it.
type Traffic struct {
	router *Router
	rate   float64 // requests per second to the main URL

	mu sync.Mutex
	// next is the arrival time of the next main-URL request.
	next time.Time
	// label traffic (synthetic requests to the canary's label): rate and
	// the simulated time it ends.
	labelRate float64
	labelEnd  time.Time
	labelNext time.Time
	// onRequest, when set, runs before each request at its arrival time
	// (a backend that changes behaviour at a given moment).
	onRequest func(t time.Time)
}

// NewTraffic sends rate requests per second of simulated time to the
// router's main URL while the clock moves (rate 0: none).
func NewTraffic(clock *Clock, router *Router, rate float64) *Traffic {
	tr := &Traffic{router: router, rate: rate, next: clock.Now()}
	clock.OnAdvance(tr.advance)
	return tr
}

// OnRequest runs f before each simulated request, at its arrival time.
func (tr *Traffic) OnRequest(f func(t time.Time)) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.onRequest = f
}

// Label is a rollout.TrafficGenerator: Start sends rate requests per
// second to the canary's label for d of simulated time from now.
type Label struct {
	Traffic *Traffic
	Clock   *Clock
	Rate    float64
}

// Start implements rollout.TrafficGenerator; it registers the traffic
// before it returns, so the next wait of the controller carries it.
func (l Label) Start(_ context.Context, _ string, d time.Duration) {
	now := l.Clock.Now()
	l.Traffic.mu.Lock()
	defer l.Traffic.mu.Unlock()
	l.Traffic.labelRate, l.Traffic.labelEnd, l.Traffic.labelNext = l.Rate, now.Add(d), now
}

func (tr *Traffic) advance(from, to time.Time) {
	tr.mu.Lock()
	onRequest := tr.onRequest
	var times []time.Time
	var label []bool
	if tr.rate > 0 {
		step := time.Duration(float64(time.Second) / tr.rate)
		if tr.next.Before(from) {
			tr.next = from
		}
		for ; tr.next.Before(to); tr.next = tr.next.Add(step) {
			times, label = append(times, tr.next), append(label, false)
		}
	}
	if tr.labelRate > 0 {
		step := time.Duration(float64(time.Second) / tr.labelRate)
		if tr.labelNext.Before(from) {
			tr.labelNext = from
		}
		for ; tr.labelNext.Before(to) && tr.labelNext.Before(tr.labelEnd); tr.labelNext = tr.labelNext.Add(step) {
			times, label = append(times, tr.labelNext), append(label, true)
		}
	}
	tr.mu.Unlock()
	// Main and label requests in arrival order.
	order := make([]int, len(times))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return times[order[a]].Before(times[order[b]]) })
	for _, i := range order {
		if onRequest != nil {
			onRequest(times[i])
		}
		tr.router.simulate(times[i], label[i])
	}
}
