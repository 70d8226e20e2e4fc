package report

import (
	"bufio"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/misybot/platform/policy/rules"
)

// WriteText writes a table per enforcement level, then the summary line.
func WriteText(w io.Writer, rep rules.Report) error {
	b := bufio.NewWriter(w)
	for _, g := range groups(rep) {
		if len(g.results) == 0 {
			continue
		}
		fmt.Fprintf(b, "%s (%d)\n", g.title, len(g.results))
		tw := tabwriter.NewWriter(b, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  RULE\tRESOURCE\tMESSAGE")
		for _, r := range g.results {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", r.Rule, resourceLabel(r), r.Message)
		}
		if err := tw.Flush(); err != nil {
			return fmt.Errorf("write text report: %w", err)
		}
		fmt.Fprintln(b)
	}
	fmt.Fprintln(b, summary(rep))
	if err := b.Flush(); err != nil {
		return fmt.Errorf("write text report: %w", err)
	}
	return nil
}

// resourceLabel is the URN, or the stack when a finding has none.
func resourceLabel(r rules.Result) string {
	if r.URN == "" {
		return "(stack)"
	}
	return r.URN
}
