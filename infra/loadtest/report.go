package loadtest

import (
	"encoding/json"
	"fmt"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Report file names written by WriteReport.
const (
	ReportMarkdown  = "report.md"
	ReportJSON      = "results.json"
	ChartLatency    = "latency.png"
	ChartThroughput = "throughput.png"
	chartWidth      = 8 * vg.Inch
	chartHeight     = 4 * vg.Inch
)

// WriteReport writes the markdown summary, the JSON results and the two
// charts into dir, creating it.
func WriteReport(dir string, r *Result) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating the report directory: %w", err)
	}
	if err := writeFile(filepath.Join(dir, ReportJSON), func(w io.Writer) error { return WriteJSON(w, r) }); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(dir, ReportMarkdown), func(w io.Writer) error { return WriteMarkdown(w, r) }); err != nil {
		return err
	}
	return WriteCharts(dir, r)
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// WriteJSON writes the result as indented JSON (durations in nanoseconds).
func WriteJSON(w io.Writer, r *Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// Verdict is the headline of a report.
func (r *Result) Verdict() string {
	switch {
	case r.Partial:
		return "PARTIAL (interrupted)"
	case r.Aborted:
		return "ABORTED (objectives breached)"
	case r.Passed():
		return "PASSED"
	}
	return "FAILED"
}

// WriteMarkdown writes the summary: verdict, warnings, requests (header
// names, never values), figures, gates, for a stress test the stages and
// the breaking point, and the scale recommendation.
func WriteMarkdown(w io.Writer, r *Result) error {
	s := r.Summary
	fmt.Fprintf(w, "# Load test: %s\n\n", r.Verdict())
	if r.Partial {
		fmt.Fprintf(w, "**Partial report**: the test was interrupted after %s of sending; the figures cover what ran.\n\n", s.Duration.Round(time.Millisecond))
	}
	for _, warn := range r.Warnings {
		fmt.Fprintf(w, "> **Warning**: %s\n\n", warn)
	}
	fmt.Fprintf(w, "- Mode: %s\n- Started: %s\n", r.Mode, r.Started.UTC().Format(time.RFC3339))
	for _, q := range r.Requests {
		fmt.Fprintf(w, "- Request: `%s %s`", q.Method, q.URL)
		if len(q.Headers) > 0 {
			fmt.Fprintf(w, ", headers %s (values not shown)", strings.Join(q.Headers, ", "))
		}
		if q.BodyBytes > 0 {
			fmt.Fprintf(w, ", body %d bytes", q.BodyBytes)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "| Requests | Duration | Requested (req/s) | Achieved (req/s) | Throughput (req/s) | Errors | p50 | p95 | p99 | max |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	fmt.Fprintf(w, "| %d | %s | %.1f | %.1f | %.1f | %.2f%% | %s | %s | %s | %s |\n\n", s.Requests, s.Duration.Round(time.Millisecond),
		s.RequestedRate, s.Rate, s.Throughput, 100*s.ErrorRate, round(s.P50), round(s.P95), round(s.P99), round(s.Max))
	fmt.Fprintf(w, "Latency quantiles are within %.0f%% of the exact value (streaming histogram); the rates are per second of sending, by send time.\n\n", 100*HistogramRelativeError)
	writeErrors(w, s)
	fmt.Fprintf(w, "## Objectives\n\n| Gate | Objective |\n|---|---|\n")
	gate := func(name, v string) { fmt.Fprintf(w, "| %s | %s |\n", name, v) }
	if r.SLO.P95 > 0 {
		gate("p95", "≤ "+r.SLO.P95.String())
	}
	if r.SLO.P99 > 0 {
		gate("p99", "≤ "+r.SLO.P99.String())
	}
	if r.SLO.MaxErrorRate > 0 {
		gate("error rate", fmt.Sprintf("≤ %.2f%%", 100*r.SLO.MaxErrorRate))
	}
	if r.SLO.MinThroughput > 0 {
		gate("throughput", fmt.Sprintf("≥ %.1f req/s", r.SLO.MinThroughput))
	}
	fmt.Fprintln(w)
	if len(r.Breaches) > 0 {
		fmt.Fprintf(w, "Breaches:\n\n")
		for _, b := range r.Breaches {
			fmt.Fprintf(w, "- %s\n", b.Text)
		}
		fmt.Fprintln(w)
	}
	if r.Mode == Stress {
		writeStress(w, r)
	}
	if rec := r.Recommendation; rec != nil {
		writeRecommendation(w, rec)
	}
	_, err := fmt.Fprintf(w, "![latency](%s)\n![throughput](%s)\n", ChartLatency, ChartThroughput)
	return err
}

func writeErrors(w io.Writer, s Summary) {
	if s.TargetErrors == 0 && len(s.ClientErrors) == 0 {
		return
	}
	fmt.Fprintf(w, "Failures: %d answered with 4xx/5xx by the target", s.TargetErrors)
	for _, k := range []ErrorKind{ErrTimeout, ErrConnection, ErrOther} {
		if n := s.ClientErrors[k]; n > 0 {
			fmt.Fprintf(w, "; %d client-side %s", n, k)
		}
	}
	if n := s.ClientErrors[ErrGenerator]; n > 0 {
		fmt.Fprintf(w, "; %d failed on this machine (generator: not counted in the error rate)", n)
	}
	fmt.Fprintf(w, ".\n\n")
	if len(s.Errors) > 0 {
		fmt.Fprintf(w, "Errors seen:\n\n")
		for _, e := range s.Errors {
			fmt.Fprintf(w, "- `%s`\n", e)
		}
		fmt.Fprintln(w)
	}
}

func writeStress(w io.Writer, r *Result) {
	fmt.Fprintf(w, "## Stress search\n\n")
	switch {
	case r.Capacity == 0:
		fmt.Fprintf(w, "No stage met the objectives.\n\n")
	case r.BreakingPoint > 0:
		fmt.Fprintf(w, "Capacity: **%.1f req/s** achieved within the objectives (%s req/s requested); "+
			"**%s req/s** requested broke them (%.1f req/s achieved).\n\n",
			r.Capacity, fmtRate(r.CapacityRequested), fmtRate(r.BreakingPoint), r.BreakingThroughput)
	default:
		fmt.Fprintf(w, "Capacity: at least **%.1f req/s** achieved within the objectives (%s req/s requested); no stage broke them.\n\n",
			r.Capacity, fmtRate(r.CapacityRequested))
	}
	fmt.Fprintf(w, "| Stage | Requested (req/s) | Achieved (req/s) | Throughput | Errors | p95 | p99 | Verdict |\n|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for i, st := range r.Stages {
		v := "met"
		switch {
		case st.GeneratorLimited:
			v = fmt.Sprintf("generator-limited: %d dropped, not judged", st.Summary.Dropped)
		case len(st.Breaches) > 0:
			v = "broke: " + st.Breaches[0].Text
		}
		fmt.Fprintf(w, "| %d | %s | %.1f | %.1f | %.2f%% | %s | %s | %s |\n", i+1, fmtRate(st.Rate), st.Summary.Rate, st.Summary.Throughput,
			100*st.Summary.ErrorRate, round(st.Summary.P95), round(st.Summary.P99), v)
	}
	fmt.Fprintln(w)
}

func writeRecommendation(w io.Writer, rec *Recommendation) {
	fmt.Fprintf(w, "## Scale recommendation\n\n")
	if rec.Capacity == 0 {
		fmt.Fprintf(w, "%s.\n\n", rec.Note)
		return
	}
	fmt.Fprintf(w, "From %s, with %d replica(s) serving and a planned utilization u = %.2f:\n\n", rec.Basis, rec.Replicas, rec.Utilization)
	fmt.Fprintf(w, "| Setting | Value |\n|---|---:|\n| capacity per replica | %.1f req/s |\n| `app.httpConcurrency` | %d |\n",
		rec.PerReplica, rec.HTTPConcurrency)
	if rec.PeakRate > 0 {
		fmt.Fprintf(w, "| `app.maxReplicas` for %s req/s | %d |\n", fmtRate(rec.PeakRate), rec.MaxReplicas)
	}
	fmt.Fprintf(w, "| requests in flight per replica | %d |\n\n", rec.InFlight)
	for _, f := range rec.formulas() {
		fmt.Fprintf(w, "- %s\n", f)
	}
	fmt.Fprintf(w, "\nContainer Apps counts an HTTP rule's concurrent requests as the requests of the past 15 s divided by 15 "+
		"(https://learn.microsoft.com/azure/container-apps/scale-app#http).\n")
	if rec.LowerBound {
		fmt.Fprintf(w, "The capacity is a lower bound: the test did not reach the breaking point.\n")
	}
	if rec.Note != "" {
		fmt.Fprintf(w, "%s.\n", rec.Note)
	}
	fmt.Fprintln(w)
}

func round(d time.Duration) time.Duration { return d.Round(100 * time.Microsecond) }

// WriteCharts draws the latency percentiles and the throughput over time
// as PNG files in dir.
func WriteCharts(dir string, r *Result) error {
	for _, c := range []chart{latencyChart(r), throughputChart(r)} {
		p, err := c.plot(r.Series)
		if err != nil {
			return err
		}
		if err := p.Save(chartWidth, chartHeight, filepath.Join(dir, c.file)); err != nil {
			return fmt.Errorf("drawing the %s chart: %w", c.name, err)
		}
	}
	return nil
}

// chart is one chart of the report: its lines over the series and its
// objectives as dashed lines.
type chart struct {
	name, file, title, yLabel string
	lines                     []line
	slo                       []sloLine
}

func (c chart) plot(pts []Point) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = c.title
	p.X.Label.Text = "time (s, by send time)"
	p.Y.Label.Text = c.yLabel
	return p, addLines(p, pts, c.lines, c.slo)
}

// LatencyChart plots p50, p95 and p99 per bucket with the latency
// objectives as dashed lines.
func LatencyChart(r *Result) (*plot.Plot, error) { return latencyChart(r).plot(r.Series) }

// ThroughputChart plots the requested, sent and successful requests per
// second of each bucket (count / bucket length, by send time) with the
// throughput objective as a dashed line.
func ThroughputChart(r *Result) (*plot.Plot, error) { return throughputChart(r).plot(r.Series) }

func latencyChart(r *Result) chart {
	c := chart{name: "latency", file: ChartLatency, title: "Latency percentiles", yLabel: "latency (ms)", lines: []line{
		{"p50", func(p Point) float64 { return ms(p.P50) }},
		{"p95", func(p Point) float64 { return ms(p.P95) }},
		{"p99", func(p Point) float64 { return ms(p.P99) }},
	}}
	if r.SLO.P95 > 0 {
		c.slo = append(c.slo, sloLine{"p95 objective", ms(r.SLO.P95)})
	}
	if r.SLO.P99 > 0 {
		c.slo = append(c.slo, sloLine{"p99 objective", ms(r.SLO.P99)})
	}
	return c
}

func throughputChart(r *Result) chart {
	c := chart{name: "throughput", file: ChartThroughput, title: "Throughput", yLabel: "requests/s", lines: []line{
		{"requested", func(p Point) float64 { return p.RequestedRate }},
		{"sent", func(p Point) float64 { return p.Rate }},
		{"successful", func(p Point) float64 { return p.Throughput }},
	}}
	if r.SLO.MinThroughput > 0 {
		c.slo = append(c.slo, sloLine{"throughput objective", r.SLO.MinThroughput})
	}
	return c
}

type line struct {
	name  string
	value func(Point) float64
}

type sloLine struct {
	name  string
	value float64
}

var palette = []color.Color{
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff},
}

