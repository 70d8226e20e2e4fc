package loadtest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseSteps(t *testing.T) {
	steps, err := ParseSteps("30s:100, 2m:100,0s:400,1m:0.5")
	require.NoError(t, err)
	assert.Equal(t, []Step{{30 * time.Second, 100}, {2 * time.Minute, 100}, {0, 400}, {time.Minute, 0.5}}, steps)
	for _, bad := range []string{"", "30s", "x:1", "30s:-1", "30s:fast", "-1s:3", "30s:NaN", "30s:Inf"} {
		_, err := ParseSteps(bad)
		assert.Error(t, err, bad)
	}
}

// The pacer sends request n when the integral of the rate reaches n:
// fractional rates are kept, ramps and jumps are exact.
func TestProfileSchedule(t *testing.T) {
	tests := []struct {
		name    string
		prof    profile
		planned uint64
		due     []time.Duration // when requests 0, 1, 2, ... are due
	}{
		{"0.5 req/s", constantProfile(0.5, 5*time.Second), 3, []time.Duration{0, 2 * time.Second, 4 * time.Second}},
		{"1.5 req/s for 2s", constantProfile(1.5, 2*time.Second), 3, []time.Duration{0, 666666666, 1333333333}},
		{"ramp 0 to 2 over 2s", newProfile(0, []Step{{2 * time.Second, 2}}), 2, []time.Duration{0, 1414213562}}, // rate t: t²/2 = 1
		{"jump then hold", newProfile(0, []Step{{0, 10}, {time.Second, 10}}), 10, []time.Duration{0, 100 * time.Millisecond}},
		{"ramp down 4 to 0 over 2s", newProfile(4, []Step{{2 * time.Second, 0}}), 4, []time.Duration{0, 267949192}}, // 4t - t² = 1: t = 2-√3
		{"pause between stages", newProfile(10, []Step{{time.Second, 10}, {0, 0}, {time.Second, 0}, {0, 10}, {time.Second, 10}}),
			20, []time.Duration{0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.planned, tt.prof.planned())
			for n, want := range tt.due {
				got, ok := tt.prof.dueAt(float64(n))
				require.True(t, ok)
				assert.InDelta(t, float64(want), float64(got), float64(time.Microsecond), "request %d", n)
			}
			_, ok := tt.prof.dueAt(float64(tt.planned))
			assert.False(t, ok, "nothing is due after the plan")
			// The pacer stops after the plan.
			_, stop := tt.prof.Pace(0, tt.planned)
			assert.True(t, stop)
			_, stop = tt.prof.Pace(tt.prof.total(), 0)
			assert.True(t, stop)
		})
	}
}

func TestProfilePauseSendsNothing(t *testing.T) {
	p := newProfile(10, []Step{{time.Second, 10}, {0, 0}, {time.Second, 0}, {0, 10}, {time.Second, 10}})
	next, ok := p.dueAt(10)
	require.True(t, ok)
	assert.Equal(t, 2*time.Second, next, "request 10 waits for the end of the pause")
	wait, stop := p.Pace(1500*time.Millisecond, 10)
	assert.False(t, stop)
	assert.Equal(t, 500*time.Millisecond, wait)
	assert.Zero(t, p.rateAt(1500*time.Millisecond))
	assert.InDelta(t, 10.0, p.rateAt(2500*time.Millisecond), 1e-9)
}

func TestProfilePaceCatchesUp(t *testing.T) {
	p := constantProfile(100, time.Second)
	wait, stop := p.Pace(500*time.Millisecond, 10)
	assert.False(t, stop)
	assert.Zero(t, wait, "behind schedule: send now")
	wait, _ = p.Pace(95*time.Millisecond, 10)
	assert.Equal(t, 5*time.Millisecond, wait)
}
