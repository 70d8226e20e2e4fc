package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/misybot/platform/policy/rules"
)

// WriteMarkdown writes a pull-request comment: the verdict, then a table
// per level, then the remediation of each rule that fired.
func WriteMarkdown(w io.Writer, rep rules.Report) error {
	b := bufio.NewWriter(w)
	icon := "✅"
	if rep.HasMandatory() {
		icon = "❌"
	}
	fmt.Fprintf(b, "### %s Policy check: stack `%s`\n\n", icon, orNone(rep.Stack))
	fmt.Fprintf(b, "%s\n\n", summary(rep))
	fired := []string{}
	seen := map[string]bool{}
	for _, g := range groups(rep) {
		if len(g.results) == 0 {
			continue
		}
		fmt.Fprintf(b, "#### %s (%d)\n\n", g.title, len(g.results))
		fmt.Fprintln(b, "| Rule | Resource | Message |")
		fmt.Fprintln(b, "|---|---|---|")
		for _, r := range g.results {
			fmt.Fprintf(b, "| `%s` | `%s` | %s |\n", r.Rule, resourceLabel(r), cell(r.Message))
			if !seen[r.Rule] && !r.Undecidable {
				seen[r.Rule] = true
				fired = append(fired, r.Rule)
			}
		}
		fmt.Fprintln(b)
	}
	if len(fired) > 0 {
		fix := remediations(rep)
		fmt.Fprintln(b, "<details><summary>How to fix</summary>")
		fmt.Fprintln(b)
		for _, name := range fired {
			fmt.Fprintf(b, "- `%s`: %s\n", name, cell(fix[name]))
		}
		fmt.Fprintln(b)
		fmt.Fprintln(b, "</details>")
	}
	if err := b.Flush(); err != nil {
		return fmt.Errorf("write markdown report: %w", err)
	}
	return nil
}

// cell escapes text for a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}
