package rollout_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/infra/rollout"
)

func TestParseOutputs(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		want       map[string]string
		err        string
	}{
		{name: "strings, numbers, objects, nulls", data: `{"stableRelease":"r1","canaryWeight":25,"queues":["a","b"],"canaryRelease":null,"internal":true}`,
			want: map[string]string{"stableRelease": "r1", "canaryWeight": "25", "queues": `["a","b"]`, "internal": "true"}},
		{name: "empty object", data: `{}`, want: map[string]string{}},
		{name: "not JSON", data: `stableRelease: r1`, err: "not the JSON of pulumi stack output --json: invalid character"},
		{name: "a list, not an object", data: `["r1"]`, err: "not the JSON of pulumi stack output --json: json: cannot unmarshal array"},
		{name: "truncated", data: `{"stableRelease":`, err: "not the JSON of pulumi stack output --json: unexpected end of JSON input"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := rollout.ParseOutputs([]byte(tc.data))
			if tc.err != "" {
				assert.ErrorContains(t, err, tc.err)
				assert.Nil(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestViewOf(t *testing.T) {
	last := &rollout.Mark{Action: rollout.MarkRollback, Release: "r2"}
	for _, tc := range []struct {
		name    string
		outputs map[string]string
		want    rollout.StackView
	}{
		{"canary at 25%", map[string]string{rollout.OutputStableRelease: "r1", rollout.OutputCanaryRelease: "r2", rollout.OutputCanaryWeight: "25"},
			rollout.StackView{StableRelease: "r1", CanaryRelease: "r2", CanaryWeight: 25, Last: last}},
		{"no canary", map[string]string{rollout.OutputStableRelease: "r1"}, rollout.StackView{StableRelease: "r1", Last: last}},
		{"a weight that is not a number reads as 0", map[string]string{rollout.OutputCanaryRelease: "r2", rollout.OutputCanaryWeight: "lots"},
			rollout.StackView{CanaryRelease: "r2", Last: last}},
		{"no outputs", nil, rollout.StackView{Last: last}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, rollout.ViewOf(tc.outputs, last))
		})
	}
}

type marks struct {
	last *rollout.Mark
	err  error
}

func (m marks) LastMark(context.Context) (*rollout.Mark, error) { return m.last, m.err }

func TestOutputsView(t *testing.T) {
	outputs := func(out map[string]string, err error) rollout.OutputsFunc {
		return func(context.Context) (map[string]string, error) { return out, err }
	}
	mark := &rollout.Mark{Action: rollout.MarkCanary, Release: "r2", Weight: 10, RunID: "7"}
	v, err := rollout.OutputsView{Outputs: outputs(map[string]string{rollout.OutputCanaryRelease: "r2", rollout.OutputCanaryWeight: "10"}, nil),
		Marks: marks{last: mark}}.View(context.Background())
	require.NoError(t, err)
	assert.Equal(t, rollout.StackView{CanaryRelease: "r2", CanaryWeight: 10, Last: mark}, v)

	_, err = rollout.OutputsView{Outputs: outputs(nil, errors.New("no stack")), Marks: marks{}}.View(context.Background())
	assert.EqualError(t, err, "no stack")
	_, err = rollout.OutputsView{Outputs: outputs(map[string]string{}, nil), Marks: marks{err: errors.New("no history")}}.View(context.Background())
	assert.EqualError(t, err, "no history")
}

func TestFillFromOutputs(t *testing.T) {
	outputs := map[string]string{rollout.OutputAppResourceID: "/subscriptions/s/app", rollout.OutputStableRevision: ""}
	resourceID, workspaceID, stable, given := "", "", "", "given"
	problems := rollout.FillFromOutputs(outputs,
		rollout.Setting{Value: &resourceID, Output: rollout.OutputAppResourceID, Name: "--resource-id"},
		rollout.Setting{Value: &workspaceID, Output: rollout.OutputWorkspaceID, Name: "--workspace-id"},
		rollout.Setting{Value: &stable, Output: rollout.OutputStableRevision, Name: "--stable-revision"},
		rollout.Setting{Value: &given, Output: rollout.OutputCanaryRevision, Name: "--canary-revision"},
	)
	assert.Equal(t, "/subscriptions/s/app", resourceID, "an empty setting takes its output")
	assert.Equal(t, "given", given, "a given setting is kept, whatever the outputs say")
	assert.Equal(t, []string{
		"missing --workspace-id: the stack has no logAnalyticsWorkspaceCustomerId output (deploy the stack first, or pass --workspace-id)",
		"missing --stable-revision: the stack has no stableRevision output (deploy the stack first, or pass --stable-revision)",
	}, problems, "one problem per setting neither gives (an empty output is missing), in order")
	assert.Empty(t, rollout.FillFromOutputs(nil, rollout.Setting{Value: &given, Output: "x", Name: "--x"}))
}

func TestParseSteps(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []int
		err  string
	}{
		{in: "10,25,50,100", want: []int{10, 25, 50, 100}},
		{in: " 5, 100 ", want: []int{5, 100}},
		{in: "100", want: []int{100}},
		{in: "10,,100", err: `"" is not a weight`},
		{in: "10,half,100", err: `"half" is not a weight`},
		{in: "10%", err: `"10%" is not a weight`},
		{in: "", err: `"" is not a weight`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := rollout.ParseSteps(tc.in)
			if tc.err != "" {
				assert.EqualError(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

// fakeStack records its traffic changes; outputs are what it reports,
// deployed takes effect on the next read.
type fakeStack struct {
	outputs  map[string]string
	deployed map[string]string // outputs after SetCanary (nil: unchanged)
	setErr   error
	calls    []string
}

func (s *fakeStack) SetCanary(_ context.Context, release string, weight int) error {
	s.calls = append(s.calls, "canary "+release)
	if s.setErr != nil {
		return s.setErr
	}
	if s.deployed != nil {
		s.outputs = s.deployed
	}
	return nil
}

func (s *fakeStack) Promote(_ context.Context, release string) error {
	s.calls = append(s.calls, "promote "+release)
	return s.setErr
}

func (s *fakeStack) read(context.Context) (map[string]string, error) { return s.outputs, nil }

func TestPrepareCanary(t *testing.T) {
	r2Canary := map[string]string{rollout.OutputCanaryRelease: "r2", rollout.OutputCanaryWeight: "0", rollout.OutputCanaryRevision: "app--r2"}
	for _, tc := range []struct {
		name           string
		stack          fakeStack
		canaryRevision string
		calls          []string
		want           map[string]string
		err            string
	}{
		{name: "already the canary: nothing deployed", stack: fakeStack{outputs: r2Canary}, want: r2Canary},
		{name: "deployed at weight 0, outputs read again", stack: fakeStack{outputs: map[string]string{rollout.OutputStableRelease: "r1"}, deployed: r2Canary},
			calls: []string{"canary r2"}, want: r2Canary},
		{name: "the caller names the canary revision: nothing deployed", stack: fakeStack{outputs: map[string]string{rollout.OutputStableRelease: "r1"}},
			canaryRevision: "app--r2", want: map[string]string{rollout.OutputStableRelease: "r1"}},
		{name: "another release's canary has traffic", stack: fakeStack{outputs: map[string]string{rollout.OutputCanaryRelease: "r9", rollout.OutputCanaryWeight: "10"}},
			err: "the stack serves the canary of another release: r9 has 10% of the traffic"},
		{name: "another release's canary at weight 0 is replaced", stack: fakeStack{outputs: map[string]string{rollout.OutputCanaryRelease: "r9", rollout.OutputCanaryWeight: "0"}, deployed: r2Canary},
			calls: []string{"canary r2"}, want: r2Canary},
		{name: "the deploy fails", stack: fakeStack{outputs: map[string]string{}, setErr: errors.New("pulumi up: conflict")},
			calls: []string{"canary r2"}, err: "deploying r2 at weight 0: pulumi up: conflict"},
		{name: "the stack does not announce the canary", stack: fakeStack{outputs: map[string]string{rollout.OutputCanaryRelease: "r1"}},
			calls: []string{"canary r2"}, err: `after deploying r2 at weight 0 the stack's canaryRelease output is "r1"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := rollout.PrepareCanary(context.Background(), &tc.stack, tc.stack.read, "r2", tc.canaryRevision)
			assert.Equal(t, tc.calls, tc.stack.calls)
			if tc.err != "" {
				assert.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	_, err := rollout.PrepareCanary(context.Background(), &fakeStack{}, func(context.Context) (map[string]string, error) {
		return nil, errors.New("--outputs: no such file")
	}, "r2", "")
	assert.EqualError(t, err, "--outputs: no such file", "an unreadable output source is the error")
}

func TestWebhook(t *testing.T) {
	var got rollout.Event
	var contentType string
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		contentType = r.Header.Get("Content-Type")
		body, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(body, &got)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer ok.Close()
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusBadGateway)
	}))
	defer failing.Close()
	e := rollout.Event{Stack: "prod", RunID: "7", Release: "r2", Phase: rollout.RolledBack, Reason: "5xx", Time: time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)}

	require.NoError(t, rollout.Webhook{URL: ok.URL}.Notify(context.Background(), e))
	assert.Equal(t, e, got)
	assert.Equal(t, "application/json", contentType)
	assert.EqualError(t, rollout.Webhook{URL: failing.URL, Client: failing.Client()}.Notify(context.Background(), e), "webhook answered 502 Bad Gateway")
	assert.Error(t, rollout.Webhook{URL: "http://[::1"}.Notify(context.Background(), e), "an invalid URL")
}

func TestControllerLine(t *testing.T) {
	now := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	st := &rollout.State{Stack: "prod", Release: "r2", Phase: rollout.Running, Weight: 25, Updated: now.Add(-time.Hour)}
	info := rollout.LockInfo{PID: 42, Host: "runner", RunID: "7"}
	for _, tc := range []struct {
		name  string
		st    *rollout.State
		owner *rollout.Owner
		want  string
	}{
		{"a live controller", st, &rollout.Owner{Info: info, Alive: true, Heartbeat: now.Add(-1500 * time.Millisecond)},
			"controller: running (" + info.String() + "), last heartbeat 2s ago"},
		{"ended", &rollout.State{Phase: rollout.Promoted}, nil, "controller: none (the rollout ended: promoted)"},
		{"stopped with a dead lock", st, &rollout.Owner{Info: info, Alive: false},
			"controller: NOT RUNNING: the rollout stopped in phase running at weight 25% (last decision 2026-11-28T08:00:00Z); misyinfra rollout start --stack prod --release r2 continues it"},
		{"stopped without a lock", st, nil,
			"controller: NOT RUNNING: the rollout stopped in phase running at weight 25% (last decision 2026-11-28T08:00:00Z); misyinfra rollout start --stack prod --release r2 continues it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, rollout.ControllerLine(tc.st, tc.owner, now))
		})
	}
}

func TestStackOutputsAreDistinct(t *testing.T) {
	names := rollout.StackOutputs()
	seen := map[string]bool{}
	for _, n := range names {
		assert.NotEmpty(t, n)
		assert.False(t, seen[n], "%s listed twice", n)
		seen[n] = true
	}
	assert.Len(t, names, 7)
}
