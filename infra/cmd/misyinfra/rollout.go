package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/spf13/cobra"

	"github.com/misybot/platform/components/apphosting"
	"github.com/misybot/platform/infra/azmon"
	"github.com/misybot/platform/infra/rollout"
	"github.com/misybot/platform/infra/rollout/autostack"
	"github.com/misybot/platform/infra/stackfile"
	"github.com/misybot/platform/stacks"
)

// stackSetter changes a stack's traffic and tells its stable release.
type stackSetter interface {
	rollout.TrafficSetter
	StableRelease(ctx context.Context) (string, error)
}

// rolloutEnv connects the rollout command to the world; tests substitute
// a simulation.
type rolloutEnv struct {
	setter   func(ctx context.Context, stack, workDir string, progress io.Writer) (stackSetter, error)
	analyzer func(cfg azmon.Config) (rollout.Analyzer, error)
}

// productionRollout changes the stack through the Automation API (it needs
// the Pulumi CLI) and reads Azure Monitor with the default Azure credential.
func productionRollout() rolloutEnv {
	return rolloutEnv{
		setter: func(ctx context.Context, stack, workDir string, progress io.Writer) (stackSetter, error) {
			return autostack.Select(ctx, stack, workDir, progress)
		},
		analyzer: func(cfg azmon.Config) (rollout.Analyzer, error) {
			cred, err := azidentity.NewDefaultAzureCredential(nil)
			if err != nil {
				return nil, fmt.Errorf("azure credential: %w", err)
			}
			c, err := azmon.New(cfg, cred)
			if err != nil {
				return nil, err
			}
			return rollout.MonitorAnalyzer{Client: c}, nil
		},
	}
}

func (a app) rolloutCommand() *cobra.Command { return newRolloutCommand(productionRollout()) }

func newRolloutCommand(env rolloutEnv) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rollout",
		Short: "Canary rollout of a release with metric analysis, automatic rollback and manual gates",
		Args:  noArgs("rollout"),
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(startCommand(env), statusCommand())
	for _, c := range []rollout.Command{rollout.CmdPause, rollout.CmdResume, rollout.CmdPromote, rollout.CmdAbort} {
		cmd.AddCommand(gateCommand(c))
	}
	return cmd
}

type startFlags struct {
	stack, release, stableRelease, app, canaryRev, stableRev string
	steps, stateDir, workDir, onInterrupted, progress        string
	labelURL, smokePath                                      string
	interval                                                 time.Duration
	failureThreshold, maxInconclusive, minRequests           int
	max5xx, max5xxIncrease, maxLatencyIncrease, maxRestarts  float64
	maxP95, maxP99                                           time.Duration
	syntheticRate                                            float64
	region, resourceID, workspaceID, metricsURL, logsURL     string
}

