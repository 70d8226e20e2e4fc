package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/misybot/platform/infra/azcred"
	"github.com/misybot/platform/infra/azmon"
	"github.com/misybot/platform/infra/loadtest"
	"github.com/misybot/platform/infra/rollout"
	"github.com/misybot/platform/infra/rollout/autostack"
	"github.com/misybot/platform/infra/stackfile"
)

// rolloutEnv connects the rollout command to the world; tests substitute
// a simulation.
type rolloutEnv struct {
	setter   func(ctx context.Context, stack, workDir string, progress io.Writer, policyPacks []string) (rollout.Stack, error)
	analyzer func(cfg azmon.Config) (rollout.Analyzer, error)
	// clock is the controller's time (nil: the wall clock).
	clock rollout.Clock
}

// now is the environment's time.
func (e rolloutEnv) now() time.Time {
	if e.clock != nil {
		return e.clock.Now()
	}
	return time.Now()
}

// productionRollout changes the stack through the Automation API (it needs
// the Pulumi CLI) and reads Azure Monitor with the default Azure credential.
func productionRollout() rolloutEnv {
	return rolloutEnv{
		setter: func(ctx context.Context, stack, workDir string, progress io.Writer, policyPacks []string) (rollout.Stack, error) {
			return autostack.Select(ctx, stack, workDir, progress, policyPacks...)
		},
		analyzer: func(cfg azmon.Config) (rollout.Analyzer, error) {
			cred, err := azcred.New(os.Getenv, &http.Client{Timeout: 30 * time.Second})
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
	cmd.AddCommand(startCommand(env), statusCommand(), unlockCommand(), watchCommand(env))
	for _, c := range []rollout.Command{rollout.CmdPause, rollout.CmdResume, rollout.CmdPromote, rollout.CmdAbort} {
		cmd.AddCommand(gateCommand(c))
	}
	return cmd
}

const defaultStateDir = ".misyinfra/rollout"

type startFlags struct {
	stack, release, stableRelease, canaryRev, stableRev      string
	steps, stateDir, workDir, onInterrupted, progress        string
	labelURL, smokePath, outputs, runID, notifyURL           string
	interval, delay, progressDeadline, callTimeout           time.Duration
	smokeTimeout, latencyFloor                               time.Duration
	failureThreshold, maxInconclusive, minRequests, errLimit int
	max5xx, max5xxIncrease, maxLatencyIncrease, maxRestarts  float64
	latencyConfidence, severeFactor                          float64
	maxP95, maxP99                                           time.Duration
	syntheticRate                                            float64
	retry                                                    bool
	policyPacks                                              []string
	region, resourceID, workspaceID, metricsURL, logsURL     string
}

// analysisFlags are the thresholds start and watch share.
func analysisFlags(cmd *cobra.Command, f *startFlags) {
	fl := cmd.Flags()
	fl.IntVar(&f.minRequests, "min-requests", 50, "requests (and latency samples) the canary needs in a window for a verdict")
	fl.Float64Var(&f.max5xx, "max-5xx-ratio", 0.01, "largest canary 5xx share (0.01 = 1%)")
	fl.DurationVar(&f.maxP95, "max-p95", time.Second, "largest canary p95 latency (0: unchecked)")
	fl.DurationVar(&f.maxP99, "max-p99", 2*time.Second, "largest canary p99 latency (0: unchecked)")
	fl.Float64Var(&f.severeFactor, "severe-factor", 5, "roll back at once when the 5xx share is surely above this many times --max-5xx-ratio (negative: never)")
	fl.DurationVar(&f.delay, "delay", 3*time.Minute, "Azure Monitor ingestion delay: only data older than this is analysed")
	fl.DurationVar(&f.callTimeout, "call-timeout", 2*time.Minute, "timeout of each metrics query")
	fl.StringVar(&f.region, "region", "westeurope", "region of the container app (metrics endpoint)")
	fl.StringVar(&f.resourceID, "resource-id", "", "container app resource ID (default: stack output "+rollout.OutputAppResourceID+")")
	fl.StringVar(&f.workspaceID, "workspace-id", "", "Log Analytics workspace (customer) ID holding the App Insights requests (default: stack output "+rollout.OutputWorkspaceID+")")
	fl.StringVar(&f.metricsURL, "metrics-endpoint", "", "metrics endpoint (default https://<region>.metrics.monitor.azure.com)")
	fl.StringVar(&f.logsURL, "logs-endpoint", "", "Log Analytics endpoint (default https://api.loganalytics.io/v1)")
	fl.StringVar(&f.outputs, "outputs", "", "file of `pulumi stack output --json` to read the stack outputs from (default: the stack, through the Pulumi CLI)")
	fl.StringVar(&f.stableRev, "stable-revision", "", "stable revision name (default: stack output "+rollout.OutputStableRevision+")")
	fl.StringVar(&f.workDir, "work-dir", ".", "directory of the Pulumi project")
	fl.StringSliceVar(&f.policyPacks, "policy-pack", nil, "policy pack every pulumi up of the rollout runs with (repeatable), e.g. ./policy")
}

func startCommand(env rolloutEnv) *cobra.Command {
	var f startFlags
	cmd := &cobra.Command{
		Use:   "start --stack NAME --release RELEASE",
		Short: "Roll a release out as a canary: steps, analysis, promotion or rollback",
		Long: "start deploys the release as a canary at weight 0 (stack config app.canary, pulumi up),\n" +
			"smoke-tests its label URL, then raises the weight step by step. Each window of --interval\n" +
			"is analysed once --delay has passed after its end (Azure Monitor ingestion): the canary\n" +
			"against the thresholds and the stable revision: 5xx ratio (Requests metric by revision\n" +
			"and status code), p95/p99 latency (Log Analytics, requests attributed to the exact\n" +
			"revision names) and restarts. Too few requests or latency samples is inconclusive: the\n" +
			"weight holds. --failure-threshold failed analyses roll back (weight 0) and exit 1; a severe\n" +
			"failure rolls back at once; --error-limit consecutive failed metric reads roll back;\n" +
			"--progress-deadline without advancing rolls back. After the last step and its tail the\n" +
			"canary is promoted (app.release). Revision names, the app and the workspace come from\n" +
			"the stack outputs. The state and the decision log (JSON, markdown) are written to\n" +
			"--state-dir; an interrupted rollout is resumed or rolled back by the next start, an\n" +
			"interrupted rollback is always finished. SIGINT and SIGTERM stop it with its state kept.",
		Args: noArgs("rollout start"),
		RunE: func(cmd *cobra.Command, _ []string) error { return runStart(cmd, env, f) },
	}
	analysisFlags(cmd, &f)
	fl := cmd.Flags()
	fl.StringVar(&f.stack, "stack", "", "stack: dev, staging or prod (required)")
	fl.StringVar(&f.release, "release", "", "release to roll out (required)")
	fl.StringVar(&f.stableRelease, "stable-release", "", "release serving traffic now (default: stack output "+rollout.OutputStableRelease+")")
	fl.StringVar(&f.canaryRev, "canary-revision", "", "canary revision name (default: stack output "+rollout.OutputCanaryRevision+" once the release is deployed at weight 0)")
	fl.StringVar(&f.steps, "steps", "10,25,50,100", "canary weights in percent, rising to 100")
	fl.DurationVar(&f.interval, "interval", 5*time.Minute, "length of each analysis window")
	fl.IntVar(&f.failureThreshold, "failure-threshold", 3, "failed analyses that roll back")
	fl.IntVar(&f.maxInconclusive, "max-inconclusive", 10, "inconclusive analyses that roll back (0: no limit)")
	fl.IntVar(&f.errLimit, "error-limit", 4, "consecutive failed metric reads (throttling, 5xx) that roll back")
	fl.DurationVar(&f.progressDeadline, "progress-deadline", 2*time.Hour, "roll back when a step has not advanced for this long (0: never)")
	fl.Float64Var(&f.max5xxIncrease, "max-5xx-increase", 0.005, "largest canary 5xx share above the stable revision's")
	fl.Float64Var(&f.maxLatencyIncrease, "max-latency-increase", 0.2, "largest canary p95 above the stable p95, relatively (0: unchecked)")
	fl.DurationVar(&f.latencyFloor, "latency-floor", 5*time.Millisecond, "smallest p95 increase over the stable revision that can fail")
	fl.Float64Var(&f.latencyConfidence, "latency-confidence", 0.99, "confidence at which the canary's p95 must exceed the stable limit to fail")
	fl.Float64Var(&f.maxRestarts, "max-restarts", 0, "largest canary container restarts per window (negative: unchecked)")
	fl.StringVar(&f.labelURL, "label-url", "", "URL of the canary's revision label (reachable from where the controller runs): smoke test and synthetic traffic")
	fl.StringVar(&f.smokePath, "smoke-path", "/healthz", "path of the smoke test")
	fl.DurationVar(&f.smokeTimeout, "smoke-timeout", rollout.DefaultSmokeTimeout, "timeout of each smoke-test request")
	fl.Float64Var(&f.syntheticRate, "synthetic-rate", 0, "requests per second sent to --label-url after an inconclusive window (0: none)")
	fl.StringVar(&f.stateDir, "state-dir", defaultStateDir, "directory of the state, lock, control, event and decision log files")
	fl.StringVar(&f.onInterrupted, "on-interrupted", "resume", "an unfinished rollout of this release: resume or rollback")
	fl.BoolVar(&f.retry, "retry", false, "roll the release out again although its last rollout on the stack was rolled back or aborted")
	fl.StringVar(&f.runID, "run-id", "", "identifier of this run, carried by gates (default: generated)")
	fl.StringVar(&f.notifyURL, "notify-url", "", "URL that receives the end of the rollout as a JSON POST (a chat or alert webhook)")
	fl.StringVar(&f.progress, "progress", "auto", "progress bar on stderr: auto (when a terminal), always or never")
	return cmd
}

// readOutputsFile reads the --outputs file.
func readOutputsFile(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--outputs: %w", err)
	}
	outputs, err := rollout.ParseOutputs(data)
	if err != nil {
		return nil, fmt.Errorf("--outputs %s: %w", path, err)
	}
	return outputs, nil
}

// outputsSource reads the stack's outputs from --outputs, else from the
// stack.
func outputsSource(f startFlags, setter rollout.Stack) rollout.OutputsFunc {
	if f.outputs != "" {
		return func(context.Context) (map[string]string, error) { return readOutputsFile(f.outputs) }
	}
	return func(ctx context.Context) (map[string]string, error) {
		if setter == nil {
			return map[string]string{}, nil
		}
		out, err := setter.Outputs(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading the outputs of stack %s: %w", f.stack, err)
		}
		return out, nil
	}
}

// settings are the flags that default to a stack output, in the order
// their problems are reported.
func (f *startFlags) settings() []rollout.Setting {
	return []rollout.Setting{
		{Value: &f.resourceID, Output: rollout.OutputAppResourceID, Name: "--resource-id"},
		{Value: &f.workspaceID, Output: rollout.OutputWorkspaceID, Name: "--workspace-id"},
		{Value: &f.canaryRev, Output: rollout.OutputCanaryRevision, Name: "--canary-revision"},
		{Value: &f.stableRev, Output: rollout.OutputStableRevision, Name: "--stable-revision"},
		{Value: &f.stableRelease, Output: rollout.OutputStableRelease, Name: "--stable-release"},
	}
}

func signalContext(parent context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
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
	steps, err := rollout.ParseSteps(f.steps)
	if err != nil {
		problems = append(problems, fmt.Sprintf("--steps: %v", err))
	}
	if f.syntheticRate > 0 && f.labelURL == "" {
		problems = append(problems, "--synthetic-rate needs --label-url")
	}
	progress, err := loadtest.ProgressWriter(f.progress, cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return &usageError{lines: problems}
	}
	ctx, stop := signalContext(cmd.Context())
	defer stop()
	if f.outputs != "" {
		// Outputs from a file are checked before the stack is opened.
		outputs, err := readOutputsFile(f.outputs)
		if err != nil {
			return usagef("%v", err)
		}
		if f.canaryRev == "" && outputs[rollout.OutputCanaryRelease] != f.release {
			problems = append(problems, fmt.Sprintf("--outputs: the stack's canary is %q, not %s: deploy it at weight 0 first, or leave out --outputs",
				outputs[rollout.OutputCanaryRelease], f.release))
		}
		given := f // the stack is not opened yet: only check
		problems = append(problems, rollout.FillFromOutputs(outputs, given.settings()...)...)
		if len(problems) > 0 {
			return &usageError{lines: problems}
		}
	}
	setter, err := env.setter(ctx, f.stack, f.workDir, progress, f.policyPacks)
	if err != nil {
		return err
	}
	outputs := outputsSource(f, setter)
	current, err := rollout.PrepareCanary(ctx, setter, outputs, f.release, f.canaryRev)
	if err != nil {
		return err
	}
	if problems := rollout.FillFromOutputs(current, f.settings()...); len(problems) > 0 {
		return &usageError{lines: problems}
	}
	analyzer, err := env.analyzer(azmon.Config{Region: f.region, MetricsEndpoint: f.metricsURL, LogsEndpoint: f.logsURL,
		ResourceID: f.resourceID, WorkspaceID: f.workspaceID})
	if err != nil {
		return usagef("%v", err)
	}
	cfg := rollout.Config{
		Stack: f.stack, Release: f.release, StableRelease: f.stableRelease,
		CanaryRevision: f.canaryRev, StableRevision: f.stableRev,
		Steps: steps, Interval: f.interval, FailureThreshold: f.failureThreshold, MaxInconclusive: f.maxInconclusive,
		Delay: f.delay, ErrorLimit: f.errLimit, ProgressDeadline: f.progressDeadline, CallTimeout: f.callTimeout, RunID: f.runID,
		Thresholds: rollout.Thresholds{MinRequests: f.minRequests, Max5xxRatio: f.max5xx, Max5xxIncrease: f.max5xxIncrease,
			MaxP95: f.maxP95, MaxP99: f.maxP99, MaxLatencyIncrease: f.maxLatencyIncrease, LatencyFloor: f.latencyFloor,
			LatencyConfidence: f.latencyConfidence, SevereFactor: f.severeFactor,
			MaxRestarts: f.maxRestarts, CheckRestarts: f.maxRestarts >= 0},
		LabelURL: f.labelURL, SmokePath: f.smokePath, SmokeTimeout: f.smokeTimeout,
		OnInterrupted: rollout.Recovery(f.onInterrupted), Retry: f.retry, StateDir: f.stateDir,
	}
	if err := cfg.Defaults().Validate(); err != nil {
		return usagef("%v", err)
	}
	ctrl := &rollout.Controller{Config: cfg, Setter: setter, Analyzer: analyzer, Progress: progress, Clock: env.clock,
		Stack: rollout.OutputsView{Outputs: outputs, Marks: setter}}
	if f.syntheticRate > 0 {
		ctrl.Synthetic = rollout.LoadGenerator{Rate: f.syntheticRate, Path: f.smokePath}
	}
	if f.notifyURL != "" {
		ctrl.Notifier = rollout.Webhook{URL: f.notifyURL}
	}
	st, err := ctrl.Run(ctx)
	if st != nil {
		files := rollout.FilesFor(f.stateDir, f.stack)
		fmt.Fprintf(cmd.OutOrStdout(), "rollout of %s on %s (run %s): %s at weight %d%% after %d intervals\ndecision log: %s, %s\n",
			st.Release, st.Stack, st.RunID, st.Phase, st.Weight, st.Intervals, files.State, files.Log)
	}
	var locked *rollout.LockedError
	if errors.As(err, &locked) {
		return fmt.Errorf("stack %s: %w (misyinfra rollout unlock --stack %s removes a lock whose controller is gone)", f.stack, err, f.stack)
	}
	return err
}

func gateCommand(c rollout.Command) *cobra.Command {
	var stack, stateDir, release, runID string
	help := map[rollout.Command]string{
		rollout.CmdPause:   "Hold the rollout at its weight: no analysis, no step",
		rollout.CmdResume:  "Resume a paused rollout with a new window",
		rollout.CmdPromote: "Promote the canary now, skipping the remaining steps",
		rollout.CmdAbort:   "Abort: canary weight 0 at once, rollout ends with exit status 1",
	}
	cmd := &cobra.Command{
		Use:   string(c) + " --stack NAME --release RELEASE",
		Short: help[c],
		Long: help[c] + ".\nThe gate is refused unless a live controller rolls out --release on the stack\n" +
			"(and, with --run-id, is that run): a gate is never left for a later run.",
		Args: noArgs("rollout " + string(c)),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var problems []string
			if stack == "" {
				problems = append(problems, fmt.Sprintf("missing --stack: name the stack whose rollout to %s", c))
			}
			if release == "" {
				problems = append(problems, fmt.Sprintf("missing --release: name the release whose rollout to %s", c))
			}
			if len(problems) > 0 {
				return &usageError{lines: problems}
			}
			if err := rollout.SendCommand(stateDir, stack, rollout.Gate{Command: c, Release: release, RunID: runID}); err != nil {
				return usagef("%v", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s sent to the rollout of %s on %s\n", c, release, stack)
			return nil
		},
	}
	cmd.Flags().StringVar(&stack, "stack", "", "stack whose rollout to control (required)")
	cmd.Flags().StringVar(&release, "release", "", "release being rolled out (required)")
	cmd.Flags().StringVar(&runID, "run-id", "", "run of the controller (default: the live run)")
	cmd.Flags().StringVar(&stateDir, "state-dir", defaultStateDir, "directory of the rollout files")
	return cmd
}

func statusCommand() *cobra.Command {
	var stack, stateDir string
	cmd := &cobra.Command{
		Use:   "status --stack NAME",
		Short: "Print whether a controller runs and the decision log (markdown) of a stack's rollout",
		Args:  noArgs("rollout status"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if stack == "" {
				return usagef("missing --stack: name the stack")
			}
			files := rollout.FilesFor(stateDir, stack)
			st, err := rollout.LoadState(files.State)
			if err != nil {
				return err
			}
			if st == nil {
				return usagef("no rollout of stack %s in %s", stack, stateDir)
			}
			owner, err := rollout.LockOwner(files.Lock)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), rollout.ControllerLine(st, owner, time.Now()))
			_, err = io.WriteString(cmd.OutOrStdout(), "\n"+st.Markdown())
			return err
		},
	}
	cmd.Flags().StringVar(&stack, "stack", "", "stack (required)")
	cmd.Flags().StringVar(&stateDir, "state-dir", defaultStateDir, "directory of the rollout files")
	return cmd
}

