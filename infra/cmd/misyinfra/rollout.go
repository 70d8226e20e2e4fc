package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/spf13/cobra"

	"github.com/misybot/platform/infra/azmon"
	"github.com/misybot/platform/infra/rollout"
	"github.com/misybot/platform/infra/rollout/autostack"
	"github.com/misybot/platform/infra/stackfile"
)

// stackSetter changes a stack's traffic and reads its outputs.
type stackSetter interface {
	rollout.TrafficSetter
	// Outputs are the stack's outputs as strings (pulumi stack output).
	Outputs(ctx context.Context) (map[string]string, error)
	// LastMark is the last controller mark in the stack's update history.
	LastMark(ctx context.Context) (*rollout.Mark, error)
}

// rolloutEnv connects the rollout command to the world; tests substitute
// a simulation.
type rolloutEnv struct {
	setter   func(ctx context.Context, stack, workDir string, progress io.Writer, policyPacks []string) (stackSetter, error)
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
		setter: func(ctx context.Context, stack, workDir string, progress io.Writer, policyPacks []string) (stackSetter, error) {
			return autostack.Select(ctx, stack, workDir, progress, policyPacks...)
		},
		analyzer: func(cfg azmon.Config) (rollout.Analyzer, error) {
			cred, err := azureCredential(os.Getenv, &http.Client{Timeout: 30 * time.Second})
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

// azureCredential is the credential of the controller's metric and log
// reads. In a GitHub Actions job that may request an OIDC token
// (id-token: write) and names the deploy identity (AZURE_ or ARM_CLIENT_ID
// and TENANT_ID), every Entra token exchange uses a fresh GitHub token:
// the az CLI session that azure/login leaves holds a single assertion,
// which expires after about an hour (AADSTS700024:
// https://github.com/Azure/login/issues/180,
// https://github.com/Azure/login/issues/372), and a prod rollout runs
// longer: its metric reads would fail and roll a healthy canary back at
// the error limit. Elsewhere: DefaultAzureCredential.
func azureCredential(getenv func(string) string, client *http.Client) (azcore.TokenCredential, error) {
	first := func(keys ...string) string {
		for _, k := range keys {
			if v := getenv(k); v != "" {
				return v
			}
		}
		return ""
	}
	url, bearer := getenv("ACTIONS_ID_TOKEN_REQUEST_URL"), getenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
	clientID, tenantID := first("AZURE_CLIENT_ID", "ARM_CLIENT_ID"), first("AZURE_TENANT_ID", "ARM_TENANT_ID")
	if url == "" || bearer == "" || clientID == "" || tenantID == "" {
		return azidentity.NewDefaultAzureCredential(nil)
	}
	return azidentity.NewClientAssertionCredential(tenantID, clientID, func(ctx context.Context) (string, error) {
		return githubOIDCToken(ctx, client, url, bearer)
	}, nil)
}

// entraAudience is the audience of a GitHub OIDC token exchanged with
// Microsoft Entra ID (the federated credentials' audience).
const entraAudience = "api://AzureADTokenExchange"

// githubOIDCToken asks the job's token endpoint for an OIDC token for
// Entra: GET ACTIONS_ID_TOKEN_REQUEST_URL with the audience, the request
// token as bearer; the answer's "value" is the token.
func githubOIDCToken(ctx context.Context, client *http.Client, url, bearer string) (string, error) {
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+sep+"audience="+entraAudience, nil)
	if err != nil {
		return "", fmt.Errorf("GitHub OIDC token: %w", err)
	}
	req.Header.Set("Authorization", "bearer "+bearer)
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("GitHub OIDC token: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GitHub OIDC token: the endpoint answered %s", resp.Status)
	}
	var body struct {
		Value string `json:"value"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Value == "" {
		return "", fmt.Errorf("GitHub OIDC token: no token in the answer (%v)", err)
	}
	return body.Value, nil
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

// Stack outputs the controller reads (stacks/deploy.go exports them).
const (
	outAppResourceID  = "appResourceId"
	outWorkspaceID    = "logAnalyticsWorkspaceCustomerId"
	outStableRevision = "stableRevision"
	outCanaryRevision = "canaryRevision"
	outStableRelease  = "stableRelease"
	outCanaryRelease  = "canaryRelease"
	outCanaryWeight   = "canaryWeight"
)

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
	fl.StringVar(&f.resourceID, "resource-id", "", "container app resource ID (default: stack output "+outAppResourceID+")")
	fl.StringVar(&f.workspaceID, "workspace-id", "", "Log Analytics workspace (customer) ID holding the App Insights requests (default: stack output "+outWorkspaceID+")")
	fl.StringVar(&f.metricsURL, "metrics-endpoint", "", "metrics endpoint (default https://<region>.metrics.monitor.azure.com)")
	fl.StringVar(&f.logsURL, "logs-endpoint", "", "Log Analytics endpoint (default https://api.loganalytics.io/v1)")
	fl.StringVar(&f.outputs, "outputs", "", "file of `pulumi stack output --json` to read the stack outputs from (default: the stack, through the Pulumi CLI)")
	fl.StringVar(&f.stableRev, "stable-revision", "", "stable revision name (default: stack output "+outStableRevision+")")
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
	fl.StringVar(&f.stableRelease, "stable-release", "", "release serving traffic now (default: stack output "+outStableRelease+")")
	fl.StringVar(&f.canaryRev, "canary-revision", "", "canary revision name (default: stack output "+outCanaryRevision+" once the release is deployed at weight 0)")
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

// readOutputs reads `pulumi stack output --json`: values as strings.
func readOutputs(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--outputs: %w", err)
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("--outputs %s: not the JSON of pulumi stack output --json: %w", path, err)
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		switch x := v.(type) {
		case string:
			out[k] = x
		case nil:
		default:
			b, _ := json.Marshal(x)
			out[k] = string(b)
		}
	}
	return out, nil
}

// fill sets *v from the outputs when empty, naming what is missing.
func fill(v *string, outputs map[string]string, key, flag string, missing *[]string) {
	if *v != "" {
		return
	}
	*v = outputs[key]
	if *v == "" {
		*missing = append(*missing, fmt.Sprintf("missing %s: the stack has no %s output (deploy the stack first, or pass %s)", flag, key, flag))
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
	ctx, stop := signalContext(cmd.Context())
	defer stop()
	if f.outputs != "" {
		// Outputs from a file are checked before the stack is opened.
		outputs, err := readOutputs(f.outputs)
		if err != nil {
			return usagef("%v", err)
		}
		if f.canaryRev == "" && outputs[outCanaryRelease] != f.release {
			problems = append(problems, fmt.Sprintf("--outputs: the stack's canary is %q, not %s: deploy it at weight 0 first, or leave out --outputs",
				outputs[outCanaryRelease], f.release))
		}
		for _, o := range []struct{ v, key, flag string }{{f.resourceID, outAppResourceID, "--resource-id"}, {f.workspaceID, outWorkspaceID, "--workspace-id"},
			{f.canaryRev, outCanaryRevision, "--canary-revision"}, {f.stableRev, outStableRevision, "--stable-revision"},
			{f.stableRelease, outStableRelease, "--stable-release"}} {
			v := o.v
			fill(&v, outputs, o.key, o.flag, &problems)
		}
		if len(problems) > 0 {
			return &usageError{lines: problems}
		}
	}
	setter, err := env.setter(ctx, f.stack, f.workDir, progress, f.policyPacks)
	if err != nil {
		return err
	}
	outputs, err := stackOutputs(ctx, f, setter)
	if err != nil {
		return err
	}
	if err := rollout.CheckMix(viewOf(outputs, nil), f.release); err != nil {
		return err
	}
	if f.canaryRev == "" && outputs[outCanaryRelease] != f.release {
		// The release is not the stack's canary yet: deploy it at weight 0
		// so that the stack announces its revision name.
		if err := setter.SetCanary(ctx, f.release, 0); err != nil {
			return fmt.Errorf("deploying %s at weight 0: %w", f.release, err)
		}
		if outputs, err = stackOutputs(ctx, f, setter); err != nil {
			return err
		}
		if outputs[outCanaryRelease] != f.release {
			return fmt.Errorf("after deploying %s at weight 0 the stack's %s output is %q", f.release, outCanaryRelease, outputs[outCanaryRelease])
		}
	}
	fill(&f.resourceID, outputs, outAppResourceID, "--resource-id", &problems)
	fill(&f.workspaceID, outputs, outWorkspaceID, "--workspace-id", &problems)
	fill(&f.canaryRev, outputs, outCanaryRevision, "--canary-revision", &problems)
	fill(&f.stableRev, outputs, outStableRevision, "--stable-revision", &problems)
	fill(&f.stableRelease, outputs, outStableRelease, "--stable-release", &problems)
	if len(problems) > 0 {
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
		Stack: stackView{setter: setter, f: f}}
	if f.syntheticRate > 0 {
		ctrl.Synthetic = rollout.LoadGenerator{Rate: f.syntheticRate, Path: f.smokePath}
	}
	if f.notifyURL != "" {
		ctrl.Notifier = webhook{url: f.notifyURL}
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

// stackOutputs reads the outputs from --outputs or the stack.
func stackOutputs(ctx context.Context, f startFlags, setter stackSetter) (map[string]string, error) {
	if f.outputs != "" {
		return readOutputs(f.outputs)
	}
	if setter == nil {
		return map[string]string{}, nil
	}
	out, err := setter.Outputs(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the outputs of stack %s: %w", f.stack, err)
	}
	return out, nil
}

// viewOf is what the outputs (and the last mark) say the stack serves.
func viewOf(outputs map[string]string, last *rollout.Mark) rollout.StackView {
	w, _ := strconv.Atoi(outputs[outCanaryWeight])
	return rollout.StackView{StableRelease: outputs[outStableRelease], CanaryRelease: outputs[outCanaryRelease], CanaryWeight: w, Last: last}
}

// stackView reads the stack's view when the controller starts: the
// outputs (from the stack, or --outputs) and the last controller mark in
// its update history.
type stackView struct {
	setter stackSetter
	f      startFlags
}

func (v stackView) View(ctx context.Context) (rollout.StackView, error) {
	outputs, err := stackOutputs(ctx, v.f, v.setter)
	if err != nil {
		return rollout.StackView{}, err
	}
	last, err := v.setter.LastMark(ctx)
	if err != nil {
		return rollout.StackView{}, err
	}
	return viewOf(outputs, last), nil
}

// webhook posts rollout events as JSON.
type webhook struct{ url string }

func (w webhook) Notify(ctx context.Context, e rollout.Event) error {
	body, err := json.Marshal(e)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook answered %s", resp.Status)
	}
	return nil
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
			fmt.Fprintln(cmd.OutOrStdout(), controllerLine(st, owner))
			_, err = io.WriteString(cmd.OutOrStdout(), "\n"+st.Markdown())
			return err
		},
	}
	cmd.Flags().StringVar(&stack, "stack", "", "stack (required)")
	cmd.Flags().StringVar(&stateDir, "state-dir", defaultStateDir, "directory of the rollout files")
	return cmd
}

// controllerLine says whether a controller drives the rollout.
func controllerLine(st *rollout.State, owner *rollout.Owner) string {
	switch {
	case owner != nil && owner.Alive:
		return fmt.Sprintf("controller: running (%s), last heartbeat %s ago", owner.Info, time.Since(owner.Heartbeat).Round(time.Second))
	case st.Phase.Final():
		return fmt.Sprintf("controller: none (the rollout ended: %s)", st.Phase)
	default:
		return fmt.Sprintf("controller: NOT RUNNING: the rollout stopped in phase %s at weight %d%% (last decision %s); "+
			"misyinfra rollout start --stack %s --release %s continues it", st.Phase, st.Weight, st.Updated.Format(time.RFC3339), st.Stack, st.Release)
	}
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

func contextWithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d)
}
