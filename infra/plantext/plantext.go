// Package plantext renders an offline plan (infra/offline) for a reader:
// the text of `misyinfra plan` (the resource tree like `pulumi preview`,
// the counts, the changes of an update and the stack outputs, secrets
// hidden), the plan summary of a pull-request comment in markdown, and
// Write, which prints the plan with its policy report in each format of
// policy/report (text, JSON, markdown, SARIF).
package plantext

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/misybot/platform/infra/offline"
	"github.com/misybot/platform/policy/report"
	"github.com/misybot/platform/policy/rules"
)

// ErrNoPolicyReport is Write's answer to SARIF without a policy report:
// SARIF holds only the report.
var ErrNoPolicyReport = errors.New("--format sarif needs the policy pack")

// Write prints the plan and its policy report (nil when policies are off)
// in one format: text (the plan, then the report), JSON (the plan's
// document, docs/plan-json.md, with the report under "policy"), markdown
// (the plan summary, then the report) or SARIF (the report alone, its
// results located in artifact).
func Write(w io.Writer, plan *offline.Plan, rep *rules.Report, f report.Format, artifact string) error {
	switch f {
	case report.JSON:
		doc := struct {
			offline.Document
			Policy *rules.Report `json:"policy,omitempty"`
		}{plan.Document(), rep}
		data, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			return fmt.Errorf("encoding the plan: %w", err)
		}
		_, err = fmt.Fprintf(w, "%s\n", data)
		return err
	case report.Markdown:
		if err := WriteMarkdownSummary(w, plan); err != nil {
			return err
		}
		if rep == nil {
			return nil
		}
		return report.Write(w, *rep, f, report.Options{})
	case report.SARIF:
		if rep == nil {
			return ErrNoPolicyReport
		}
		return report.Write(w, *rep, f, report.Options{ArtifactURI: artifact})
	}
	if err := WriteText(w, plan); err != nil {
		return err
	}
	if rep == nil {
		return nil
	}
	if _, err := fmt.Fprintln(w); err != nil {
		return err
	}
	return report.Write(w, *rep, report.Text, report.Options{})
}

// WriteMarkdownSummary is the plan part of a pull-request comment: what
// the stack would create, by type, what an update changes, and what Azure
// would refuse.
func WriteMarkdownSummary(w io.Writer, plan *offline.Plan) error {
	var b strings.Builder
	fmt.Fprintf(&b, "### Offline plan: `%s/%s`\n\n", plan.Project, plan.Stack)
	counts := plan.CountByType()
	types := make([]string, 0, len(counts))
	total := 0
	for t, n := range counts {
		types = append(types, t)
		total += n
	}
	sort.Strings(types)
	fmt.Fprintf(&b, "<details><summary>%d resources to create</summary>\n\n| Type | Count |\n|---|---:|\n", total)
	for _, t := range types {
		fmt.Fprintf(&b, "| `%s` | %d |\n", t, counts[t])
	}
	b.WriteString("\n</details>\n\n")
	var diff []string
	for _, c := range plan.Changes {
		switch c.Op {
		case offline.OpUpdate, offline.OpMaybeUpdate, offline.OpReplace, offline.OpDelete:
			keys := strings.Join(c.Keys, ", ")
			if c.Op == offline.OpReplace {
				keys += " (forced by " + strings.Join(c.ReplaceKeys, ", ") + ")"
			}
			diff = append(diff, fmt.Sprintf("| %s | `%s` | %s |", c.Op, c.URN, keys))
		}
	}
	if len(diff) > 0 {
		fmt.Fprintf(&b, "<details><summary>%d resources change</summary>\n\n| Op | URN | Keys |\n|---|---|---|\n%s\n\n</details>\n\n", len(diff), strings.Join(diff, "\n"))
	}
	if len(plan.Problems) > 0 {
		fmt.Fprintf(&b, "**%d changes Azure would refuse:**\n\n", len(plan.Problems))
		for _, p := range plan.Problems {
			fmt.Fprintf(&b, "- `%s` %s\n", p.Code, strings.ReplaceAll(p.String(), "|", "\\|"))
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
