package loadtest

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// model is a target of known capacity, as the stress search sees it
// through its stages: of the rate sent it serves at most capacity per
// second, a share lossy of every answer is a 503, and the generator
// cannot send more than ceiling per second (0: no limit). The search is
// tested on it, so no outcome depends on the machine's load; the load
// generator itself is tested against real servers elsewhere.
type model struct {
	capacity, lossy, ceiling float64

	stages []float64
	waits  []time.Duration
}

func (m *model) stage(_ context.Context, rate float64, d time.Duration) (Summary, error) {
	m.stages = append(m.stages, rate)
	secs := d.Seconds()
	planned := uint64(math.Round(rate * secs))
	sentRate := rate
	if m.ceiling > 0 && rate > m.ceiling {
		sentRate = m.ceiling
	}
	sent := uint64(math.Round(sentRate * secs))
	okRate := math.Min(sentRate, m.capacity) * (1 - m.lossy)
	s := Summary{Requests: sent, Planned: planned, Duration: d, RequestedRate: rate, Rate: sentRate, Throughput: okRate,
		ErrorRate: 1 - okRate/sentRate, P95: 5 * time.Millisecond, P99: 8 * time.Millisecond}
	if planned > sent {
		s.Dropped = planned - sent
	}
	s.GeneratorLimited = float64(s.Dropped) > generatorShortfall*float64(planned)
	return s, nil
}

func (m *model) wait(ctx context.Context, d time.Duration) error {
	m.waits = append(m.waits, d)
	return ctx.Err()
}

func stressOn(t *testing.T, m *model, sp StressPlan, slo SLO) *Result {
	t.Helper()
	res, err := Run(context.Background(), Plan{Mode: Stress, URL: "http://127.0.0.1:1", Stress: sp, SLO: slo, stage: m.stage, wait: m.wait})
	require.NoError(t, err)
	return res
}

// The search finds the capacity within its precision and a breaking
// point above it (it used to be measured against a live server and
// failed when the machine was loaded).
func TestStressFindsCapacity(t *testing.T) {
	for _, capacity := range []float64{150, 300, 1234} {
		m := &model{capacity: capacity}
		sp := StressPlan{Start: 20, Factor: 2, StageDuration: 10 * time.Second, Precision: 0.05, CoolDown: time.Second}
		res := stressOn(t, m, sp, SLO{MaxErrorRate: 0.05})
		t.Logf("capacity %.0f: found %.1f, breaking point %.1f, stages %v", capacity, res.Capacity, res.BreakingPoint, m.stages)
		assert.LessOrEqual(t, res.Capacity, capacity)
		assert.GreaterOrEqual(t, res.Capacity, capacity*(1-sp.Precision), "within the precision")
		assert.Greater(t, res.BreakingPoint, res.Capacity)
		assert.LessOrEqual(t, res.BreakingPoint, capacity/0.95*(1+sp.Precision), "the breaking point is the first failing rate, within the precision")
		for i := 1; i < len(m.stages) && m.stages[i] > m.stages[i-1]; i++ {
			assert.Equal(t, m.stages[i-1]*2, m.stages[i], "doubling until a stage fails")
		}
		assert.True(t, res.Passed())
	}
}

// Probe "the stress search reports the requested rate instead of the
// achieved one": a tenth of the answers fail, and the capacity is the
// successful throughput achieved, below the requested rate.
func TestStressCapacityIsAchievedThroughput(t *testing.T) {
	m := &model{capacity: 150, lossy: 0.1}
	res := stressOn(t, m, StressPlan{Start: 40, Factor: 2, StageDuration: time.Second, Precision: 0.1, CoolDown: -1}, SLO{MaxErrorRate: 0.15})
	best, bestRate := 0.0, 0.0
	for _, st := range res.Stages {
		if len(st.Breaches) == 0 && st.Summary.Throughput > best {
			best, bestRate = st.Summary.Throughput, st.Rate
		}
	}
	require.Positive(t, best)
	assert.Equal(t, best, res.Capacity, "the best passing stage's achieved throughput")
	assert.Equal(t, bestRate, res.CapacityRequested)
	assert.Less(t, res.Capacity, 0.95*bestRate, "below the requested rate")
}

// Probe "no cool-down between stages": one pause of --stress-cooldown
// between each two stages, none with a negative cool-down; an interrupt
// during the pause ends the search with a partial result.
func TestStressCoolsDownBetweenStages(t *testing.T) {
	m := &model{capacity: 200}
	res := stressOn(t, m, StressPlan{Start: 50, Factor: 2, StageDuration: time.Second, Precision: 0.2, CoolDown: 5 * time.Second}, SLO{MaxErrorRate: 0.01})
	require.GreaterOrEqual(t, len(res.Stages), 2)
	require.Len(t, m.waits, len(res.Stages)-1)
	for _, w := range m.waits {
		assert.Equal(t, 5*time.Second, w)
	}

	m = &model{capacity: 200}
	stressOn(t, m, StressPlan{Start: 50, Factor: 2, StageDuration: time.Second, Precision: 0.2, CoolDown: -1}, SLO{MaxErrorRate: 0.01})
	assert.Empty(t, m.waits)

	m = &model{capacity: 200}
	interrupted := func(context.Context, time.Duration) error { return context.Canceled }
	res, err := Run(context.Background(), Plan{Mode: Stress, URL: "http://127.0.0.1:1", SLO: SLO{MaxErrorRate: 0.01},
		Stress: StressPlan{Start: 50, Factor: 2, StageDuration: time.Second, CoolDown: time.Second}, stage: m.stage, wait: interrupted})
	require.True(t, errors.Is(err, ErrInterrupted) && errors.Is(err, context.Canceled), "%v", err)
	assert.True(t, res.Partial)
	assert.Len(t, res.Stages, 1)
}

// A stage the generator cannot send is not judged and ends the search;
// the capacity is that of the stages below it, the breaking point unknown.
func TestStressStopsAtTheGeneratorsCeiling(t *testing.T) {
	m := &model{capacity: 100000, ceiling: 500}
	res := stressOn(t, m, StressPlan{Start: 100, Factor: 2, StageDuration: time.Second, Precision: 0.05, CoolDown: -1}, SLO{MaxErrorRate: 0.01})
	last := res.Stages[len(res.Stages)-1]
	assert.True(t, last.GeneratorLimited)
	assert.Empty(t, last.Breaches, "not judged")
	assert.Equal(t, []float64{100, 200, 400, 800}, m.stages)
	assert.Equal(t, 400.0, res.Capacity)
	assert.Zero(t, res.BreakingPoint)
	require.NotEmpty(t, res.Warnings)
	assert.Contains(t, res.Warnings[0], "the stress search ended at stage 4")
}
