package synth_test

import (
	"fmt"
	"syscall"
	"testing"

	"github.com/misybot/platform/policy/input"
	"github.com/misybot/platform/policy/rules"
	"github.com/misybot/platform/policy/synth"
)

// eachStack runs bench as a sub-benchmark per format (export, preview) and
// size (10,000 and 40,000 resources) on a synthetic stack generated inside
// the sub-benchmark, so that -bench filters skip the generation of the
// others. It reports the CPU time per op too: user+system, GC included,
// what the work costs; wall time also counts waiting for a core on a
// shared machine.
func eachStack(b *testing.B, bench func(b *testing.B, data []byte, n int)) {
	for _, format := range []string{"export", "preview"} {
		for _, n := range []int{10000, 40000} {
			b.Run(fmt.Sprintf("%s/%d", format, n), func(b *testing.B) {
				data, err := synth.Generate(template(b), synth.Options{Resources: n, Preview: format == "preview"})
				if err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				cpu0 := cpuSeconds()
				bench(b, data, n)
				b.ReportMetric((cpuSeconds()-cpu0)/float64(b.N), "cpu-s/op")
			})
		}
	}
}

// BenchmarkAudit reads and evaluates synthetic stacks the way `misyinfra
// policy audit` does (parse, then evaluate every rule). Linear time means
// the 40000 case takes about 4x the 10000 one:
//
//	go test ./policy/synth -run XXX -bench Audit -count 5
func BenchmarkAudit(b *testing.B) {
	reg := rules.NewRegistry()
	eachStack(b, func(b *testing.B, data []byte, n int) {
		for b.Loop() {
			st, err := input.Parse(data)
			if err != nil {
				b.Fatal(err)
			}
			if rep := reg.Evaluate(st, rules.Config{}); rep.Counts.Resources != n {
				b.Fatalf("evaluated %d resources, want %d", rep.Counts.Resources, n)
			}
		}
	})
}

// BenchmarkParse isolates the reading of a document from the rules.
func BenchmarkParse(b *testing.B) {
	eachStack(b, func(b *testing.B, data []byte, n int) {
		for b.Loop() {
			st, err := input.Parse(data)
			if err != nil {
				b.Fatal(err)
			}
			if len(st.Resources) != n {
				b.Fatalf("read %d resources, want %d", len(st.Resources), n)
			}
		}
	})
}

// BenchmarkEvaluate isolates the rules from the reading (the parse in each
// iteration is not timed; its CPU counts in cpu-s/op).
func BenchmarkEvaluate(b *testing.B) {
	reg := rules.NewRegistry()
	eachStack(b, func(b *testing.B, data []byte, n int) {
		for b.Loop() {
			b.StopTimer()
			st, err := input.Parse(data)
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			reg.Evaluate(st, rules.Config{})
		}
	})
}

// cpuSeconds is the process's user and system CPU time so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
