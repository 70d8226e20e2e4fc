package rollout

import (
	"context"
	"errors"
	"time"

	"github.com/misybot/platform/infra/loadtest"
)

// LoadGenerator sends synthetic traffic with the load generator at a
// constant rate.
type LoadGenerator struct {
	Rate float64 // requests per second
	Path string  // appended to the URL
}

// Start implements TrafficGenerator: it sends in the background.
func (g LoadGenerator) Start(ctx context.Context, url string, d time.Duration) {
	go func() { _ = g.Send(ctx, url, d) }()
}

// Send sends to url for d, or until ctx ends.
func (g LoadGenerator) Send(ctx context.Context, url string, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	_, err := loadtest.Run(ctx, loadtest.Plan{Mode: loadtest.Constant, URL: url + g.Path, Rate: g.Rate, Duration: d})
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
