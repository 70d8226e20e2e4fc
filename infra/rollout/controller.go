package rollout

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
)

// TrafficSetter changes what serves traffic, through the stack.
type TrafficSetter interface {
	// SetCanary deploys release as the canary with weight percent of the
	// traffic (0: deployed, reachable on its label only).
	SetCanary(ctx context.Context, release string, weight int) error
	// Promote makes release the stable release with all the traffic.
	Promote(ctx context.Context, release string) error
}

// TrafficGenerator sends synthetic requests to url for d.
type TrafficGenerator interface {
	Send(ctx context.Context, url string, d time.Duration) error
}

// Errors Run ends with.
var (
	ErrRolledBack = errors.New("rollout rolled back")
	ErrAborted    = errors.New("rollout aborted")
)

// Controller drives one rollout.
type Controller struct {
	Config   Config
	Setter   TrafficSetter
	Analyzer Analyzer
	// Synthetic, when set with a label URL, sends traffic to the canary
	// during the interval after an inconclusive one.
	Synthetic TrafficGenerator
	// Progress receives a live progress bar; nil for none.
	Progress io.Writer
	// HTTPClient runs the smoke test; http.DefaultClient when nil.
	HTTPClient *http.Client
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

type run struct {
	c     *Controller
	cfg   Config
	files Files
	st    *State
	bar   *progressbar.ProgressBar
}

// Run drives the rollout to promotion or rollback. It returns the final
// state; the error wraps ErrRolledBack or ErrAborted when the canary was
// withdrawn, a *LockedError when another rollout of the stack runs, and
// the context's error when interrupted (the state is kept for the next run).
func (c *Controller) Run(ctx context.Context) (*State, error) {
	cfg := c.Config.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	files := FilesFor(cfg.StateDir, cfg.Stack)
	if err := ensureDir(cfg.StateDir); err != nil {
		return nil, err
	}
	lock, err := AcquireLock(files.Lock)
	if err != nil {
		return nil, err
	}
	defer lock.Release()
	r := &run{c: c, cfg: cfg, files: files}
	if c.Progress != nil {
		r.bar = progressbar.NewOptions(100, progressbar.OptionSetWriter(c.Progress), progressbar.OptionSetWidth(30),
			progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(false), progressbar.OptionThrottle(0))
		defer fmt.Fprintln(c.Progress)
	}
	err = r.drive(ctx)
	return r.st, err
}

func (c *Controller) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// decide appends a decision, saves the state and shows the progress.
func (r *run) decide(d Decision) error {
	d.Time = r.c.now().UTC()
	d.Weight = r.st.Weight
	r.st.Decisions = append(r.st.Decisions, d)
	r.st.Updated = d.Time
	if r.bar != nil {
		r.bar.Describe(fmt.Sprintf("%s step %d/%d weight %d%% failures %d/%d: %s", r.st.Stack, r.st.Step+1, len(r.st.Steps),
			r.st.Weight, r.st.Failures, r.cfg.FailureThreshold, d.Action))
		_ = r.bar.Set(r.st.Weight)
	}
	return r.st.save(r.files)
}

func (r *run) drive(ctx context.Context) error {
	prev, err := LoadState(r.files.State)
	if err != nil {
		return err
	}
	if prev != nil && !prev.Phase.Final() {
		r.st = prev
		if prev.Release == r.cfg.Release && r.cfg.OnInterrupted == Resume {
			// The stack is set again to the recorded weight: the run may have
			// stopped between a change of the stack and its record.
			if err := r.c.Setter.SetCanary(ctx, prev.Release, prev.Weight); err != nil {
				return fmt.Errorf("restoring the canary weight %d%%: %w", prev.Weight, err)
			}
			reason := fmt.Sprintf("interrupted rollout found at step %d/%d (weight %d%%, %d failed and %d inconclusive analyses): weight %d%% set again, resuming",
				prev.Step+1, len(prev.Steps), prev.Weight, prev.Failures, prev.Inconclusive, prev.Weight)
			if err := r.decide(Decision{Action: ActRecover, Reason: reason}); err != nil {
				return err
			}
			return r.steps(ctx)
		}
		reason := fmt.Sprintf("interrupted rollout of %s found at weight %d%%: rolling it back", prev.Release, prev.Weight)
		if err := r.rollback(ctx, ActRecover, reason); err != nil && !errors.Is(err, ErrRolledBack) {
			return err
		}
		if prev.Release == r.cfg.Release {
			return fmt.Errorf("%w: %s", ErrRolledBack, reason)
		}
	}
	now := r.c.now().UTC()
	r.st = &State{Stack: r.cfg.Stack, Release: r.cfg.Release, StableRelease: r.cfg.StableRelease,
		CanaryRevision: r.cfg.CanaryRevision, StableRevision: r.cfg.StableRevision, Phase: Running,
		Steps: r.cfg.Steps, Started: now}
	if err := r.c.Setter.SetCanary(ctx, r.cfg.Release, 0); err != nil {
		return fmt.Errorf("deploying %s at weight 0: %w", r.cfg.Release, err)
	}
	if err := r.decide(Decision{Action: ActDeploy, Reason: fmt.Sprintf("deployed %s as revision %s at weight 0 beside %s",
		r.cfg.Release, r.cfg.CanaryRevision, r.cfg.StableRevision)}); err != nil {
		return err
	}
	if r.cfg.LabelURL != "" {
		if err := r.smoke(ctx); err != nil {
			return r.rollback(ctx, ActSmoke, err.Error())
		}
	}
	return r.steps(ctx)
}

// smoke sends SmokeRequests requests to the label URL; each must be 2xx.
func (r *run) smoke(ctx context.Context) error {
	client := r.c.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	url := strings.TrimSuffix(r.cfg.LabelURL, "/") + r.cfg.SmokePath
	for i := 0; i < r.cfg.SmokeRequests; i++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return fmt.Errorf("smoke test: %w", err)
		}
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("smoke test %d/%d of %s: %w", i+1, r.cfg.SmokeRequests, url, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			return fmt.Errorf("smoke test %d/%d of %s answered %d", i+1, r.cfg.SmokeRequests, url, resp.StatusCode)
		}
	}
	return r.decide(Decision{Action: ActSmoke, Outcome: Pass, Reason: fmt.Sprintf("%d requests to %s answered 2xx", r.cfg.SmokeRequests, url)})
}