var sloColor = color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}

// addLines draws the series and the objectives, and raises the Y axis so
// that the top legendShare of the chart holds the legend and no data.
func addLines(p *plot.Plot, pts []Point, lines []line, slo []sloLine) error {
	p.Add(plotter.NewGrid())
	top, end := 0.0, 1.0
	for _, pt := range pts {
		end = max(end, (pt.Offset + pt.Length).Seconds())
	}
	for i, l := range lines {
		xy := make(plotter.XYs, len(pts))
		for j, pt := range pts {
			// A bucket's value is drawn at its middle.
			xy[j].X, xy[j].Y = (pt.Offset + pt.Length/2).Seconds(), l.value(pt)
			top = max(top, xy[j].Y)
		}
		if len(xy) == 0 {
			xy = plotter.XYs{{}}
		}
		ln, err := plotter.NewLine(xy)
		if err != nil {
			return fmt.Errorf("charting %s: %w", l.name, err)
		}
		ln.Color = palette[i%len(palette)]
		ln.Width = vg.Points(1.5)
		p.Add(ln)
		p.Legend.Add(l.name, ln)
	}
	for _, s := range slo {
		ln, err := plotter.NewLine(plotter.XYs{{X: 0, Y: s.value}, {X: end, Y: s.value}})
		if err != nil {
			return fmt.Errorf("charting %s: %w", s.name, err)
		}
		ln.Color = sloColor
		ln.Width = vg.Points(1)
		ln.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
		p.Add(ln)
		p.Legend.Add(s.name, ln)
		top = max(top, s.value)
	}
	p.X.Min, p.X.Max = 0, end
	p.Y.Min = 0
	p.Legend.Top = true
	// Keep the band under the title that the legend takes free of data:
	// the highest value sits below the legend's last entry.
	area := draw.Canvas{Rectangle: vg.Rectangle{Max: vg.Point{X: chartWidth, Y: chartHeight}}}
	data := p.DataCanvas(area)
	legend := p.Legend.Rectangle(data).Size().Y + vg.Points(6)
	share := min(0.6, float64(legend/data.Size().Y))
	p.Y.Max = max(top, 1) / (1 - share)
	return nil
}
