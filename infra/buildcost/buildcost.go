// Package buildcost measures what a cold `go build` costs: it runs builds
// with an empty build cache and reads the action graph the go command writes
// (-debug-actiongraph) for the time and CPU each package's compile took.
// Wall time is noisy on a shared machine; compile CPU-seconds (user+sys of
// the compiler processes, from the action graph) and the whole build's CPU
// time are not, or much less.
package buildcost

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
	"time"
)

// Action is the part of one node of the go command's action graph
// (cmd/go/internal/work.actionJSON) this package reads.
type Action struct {
	ID        int
	Mode      string
	Package   string
	TimeStart time.Time
	TimeDone  time.Time
	CmdReal   time.Duration
	CmdUser   time.Duration
	CmdSys    time.Duration
}

// Package is the cost of one package's actions (compile, and link for main
// packages).
type Package struct {
	Path string
	// Wall is the time from the first action's start to the last one's end.
	Wall time.Duration
	// CPU is user+sys of the tools the actions ran (compile, asm, link).
	CPU time.Duration
}

// Graph is a parsed action graph.
type Graph struct{ Actions []Action }

// ParseGraph reads the JSON of `go build -debug-actiongraph=FILE`.
func ParseGraph(r io.Reader) (*Graph, error) {
	var g Graph
	if err := json.NewDecoder(r).Decode(&g.Actions); err != nil {
		return nil, fmt.Errorf("parse action graph: %w", err)
	}
	return &g, nil
}

// Packages returns the cost per package, most CPU first. Actions that ran no
// tool (cached, or bookkeeping) cost nothing.
func (g *Graph) Packages() []Package {
	type acc struct {
		start, done time.Time
		cpu         time.Duration
	}
	by := map[string]*acc{}
	for _, a := range g.Actions {
		if a.Package == "" || a.TimeStart.IsZero() || (a.Mode != "build" && a.Mode != "link") {
			continue
		}
		p, ok := by[a.Package]
		if !ok {
			p = &acc{start: a.TimeStart, done: a.TimeDone}
			by[a.Package] = p
		}
		if a.TimeStart.Before(p.start) {
			p.start = a.TimeStart
		}
		if a.TimeDone.After(p.done) {
			p.done = a.TimeDone
		}
		p.cpu += a.CmdUser + a.CmdSys
	}
	out := make([]Package, 0, len(by))
	for path, a := range by {
		out = append(out, Package{Path: path, Wall: a.done.Sub(a.start), CPU: a.cpu})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].CPU != out[j].CPU {
			return out[i].CPU > out[j].CPU
		}
		return out[i].Path < out[j].Path
	})
	return out
}

// CPU is the summed CPU of all packages' actions.
func (g *Graph) CPU() time.Duration {
	var total time.Duration
	for _, p := range g.Packages() {
		total += p.CPU
	}
	return total
}

// Result is one measured build.
type Result struct {
	Name string
	// Wall, CPU (user+sys of the go command and everything it ran) and
	// MaxRSS (the largest resident set of any process of the build, which
	// is the biggest compile) of the whole build.
	Wall   time.Duration
	CPU    time.Duration
	MaxRSS int64 // bytes
	Graph  *Graph
}

// WriteReport prints results and the top packages of each by compile CPU,
// and each result's ratio to the first (the floor).
func WriteReport(w io.Writer, results []Result, top int) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "build\twall s\tCPU s\tcompile CPU s\tmax RSS MB\twall ×floor\tCPU ×floor\t")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.1f\t%d\t%.2f\t%.2f\t\n", r.Name, r.Wall.Seconds(), r.CPU.Seconds(),
			r.Graph.CPU().Seconds(), r.MaxRSS>>20, ratio(r.Wall, results[0].Wall), ratio(r.CPU, results[0].CPU))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range results {
		fmt.Fprintf(w, "\n%s: top packages by compile CPU\n", r.Name)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "CPU s\twall s\tpackage")
		for i, p := range r.Graph.Packages() {
			if i == top {
				break
			}
			fmt.Fprintf(tw, "%.1f\t%.1f\t%s\n", p.CPU.Seconds(), p.Wall.Seconds(), p.Path)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
