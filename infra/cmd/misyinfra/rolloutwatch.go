package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/misybot/platform/infra/azmon"
	"github.com/misybot/platform/infra/rollout"
	"github.com/misybot/platform/infra/stackfile"
)

// Watch verdicts, in the --result file.
const (
	watchOver         = "over"         // the watch period has ended
	watchHealthy      = "healthy"      // the SLOs hold
	watchInconclusive = "inconclusive" // too little traffic to judge
	watchBreach       = "breach"       // an SLO is broken: open an issue
	watchRolledBack   = "rolled-back"  // a severe breach: the previous release is back
)

// watchResult is what one watch check found.
type watchResult struct {
	Stack    string          `json:"stack"`
	Release  string          `json:"release"`
	Revision string          `json:"revision"`
	Verdict  string          `json:"verdict"`
	Reason   string          `json:"reason"`
	Window   rollout.Window  `json:"window"`
	Checks   []rollout.Check `json:"checks,omitempty"`
	// Severe: the breach is past the rollback threshold (--severe-factor).
	Severe     bool   `json:"severe,omitempty"`
	RolledBack string `json:"rolledBackTo,omitempty"`
}

type watchFlags struct {
	startFlags
	promotedAt             string
	period, window         time.Duration
	rollbackTo, resultFile string
}

func watchCommand(env rolloutEnv) *cobra.Command {
	var f watchFlags
	cmd := &cobra.Command{
		Use:   "watch --stack NAME --promoted-at TIME",
		Short: "Post-deployment watch: check the promoted release's SLOs; roll back to --rollback-to on a severe breach",
		Long: "watch is run on a schedule for --for after a promotion. It measures the stable revision\n" +
			"(stack output stableRevision) over the last --window of ingested data (ending --delay ago)\n" +
			"against the SLOs (--max-5xx-ratio, --max-p95, --max-p99, with --min-requests). The verdict,\n" +
			"printed and written as JSON to --result, is over, healthy, inconclusive, breach (exit 1: open\n" +
			"an issue) or rolled-back (exit 1): a severe breach (the 5xx share surely above --severe-factor\n" +
			"times --max-5xx-ratio) with --rollback-to makes that release the stable one again (pulumi up).",
		Args: noArgs("rollout watch"),
		RunE: func(cmd *cobra.Command, _ []string) error { return runWatch(cmd, env, f) },
	}
	analysisFlags(cmd, &f.startFlags)
	fl := cmd.Flags()
	fl.StringVar(&f.stack, "stack", "", "stack: dev, staging or prod (required)")
	fl.StringVar(&f.promotedAt, "promoted-at", "", "time of the promotion, RFC 3339 (required)")
	fl.DurationVar(&f.period, "for", 24*time.Hour, "how long after the promotion the release is watched")
	fl.DurationVar(&f.window, "window", time.Hour, "the span of data each check judges")
	fl.StringVar(&f.rollbackTo, "rollback-to", "", "release to make stable again on a severe breach (empty: never roll back)")
	fl.StringVar(&f.resultFile, "result", "", "file to write the verdict to as JSON")
	return cmd
}

