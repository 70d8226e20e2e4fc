package main

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

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