// steps runs the remaining steps from the state's current one.
func (r *run) steps(ctx context.Context) error {
	synthetic := false
	for r.st.Step < len(r.st.Steps) {
		w := r.st.Steps[r.st.Step]
		if r.st.Weight != w {
			if err := r.c.Setter.SetCanary(ctx, r.cfg.Release, w); err != nil {
				return fmt.Errorf("setting the canary weight to %d%%: %w", w, err)
			}
			from := r.st.Weight
			r.st.Weight = w
			if err := r.decide(Decision{Action: ActStep, Reason: fmt.Sprintf("canary weight %d%% → %d%% (step %d/%d)", from, w, r.st.Step+1, len(r.st.Steps))}); err != nil {
				return err
			}
		}
		win, gate, err := r.bake(ctx, synthetic)
		if err != nil {
			return err
		}
		switch gate {
		case CmdAbort:
			return r.rollback(ctx, ActAbort, "aborted by the operator")
		case CmdPromote:
			return r.promote(ctx, "promoted by the operator")
		}
		synthetic = false
		m, err := r.c.Analyzer.Measure(ctx, win, r.st.StableRevision, r.st.CanaryRevision)
		if err != nil {
			return fmt.Errorf("analysing interval %d: %w", r.st.Intervals+1, err)
		}
		r.st.Intervals++
		stable, canary := m[r.st.StableRevision], m[r.st.CanaryRevision]
		v := Evaluate(stable, canary, r.cfg.Thresholds)
		d := Decision{Interval: r.st.Intervals, Outcome: v.Outcome, Checks: v.Checks, Stable: &stable, Canary: &canary}
		switch v.Outcome {
		case Pass:
			d.Action = ActAdvance
			d.Reason = fmt.Sprintf("all %d checks passed over %s: %s", len(v.Checks), win.End.Sub(win.Start).Round(time.Millisecond), summary(v))
			r.st.Step++
		case Inconclusive:
			r.st.Inconclusive++
			d.Action = ActHold
			d.Reason = fmt.Sprintf("inconclusive (%d/%s): %s", r.st.Inconclusive, limitText(r.cfg.MaxInconclusive), summary(v))
			if r.cfg.MaxInconclusive > 0 && r.st.Inconclusive >= r.cfg.MaxInconclusive {
				return r.rollbackWith(ctx, d, fmt.Sprintf("%d inconclusive analyses reached the limit: %s", r.st.Inconclusive, summary(v)))
			}
			if r.c.Synthetic != nil && r.cfg.LabelURL != "" {
				synthetic = true
				d.Reason += "; sending synthetic traffic to the canary label next interval"
			}
		case Fail:
			r.st.Failures++
			d.Action = ActHold
			d.Reason = fmt.Sprintf("failed (%d/%d): %s", r.st.Failures, r.cfg.FailureThreshold, failedText(v))
			if r.st.Failures >= r.cfg.FailureThreshold {
				return r.rollbackWith(ctx, d, fmt.Sprintf("failed analyses reached the threshold %d: %s", r.cfg.FailureThreshold, failedText(v)))
			}
		}
		if err := r.decide(d); err != nil {
			return err
		}
	}
	return r.promote(ctx, fmt.Sprintf("all %d steps passed in %d intervals", len(r.st.Steps), r.st.Intervals))
}

