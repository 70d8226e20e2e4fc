// Package autostack is the production traffic setter of the rollout
// controller: it changes the stack's app.canary configuration and runs
// `pulumi up` through the Automation API, so that Pulumi state always
// matches what serves traffic.
//
// It needs the Pulumi CLI and the language and provider plugins, which
// are not on the development machines: it is deliberately thin and is
// exercised only where `pulumi up` runs (the deploy workflow). The
// controller's tests use simulation.Setter instead.
package autostack

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/opthistory"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"

	"github.com/misybot/platform/infra/rollout"
	"github.com/misybot/platform/stacks/configkeys"
)

// Config keys under the project's app object
// (misybot-platform:app = {"release", "canary": {"release", "weight"}}),
// from the program's config types (package configkeys).
const (
	KeyRelease       = configkeys.AppRelease
	KeyCanary        = configkeys.AppCanary
	KeyCanaryRelease = configkeys.AppCanaryRelease
	KeyCanaryWeight  = configkeys.AppCanaryWeight
)

// Setter drives one stack of the project in a directory.
type Setter struct {
	stack       auto.Stack
	progress    io.Writer
	policyPacks []string
}

// Select opens an existing stack of the program in workDir; progress
// receives the output of `pulumi up` (nil: discarded); every update runs
// with the policy packs (paths), like the deploy workflow's.
func Select(ctx context.Context, stackName, workDir string, progress io.Writer, policyPacks ...string) (*Setter, error) {
	st, err := auto.SelectStackLocalSource(ctx, stackName, workDir)
	if err != nil {
		return nil, fmt.Errorf("selecting stack %s in %s: %w", stackName, workDir, err)
	}
	return &Setter{stack: st, progress: progress, policyPacks: policyPacks}, nil
}

// pathOpts addresses keys inside the app object.
func pathOpts() *auto.ConfigOptions { return &auto.ConfigOptions{Path: true} }

// Outputs are the stack's outputs (pulumi stack output), as strings;
// secret outputs are left out.
func (s *Setter) Outputs(ctx context.Context) (map[string]string, error) {
	outs, err := s.stack.Outputs(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the stack outputs: %w", err)
	}
	m := make(map[string]string, len(outs))
	for k, v := range outs {
		if v.Secret || v.Value == nil {
			continue
		}
		if str, ok := v.Value.(string); ok {
			m[k] = str
			continue
		}
		b, err := json.Marshal(v.Value)
		if err != nil {
			return nil, fmt.Errorf("stack output %s: %w", k, err)
		}
		m[k] = string(b)
	}
	return m, nil
}

// SetCanary sets app.canary to the release at weight percent and applies it.
func (s *Setter) SetCanary(ctx context.Context, release string, weight int) error {
	if err := s.set(ctx, KeyCanaryRelease, release); err != nil {
		return err
	}
	if err := s.set(ctx, KeyCanaryWeight, strconv.Itoa(weight)); err != nil {
		return err
	}
	return s.up(ctx, message(ctx, fmt.Sprintf("rollout: canary %s at %d%%", release, weight)))
}

// Promote makes the release app.release, removes app.canary and applies it.
func (s *Setter) Promote(ctx context.Context, release string) error {
	if err := s.set(ctx, KeyRelease, release); err != nil {
		return err
	}
	if err := s.stack.RemoveConfigWithOptions(ctx, KeyCanary, pathOpts()); err != nil {
		return fmt.Errorf("removing %s: %w", KeyCanary, err)
	}
	return s.up(ctx, message(ctx, "rollout: promote "+release))
}

// message is the update's message: the controller's mark when it sent
// one (rollout.WithMark), which the next controller reads back from the
// stack's history (LastMark).
func message(ctx context.Context, fallback string) string {
	if m, ok := rollout.MarkFrom(ctx); ok {
		return m.String()
	}
	return fallback
}

// historyDepth is how many of the stack's latest updates LastMark reads:
// a rollout's marks are followed by at most a few plain deploys.
const historyDepth = 20

// LastMark is the most recent controller mark among the stack's latest
// updates, failed ones included (a failed rollback still says the
// canary was to be withdrawn); nil when there is none.
func (s *Setter) LastMark(ctx context.Context) (*rollout.Mark, error) {
	hist, err := s.stack.History(ctx, historyDepth, 1, opthistory.ShowSecrets(false))
	if err != nil {
		return nil, fmt.Errorf("reading the stack's update history: %w", err)
	}
	for _, u := range hist { // newest first
		if m, ok := rollout.ParseMark(u.Message); ok {
			return &m, nil
		}
	}
	return nil, nil
}

func (s *Setter) set(ctx context.Context, key, value string) error {
	if err := s.stack.SetConfigWithOptions(ctx, key, auto.ConfigValue{Value: value}, pathOpts()); err != nil {
		return fmt.Errorf("setting %s: %w", key, err)
	}
	return nil
}

func (s *Setter) up(ctx context.Context, message string) error {
	opts := []optup.Option{optup.Message(message)}
	if len(s.policyPacks) > 0 {
		opts = append(opts, optup.PolicyPacks(s.policyPacks...))
	}
	if s.progress != nil {
		opts = append(opts, optup.ProgressStreams(s.progress))
	}
	if _, err := s.stack.Up(ctx, opts...); err != nil {
		return fmt.Errorf("pulumi up (%s): %w", message, err)
	}
	return nil
}