func startCommand(env rolloutEnv) *cobra.Command {
	var f startFlags
	cmd := &cobra.Command{
		Use:   "start --stack NAME --release RELEASE",
		Short: "Roll a release out as a canary: steps, analysis, promotion or rollback",
		Long: "start deploys the release as a canary at weight 0 (stack config app.canary, pulumi up),\n" +
			"smoke-tests its label URL, then raises the weight step by step. After each --interval\n" +
			"it analyses the canary against the thresholds and the stable revision: 5xx ratio\n" +
			"(Requests metric by revision and status code), p95/p99 latency (Log Analytics) and\n" +
			"restarts. Too few requests is inconclusive: the weight holds. --failure-threshold\n" +
			"failed analyses roll back (weight 0) and exit 1. After the last step the canary is\n" +
			"promoted (app.release). The state and the decision log (JSON, markdown) are written to\n" +
			"--state-dir; an interrupted rollout is resumed or rolled back by the next start.",
		Args: noArgs("rollout start"),
		RunE: func(cmd *cobra.Command, _ []string) error { return runStart(cmd, env, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.stack, "stack", "", "stack: dev, staging or prod (required)")
	fl.StringVar(&f.release, "release", "", "release to roll out (required)")
	fl.StringVar(&f.stableRelease, "stable-release", "", "release serving traffic now (default: the stack's app.release)")
	fl.StringVar(&f.app, "app", "", "container app name: revisions are <app>--<release suffix> (default: the stack's, from its configuration in --work-dir)")
	fl.StringVar(&f.canaryRev, "canary-revision", "", "canary revision name (default: derived from --release)")
	fl.StringVar(&f.stableRev, "stable-revision", "", "stable revision name (default: derived from the stable release)")
	fl.StringVar(&f.steps, "steps", "10,25,50,100", "canary weights in percent, rising to 100")
	fl.DurationVar(&f.interval, "interval", 5*time.Minute, "bake time before each analysis")
	fl.IntVar(&f.failureThreshold, "failure-threshold", 3, "failed analyses that roll back")
	fl.IntVar(&f.maxInconclusive, "max-inconclusive", 10, "inconclusive analyses that roll back (0: hold forever)")
	fl.IntVar(&f.minRequests, "min-requests", 50, "canary requests an interval needs for a verdict")
	fl.Float64Var(&f.max5xx, "max-5xx-ratio", 0.01, "largest canary 5xx share (0.01 = 1%)")
	fl.Float64Var(&f.max5xxIncrease, "max-5xx-increase", 0.005, "largest canary 5xx share above the stable revision's")
	fl.DurationVar(&f.maxP95, "max-p95", time.Second, "largest canary p95 latency (0: unchecked)")
	fl.DurationVar(&f.maxP99, "max-p99", 2*time.Second, "largest canary p99 latency (0: unchecked)")
	fl.Float64Var(&f.maxLatencyIncrease, "max-latency-increase", 0.2, "largest canary p95 above the stable p95, relatively (0: unchecked)")
	fl.Float64Var(&f.maxRestarts, "max-restarts", 0, "largest canary container restarts per interval (negative: unchecked)")
	fl.StringVar(&f.labelURL, "label-url", "", "URL of the canary's revision label: smoke test and synthetic traffic")
	fl.StringVar(&f.smokePath, "smoke-path", "/healthz", "path of the smoke test")
	fl.Float64Var(&f.syntheticRate, "synthetic-rate", 0, "requests per second sent to --label-url after an inconclusive interval (0: none)")
	fl.StringVar(&f.region, "region", "westeurope", "region of the container app (metrics endpoint)")
	fl.StringVar(&f.resourceID, "resource-id", "", "container app resource ID (required)")
	fl.StringVar(&f.workspaceID, "workspace-id", "", "Log Analytics workspace ID holding the App Insights requests (required)")
	fl.StringVar(&f.metricsURL, "metrics-endpoint", "", "metrics endpoint (default https://<region>.metrics.monitor.azure.com)")
	fl.StringVar(&f.logsURL, "logs-endpoint", "", "Log Analytics endpoint (default https://api.loganalytics.io/v1)")
	fl.StringVar(&f.stateDir, "state-dir", ".misyinfra/rollout", "directory of the state, lock, control and decision log files")
	fl.StringVar(&f.workDir, "work-dir", ".", "directory of the Pulumi project")
	fl.StringVar(&f.onInterrupted, "on-interrupted", "resume", "an unfinished rollout of this release: resume or rollback")
	fl.StringVar(&f.progress, "progress", "auto", "progress bar on stderr: auto (when a terminal), always or never")
	return cmd
}

func parseSteps(s string) ([]int, error) {
	var out []int
	for _, part := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil {
			return nil, fmt.Errorf("%q is not a weight", part)
		}
		out = append(out, n)
	}
	return out, nil
}

func runStart(cmd *cobra.Command, env rolloutEnv, f startFlags) error {
	var problems []string
	if f.stack == "" {
		problems = append(problems, "missing --stack: name the stack, e.g. --stack prod")
	} else if err := stackfile.CheckStackName(f.stack); err != nil {
		problems = append(problems, fmt.Sprintf("--stack: %v", err))
	}
	if f.release == "" {
		problems = append(problems, "missing --release: name the release to roll out")
	}
	if f.resourceID == "" || f.workspaceID == "" {
		problems = append(problems, "missing --resource-id or --workspace-id: the analysis needs the container app and its workspace")
	}
	steps, err := parseSteps(f.steps)
	if err != nil {
		problems = append(problems, fmt.Sprintf("--steps: %v", err))
	}
	if f.syntheticRate > 0 && f.labelURL == "" {
		problems = append(problems, "--synthetic-rate needs --label-url")
	}
	progress, err := progressWriter(f.progress, cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return &usageError{lines: problems}
	}
	ctx := cmd.Context()
	analyzer, err := env.analyzer(azmon.Config{Region: f.region, MetricsEndpoint: f.metricsURL, LogsEndpoint: f.logsURL,
		ResourceID: f.resourceID, WorkspaceID: f.workspaceID})
	if err != nil {
		return usagef("%v", err)
	}
	setter, err := env.setter(ctx, f.stack, f.workDir, progress)
	if err != nil {
		return err
	}
	stable := f.stableRelease
	if stable == "" {
		if stable, err = setter.StableRelease(ctx); err != nil {
			return err
		}
	}
	stackCfg, cfgErr := stackConfig(f.workDir, f.stack)
	if f.app == "" {
		if cfgErr != nil {
			return usagef("--app: %v; name the container app with --app", cfgErr)
		}
		f.app = stackCfg.AppName()
	}
	canaryRev, err := revisionOf(f.canaryRev, f.app, f.release, stackCfg, cfgErr)
	if err != nil {
		return usagef("--release: %v; or name the revision with --canary-revision", err)
	}
	stableRev, err := revisionOf(f.stableRev, f.app, stable, stackCfg, cfgErr)
	if err != nil {
		return usagef("stable release: %v; or name the revision with --stable-revision", err)
	}
	cfg := rollout.Config{
		Stack: f.stack, Release: f.release, StableRelease: stable,
		CanaryRevision: canaryRev,
		StableRevision: stableRev,
		Steps:          steps, Interval: f.interval, FailureThreshold: f.failureThreshold, MaxInconclusive: f.maxInconclusive,
		Thresholds: rollout.Thresholds{MinRequests: f.minRequests, Max5xxRatio: f.max5xx, Max5xxIncrease: f.max5xxIncrease,
			MaxP95: f.maxP95, MaxP99: f.maxP99, MaxLatencyIncrease: f.maxLatencyIncrease,
			MaxRestarts: f.maxRestarts, CheckRestarts: f.maxRestarts >= 0},
		LabelURL: f.labelURL, SmokePath: f.smokePath,
		OnInterrupted: rollout.Recovery(f.onInterrupted), StateDir: f.stateDir,
	}
	if err := cfg.Defaults().Validate(); err != nil {
		return usagef("%v", err)
	}
	ctrl := &rollout.Controller{Config: cfg, Setter: setter, Analyzer: analyzer, Progress: progress}
	if f.syntheticRate > 0 {
		ctrl.Synthetic = rollout.LoadGenerator{Rate: f.syntheticRate, Path: f.smokePath}
	}
	st, err := ctrl.Run(ctx)
	if st != nil {
		files := rollout.FilesFor(f.stateDir, f.stack)
		fmt.Fprintf(cmd.OutOrStdout(), "rollout of %s on %s: %s at weight %d%% after %d intervals\ndecision log: %s, %s\n",
			st.Release, st.Stack, st.Phase, st.Weight, st.Intervals, files.State, files.Log)
	}
	var locked *rollout.LockedError
	if errors.As(err, &locked) {
		return fmt.Errorf("stack %s: %w", f.stack, err)
	}
	return err
}

func gateCommand(c rollout.Command) *cobra.Command {
	var stack, stateDir string
	help := map[rollout.Command]string{
		rollout.CmdPause:   "Hold the rollout at its weight: no analysis, no step",
		rollout.CmdResume:  "Resume a paused rollout with a new interval",
		rollout.CmdPromote: "Promote the canary now, skipping the remaining steps",
		rollout.CmdAbort:   "Abort: canary weight 0, rollout ends with exit status 1",
	}
	cmd := &cobra.Command{
		Use:   string(c) + " --stack NAME",
		Short: help[c],
		Args:  noArgs("rollout " + string(c)),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if stack == "" {
				return usagef("missing --stack: name the stack whose rollout to %s", c)
			}
			if err := rollout.SendCommand(stateDir, stack, c); err != nil {
				return usagef("%v", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s sent to the rollout of %s\n", c, stack)
			return nil
		},
	}
	cmd.Flags().StringVar(&stack, "stack", "", "stack whose rollout to control (required)")
	cmd.Flags().StringVar(&stateDir, "state-dir", ".misyinfra/rollout", "directory of the rollout files")
	return cmd
}

func statusCommand() *cobra.Command {
	var stack, stateDir string
	cmd := &cobra.Command{
		Use:   "status --stack NAME",
		Short: "Print the decision log (markdown) of a stack's rollout",
		Args:  noArgs("rollout status"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if stack == "" {
				return usagef("missing --stack: name the stack")
			}
			st, err := rollout.LoadState(rollout.FilesFor(stateDir, stack).State)
			if err != nil {
				return err
			}
			if st == nil {
				return usagef("no rollout of stack %s in %s", stack, stateDir)
			}
			_, err = io.WriteString(cmd.OutOrStdout(), st.Markdown())
			return err
		},
	}
	cmd.Flags().StringVar(&stack, "stack", "", "stack (required)")
	cmd.Flags().StringVar(&stateDir, "state-dir", ".misyinfra/rollout", "directory of the rollout files")
	return cmd
}

// revisionOf is the revision given on the command line, or the one the
// app hosting component names for the release: the same function
// (apphosting.RevisionName) decides both, with the revision scope of the
// stack's configuration, so the rollout analyses the revisions the stack
// deploys. cfgErr is why the configuration could not be read.
func revisionOf(given, app, release string, cfg stacks.Config, cfgErr error) (string, error) {
	if given != "" {
		return given, nil
	}
	if cfgErr != nil {
		return "", fmt.Errorf("the revision name depends on the stack's configuration: %w", cfgErr)
	}
	scope, err := cfg.RevisionScope(release)
	if err != nil {
		return "", err
	}
	return apphosting.RevisionName(app, release, scope)
}

// stackConfig is the stack's validated configuration, from its stack file.
func stackConfig(workDir, stack string) (stacks.Config, error) {
	abs, err := filepath.Abs(workDir)
	if err != nil {
		return stacks.Config{}, fmt.Errorf("work dir %s: %w", workDir, err)
	}
	dir, err := findProjectDir(abs)
	if err != nil {
		return stacks.Config{}, err
	}
	st, err := stackfile.Load(dir, stack)
	if err != nil {
		return stacks.Config{}, err
	}
	cfg, err := stacks.Load(st.Project, st.Config, st.SecretKeys)
	if err != nil {
		return stacks.Config{}, fmt.Errorf("stack %s has an invalid configuration (misyinfra plan --stack %s lists the problems)", stack, stack)
	}
	return cfg, nil
}
