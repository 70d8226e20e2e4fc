package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/misybot/platform/infra/offline"
	"github.com/misybot/platform/policy/input"
	"github.com/misybot/platform/policy/report"
	"github.com/misybot/platform/policy/rules"
)

// violationsError ends a run that found mandatory policy violations: the
// report is already printed, stderr gets one summary line, exit status 1.
type violationsError struct {
	report rules.Report
}

func (e *violationsError) Error() string {
	return fmt.Sprintf("policy: %d mandatory violation(s) in %s; see the report above", e.report.Counts.Mandatory, e.report.Stack)
}

// policyConfig reads a policy configuration file; no file means defaults.
func (a app) policyConfig(path string) (rules.Config, error) {
	if path == "" || a.policies == nil {
		return rules.Config{}, nil
	}
	cfg, err := a.policies.LoadConfig(path)
	if err != nil {
		return rules.Config{}, usagef("--policy-config: %v", err)
	}
	return cfg, nil
}

// writePlan prints the plan and its policy report (nil when policies are
// off) in one format.
func writePlan(w io.Writer, plan *offline.Plan, rep *rules.Report, f report.Format, artifact string) error {
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
		writeMarkdownSummary(w, plan)
		if rep == nil {
			return nil
		}
		return report.Write(w, *rep, f, report.Options{})
	case report.SARIF:
		if rep == nil {
			return usagef("--format sarif needs the policy pack")
		}
		return report.Write(w, *rep, f, report.Options{ArtifactURI: artifact})
	}
	if err := writeText(w, plan); err != nil {
		return err
	}
	if rep == nil {
		return nil
	}
	fmt.Fprintln(w)
	return report.Write(w, *rep, report.Text, report.Options{})
}

// writeMarkdownSummary is the plan part of a pull-request comment: what
// the stack would create, by type, and its outputs (secrets hidden).
func writeMarkdownSummary(w io.Writer, plan *offline.Plan) {
	fmt.Fprintf(w, "### Offline plan: `%s/%s`\n\n", plan.Project, plan.Stack)
	counts := plan.CountByType()
	types := make([]string, 0, len(counts))
	total := 0
	for t, n := range counts {
		types = append(types, t)
		total += n
	}
	sort.Strings(types)
	fmt.Fprintf(w, "<details><summary>%d resources to create</summary>\n\n| Type | Count |\n|---|---:|\n", total)
	for _, t := range types {
		fmt.Fprintf(w, "| `%s` | %d |\n", t, counts[t])
	}
	fmt.Fprint(w, "\n</details>\n\n")
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
		fmt.Fprintf(w, "<details><summary>%d resources change</summary>\n\n| Op | URN | Keys |\n|---|---|---|\n%s\n\n</details>\n\n", len(diff), strings.Join(diff, "\n"))
	}
	if len(plan.Problems) > 0 {
		fmt.Fprintf(w, "**%d changes Azure would refuse:**\n\n", len(plan.Problems))
		for _, p := range plan.Problems {
			fmt.Fprintf(w, "- `%s` %s\n", p.Code, strings.ReplaceAll(p.String(), "|", "\\|"))
		}
		fmt.Fprintln(w)
	}
}

func (a app) policyCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Audit stacks against the policy pack and document it",
		Args:  noArgs("policy"),
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(a.auditCommand(), a.docsCommand())
	return cmd
}

func (a app) auditCommand() *cobra.Command {
	var format, policyConfig, stack string
	cmd := &cobra.Command{
		Use:   "audit FILE",
		Short: "Evaluate the policies on a `pulumi stack export` file or `pulumi preview --json` output",
		Long: "audit reads a stack export (deployment version 3) or the JSON of `pulumi preview --json`\n" +
			"(use - for standard input) and evaluates every policy on it. Exit status: 0 no mandatory\n" +
			"violation, 1 mandatory violations, 2 unreadable or invalid input.",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("audit takes one file: misyinfra policy audit FILE")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.audit(cmd.InOrStdin(), cmd.OutOrStdout(), args[0], format, policyConfig, stack)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: "+strings.Join(report.Formats(), ", "))
	cmd.Flags().StringVar(&policyConfig, "policy-config", "", "policy configuration, as `pulumi preview --policy-pack-config` reads it")
	cmd.Flags().StringVar(&stack, "stack", "", "stack name, when the file does not tell it (decides the environment)")
	return cmd
}

func (a app) audit(stdin io.Reader, stdout io.Writer, path, format, policyConfig, stackName string) error {
	f, err := report.ParseFormat(format)
	if err != nil {
		return usagef("--format: %v", err)
	}
	cfg, err := a.policyConfig(policyConfig)
	if err != nil {
		return err
	}
	var st rules.Stack
	if path == "-" {
		data, err := io.ReadAll(stdin)
		if err != nil {
			return usagef("reading standard input: %v", err)
		}
		st, err = input.Parse(data)
		if err != nil {
			return usagef("standard input: %v", err)
		}
	} else if st, err = input.ReadFile(path); err != nil {
		return usagef("%v", err)
	}
	if stackName != "" {
		st.Name = stackName
	}
	rep := a.registry().Evaluate(st, cfg)
	if err := report.Write(stdout, rep, f, report.Options{ArtifactURI: filepath.ToSlash(path)}); err != nil {
		return err
	}
	if rep.HasMandatory() {
		return &violationsError{report: rep}
	}
	return nil
}

func (a app) docsCommand() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "docs",
		Short: "Write the policy catalogue (docs/policies.md) from the rule registry",
		Args:  noArgs("policy docs"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var buf bytes.Buffer
			if err := a.registry().Markdown(&buf); err != nil {
				return err
			}
			return writeOutput(cmd.OutOrStdout(), output, buf.Bytes())
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "file to write (default: standard output)")
	return cmd
}

// registry is the app's policy registry, or the catalogue when the app
// previews without policies (audit and docs always need one).
func (a app) registry() *rules.Registry {
	if a.policies != nil {
		return a.policies
	}
	return rules.NewRegistry()
}

func noArgs(command string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 {
			return usagef("%s takes no arguments, got %q", command, strings.Join(args, " "))
		}
		return nil
	}
}
