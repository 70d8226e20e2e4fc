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

	"github.com/misybot/platform/infra/azuremodel"
	"github.com/misybot/platform/infra/loadtest"
	"github.com/misybot/platform/infra/offline"
	"github.com/misybot/platform/infra/planpolicy"
	"github.com/misybot/platform/infra/plantext"
	"github.com/misybot/platform/infra/stackfile"
	"github.com/misybot/platform/infra/stackplan"
	"github.com/misybot/platform/policy/report"
	"github.com/misybot/platform/policy/rules"
)

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1 // the program failed
	exitUsage   = 2 // a mistake in the command line or the configuration
)

// app is the command line with the programs it previews.
type app struct {
	// planner previews the stacks (plan, graph, import).
	planner stackplan.Planner
	// policies judge the plan; nil previews without policy evaluation.
	policies *rules.Registry
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

// usageLines are the lines of a mistake the user can fix, found in err:
// the command line's own, or the packages' (a stack's files and
// configuration, a load test's options).
func usageLines(err error) ([]string, bool) {
	var usage *usageError
	var input *stackplan.InputError
	var options *loadtest.OptionsError
	switch {
	case errors.As(err, &usage):
		return usage.lines, true
	case errors.As(err, &input):
		return input.Lines, true
	case errors.As(err, &options):
		return options.Lines, true
	}
	return nil, false
}

func (a app) run(args []string, stdout, stderr io.Writer) int {
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(context.Background())
	if err == nil {
		return exitOK
	}
	if lines, ok := usageLines(err); ok {
		for _, line := range lines {
			fmt.Fprintln(stderr, oneLine(line))
		}
		return exitUsage
	}
	switch {
	case errors.As(err, new(*violationsError)):
		fmt.Fprintln(stderr, err.Error())
		return exitFailure
	case errors.As(err, new(*problemsError)):
		fmt.Fprint(stderr, err.Error())
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
	// state is the prior state to preview an update from; saveState is
	// where to write the state after the update; as is the principal.
	state, saveState, as string
	// bootstrapState is the bootstrap's state file (else it is planned).
	bootstrapState    string
	softDeletedVaults []string
	// noModel previews without the Azure model.
	noModel bool
}

// problemsError is a plan Azure or the Pulumi engine would refuse: one
// line per problem.
type problemsError struct {
	problems []offline.Problem
}

func (e *problemsError) Error() string {
	var b strings.Builder
	for _, p := range e.problems {
		b.WriteString("error: " + oneLine(p.String()) + "\n")
	}
	return b.String()
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
			"(markdown with a plan summary, for a pull-request comment).\n\n" +
			"--state previews an update from a prior state (a `pulumi stack export` or a file\n" +
			"written by --save-state): each resource is created, updated, replaced, deleted or\n" +
			"unchanged, and the Azure model (docs/azure-model.md) judges the change. What Azure\n" +
			"or the engine would refuse (a protected resource replaced, a traffic target that does\n" +
			"not exist, a missing role) exits 1 with one line per error. --as runs the update as\n" +
			"the admin, deploy, preview or drift identity, with the role assignments of the prior\n" +
			"state and of the bootstrap project: the deploy, preview and drift identities are the\n" +
			"bootstrap's, read from --bootstrap-state (the bootstrap's `pulumi stack export` or a\n" +
			"--save-state of `plan --dir bootstrap --stack platform`) or, without it, from an\n" +
			"offline plan of the bootstrap/ directory beside Pulumi.yaml.",
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
	addStateFlags(cmd, &f)
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
	if f.saveState != "" && len(plan.Problems) == 0 {
		data, err := plan.SaveState()
		if err != nil {
			return err
		}
		if err := writeOutput(stdout, f.saveState, data); err != nil {
			return err
		}
	}
	var rep *rules.Report
	if a.policies != nil {
		r := planpolicy.Evaluate(a.policies, plan, policyCfg)
		rep = &r
	}
	if err := plantext.Write(stdout, plan, rep, format, filepath.Base(st.StackFile)); err != nil {
		if errors.Is(err, plantext.ErrNoPolicyReport) {
			return usagef("%v", err)
		}
		return err
	}
	if len(plan.Problems) > 0 {
		return &problemsError{problems: plan.Problems}
	}
	if rep != nil && rep.HasMandatory() {
		return &violationsError{report: *rep}
	}
	return nil
}

// addStateFlags adds the flags of an update from a prior state.
func addStateFlags(cmd *cobra.Command, f *planFlags) {
	cmd.Flags().StringVar(&f.state, "state", "", "prior state to preview an update from: a `pulumi stack export` (deployment v3) or a --save-state file")
	cmd.Flags().StringVar(&f.saveState, "save-state", "", "write the state after the update to this file (not written when the update would fail)")
	cmd.Flags().StringVar(&f.as, "as", azuremodel.AsAdmin, "principal the update runs as: "+strings.Join(azuremodel.Principals(), ", ")+" (authorization from the role assignments of the prior state and the bootstrap)")
	addBootstrapFlag(cmd, f)
	cmd.Flags().StringSliceVar(&f.softDeletedVaults, "soft-deleted-vault", nil, "a Key Vault name held by a soft-deleted vault (repeatable)")
	cmd.Flags().BoolVar(&f.noModel, "no-azure-model", false, "preview without the Azure model: no diff judgement, no authorization, nothing Azure would refuse")
}

// addBootstrapFlag adds the flag naming the bootstrap's state: what the
// stack's StackReference to the bootstrap reads and, with --as, the
// bootstrap's identities and grants.
func addBootstrapFlag(cmd *cobra.Command, f *planFlags) {
	cmd.Flags().StringVar(&f.bootstrapState, "bootstrap-state", "", "the bootstrap project's state, which answers the stack's StackReference to the bootstrap and gives --as its identities: its `pulumi stack export` or a --save-state file of `plan --dir bootstrap --stack platform` (default: plan bootstrap/ offline, when needed)")
}

// offlinePlan previews the stack of the flags offline: what plan, graph
// and import start from. It also returns the stack files it read.
func (a app) offlinePlan(ctx context.Context, f planFlags) (*offline.Plan, *stackfile.Stack, error) {
	return a.planner.Plan(ctx, stackplan.Request{
		Stack: f.stack, ConfigFile: f.configFile, Dir: f.dir,
		State: f.state, SaveState: f.saveState != "", As: f.as, BootstrapState: f.bootstrapState,
		SoftDeletedVaults: f.softDeletedVaults, NoModel: f.noModel,
	})
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
