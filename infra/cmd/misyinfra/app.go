package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/misybot/platform/infra/offline"
	"github.com/misybot/platform/infra/planpolicy"
	"github.com/misybot/platform/infra/stackfile"
	"github.com/misybot/platform/policy/report"
	"github.com/misybot/platform/policy/rules"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1 // the program failed
	exitUsage   = 2 // a mistake in the command line or the configuration
)

// app is the command line with the program it previews.
type app struct {
	program offline.Program
	// validate returns a *usageError listing the problems of an invalid
	// configuration.
	validate func(project string, config map[string]string, secretKeys []string) error
	// policies judge the plan; nil previews without policy evaluation.
	policies *rules.Registry
	// projects are other programs of the repository, by the project name
	// of their Pulumi.yaml (the bootstrap's, with --dir bootstrap): the
	// project found decides which program runs.
	projects map[string]program
}

// program is a Pulumi program with its configuration validation.
type program struct {
	run      offline.Program
	validate func(project string, config map[string]string, secretKeys []string) error
}

// usageError is a mistake the user can fix in the command line or the
// configuration. Each line is printed as it is, and nothing else.
type usageError struct {
	lines []string
}

func (e *usageError) Error() string { return strings.Join(e.lines, "\n") }

func usagef(format string, args ...any) error {
	return &usageError{lines: []string{fmt.Sprintf(format, args...)}}
}

func (a app) run(args []string, stdout, stderr io.Writer) int {
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(context.Background())
	var usage *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &usage):
		for _, line := range usage.lines {
			fmt.Fprintln(stderr, oneLine(line))
		}
		return exitUsage
	case errors.As(err, new(*violationsError)):
		fmt.Fprintln(stderr, err.Error())
		return exitFailure
	default:
		fmt.Fprintln(stderr, "error: "+oneLine(err.Error()))
		return exitFailure
	}
}

func (a app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "misyinfra",
		Short: "Offline tools for the MisyBot platform's Pulumi program",
		// Errors are printed by run, one a line; a usage dump would bury them.
		SilenceErrors: true,
		SilenceUsage:  true,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("unknown command %q: run 'misyinfra --help' for the commands", args[0])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return cmd.Help() },
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usagef("%v", err) })
	root.AddCommand(a.planCommand(), a.policyCommand(), a.graphCommand(), a.importCommand(), a.docsGroupCommand(), a.rolloutCommand(), a.loadtestCommand())
	return root
}

type planFlags struct {
	stack, configFile, dir, format, policyConfig string
}