func limitText(n int) string {
	if n == 0 {
		return "no limit"
	}
	return fmt.Sprint(n)
}

func summary(v Verdict) string {
	s := make([]string, len(v.Checks))
	for i, c := range v.Checks {
		s[i] = c.String()
	}
	return strings.Join(s, "; ")
}

func failedText(v Verdict) string {
	var s []string
	for _, c := range v.Checks {
		if !c.OK {
			s = append(s, c.String())
		}
	}
	return strings.Join(s, "; ")
}

// bake waits one interval, obeying manual gates; it returns the window
// to analyse, or the gate (abort, promote) that ended the wait.
func (r *run) bake(ctx context.Context, synthetic bool) (Window, Command, error) {
	start := r.c.now()
	deadline := start.Add(r.cfg.Interval)
	poll := min(r.cfg.Interval/5, time.Second)
	var stopSynthetic context.CancelFunc
	startSynthetic := func() {
		if !synthetic {
			return
		}
		sctx, cancel := context.WithCancel(ctx)
		stopSynthetic = cancel
		go func() { _ = r.c.Synthetic.Send(sctx, r.cfg.LabelURL, deadline.Sub(r.c.now())) }()
	}
	defer func() {
		if stopSynthetic != nil {
			stopSynthetic()
		}
	}()
	startSynthetic()
	timer := time.NewTicker(poll)
	defer timer.Stop()
	for {
		cmd, err := takeCommand(r.files.Control)
		if err != nil {
			return Window{}, "", err
		}
		switch cmd {
		case CmdAbort, CmdPromote:
			return Window{}, cmd, nil
		case CmdPause:
			if r.st.Phase != Paused {
				r.st.Phase = Paused
				if err := r.decide(Decision{Action: ActPause, Reason: "paused by the operator: no analysis and no step until resume"}); err != nil {
					return Window{}, "", err
				}
			}
		case CmdResume:
			if r.st.Phase == Paused {
				r.st.Phase = Running
				if err := r.decide(Decision{Action: ActResume, Reason: "resumed by the operator: a new interval starts"}); err != nil {
					return Window{}, "", err
				}
				// The window restarts: what happened while paused is not judged.
				start = r.c.now()
				deadline = start.Add(r.cfg.Interval)
			}
		}
		if r.st.Phase != Paused && !r.c.now().Before(deadline) {
			return Window{Start: start, End: r.c.now()}, "", nil
		}
		select {
		case <-ctx.Done():
			if err := r.st.save(r.files); err != nil {
				return Window{}, "", errors.Join(ctx.Err(), err)
			}
			return Window{}, "", fmt.Errorf("rollout interrupted at weight %d%% (run again to resume): %w", r.st.Weight, ctx.Err())
		case <-timer.C:
		}
	}
}

func (r *run) rollbackWith(ctx context.Context, d Decision, reason string) error {
	d.Action = ActRollback
	d.Reason = reason
	return r.withdraw(ctx, d, RolledBack, ErrRolledBack)
}

func (r *run) rollback(ctx context.Context, action Action, reason string) error {
	phase, sentinel := RolledBack, ErrRolledBack
	if action == ActAbort {
		phase, sentinel = Aborted, ErrAborted
	}
	return r.withdraw(ctx, Decision{Action: action, Reason: reason}, phase, sentinel)
}

// withdraw sets the canary weight to 0 through the stack, without any
// further analysis, and ends the rollout.
func (r *run) withdraw(ctx context.Context, d Decision, phase Phase, sentinel error) error {
	// The rollback must happen even when the run is being cancelled.
	ctx = context.WithoutCancel(ctx)
	if err := r.c.Setter.SetCanary(ctx, r.st.Release, 0); err != nil {
		return fmt.Errorf("rolling back %s to weight 0: %w", r.st.Release, err)
	}
	from := r.st.Weight
	r.st.Weight = 0
	r.st.Phase = phase
	d.Reason = fmt.Sprintf("%s; canary weight %d%% → 0%%", d.Reason, from)
	if err := r.decide(d); err != nil {
		return err
	}
	return fmt.Errorf("%w: %s", sentinel, d.Reason)
}

func (r *run) promote(ctx context.Context, reason string) error {
	if err := r.c.Setter.Promote(ctx, r.st.Release); err != nil {
		return fmt.Errorf("promoting %s: %w", r.st.Release, err)
	}
	r.st.Weight = 100
	r.st.Phase = Promoted
	return r.decide(Decision{Action: ActPromote, Reason: fmt.Sprintf("%s: %s is the stable release", reason, r.st.Release)})
}