func runWatch(cmd *cobra.Command, env rolloutEnv, f watchFlags) error {
	var problems []string
	if f.stack == "" {
		problems = append(problems, "missing --stack: name the stack, e.g. --stack prod")
	} else if err := stackfile.CheckStackName(f.stack); err != nil {
		problems = append(problems, fmt.Sprintf("--stack: %v", err))
	}
	promoted, err := time.Parse(time.RFC3339, f.promotedAt)
	if err != nil {
		problems = append(problems, fmt.Sprintf("--promoted-at: want an RFC 3339 time such as 2026-11-28T06:00:00Z, got %q", f.promotedAt))
	}
	if f.window <= 0 {
		problems = append(problems, "--window must be above zero")
	}
	if len(problems) > 0 {
		return &usageError{lines: problems}
	}
	ctx, stop := signalContext(cmd.Context())
	defer stop()
	now := env.now().UTC()
	res := watchResult{Stack: f.stack}
	if now.Sub(promoted) > f.period {
		res.Verdict, res.Reason = watchOver, fmt.Sprintf("promoted at %s, more than %s ago: the watch is over", promoted.Format(time.RFC3339), f.period)
		return finishWatch(cmd, f, res)
	}
	setter, err := env.setter(ctx, f.stack, f.workDir, nil, f.policyPacks)
	if err != nil {
		return err
	}
	outputs, err := stackOutputs(ctx, f.startFlags, setter)
	if err != nil {
		return err
	}
	fill(&f.resourceID, outputs, outAppResourceID, "--resource-id", &problems)
	fill(&f.workspaceID, outputs, outWorkspaceID, "--workspace-id", &problems)
	fill(&f.stableRev, outputs, outStableRevision, "--stable-revision", &problems)
	if len(problems) > 0 {
		return &usageError{lines: problems}
	}
	res.Release, res.Revision = outputs[outStableRelease], f.stableRev
	analyzer, err := env.analyzer(azmon.Config{Region: f.region, MetricsEndpoint: f.metricsURL, LogsEndpoint: f.logsURL,
		ResourceID: f.resourceID, WorkspaceID: f.workspaceID})
	if err != nil {
		return usagef("%v", err)
	}
	end := now.Add(-f.delay)
	start := end.Add(-f.window)
	if start.Before(promoted) {
		start = promoted
	}
	res.Window = rollout.Window{Start: start, End: end}
	if !end.After(start) {
		res.Verdict, res.Reason = watchInconclusive, "no ingested data since the promotion yet"
		return finishWatch(cmd, f, res)
	}
	mctx, cancel := contextWithTimeout(ctx, f.callTimeout)
	defer cancel()
	m, err := analyzer.Measure(mctx, res.Window, f.stableRev)
	if err != nil {
		return fmt.Errorf("measuring %s: %w", f.stableRev, err)
	}
	th := rollout.Thresholds{MinRequests: f.minRequests, Max5xxRatio: f.max5xx, MaxP95: f.maxP95, MaxP99: f.maxP99, SevereFactor: f.severeFactor}
	v := rollout.Evaluate(rollout.Measurement{}, m[f.stableRev], th)
	res.Checks = v.Checks
	texts := make([]string, len(v.Checks))
	for i, c := range v.Checks {
		texts[i] = c.String()
	}
	res.Reason = strings.Join(texts, "; ")
	switch v.Outcome {
	case rollout.Pass:
		res.Verdict = watchHealthy
	case rollout.Inconclusive:
		res.Verdict = watchInconclusive
	case rollout.Fail:
		res.Verdict, res.Severe = watchBreach, v.Severe
		if v.Severe && f.rollbackTo != "" {
			// The withdrawn release is marked in the stack's history: no
			// controller exposes it again without --retry.
			mctx := rollout.WithMark(ctx, rollout.Mark{Action: rollout.MarkRollback, Release: res.Release, RunID: "watch"})
			if err := setter.Promote(mctx, f.rollbackTo); err != nil {
				res.Reason += fmt.Sprintf("; rolling back to %s FAILED: %v", f.rollbackTo, err)
			} else {
				res.Verdict, res.RolledBack = watchRolledBack, f.rollbackTo
			}
		}
	}
	return finishWatch(cmd, f, res)
}

func finishWatch(cmd *cobra.Command, f watchFlags, res watchResult) error {
	fmt.Fprintf(cmd.OutOrStdout(), "watch of %s on %s: %s: %s\n", orNone(res.Release), res.Stack, res.Verdict, res.Reason)
	if f.resultFile != "" {
		data, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(f.resultFile, append(data, '\n'), 0o644); err != nil {
			return fmt.Errorf("--result: %w", err)
		}
	}
	if res.Verdict == watchBreach || res.Verdict == watchRolledBack {
		return fmt.Errorf("the SLOs of %s on %s are broken: %s", orNone(res.Release), res.Stack, res.Verdict)
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "(unknown release)"
	}
	return s
}
