package rollout

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
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

// TrafficGenerator sends synthetic requests.
type TrafficGenerator interface {
	// Start sends requests to url for d, or until ctx ends, in the
	// background: it returns at once.
	Start(ctx context.Context, url string, d time.Duration)
}

// Event is what the controller announces when a rollout ends: the
// structured notification of a rollback, an abort or a promotion.
type Event struct {
	Stack   string    `json:"stack"`
	RunID   string    `json:"runId"`
	Release string    `json:"release"`
	Stable  string    `json:"stableRelease,omitempty"`
	Phase   Phase     `json:"phase"`
	Weight  int       `json:"weight"`
	Reason  string    `json:"reason"`
	Time    time.Time `json:"time"`
}

// Notifier delivers an Event (a webhook, a file the workflow reads).
type Notifier interface {
	Notify(ctx context.Context, e Event) error
}

// Errors Run ends with.
var (
	ErrRolledBack = errors.New("rollout rolled back")
	ErrAborted    = errors.New("rollout aborted")
)

// DefaultSmokeTimeout bounds each smoke-test request.
const DefaultSmokeTimeout = 10 * time.Second

// Controller drives one rollout.
type Controller struct {
	Config   Config
	Setter   TrafficSetter
	Analyzer Analyzer
	// Synthetic, when set with a label URL, sends traffic to the canary
	// during the interval after an inconclusive one.
	Synthetic TrafficGenerator
	// Stack reads what the stack serves (required): the truth the state
	// file is reconciled with when a run starts.
	Stack StackReader
	// Notifier is told when the rollout ends; nil for none. A failed
	// notification is logged, it changes no outcome.
	Notifier Notifier
	// Progress receives a live progress bar; nil for none.
	Progress io.Writer
	// HTTPClient runs the smoke test; a client with Config.SmokeTimeout
	// when nil.
	HTTPClient *http.Client
	// Clock is the controller's time; the wall clock when nil.
	Clock Clock
}

type run struct {
	c     *Controller
	cfg   Config
	files Files
	lock  *Lock
	st    *State
	bar   *progressbar.ProgressBar
	poll  time.Duration

	gates    chan control
	gateMu   sync.Mutex // one reader of the control file at a time
	leftGate string     // a gate found pending at start, ignored
	abortMu  sync.Mutex
	aborted  bool
	abortCh  chan struct{}
}

// NewRunID returns a fresh run identifier.
func NewRunID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b)
}

// Run drives the rollout to promotion or rollback. It returns the final
// state; the error wraps ErrRolledBack or ErrAborted when the canary was
// withdrawn, a *LockedError when another rollout of the stack runs, and
// the context's error when interrupted (the state says where it stopped
// and the next run continues from there).
func (c *Controller) Run(ctx context.Context) (*State, error) {
	cfg := c.Config.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if c.Setter == nil || c.Analyzer == nil || c.Stack == nil {
		return nil, errors.New("the controller needs a traffic setter, an analyzer and a stack reader")
	}
	if cfg.RunID == "" {
		cfg.RunID = NewRunID()
	}
	files := FilesFor(cfg.StateDir, cfg.Stack)
	if err := ensureDir(cfg.StateDir); err != nil {
		return nil, err
	}
	lock, err := AcquireLock(files.Lock, LockInfo{RunID: cfg.RunID, Release: cfg.Release})
	if err != nil {
		return nil, err
	}
	defer lock.Release()
	r := &run{c: c, cfg: cfg, files: files, lock: lock, poll: min(cfg.Interval/5, time.Second),
		gates: make(chan control, 16), abortCh: make(chan struct{})}
	if c.Progress != nil {
		r.bar = progressbar.NewOptions(100, progressbar.OptionSetWriter(c.Progress), progressbar.OptionSetWidth(30),
			progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(false), progressbar.OptionThrottle(0))
		defer fmt.Fprintln(c.Progress)
	}
	// A gate pending before this process held the lock was written for a
	// previous process (even of the same run ID): it is never obeyed.
	if left, err := takeCommand(files.Control); err != nil || left != nil {
		r.leftGate = fmt.Sprintf("%v", err)
		if left != nil {
			r.leftGate = fmt.Sprintf("%s gate for run %s of %s written at %s", left.Command, left.RunID, left.Release, left.Time.UTC().Format(time.RFC3339))
		}
	}
	watchCtx, stopWatch := context.WithCancel(ctx)
	watched := make(chan struct{})
	go func() { defer close(watched); r.watch(watchCtx) }()
	err = r.drive(ctx)
	stopWatch()
	<-watched
	if err != nil && ctx.Err() != nil && r.st != nil && !r.st.Phase.Final() {
		// Stopped by a signal or a cancelled context: the state says where.
		reason := fmt.Sprintf("controller stopped (%v) in phase %s at step %d/%d, weight %d%%: start it again to continue",
			context.Cause(ctx), r.st.Phase, min(r.st.Step+1, len(r.st.Steps)), len(r.st.Steps), r.st.Weight)
		if derr := r.decide(Decision{Action: ActInterrupt, Reason: reason}); derr != nil {
			err = errors.Join(err, derr)
		}
	}
	return r.st, err
}

