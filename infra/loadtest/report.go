package loadtest

import (
	"encoding/json"
	"fmt"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
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

// WriteMarkdown writes the summary: verdict, gates, figures, and for a
// stress test the stages and the breaking point.
func WriteMarkdown(w io.Writer, r *Result) error {
	verdict := "PASSED"
	if !r.Passed() {
		verdict = "FAILED"
	}
	s := r.Summary
	fmt.Fprintf(w, "# Load test: %s\n\n", verdict)
	fmt.Fprintf(w, "- Mode: %s\n- Target: `%s`\n- Started: %s\n\n", r.Mode, r.URL, r.Started.UTC().Format(time.RFC3339))
	fmt.Fprintf(w, "| Requests | Duration | Rate (req/s) | Throughput (req/s) | Errors | p50 | p95 | p99 | max |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	fmt.Fprintf(w, "| %d | %s | %.1f | %.1f | %.2f%% | %s | %s | %s | %s |\n\n", s.Requests, s.Duration.Round(time.Millisecond),
		s.Rate, s.Throughput, 100*s.ErrorRate, round(s.P50), round(s.P95), round(s.P99), round(s.Max))
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
		fmt.Fprintf(w, "## Stress search\n\n")
		if r.BreakingPoint > 0 {
			fmt.Fprintf(w, "Capacity: **%.0f req/s** met the objectives; **%.0f req/s** broke them.\n\n", r.Capacity, r.BreakingPoint)
		} else {
			fmt.Fprintf(w, "No stage broke the objectives up to %.0f req/s.\n\n", r.Capacity)
		}
		fmt.Fprintf(w, "| Stage | Rate (req/s) | Throughput | Errors | p95 | p99 | Verdict |\n|---:|---:|---:|---:|---:|---:|---|\n")
		for i, st := range r.Stages {
			v := "met"
			if len(st.Breaches) > 0 {
				v = "broke: " + st.Breaches[0].Text
			}
			fmt.Fprintf(w, "| %d | %.0f | %.1f | %.2f%% | %s | %s | %s |\n", i+1, st.Rate, st.Summary.Throughput,
				100*st.Summary.ErrorRate, round(st.Summary.P95), round(st.Summary.P99), v)
		}
		fmt.Fprintln(w)
	}
	_, err := fmt.Fprintf(w, "![latency](%s)\n![throughput](%s)\n", ChartLatency, ChartThroughput)
	return err
}

func round(d time.Duration) time.Duration { return d.Round(100 * time.Microsecond) }

// WriteCharts draws the latency percentiles and the throughput over time
// as PNG files in dir.
func WriteCharts(dir string, r *Result) error {
	lat := plot.New()
	lat.Title.Text = "Latency percentiles"
	lat.X.Label.Text = "time (s)"
	lat.Y.Label.Text = "latency (ms)"
	if err := addLines(lat, r.Series, []line{
		{"p50", func(p Point) float64 { return ms(p.P50) }},
		{"p95", func(p Point) float64 { return ms(p.P95) }},
		{"p99", func(p Point) float64 { return ms(p.P99) }},
	}); err != nil {
		return err
	}
	if err := lat.Save(chartWidth, chartHeight, filepath.Join(dir, ChartLatency)); err != nil {
		return fmt.Errorf("drawing the latency chart: %w", err)
	}
	thr := plot.New()
	thr.Title.Text = "Throughput"
	thr.X.Label.Text = "time (s)"
	thr.Y.Label.Text = "requests/s"
	if err := addLines(thr, r.Series, []line{
		{"sent", func(p Point) float64 { return p.Rate }},
		{"successful", func(p Point) float64 { return p.Throughput }},
	}); err != nil {
		return err
	}
	if err := thr.Save(chartWidth, chartHeight, filepath.Join(dir, ChartThroughput)); err != nil {
		return fmt.Errorf("drawing the throughput chart: %w", err)
	}
	return nil
}

type line struct {
	name  string
	value func(Point) float64
}

var palette = []color.Color{
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
	color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
}

func addLines(p *plot.Plot, pts []Point, lines []line) error {
	for i, l := range lines {
		xy := make(plotter.XYs, len(pts))
		for j, pt := range pts {
			xy[j].X, xy[j].Y = pt.Offset.Seconds(), l.value(pt)
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
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	return nil
}
