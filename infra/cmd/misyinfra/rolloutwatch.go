package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/misybot/platform/infra/azmon"
	"github.com/misybot/platform/infra/rollout"
	"github.com/misybot/platform/infra/stackfile"
)

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
	if res, over := rollout.WatchEnded(f.stack, promoted, now, f.period); over {
		return finishWatch(cmd, f, res)
	}
	setter, err := env.setter(ctx, f.stack, f.workDir, nil, f.policyPacks)
	if err != nil {
		return err
	}
	outputs, err := outputsSource(f.startFlags, setter)(ctx)
	if err != nil {
		return err
	}
	problems = rollout.FillFromOutputs(outputs,
		rollout.Setting{Value: &f.resourceID, Output: rollout.OutputAppResourceID, Name: "--resource-id"},
		rollout.Setting{Value: &f.workspaceID, Output: rollout.OutputWorkspaceID, Name: "--workspace-id"},
		rollout.Setting{Value: &f.stableRev, Output: rollout.OutputStableRevision, Name: "--stable-revision"})
	if len(problems) > 0 {
		return &usageError{lines: problems}
	}
	analyzer, err := env.analyzer(azmon.Config{Region: f.region, MetricsEndpoint: f.metricsURL, LogsEndpoint: f.logsURL,
		ResourceID: f.resourceID, WorkspaceID: f.workspaceID})
	if err != nil {
		return usagef("%v", err)
	}
	res, err := rollout.Watch(ctx, rollout.WatchCheck{
		Stack: f.stack, Release: outputs[rollout.OutputStableRelease], Revision: f.stableRev,
		Promoted: promoted, Now: now, Window: f.window, Delay: f.delay, CallTimeout: f.callTimeout,
		Thresholds: rollout.Thresholds{MinRequests: f.minRequests, Max5xxRatio: f.max5xx, MaxP95: f.maxP95, MaxP99: f.maxP99, SevereFactor: f.severeFactor},
		RollbackTo: f.rollbackTo,
	}, analyzer, setter)
	if err != nil {
		return err
	}
	return finishWatch(cmd, f, res)
}

// finishWatch prints the verdict and writes it to --result; a broken SLO
// exits 1.
func finishWatch(cmd *cobra.Command, f watchFlags, res rollout.WatchResult) error {
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
	if res.Broken() {
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
