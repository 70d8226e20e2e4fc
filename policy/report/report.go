// Package report renders a rules.Report: a text table grouped by
// enforcement level (the default), Markdown for a pull-request comment,
// JSON, and SARIF 2.1.0 for GitHub code scanning.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/misybot/platform/policy/rules"
)

// Format is an output format.
type Format string

// Formats.
const (
	Text     Format = "text"
	Markdown Format = "markdown"
	JSON     Format = "json"
	SARIF    Format = "sarif"
)

// Formats lists the formats, for flag help.
func Formats() []string { return []string{string(Text), string(Markdown), string(JSON), string(SARIF)} }

// ParseFormat validates a --format value.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(s)); f {
	case Text, Markdown, JSON, SARIF:
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q (want %s)", s, strings.Join(Formats(), ", "))
}

// Options tune the output.
type Options struct {
	// ArtifactURI is the file the results are attached to in SARIF (GitHub
	// code scanning needs a file location): the audited export, or the
	// stack's Pulumi.<stack>.yaml. Default: Pulumi.yaml.
	ArtifactURI string
	// ToolVersion is reported in SARIF.
	ToolVersion string
}

// Write renders a report in a format.
func Write(w io.Writer, rep rules.Report, f Format, opts Options) error {
	switch f {
	case Text, "":
		return WriteText(w, rep)
	case Markdown:
		return WriteMarkdown(w, rep)
	case JSON:
		return WriteJSON(w, rep)
	case SARIF:
		return WriteSARIF(w, rep, opts)
	}
	return fmt.Errorf("unknown format %q", f)
}

// WriteJSON writes the report as indented JSON (the rules.Report fields).
func WriteJSON(w io.Writer, rep rules.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		return fmt.Errorf("write json report: %w", err)
	}
	return nil
}

// groups splits results by level, in report order.
func groups(rep rules.Report) []struct {
	title   string
	results []rules.Result
} {
	var mandatory, advisory []rules.Result
	for _, r := range rep.Violations {
		if r.Enforcement == rules.Mandatory {
			mandatory = append(mandatory, r)
		} else {
			advisory = append(advisory, r)
		}
	}
	return []struct {
		title   string
		results []rules.Result
	}{
		{"Mandatory", mandatory},
		{"Advisory", advisory},
		{"Undecidable", rep.Undecidable},
	}
}

// summary is the one-line outcome.
func summary(rep rules.Report) string {
	env := rep.Environment
	if env == "" {
		env = "unknown"
	}
	verdict := "PASS"
	if rep.HasMandatory() {
		verdict = "FAIL"
	}
	return fmt.Sprintf("%s: %d mandatory, %d advisory, %d undecidable; %d rules on %d resources (stack %s, environment %s)",
		verdict, rep.Counts.Mandatory, rep.Counts.Advisory, rep.Counts.Undecidable,
		rep.Counts.RulesRun, rep.Counts.Resources, orNone(rep.Stack), env)
}

func orNone(s string) string {
	if s == "" {
		return "(unnamed)"
	}
	return s
}

// remediations maps rule names to their remediation text.
func remediations(rep rules.Report) map[string]string {
	out := make(map[string]string, len(rep.Rules))
	for _, r := range rep.Rules {
		out[r.Name] = r.Remediation
	}
	return out
}
