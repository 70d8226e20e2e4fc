package loadtest

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

func TestRecommend(t *testing.T) {
	stress := &Result{Mode: Stress, Capacity: 600, CapacityRequested: 640, BreakingPoint: 700,
		Stages: []Stage{{Rate: 640, Summary: Summary{Mean: 40 * time.Millisecond, Throughput: 600}}}}
	tests := []struct {
		name   string
		plan   Plan
		res    *Result
		want   *Recommendation
		report []string
	}{
		{"no replicas: none", Plan{}, stress, nil, nil},
		{"from the stress capacity", Plan{Replicas: 3, PeakRate: 2000, Utilization: 0.7}, stress,
			&Recommendation{Replicas: 3, Capacity: 600, PerReplica: 200, MeanLatency: 40 * time.Millisecond, Utilization: 0.7,
				HTTPConcurrency: 140, InFlight: 6, PeakRate: 2000, MaxReplicas: 15,
				Basis: "the stress search: the achieved throughput of the best stage that met the objectives"},
			[]string{"| `app.httpConcurrency` | 140 |", "| `app.maxReplicas` for 2000 req/s | 15 |",
				"maxReplicas = ceil(peak / (u × C)) = ceil(2000 / (0.70 × 200.0)) = 15",
				"httpConcurrency = max(1, floor(u × C)) = floor(0.70 × 200.0) = 140"}},
		{"a passing constant test is a lower bound", Plan{Replicas: 2, Utilization: 0.5},
			&Result{Mode: Constant, Summary: Summary{Throughput: 100, Mean: 10 * time.Millisecond}},
			&Recommendation{Replicas: 2, Capacity: 100, PerReplica: 50, LowerBound: true, MeanLatency: 10 * time.Millisecond,
				Utilization: 0.5, HTTPConcurrency: 25, InFlight: 1,
				Basis: "the throughput this test achieved within the objectives (a lower bound: run --mode stress for the capacity)"},
			[]string{"The capacity is a lower bound"}},
		{"a failing constant test measures no capacity", Plan{Replicas: 2, PeakRate: 100, Utilization: 0.7},
			&Result{Mode: Constant, Summary: Summary{Throughput: 100}, Breaches: []Breach{{Gate: "p95"}}},
			&Recommendation{Replicas: 2, Utilization: 0.7, PeakRate: 100,
				Note: "no capacity measured: the objectives were not met at any load tested; lower the load or run --mode stress"},
			[]string{"no capacity measured"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := recommend(tt.plan, tt.res)
			assert.Equal(t, tt.want, got)
			if got == nil {
				return
			}
			var md bytes.Buffer
			writeRecommendation(&md, got)
			for _, s := range tt.report {
				assert.Contains(t, md.String(), s)
			}
		})
	}
}

// The legend sits above the data: the highest value drawn is below the
// legend's last entry, and the objectives are inside the chart.
func TestChartsKeepTheLegendOffTheData(t *testing.T) {
	var pts []Point
	for i := 0; i < 30; i++ {
		v := float64(100 + 10*(i%7))
		pts = append(pts, Point{Offset: time.Duration(i) * time.Second, Length: time.Second, RequestedRate: 200, Rate: v, Throughput: v,
			P50: 20 * time.Millisecond, P95: time.Duration(v) * time.Millisecond, P99: 900 * time.Millisecond})
	}
	res := &Result{Series: pts, SLO: SLO{P95: 500 * time.Millisecond, P99: time.Second, MinThroughput: 150}}
	for name, build := range map[string]func(*Result) (*plot.Plot, error){"latency": LatencyChart, "throughput": ThroughputChart} {
		t.Run(name, func(t *testing.T) {
			p, err := build(res)
			require.NoError(t, err)
			area := draw.Canvas{Rectangle: vg.Rectangle{Max: vg.Point{X: chartWidth, Y: chartHeight}}}
			data := p.DataCanvas(area)
			_, y := p.Transforms(&data)
			highest := 0.0
			for _, pt := range pts {
				if name == "latency" {
					highest = max(highest, ms(pt.P99), ms(res.SLO.P99))
				} else {
					highest = max(highest, pt.RequestedRate, pt.Rate, res.SLO.MinThroughput)
				}
			}
			legendBottom := data.Max.Y - p.Legend.Rectangle(data).Size().Y
			assert.Less(t, float64(y(highest)), float64(legendBottom), "the highest value is drawn below the legend")
			assert.GreaterOrEqual(t, p.Y.Max, highest)
			assert.Zero(t, p.Y.Min)
			assert.Equal(t, 30.0, p.X.Max, "the axis ends where the last bucket does")
		})
	}
}