func unlockCommand() *cobra.Command {
	var stack, stateDir string
	var force bool
	cmd := &cobra.Command{
		Use:   "unlock --stack NAME",
		Short: "Remove a stack's rollout lock whose controller is gone (--force: even a live one's)",
		Args:  noArgs("rollout unlock"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if stack == "" {
				return usagef("missing --stack: name the stack")
			}
			path := rollout.FilesFor(stateDir, stack).Lock
			owner, err := rollout.Unlock(path, force)
			var locked *rollout.LockedError
			if errors.As(err, &locked) {
				return usagef("a live controller holds %s (%s): stop it, or pass --force to remove the lock anyway", path, locked.Info)
			}
			if err != nil {
				return err
			}
			if owner == nil {
				fmt.Fprintf(cmd.OutOrStdout(), "no lock for stack %s in %s\n", stack, stateDir)
				return nil
			}
			fmt.Fprintf(cmd.OutOrStdout(), "removed the lock of stack %s held by %s (alive: %t)\n", stack, owner.Info, owner.Alive)
			return nil
		},
	}
	cmd.Flags().StringVar(&stack, "stack", "", "stack (required)")
	cmd.Flags().StringVar(&stateDir, "state-dir", defaultStateDir, "directory of the rollout files")
	cmd.Flags().BoolVar(&force, "force", false, "remove the lock even while its controller runs")
	return cmd
}
