package simulation

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"time"
)

// QueueServer is a single FIFO queue served at a fixed rate: each request
// waits for the ones before it, then takes 1/rate to serve, and is
// answered 503 at once when its wait would exceed MaxWait. Below the rate
// latency stays at the service time; above it the queue grows, latency
// climbs to MaxWait and the excess is refused: a target whose capacity is
// known, for load-test tests.
type QueueServer struct {
	service time.Duration
	maxWait time.Duration

	mu       sync.Mutex
	busyTill time.Time
	served   atomic.Uint64
	refused  atomic.Uint64
	server   *httptest.Server
}

// NewQueueServer starts the server on 127.0.0.1.
func NewQueueServer(rate float64, maxWait time.Duration) *QueueServer {
	s := &QueueServer{service: time.Duration(float64(time.Second) / rate), maxWait: maxWait}
	s.server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

func (s *QueueServer) serve(w http.ResponseWriter, _ *http.Request) {
	now := time.Now()
	s.mu.Lock()
	start := s.busyTill
	if start.Before(now) {
		start = now
	}
	if start.Sub(now) > s.maxWait {
		s.mu.Unlock()
		s.refused.Add(1)
		http.Error(w, "queue full", http.StatusServiceUnavailable)
		return
	}
	s.busyTill = start.Add(s.service)
	done := s.busyTill
	s.mu.Unlock()
	time.Sleep(time.Until(done))
	s.served.Add(1)
	w.WriteHeader(http.StatusOK)
}

// Served and Refused count the requests answered 200 and 503.
func (s *QueueServer) Served() uint64  { return s.served.Load() }
func (s *QueueServer) Refused() uint64 { return s.refused.Load() }

// URL is the server's address.
func (s *QueueServer) URL() string { return s.server.URL }

// Close stops the server.
func (s *QueueServer) Close() { s.server.Close() }