func (a app) planCommand() *cobra.Command {
	var f planFlags
	cmd := &cobra.Command{
		Use:   "plan --stack NAME",
		Short: "Preview what the program would create, without Pulumi or Azure",
		Long: "plan runs the Pulumi program in-process under mocks that behave like the azure-native\n" +
			"provider and prints the resources it would create and the stack outputs. Secrets are\n" +
			"never printed. IDs, names and endpoints are deterministic placeholders.\n\n" +
			"Every policy of the pack in ./policy is evaluated on the plan; a mandatory violation\n" +
			"makes the command exit 1. --format markdown and sarif print the policy report\n" +
			"(markdown with a plan summary, for a pull-request comment).",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usagef("plan takes no arguments, got %q", strings.Join(args, " "))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.plan(cmd.Context(), f, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&f.stack, "stack", "", "stack to preview: dev, staging or prod (required)")
	cmd.Flags().StringVar(&f.configFile, "config-file", "", "stack config file to read instead of Pulumi.<stack>.yaml")
	cmd.Flags().StringVar(&f.dir, "dir", "", "project directory holding Pulumi.yaml (default: found by walking up from the current directory)")
	cmd.Flags().StringVar(&f.format, "format", "text", "output format: text, json, markdown or sarif")
	cmd.Flags().StringVar(&f.policyConfig, "policy-config", "", "policy configuration, as `pulumi preview --policy-pack-config` reads it")
	return cmd
}

func (a app) plan(ctx context.Context, f planFlags, stdout io.Writer) error {
	if f.stack == "" {
		return usagef("missing --stack: name the stack to preview, e.g. --stack dev")
	}
	if err := stackfile.CheckStackName(f.stack); err != nil {
		return usagef("--stack: %v", err)
	}
	format, err := report.ParseFormat(f.format)
	if err != nil {
		return usagef("--format: %v", err)
	}
	policyCfg, err := a.policyConfig(f.policyConfig)
	if err != nil {
		return err
	}
	// The stack flags were checked above, so that their mistakes come first
	// and in plan's words.
	plan, st, err := a.offlinePlan(ctx, f)
	if err != nil {
		return err
	}
	var rep *rules.Report
	if a.policies != nil {
		r := planpolicy.Evaluate(a.policies, plan, policyCfg)
		rep = &r
	}
	if err := writePlan(stdout, plan, rep, format, filepath.Base(st.StackFile)); err != nil {
		return err
	}
	if rep != nil && rep.HasMandatory() {
		return &violationsError{report: *rep}
	}
	return nil
}

// offlinePlan checks the stack flags and the stack's configuration and
// previews the stack offline: what plan, graph and import start from. It
// also returns the stack files it read.
func (a app) offlinePlan(ctx context.Context, f planFlags) (*offline.Plan, *stackfile.Stack, error) {
	if f.stack == "" {
		return nil, nil, usagef("missing --stack: name the stack, e.g. --stack dev")
	}
	if err := stackfile.CheckStackName(f.stack); err != nil {
		return nil, nil, usagef("--stack: %v", err)
	}
	st, err := loadStack(f)
	if err != nil {
		return nil, nil, usagef("%v", err)
	}
	if err := st.CheckMissing(); err != nil {
		return nil, nil, usagef("%v", err)
	}
	run, validate := a.program, a.validate
	if p, ok := a.projects[st.Project]; ok {
		run, validate = p.run, p.validate
	}
	if err := validate(st.Project, st.Config, st.SecretKeys); err != nil {
		var usage *usageError
		if errors.As(err, &usage) {
			return nil, nil, err
		}
		return nil, nil, fmt.Errorf("validating the configuration of %s/%s: %w", st.Project, f.stack, err)
	}
	plan, err := offline.Run(ctx, offline.Options{
		Project:    st.Project,
		Stack:      f.stack,
		Config:     st.Config,
		SecretKeys: st.SecretKeys,
		Program:    run,
	})
	if err != nil {
		return nil, nil, err
	}
	return plan, st, nil
}

// writeOutput writes data to the file path, or to stdout when path is ""
// or "-".
func writeOutput(stdout io.Writer, path string, data []byte) error {
	if path == "" || path == "-" {
		_, err := stdout.Write(data)
		return err
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// loadStack reads the project and stack files.
func loadStack(f planFlags) (*stackfile.Stack, error) {
	dir := f.dir
	if dir == "" {
		cwd, err := os.Getwd()
		if err != nil {
			return nil, fmt.Errorf("finding the project: %w", err)
		}
		if dir, err = findProjectDir(cwd); err != nil {
			return nil, err
		}
	}
	if f.configFile != "" {
		return stackfile.LoadFile(filepath.Join(dir, "Pulumi.yaml"), f.configFile)
	}
	return stackfile.Load(dir, f.stack)
}

// findProjectDir walks up from dir to the directory holding Pulumi.yaml.
func findProjectDir(dir string) (string, error) {
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, "Pulumi.yaml")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("no Pulumi.yaml in %s or any parent directory: use --dir", dir)
		}
		d = parent
	}
}

// oneLine keeps an error on one line: multi-line errors (the SDK's joined
// errors, a wrapped list) are joined with "; ".
func oneLine(s string) string {
	var parts []string
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "* "))
		if line != "" {
			parts = append(parts, line)
		}
	}
	return strings.Join(parts, "; ")
}
