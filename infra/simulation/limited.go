package simulation

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"time"
)

// LimitedServer serves at most Rate requests per second (a token bucket
// holding Burst tokens) and answers 503 beyond: a server whose capacity is
// known, for the stress search.
type LimitedServer struct {
	rate, burst float64

	mu     sync.Mutex
	tokens float64
	last   time.Time
	server *httptest.Server
}

// NewLimitedServer starts the server on 127.0.0.1 with a full bucket.
func NewLimitedServer(rate, burst float64) *LimitedServer {
	s := &LimitedServer{rate: rate, burst: burst, tokens: burst, last: time.Now()}
	s.server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

func (s *LimitedServer) take() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	s.tokens = min(s.burst, s.tokens+now.Sub(s.last).Seconds()*s.rate)
	s.last = now
	if s.tokens < 1 {
		return false
	}
	s.tokens--
	return true
}

func (s *LimitedServer) serve(w http.ResponseWriter, _ *http.Request) {
	if !s.take() {
		http.Error(w, "over capacity", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// URL is the server's address.
func (s *LimitedServer) URL() string { return s.server.URL }

// Close stops the server.
func (s *LimitedServer) Close() { s.server.Close() }
