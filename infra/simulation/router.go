// Package simulation is a local stand-in for a Container Apps app with two
// revisions and the Azure Monitor APIs that observe it: a weighted router in
// front of two backends, and a server that answers the metrics batch and
// Log Analytics query APIs with what the router saw. Everything listens on
// 127.0.0.1; it exists for tests of the rollout controller.
package simulation

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Backend is one revision: it answers 200, fails one request in FailEvery
// with 500 (0: never), after Latency.
type Backend struct {
	Revision  string
	FailEvery int
	Latency   time.Duration

	n      atomic.Int64
	mu     sync.Mutex // guards FailEvery and Latency once serving
	server *httptest.Server
}

// SetBehaviour changes the failure rate and latency while the backend
// serves: a canary that degrades part-way through a rollout.
func (b *Backend) SetBehaviour(failEvery int, latency time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.FailEvery, b.Latency = failEvery, latency
}

func (b *Backend) behaviour() (int, time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.FailEvery, b.Latency
}

// NewBackend starts a backend on 127.0.0.1.
func NewBackend(revision string, failEvery int, latency time.Duration) *Backend {
	b := &Backend{Revision: revision, FailEvery: failEvery, Latency: latency}
	b.server = httptest.NewServer(http.HandlerFunc(b.serve))
	return b
}

// answer is the status and latency of the backend's next request: the
// first request of every FailEvery fails, so that any run of FailEvery
// requests holds exactly one failure.
func (b *Backend) answer() (int, time.Duration) {
	i := b.n.Add(1) - 1
	failEvery, latency := b.behaviour()
	if failEvery > 0 && i%int64(failEvery) == 0 {
		return http.StatusInternalServerError, latency
	}
	return http.StatusOK, latency
}

func (b *Backend) serve(w http.ResponseWriter, _ *http.Request) {
	status, latency := b.answer()
	if latency > 0 {
		time.Sleep(latency)
	}
	if status != http.StatusOK {
		http.Error(w, "simulated failure", status)
		return
	}
	fmt.Fprintf(w, "%s\n", b.Revision)
}

// URL is the backend's address.
func (b *Backend) URL() string { return b.server.URL }

// Close stops the backend.
func (b *Backend) Close() { b.server.Close() }

// Observation is one request the router forwarded.
type Observation struct {
	Time     time.Time
	Revision string
	// Instance is the replica that served it, named as Container Apps
	// names replicas: <revision>-<replica set hash>-<pod hash>.
	Instance string
	Status   int
	Duration time.Duration
}

// ReplicaName is the simulated replica of a revision.
func ReplicaName(revision string) string { return revision + "-7d9f8c6b5-x2k4p" }

// Router splits the traffic of its main URL between a stable and a canary
// backend by the canary's weight (0 to 100), deterministically: of every
// 100 consecutive requests, weight go to the canary. Its label URL always
// reaches the canary, like a Container Apps revision label.
type Router struct {
	stable, canary *Backend
	client         *http.Client

	mu       sync.Mutex
	weight   int
	seq      int64
	obs      []Observation
	restarts map[string]float64

	main, label *httptest.Server
}

// NewRouter starts a router on 127.0.0.1 with the canary at weight 0.
func NewRouter(stable, canary *Backend) *Router {
	r := &Router{
		stable:   stable,
		canary:   canary,
		client:   &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}},
		restarts: map[string]float64{},
	}
	r.main = httptest.NewServer(http.HandlerFunc(r.serveMain))
	r.label = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.forward(w, req, r.canary)
	}))
	return r
}

// URL is the app's address: traffic split by weight.
func (r *Router) URL() string { return r.main.URL }

// LabelURL reaches the canary only.
func (r *Router) LabelURL() string { return r.label.URL }

// Stable and Canary are the revisions behind the router.
func (r *Router) Stable() string { return r.stable.Revision }

// Canary is the canary revision's name.
func (r *Router) Canary() string { return r.canary.Revision }

// SetWeight sets the canary's share of the main URL's traffic, in percent.
func (r *Router) SetWeight(w int) error {
	if w < 0 || w > 100 {
		return fmt.Errorf("weight %d outside 0..100", w)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.weight = w
	return nil
}

// Weight is the canary's current weight.
func (r *Router) Weight() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.weight
}

// Promote makes the canary the stable revision at full weight: the router
// then sends everything to the canary backend.
func (r *Router) Promote() error { return r.SetWeight(100) }

// SetRestarts records container restarts of a revision, reported by the
// RestartCount metric for any window.
func (r *Router) SetRestarts(revision string, n float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.restarts[revision] = n
}

func (r *Router) restartCounts() map[string]float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]float64, len(r.restarts))
	for k, v := range r.restarts {
		out[k] = v
	}
	return out
}

// pick is the backend of the next main-URL request: of every 100
// consecutive requests, weight go to the canary.
func (r *Router) pick() *Backend {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := r.seq
	r.seq++
	if (k+1)*int64(r.weight)/100 > k*int64(r.weight)/100 {
		return r.canary
	}
	return r.stable
}

func (r *Router) serveMain(w http.ResponseWriter, req *http.Request) {
	r.forward(w, req, r.pick())
}

// simulate records a request arriving at t of simulated time (Traffic):
// routed like a main-URL request (or to the canary for its label), and
// answered by the backend's behaviour, without HTTP.
func (r *Router) simulate(t time.Time, label bool) {
	b := r.canary
	if !label {
		b = r.pick()
	}
	status, latency := b.answer()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.obs = append(r.obs, Observation{Time: t, Revision: b.Revision, Instance: ReplicaName(b.Revision), Status: status, Duration: latency})
}

func (r *Router) forward(w http.ResponseWriter, req *http.Request, b *Backend) {
	start := time.Now()
	status := http.StatusBadGateway
	defer func() {
		r.mu.Lock()
		r.obs = append(r.obs, Observation{Time: start, Revision: b.Revision, Instance: ReplicaName(b.Revision), Status: status, Duration: time.Since(start)})
		r.mu.Unlock()
	}()
	out, err := http.NewRequestWithContext(req.Context(), req.Method, b.URL()+req.URL.RequestURI(), req.Body)
	if err != nil {
		http.Error(w, err.Error(), status)
		return
	}
	resp, err := r.client.Do(out)
	if err != nil {
		if req.Context().Err() != nil {
			// The client went away: an ingress logs 499, not a server error.
			status = 499
		}
		http.Error(w, err.Error(), status)
		return
	}
	defer resp.Body.Close()
	status = resp.StatusCode
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

// Observations returns the requests that started in [start, end).
func (r *Router) Observations(start, end time.Time) []Observation {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Observation
	for _, o := range r.obs {
		if !o.Time.Before(start) && o.Time.Before(end) {
			out = append(out, o)
		}
	}
	return out
}

// Share is the number of requests each revision served in [start, end).
func (r *Router) Share(start, end time.Time) map[string]int {
	out := map[string]int{}
	for _, o := range r.Observations(start, end) {
		out[o.Revision]++
	}
	return out
}

// Close stops the router (not the backends).
func (r *Router) Close() {
	r.main.Close()
	r.label.Close()
	r.client.CloseIdleConnections()
}

// percentile is the nearest-rank percentile of durations, in milliseconds.
func percentile(d []time.Duration, p float64) float64 {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	rank := int(p/100*float64(len(s))+0.999999) - 1
	rank = max(0, min(rank, len(s)-1))
	return float64(s[rank]) / float64(time.Millisecond)
}