func (c *Controller) clock() Clock {
	if c.Clock != nil {
		return c.Clock
	}
	return realClock{}
}

func (c *Controller) now() time.Time { return c.clock().Now() }

// watch polls the control file and beats the heart of the lock until ctx
// ends, on the wall clock: it is what interrupts a stack update or an
// analysis in flight (an abort for this run closes abortCh at once).
func (r *run) watch(ctx context.Context) {
	t := time.NewTicker(r.poll)
	defer t.Stop()
	for {
		_ = r.lock.Heartbeat()
		r.pollGates()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// pollGates takes a pending gate from the control file: an abort for
// this run is raised at once, and every gate is queued for the step loop.
// Both the watcher and the step loop call it, so that a gate written
// before the loop's next look is always seen by that look.
func (r *run) pollGates() {
	r.gateMu.Lock()
	defer r.gateMu.Unlock()
	c, err := takeCommand(r.files.Control)
	if err != nil || c == nil {
		return
	}
	if c.Command == CmdAbort && r.mine(*c) {
		r.abort()
	}
	select {
	case r.gates <- *c:
	default:
	}
}

func (r *run) mine(c control) bool { return c.RunID == r.cfg.RunID && c.Release == r.cfg.Release }

func (r *run) abort() {
	r.abortMu.Lock()
	defer r.abortMu.Unlock()
	if !r.aborted {
		r.aborted = true
		close(r.abortCh)
	}
}

func (r *run) isAborted() bool {
	r.abortMu.Lock()
	defer r.abortMu.Unlock()
	return r.aborted
}

// decide appends a decision, saves the state and shows the progress.
func (r *run) decide(d Decision) error {
	d.Time = r.c.now().UTC()
	d.Weight = r.st.Weight
	r.st.Decisions = append(r.st.Decisions, d)
	r.st.Updated = d.Time
	if r.bar != nil {
		r.bar.Describe(fmt.Sprintf("%s step %d/%d weight %d%% failures %d/%d: %s", r.st.Stack, min(r.st.Step+1, len(r.st.Steps)), len(r.st.Steps),
			r.st.Weight, r.st.Failures, r.cfg.FailureThreshold, d.Action))
		_ = r.bar.Set(r.st.Weight)
	}
	return r.st.save(r.files)
}

// mark is the context of a stack update carrying its history mark.
func (r *run) mark(ctx context.Context, a MarkAction, weight int) context.Context {
	return WithMark(ctx, Mark{Action: a, Release: r.cfg.Release, Weight: weight, RunID: r.cfg.RunID})
}

func (r *run) drive(ctx context.Context) error {
	prev, perr := LoadState(r.files.State)
	view, err := r.c.Stack.View(ctx)
	if err != nil {
		return fmt.Errorf("reading what the stack serves: %w", err)
	}
	return r.reconcile(ctx, prev, perr, view)
}

// reconcile starts from the stack's view and the state file, whichever
// of them a killed or cancelled job left behind (docs/progressive-delivery.md,
// "Restarts"): the stack is the truth for the release and the weight, the
// state file for the rollout's history (phase, counters, decision log).
func (r *run) reconcile(ctx context.Context, prev *State, perr error, v StackView) error {
	var notes []string
	if perr == nil && prev != nil {
		if err := validState(prev, r.cfg.Stack); err != nil {
			perr = err
		}
	}
	if perr != nil {
		// A corrupt or partial file is kept aside for the post-mortem and
		// never trusted.
		aside := r.files.State + ".unreadable"
		_ = os.Rename(r.files.State, aside)
		notes = append(notes, fmt.Sprintf("the state file was unusable (%v), kept as %s; the stack is the truth", perr, aside))
		prev = nil
	}
	release := r.cfg.Release
	if err := CheckMix(v, release); err != nil {
		return err
	}
	if prev != nil && prev.Release != release {
		if !prev.Phase.Final() {
			notes = append(notes, fmt.Sprintf("run %s of %s stopped unfinished at %d%% and the stack no longer exposes it: superseded",
				prev.RunID, prev.Release, prev.Weight))
		}
		prev = nil
	}
	if v.CanaryRelease == "" && v.StableRelease == release {
		// Killed after the promotion's stack update, before its record.
		r.st = r.newState()
		if prev != nil {
			r.st = prev
		}
		r.st.RunID, r.st.Phase, r.st.Weight = r.cfg.RunID, Promoted, 100
		notes = append(notes, fmt.Sprintf("the stack already serves %s as its stable release: promoted", release))
		return r.decide(Decision{Action: ActRecover, Reason: strings.Join(notes, "; ")})
	}
	if gone, why := withdrawn(release, prev, &v); gone && !r.cfg.Retry {
		r.st = r.newState()
		if prev != nil {
			r.st = prev
			r.st.RunID = r.cfg.RunID
		}
		final := RolledBack
		if (prev != nil && prev.Phase == Aborted) || (v.Last != nil && v.Last.Release == release && v.Last.Action == MarkAbort) {
			final = Aborted
		}
		reason := fmt.Sprintf("%s was withdrawn from stack %s before: %s; it is not exposed again (--retry rolls it out anyway)", release, r.cfg.Stack, why)
		notes = append(notes, reason)
		if v.CanaryRelease == release && v.CanaryWeight > 0 {
			// Someone gave it traffic since: take it away.
			r.st.Weight = v.CanaryWeight
			return r.withdraw(ctx, Decision{Action: ActRecover, Reason: strings.Join(notes, "; ")}, final, sentinelOf(final))
		}
		r.st.Weight, r.st.Phase, r.st.Final = 0, final, ""
		if err := r.decide(Decision{Action: ActRecover, Reason: strings.Join(notes, "; ")}); err != nil {
			return err
		}
		return fmt.Errorf("%w: %s", sentinelOf(final), reason)
	}
	if prev != nil && !prev.Phase.Final() {
		// An unfinished rollout of this release.
		r.st = prev
		r.st.RunID = r.cfg.RunID
		r.st.Weight = 0
		if v.CanaryRelease == release {
			r.st.Weight = v.CanaryWeight
		}
		if prev.Phase == RollingBack || r.cfg.OnInterrupted == RollBack {
			final := prev.Final
			if final == "" || prev.Phase != RollingBack {
				final = RolledBack
			}
			notes = append(notes, fmt.Sprintf("interrupted %s of %s found (run %s, the stack shows %d%%): rolling it back",
				prev.Phase, release, prev.RunID, r.st.Weight))
			err := r.withdraw(ctx, Decision{Action: ActRecover, Reason: strings.Join(notes, "; ")}, final, sentinelOf(final))
			return err
		}
		return r.resumeAt(ctx, notes, fmt.Sprintf("interrupted rollout found (run %s: step %d/%d, %d failed and %d inconclusive analyses)",
			prev.RunID, min(prev.Step+1, len(prev.Steps)), len(prev.Steps), prev.Failures, prev.Inconclusive))
	}
	if v.CanaryRelease == release && v.CanaryWeight > 0 {
		// No state for a canary the stack exposes (lost with a job):
		// continue at the stack's weight with fresh counters.
		r.st = r.newState()
		r.st.Weight = v.CanaryWeight
		notes = append(notes, "no state for this rollout")
		if v.Last != nil && v.Last.Release == release {
			notes = append(notes, fmt.Sprintf("last stack update %q", v.Last.String()))
		}
		return r.resumeAt(ctx, notes, "the stack exposes the canary: its state is reconstructed from the stack")
	}
	return r.fresh(ctx, notes)
}

// resumeAt continues r.st at the weight it holds (the stack's): the
// step is the highest not above it; the analysis starts afresh, since
// what happened while no controller watched is not judged.
func (r *run) resumeAt(ctx context.Context, notes []string, what string) error {
	r.st.Phase = Running
	r.st.Final = ""
	r.st.Step = stepAt(r.st.Steps, r.st.Weight)
	r.st.WindowStart, r.st.StepStarted = time.Time{}, time.Time{}
	notes = append(notes, fmt.Sprintf("%s; the stack shows %s at %d%%: resuming at step %d/%d as run %s",
		what, r.cfg.Release, r.st.Weight, r.st.Step+1, len(r.st.Steps), r.cfg.RunID))
	if err := r.decide(Decision{Action: ActRecover, Reason: strings.Join(notes, "; ")}); err != nil {
		return err
	}
	return r.steps(ctx)
}

func (r *run) newState() *State {
	return &State{Stack: r.cfg.Stack, RunID: r.cfg.RunID, Release: r.cfg.Release, StableRelease: r.cfg.StableRelease,
		CanaryRevision: r.cfg.CanaryRevision, StableRevision: r.cfg.StableRevision, Phase: Running,
		Steps: r.cfg.Steps, Started: r.c.now().UTC()}
}

// fresh deploys the release at weight 0, smoke-tests it and runs the
// steps.
func (r *run) fresh(ctx context.Context, notes []string) error {
	r.st = r.newState()
	if err := r.c.Setter.SetCanary(r.mark(ctx, MarkCanary, 0), r.cfg.Release, 0); err != nil {
		return fmt.Errorf("deploying %s at weight 0: %w", r.cfg.Release, err)
	}
	notes = append(notes, fmt.Sprintf("run %s deployed %s as revision %s at weight 0 beside %s",
		r.cfg.RunID, r.cfg.Release, r.cfg.CanaryRevision, r.cfg.StableRevision))
	if err := r.decide(Decision{Action: ActDeploy, Reason: strings.Join(notes, "; ")}); err != nil {
		return err
	}
	if r.cfg.LabelURL != "" {
		if err := r.smoke(ctx); err != nil {
			if ctx.Err() != nil {
				return err
			}
			return r.rollback(ctx, ActSmoke, err.Error())
		}
	}
	return r.steps(ctx)
}

func sentinelOf(p Phase) error {
	if p == Aborted {
		return ErrAborted
	}
	return ErrRolledBack
}

// smoke sends SmokeRequests requests to the label URL; each must be 2xx
// within the client's timeout.
func (r *run) smoke(ctx context.Context) error {
	client := r.c.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: r.cfg.SmokeTimeout}
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
	if r.leftGate != "" {
		reason := fmt.Sprintf("%s ignored: it was left before this controller started (gates are for the live controller)", r.leftGate)
		r.leftGate = ""
		if err := r.decide(Decision{Action: ActIgnore, Reason: reason}); err != nil {
			return err
		}
	}
	synthetic := false
	for r.st.Step < len(r.st.Steps) {
		if r.isAborted() {
			return r.rollback(ctx, ActAbort, "aborted by the operator")
		}
		w := r.st.Steps[r.st.Step]
		if r.st.Weight != w {
			if err := r.c.Setter.SetCanary(r.mark(ctx, MarkCanary, w), r.cfg.Release, w); err != nil {
				return fmt.Errorf("setting the canary weight to %d%%: %w", w, err)
			}
			from := r.st.Weight
			r.st.Weight = w
			now := r.c.now().UTC()
			r.st.WindowStart, r.st.StepStarted = now, now
			if err := r.decide(Decision{Action: ActStep, Reason: fmt.Sprintf("canary weight %d%% → %d%% (step %d/%d)", from, w, r.st.Step+1, len(r.st.Steps))}); err != nil {
				return err
			}
			if r.isAborted() {
				// An abort that arrived during the stack update cancels the
				// next step: roll back now.
				return r.rollback(ctx, ActAbort, "aborted by the operator during the stack update")
			}
		}
		if r.st.WindowStart.IsZero() {
			now := r.c.now().UTC()
			r.st.WindowStart = now
			if r.st.StepStarted.IsZero() {
				r.st.StepStarted = now
			}
		}
		res, err := r.bake(ctx, synthetic, r.st.WindowStart.Add(r.cfg.Interval))
		if err != nil {
			return err
		}
		switch res.gate {
		case CmdAbort:
			return r.rollback(ctx, ActAbort, "aborted by the operator")
		case CmdPromote:
			return r.promote(ctx, "promoted by the operator")
		}
		if res.deadline {
			return r.rollback(ctx, ActRollback, fmt.Sprintf("progress deadline %s passed at step %d/%d without advancing",
				r.cfg.ProgressDeadline, r.st.Step+1, len(r.st.Steps)))
		}
		synthetic = false
		win := res.window
		var v Verdict
		var m map[string]Measurement
		if res.severe != nil {
			v, m, win = res.severe.v, res.severe.m, res.severe.win
		} else {
			m, err = r.measure(ctx, win)
			if err != nil {
				if ctx.Err() != nil {
					return err
				}
				if r.isAborted() {
					return r.rollback(ctx, ActAbort, "aborted by the operator during an analysis")
				}
				if done, err := r.providerError(ctx, err); done || err != nil {
					return err
				}
				continue
			}
			v = Evaluate(m[r.st.StableRevision], m[r.st.CanaryRevision], r.cfg.Thresholds)
		}
		r.st.ProviderErrors = 0
		r.st.Intervals++
		r.st.WindowStart = win.End
		stable, canary := m[r.st.StableRevision], m[r.st.CanaryRevision]
		d := Decision{Interval: r.st.Intervals, Outcome: v.Outcome, Checks: v.Checks, Stable: &stable, Canary: &canary}
		span := fmt.Sprintf("%s to %s", win.Start.UTC().Format("15:04:05.000"), win.End.UTC().Format("15:04:05.000"))
		switch v.Outcome {
		case Pass:
			if r.st.Step == len(r.st.Steps)-1 && r.cfg.Delay > 0 {
				rate := 0.0
				if d := win.End.Sub(win.Start).Seconds(); d > 0 {
					rate = canary.Requests / d
				}
				tv, tm, twin, err := r.tail(ctx, rate)
				if err != nil {
					return err
				}
				if tv.Outcome == Inconclusive {
					// The tail is not ingested: no promotion on unseen data.
					r.st.Intervals++
					r.st.Inconclusive++
					r.st.WindowStart = twin.End
					ts, tc := tm[r.st.StableRevision], tm[r.st.CanaryRevision]
					td := Decision{Action: ActTail, Interval: r.st.Intervals, Outcome: Inconclusive, Checks: tv.Checks, Stable: &ts, Canary: &tc,
						Reason: fmt.Sprintf("the window passed, but the data after it is still not ingested (%d/%s): %s", r.st.Inconclusive, limitText(r.cfg.MaxInconclusive), summary(tv))}
					if r.cfg.MaxInconclusive > 0 && r.st.Inconclusive >= r.cfg.MaxInconclusive {
						return r.rollbackWith(ctx, td, "the data before the promotion was never ingested: "+summary(tv))
					}
					if err := r.decide(td); err != nil {
						return err
					}
					continue
				}
				if tv.Outcome == Fail {
					r.st.Intervals++
					r.st.WindowStart = twin.End
					r.st.Failures++
					ts, tc := tm[r.st.StableRevision], tm[r.st.CanaryRevision]
					td := Decision{Action: ActTail, Interval: r.st.Intervals, Outcome: Fail, Checks: tv.Checks, Stable: &ts, Canary: &tc,
						Reason: fmt.Sprintf("the window passed, but the data ingested after it failed (%d/%d): %s", r.st.Failures, r.cfg.FailureThreshold, failedText(tv))}
					if r.st.Failures >= r.cfg.FailureThreshold || tv.Severe {
						return r.rollbackWith(ctx, td, "the tail before promotion failed: "+failedText(tv))
					}
					if err := r.decide(td); err != nil {
						return err
					}
					continue
				}
			}
			d.Action = ActAdvance
			d.Reason = fmt.Sprintf("all %d checks passed over %s: %s", len(v.Checks), span, summary(v))
			r.st.Step++
			r.st.StepStarted = time.Time{}
		case Inconclusive:
			r.st.Inconclusive++
			d.Action = ActHold
			d.Reason = fmt.Sprintf("inconclusive over %s (%d/%s): %s", span, r.st.Inconclusive, limitText(r.cfg.MaxInconclusive), summary(v))
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
			d.Reason = fmt.Sprintf("failed over %s (%d/%d): %s", span, r.st.Failures, r.cfg.FailureThreshold, failedText(v))
			if v.Severe {
				return r.rollbackWith(ctx, d, fmt.Sprintf("severe failure over %s, rolled back without waiting for %d failures: %s", span, r.cfg.FailureThreshold, failedText(v)))
			}
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

// measure reads the window's metrics under the call timeout; an abort
// interrupts it.
func (r *run) measure(ctx context.Context, win Window) (map[string]Measurement, error) {
	mctx, cancel := context.WithTimeout(ctx, r.cfg.CallTimeout)
	defer cancel()
	go func() {
		select {
		case <-r.abortCh:
			cancel()
		case <-mctx.Done():
		}
	}()
	return r.c.Analyzer.Measure(mctx, win, r.st.StableRevision, r.st.CanaryRevision)
}

// providerError records a failed metrics read; at the limit it rolls
// back. done is true when the rollout ended.
func (r *run) providerError(ctx context.Context, cause error) (bool, error) {
	r.st.ProviderErrors++
	d := Decision{Action: ActError, Outcome: "error", Reason: fmt.Sprintf("metrics could not be read (%d/%d consecutive): %v",
		r.st.ProviderErrors, r.cfg.ErrorLimit, cause)}
	if r.st.ProviderErrors >= r.cfg.ErrorLimit {
		return true, r.rollbackWith(ctx, d, fmt.Sprintf("%d consecutive metric reads failed, the canary cannot be judged: %v", r.st.ProviderErrors, cause))
	}
	if err := r.decide(d); err != nil {
		return true, err
	}
	// The same window is read again after a pause.
	wait := max(r.cfg.Interval/5, r.poll)
	select {
	case <-ctx.Done():
		return true, ctx.Err()
	case <-r.abortCh:
		return true, r.rollback(ctx, ActAbort, "aborted by the operator")
	case <-r.c.clock().After(wait):
	}
	return false, nil
}

// tailAttempts is how many times the tail is read again, each time a
// delay longer, when it holds too few requests to be ingested.
const tailAttempts = 3

// minTailExpected is the fewest canary requests a tail must be expected
// to hold for a short count to mean "not ingested" (fewer: a quiet tail).
const minTailExpected = 10

// tail analyses the data that arrived after the last window, once it is
// ingested: the requests served while the controller waited for the last
// window's data. canaryRate is the canary's requests per second in that
// window: a tail with fewer than half the requests it implies is not
// ingested yet (Azure Monitor later than --delay), and the tail is read
// again over a longer span, up to tailAttempts times; still short, it is
// inconclusive, never a pass.
func (r *run) tail(ctx context.Context, canaryRate float64) (Verdict, map[string]Measurement, Window, error) {
	start := r.st.WindowStart
	t := r.cfg.Thresholds
	// The tail is short: judge it on whatever it holds.
	t.MinRequests = 1
	for attempt := 0; ; attempt++ {
		res, err := r.bake(ctx, false, start.Add(time.Duration(attempt+1)*r.cfg.Delay))
		if err != nil {
			return Verdict{}, nil, Window{}, err
		}
		if res.gate != "" || res.deadline {
			// A gate or the deadline during the tail: judge nothing more here;
			// the step loop runs again and handles the gate.
			return Verdict{Outcome: Pass}, nil, Window{}, nil
		}
		m, err := r.measure(ctx, res.window)
		if err != nil {
			if ctx.Err() != nil {
				return Verdict{}, nil, Window{}, err
			}
			// The window itself passed; a tail that cannot be read is an error
			// like any other read.
			return Verdict{Outcome: Fail, Checks: []Check{{Name: "tail", Note: err.Error()}}}, map[string]Measurement{}, res.window, nil
		}
		v := Evaluate(m[r.st.StableRevision], m[r.st.CanaryRevision], t)
		if v.Outcome == Fail {
			return v, m, res.window, nil
		}
		expected := canaryRate * res.window.End.Sub(res.window.Start).Seconds()
		got := m[r.st.CanaryRevision].Requests
		if expected < minTailExpected || got >= expected/2 {
			if v.Outcome == Inconclusive {
				v.Outcome = Pass // a quiet tail, not a missing one
			}
			return v, m, res.window, nil
		}
		if attempt == tailAttempts {
			check := Check{Name: "tail requests", Value: got, Threshold: expected / 2, Unit: "req", OK: false,
				Note: fmt.Sprintf("%.0f canary requests where the last window's rate implies %.0f: not ingested after %s", got, expected, time.Duration(attempt+1)*r.cfg.Delay)}
			return Verdict{Outcome: Inconclusive, Checks: append(v.Checks, check)}, m, res.window, nil
		}
	}
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

type severeResult struct {
	v   Verdict
	m   map[string]Measurement
	win Window
}

type bakeResult struct {
	window   Window
	gate     Command
	deadline bool
	severe   *severeResult
}

// bake waits until the window [WindowStart, end] is complete (end plus the
// ingestion delay has passed), obeying manual gates and the progress
// deadline, and checking the data ingested so far for a severe failure. It
// returns the window to analyse, the gate (abort, promote) that ended the
// wait, or a severe verdict.
func (r *run) bake(ctx context.Context, synthetic bool, end time.Time) (bakeResult, error) {
	start := r.st.WindowStart
	if synthetic {
		sctx, cancel := context.WithCancel(ctx)
		defer cancel()
		r.c.Synthetic.Start(sctx, r.cfg.LabelURL, end.Sub(r.c.now()))
	}
	// Severe failures are looked for every quarter interval in the data
	// already ingested, at most once a second (each look is three queries).
	checkEvery := max(r.cfg.Interval/4, time.Second)
	nextCheck := r.c.now().Add(checkEvery)
	for {
		if err := ctx.Err(); err != nil {
			return bakeResult{}, fmt.Errorf("rollout interrupted at weight %d%% (run again to resume): %w", r.st.Weight, err)
		}
		r.pollGates()
		select {
		case c := <-r.gates:
			if !r.mine(c) {
				if err := r.decide(Decision{Action: ActIgnore, Reason: fmt.Sprintf("%s gate for run %s of %s ignored: this is run %s of %s",
					c.Command, c.RunID, c.Release, r.cfg.RunID, r.cfg.Release)}); err != nil {
					return bakeResult{}, err
				}
				continue
			}
			switch c.Command {
			case CmdAbort, CmdPromote:
				return bakeResult{gate: c.Command}, nil
			case CmdPause:
				if r.st.Phase != Paused {
					r.st.Phase = Paused
					if err := r.decide(Decision{Action: ActPause, Reason: "paused by the operator: no analysis and no step until resume"}); err != nil {
						return bakeResult{}, err
					}
				}
			case CmdResume:
				if r.st.Phase == Paused {
					r.st.Phase = Running
					// The window restarts: what happened while paused is not judged.
					now := r.c.now().UTC()
					end = now.Add(end.Sub(start))
					start = now
					r.st.WindowStart = now
					if err := r.decide(Decision{Action: ActResume, Reason: "resumed by the operator: a new interval starts"}); err != nil {
						return bakeResult{}, err
					}
				}
			}
			continue
		default:
		}
		now := r.c.now()
		if r.cfg.ProgressDeadline > 0 && !r.st.StepStarted.IsZero() && now.Sub(r.st.StepStarted) > r.cfg.ProgressDeadline {
			return bakeResult{deadline: true}, nil
		}
		if r.st.Phase != Paused {
			complete := now.Add(-r.cfg.Delay)
			if !complete.Before(end) {
				return bakeResult{window: Window{Start: start, End: complete}}, nil
			}
			if !now.Before(nextCheck) {
				nextCheck = now.Add(checkEvery)
				if s := r.severeSoFar(ctx, Window{Start: start, End: complete}); s != nil {
					return bakeResult{severe: s}, nil
				}
			}
		}
		select {
		case <-ctx.Done():
			return bakeResult{}, fmt.Errorf("rollout interrupted at weight %d%% (run again to resume): %w", r.st.Weight, ctx.Err())
		case <-r.c.clock().After(r.poll):
		}
	}
}

// severeSoFar analyses the ingested part of the window and returns a
// verdict only when it is a severe failure; errors are left to the
// window's analysis.
func (r *run) severeSoFar(ctx context.Context, win Window) *severeResult {
	if !win.End.After(win.Start) || r.cfg.Thresholds.SevereFactor < 0 {
		return nil
	}
	m, err := r.measure(ctx, win)
	if err != nil {
		return nil
	}
	v := Evaluate(m[r.st.StableRevision], m[r.st.CanaryRevision], r.cfg.Thresholds)
	if v.Outcome != Fail || !v.Severe {
		return nil
	}
	return &severeResult{v: v, m: m, win: win}
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
// further analysis, and ends the rollout. The state says rolling-back
// before the stack is touched, so that a controller killed during the
// update finishes the rollback when started again.
func (r *run) withdraw(ctx context.Context, d Decision, phase Phase, sentinel error) error {
	// The rollback must happen even when the run is being cancelled.
	ctx = context.WithoutCancel(ctx)
	r.st.Phase, r.st.Final = RollingBack, phase
	if err := r.st.save(r.files); err != nil {
		return fmt.Errorf("recording the rollback: %w", err)
	}
	mark := MarkRollback
	if phase == Aborted {
		mark = MarkAbort
	}
	if err := r.c.Setter.SetCanary(WithMark(ctx, Mark{Action: mark, Release: r.st.Release, RunID: r.cfg.RunID}), r.st.Release, 0); err != nil {
		return fmt.Errorf("rolling back %s to weight 0 (the state says rolling-back: the next start finishes it): %w", r.st.Release, err)
	}
	from := r.st.Weight
	r.st.Weight = 0
	r.st.Phase = phase
	d.Reason = fmt.Sprintf("%s; canary weight %d%% → 0%%", d.Reason, from)
	if err := r.decide(d); err != nil {
		return err
	}
	r.notify(ctx, d.Reason)
	return fmt.Errorf("%w: %s", sentinel, d.Reason)
}

func (r *run) promote(ctx context.Context, reason string) error {
	if err := r.c.Setter.Promote(WithMark(ctx, Mark{Action: MarkPromote, Release: r.st.Release, Weight: 100, RunID: r.cfg.RunID}), r.st.Release); err != nil {
		return fmt.Errorf("promoting %s: %w", r.st.Release, err)
	}
	r.st.Weight = 100
	r.st.Phase = Promoted
	reason = fmt.Sprintf("%s: %s is the stable release", reason, r.st.Release)
	if err := r.decide(Decision{Action: ActPromote, Reason: reason}); err != nil {
		return err
	}
	r.notify(ctx, reason)
	return nil
}

// notify writes the event file and tells the notifier; a failure is
// logged in the decision log, never fatal.
func (r *run) notify(ctx context.Context, reason string) {
	e := Event{Stack: r.st.Stack, RunID: r.st.RunID, Release: r.st.Release, Stable: r.st.StableRelease, Phase: r.st.Phase,
		Weight: r.st.Weight, Reason: reason, Time: r.c.now().UTC()}
	err := writeEvent(r.files.Event, e)
	if err == nil && r.c.Notifier != nil {
		nctx, cancel := context.WithTimeout(ctx, r.cfg.CallTimeout)
		defer cancel()
		err = r.c.Notifier.Notify(nctx, e)
	}
	if err != nil {
		_ = r.decide(Decision{Action: ActNotify, Outcome: "error", Reason: fmt.Sprintf("notification of the %s failed: %v", e.Phase, err)})
	}
}
