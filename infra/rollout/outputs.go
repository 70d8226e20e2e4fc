package rollout

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Stack outputs the controller reads (stacks/deploy.go exports them).
const (
	OutputAppResourceID  = "appResourceId"
	OutputWorkspaceID    = "logAnalyticsWorkspaceCustomerId"
	OutputStableRevision = "stableRevision"
	OutputCanaryRevision = "canaryRevision"
	OutputStableRelease  = "stableRelease"
	OutputCanaryRelease  = "canaryRelease"
	OutputCanaryWeight   = "canaryWeight"
)

// StackOutputs are the outputs the controller reads: every one the stack
// must export.
func StackOutputs() []string {
	return []string{OutputAppResourceID, OutputWorkspaceID, OutputStableRevision, OutputCanaryRevision,
		OutputStableRelease, OutputCanaryRelease, OutputCanaryWeight}
}

// Stack is the stack a rollout changes and reads: its traffic, its
// outputs and the controller marks of its update history.
type Stack interface {
	TrafficSetter
	// Outputs are the stack's outputs as strings (pulumi stack output).
	Outputs(ctx context.Context) (map[string]string, error)
	// LastMark is the last controller mark in the stack's update history.
	LastMark(ctx context.Context) (*Mark, error)
}

// OutputsFunc reads a stack's outputs as strings: from the stack, or from
// a file of `pulumi stack output --json` (ParseOutputs).
type OutputsFunc func(ctx context.Context) (map[string]string, error)

// ParseOutputs reads the JSON of `pulumi stack output --json`: each value
// as a string (strings as they are, other values as their JSON, nulls
// left out).
func ParseOutputs(data []byte) (map[string]string, error) {
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("not the JSON of pulumi stack output --json: %w", err)
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		switch x := v.(type) {
		case string:
			out[k] = x
		case nil:
		default:
			b, err := json.Marshal(x)
			if err != nil {
				return nil, fmt.Errorf("output %s: %w", k, err)
			}
			out[k] = string(b)
		}
	}
	return out, nil
}

// ViewOf is what the outputs (and the last mark) say the stack serves.
// A canaryWeight output that is not a number reads as 0.
func ViewOf(outputs map[string]string, last *Mark) StackView {
	w, _ := strconv.Atoi(outputs[OutputCanaryWeight])
	return StackView{StableRelease: outputs[OutputStableRelease], CanaryRelease: outputs[OutputCanaryRelease], CanaryWeight: w, Last: last}
}

// OutputsView reads the stack's view when the controller starts: the
// outputs and the last controller mark in the stack's update history.
type OutputsView struct {
	Outputs OutputsFunc
	Marks   interface {
		LastMark(ctx context.Context) (*Mark, error)
	}
}

// View implements StackReader.
func (v OutputsView) View(ctx context.Context) (StackView, error) {
	outputs, err := v.Outputs(ctx)
	if err != nil {
		return StackView{}, err
	}
	last, err := v.Marks.LastMark(ctx)
	if err != nil {
		return StackView{}, err
	}
	return ViewOf(outputs, last), nil
}

// Setting is a value the caller may give or leave to a stack output.
type Setting struct {
	// Value is the caller's value; FillFromOutputs sets it when empty.
	Value *string
	// Output is the stack output that holds the value.
	Output string
	// Name is how the caller gives the value (a flag), for the problem.
	Name string
}

// FillFromOutputs sets each empty setting from its output and returns one
// problem for each setting that neither the caller nor the outputs give.
func FillFromOutputs(outputs map[string]string, settings ...Setting) []string {
	var problems []string
	for _, s := range settings {
		if *s.Value != "" {
			continue
		}
		*s.Value = outputs[s.Output]
		if *s.Value == "" {
			problems = append(problems, fmt.Sprintf("missing %s: the stack has no %s output (deploy the stack first, or pass %s)", s.Name, s.Output, s.Name))
		}
	}
	return problems
}

// ParseSteps reads canary weights in percent, comma-separated
// ("10,25,50,100"); Config.Validate judges their range and order.
func ParseSteps(s string) ([]int, error) {
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

// PrepareCanary makes release the stack's canary at weight 0 unless it is
// already, or the caller names its revision (canaryRevision): the stack
// then announces the canary's revision name in its outputs. It refuses a
// stack whose traffic goes to another release's canary (CheckMix), and
// returns the outputs, read again after a deploy.
func PrepareCanary(ctx context.Context, stack TrafficSetter, outputs OutputsFunc, release, canaryRevision string) (map[string]string, error) {
	out, err := outputs(ctx)
	if err != nil {
		return nil, err
	}
	if err := CheckMix(ViewOf(out, nil), release); err != nil {
		return nil, err
	}
	if canaryRevision != "" || out[OutputCanaryRelease] == release {
		return out, nil
	}
	if err := stack.SetCanary(ctx, release, 0); err != nil {
		return nil, fmt.Errorf("deploying %s at weight 0: %w", release, err)
	}
	if out, err = outputs(ctx); err != nil {
		return nil, err
	}
	if out[OutputCanaryRelease] != release {
		return nil, fmt.Errorf("after deploying %s at weight 0 the stack's %s output is %q", release, OutputCanaryRelease, out[OutputCanaryRelease])
	}
	return out, nil
}

// Webhook is a Notifier that posts each event as JSON to URL and expects
// a 2xx answer.
type Webhook struct {
	URL string
	// Client sends the request (nil: a client with a 30 s timeout).
	Client *http.Client
}

// Notify implements Notifier.
func (w Webhook) Notify(ctx context.Context, e Event) error {
	body, err := json.Marshal(e)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	client := w.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook answered %s", resp.Status)
	}
	return nil
}

// ControllerLine says whether a controller drives the rollout of st at
// now: running (owner alive), none (the rollout ended), or not running
// with the command that continues it.
func ControllerLine(st *State, owner *Owner, now time.Time) string {
	switch {
	case owner != nil && owner.Alive:
		return fmt.Sprintf("controller: running (%s), last heartbeat %s ago", owner.Info, now.Sub(owner.Heartbeat).Round(time.Second))
	case st.Phase.Final():
		return fmt.Sprintf("controller: none (the rollout ended: %s)", st.Phase)
	default:
		return fmt.Sprintf("controller: NOT RUNNING: the rollout stopped in phase %s at weight %d%% (last decision %s); "+
			"misyinfra rollout start --stack %s --release %s continues it", st.Phase, st.Weight, st.Updated.Format(time.RFC3339), st.Stack, st.Release)
	}
}
