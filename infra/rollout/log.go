package rollout

import (
	"fmt"
	"strings"
	"time"
)

// Markdown renders the decision log: the rollout's status and every
// decision with the numbers behind it.
func (st *State) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Rollout of %s on stack %s: %s\n\n", st.Release, st.Stack, st.Phase)
	fmt.Fprintf(&b, "| Canary | Stable | Steps | Weight | Intervals | Failed | Inconclusive |\n|---|---|---|---:|---:|---:|---:|\n")
	fmt.Fprintf(&b, "| `%s` | `%s` | %s | %d%% | %d | %d | %d |\n\n", st.CanaryRevision, st.StableRevision,
		joinInts(st.Steps), st.Weight, st.Intervals, st.Failures, st.Inconclusive)
	fmt.Fprintf(&b, "| Time | Interval | Action | Weight | Outcome | Reason |\n|---|---:|---|---:|---|---|\n")
	for _, d := range st.Decisions {
		interval := ""
		if d.Interval > 0 {
			interval = fmt.Sprint(d.Interval)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %d%% | %s | %s |\n", d.Time.UTC().Format("15:04:05.000"), interval, d.Action, d.Weight, d.Outcome, escape(d.Reason))
	}
	for _, d := range st.Decisions {
		if len(d.Checks) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n### Interval %d at %d%%: %s\n\n", d.Interval, d.Weight, d.Outcome)
		if d.Canary != nil && d.Stable != nil {
			fmt.Fprintf(&b, "| Revision | Requests | 5xx | p95 | p99 | Restarts |\n|---|---:|---:|---:|---:|---:|\n")
			for _, m := range []*Measurement{d.Canary, d.Stable} {
				fmt.Fprintf(&b, "| `%s` | %.0f | %.0f | %s | %s | %.0f |\n", m.Revision, m.Requests, m.Errors5xx,
					m.P95.Round(100*time.Microsecond), m.P99.Round(100*time.Microsecond), m.Restarts)
			}
			b.WriteString("\n")
		}
		for _, c := range d.Checks {
			fmt.Fprintf(&b, "- %s\n", c)
		}
	}
	return b.String()
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ", ")
}

func escape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
