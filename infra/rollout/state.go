package rollout

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Phase is where a rollout is.
type Phase string

// Phases. Promoted, RolledBack and Aborted are final. RollingBack is
// written before the stack is set back to weight 0, so that a controller
// killed during the rollback's stack update resumes as a rollback.
const (
	Running     Phase = "running"
	Paused      Phase = "paused"
	RollingBack Phase = "rolling-back"
	Promoted    Phase = "promoted"
	RolledBack  Phase = "rolled-back"
	Aborted     Phase = "aborted"
)

// Final tells whether the rollout is over.
func (p Phase) Final() bool { return p == Promoted || p == RolledBack || p == Aborted }

// State is a rollout's progress and its decision log; it is written to
// <state dir>/<stack>.rollout.json after every decision.
type State struct {
	Stack          string `json:"stack"`
	RunID          string `json:"runId"`
	Release        string `json:"release"`
	StableRelease  string `json:"stableRelease,omitempty"`
	CanaryRevision string `json:"canaryRevision"`
	StableRevision string `json:"stableRevision"`
	Phase          Phase  `json:"phase"`
	Steps          []int  `json:"steps"`
	Step           int    `json:"step"` // index into Steps of the current weight
	Weight         int    `json:"weight"`
	Failures       int    `json:"failures"`
	Inconclusive   int    `json:"inconclusive"`
	Intervals      int    `json:"intervals"`
	// ProviderErrors are consecutive analyses that failed to read metrics.
	ProviderErrors int `json:"providerErrors"`
	// WindowStart is where the next analysis window starts: windows are
	// contiguous, so no request goes unanalysed.
	WindowStart time.Time `json:"windowStart"`
	// StepStarted is when the current weight was set (progress deadline).
	StepStarted time.Time `json:"stepStarted"`
	// Final is the phase a rollback ends in (rolled-back or aborted),
	// recorded with RollingBack.
	Final     Phase      `json:"final,omitempty"`
	Started   time.Time  `json:"started"`
	Updated   time.Time  `json:"updated"`
	Decisions []Decision `json:"decisions"`
}

// Action is what a decision did.
type Action string

// Actions of the decision log.
const (
	ActDeploy    Action = "deploy"   // canary deployed at weight 0
	ActSmoke     Action = "smoke"    // smoke test of the label URL
	ActStep      Action = "step"     // weight raised
	ActAdvance   Action = "advance"  // analysis passed
	ActHold      Action = "hold"     // analysis failed or inconclusive, below the threshold
	ActRollback  Action = "rollback" // weight 0
	ActPromote   Action = "promote"  // canary made stable
	ActPause     Action = "pause"
	ActResume    Action = "resume"
	ActAbort     Action = "abort"
	ActRecover   Action = "recover"   // an interrupted rollout found
	ActError     Action = "error"     // the metrics could not be read
	ActTail      Action = "tail"      // the data ingested after the last window, before promotion
	ActInterrupt Action = "interrupt" // the controller was stopped (signal)
	ActIgnore    Action = "ignore"    // a gate for another run or release
	ActNotify    Action = "notify"    // the rollback notification
)

// Decision is one entry of the decision log.
type Decision struct {
	Time     time.Time    `json:"time"`
	Action   Action       `json:"action"`
	Interval int          `json:"interval,omitempty"`
	Weight   int          `json:"weight"`
	Outcome  Outcome      `json:"outcome,omitempty"`
	Reason   string       `json:"reason"`
	Checks   []Check      `json:"checks,omitempty"`
	Stable   *Measurement `json:"stable,omitempty"`
	Canary   *Measurement `json:"canary,omitempty"`
}

// Files are the paths of a stack's rollout files.
type Files struct {
	State, Log, Lock, Control, Event string
}

// FilesFor returns the files of a stack in dir.
func FilesFor(dir, stack string) Files {
	base := filepath.Join(dir, stack)
	return Files{State: base + ".rollout.json", Log: base + ".rollout.md", Lock: base + ".rollout.lock", Control: base + ".rollout.control",
		Event: base + ".rollout.event.json"}
}

// LoadState reads a stack's state; nil without an error when there is none.
func LoadState(path string) (*State, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the rollout state: %w", err)
	}
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("reading the rollout state %s: %w", path, err)
	}
	return &st, nil
}

// writeAtomic replaces path with data through a temporary file.
func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// save writes the state (JSON) and the decision log (markdown).
func (st *State) save(f Files) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the rollout state: %w", err)
	}
	if err := writeAtomic(f.State, append(data, '\n')); err != nil {
		return fmt.Errorf("writing the rollout state: %w", err)
	}
	if err := writeAtomic(f.Log, []byte(st.Markdown())); err != nil {
		return fmt.Errorf("writing the decision log: %w", err)
	}
	return nil
}

// Command is a manual gate.
type Command string

// Manual gates.
const (
	CmdPause   Command = "pause"
	CmdResume  Command = "resume"
	CmdPromote Command = "promote"
	CmdAbort   Command = "abort"
)

// ParseCommand reads a gate name.
func ParseCommand(s string) (Command, error) {
	switch c := Command(s); c {
	case CmdPause, CmdResume, CmdPromote, CmdAbort:
		return c, nil
	}
	return "", fmt.Errorf("unknown command %q: use pause, resume, promote or abort", s)
}

type control struct {
	Command Command   `json:"command"`
	RunID   string    `json:"runId"`
	Release string    `json:"release"`
	Time    time.Time `json:"time"`
}

// Gate is a manual gate addressed to one run of one release.
type Gate struct {
	Command Command
	// Release must be the release being rolled out.
	Release string
	// RunID, when set, must be the live run's; empty: the live run's.
	RunID string
}

// ErrNoLiveController says a gate has no controller to obey it.
var ErrNoLiveController = errors.New("no live controller")

// SendCommand leaves a manual gate for the live rollout of a stack. It is
// refused when no live controller holds the stack's lock (a gate left for
// a dead run would be obeyed by a later one), and when the release or the
// run ID is not the live run's.
func SendCommand(dir, stack string, g Gate) error {
	f := FilesFor(dir, stack)
	st, err := LoadState(f.State)
	if err != nil {
		return err
	}
	if st == nil || st.Phase.Final() {
		return fmt.Errorf("no rollout of stack %s in progress in %s", stack, dir)
	}
	owner, err := LockOwner(f.Lock)
	if err != nil {
		return err
	}
	if owner == nil || !owner.Alive {
		return fmt.Errorf("%w for the rollout of %s on %s (run %s, %s at %d%%): start it again to resume it; its state is kept",
			ErrNoLiveController, st.Release, stack, st.RunID, st.Phase, st.Weight)
	}
	run := owner.Info.RunID
	if g.Release == "" {
		return fmt.Errorf("the %s gate must name the release: the live run %s rolls out %s", g.Command, run, owner.Info.Release)
	}
	if g.Release != owner.Info.Release {
		return fmt.Errorf("the live run %s rolls out %s, not %s: gate refused", run, owner.Info.Release, g.Release)
	}
	if g.RunID != "" && g.RunID != run {
		return fmt.Errorf("the live rollout of %s is run %s, not %s: gate refused", g.Release, run, g.RunID)
	}
	data, err := json.Marshal(control{Command: g.Command, RunID: run, Release: g.Release, Time: time.Now().UTC()})
	if err != nil {
		return err
	}
	if err := writeAtomic(f.Control, data); err != nil {
		return fmt.Errorf("writing the %s command: %w", g.Command, err)
	}
	return nil
}

// takeCommand reads and removes a pending manual gate (nil when none).
func takeCommand(path string) (*control, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the control file: %w", err)
	}
	if err := os.Remove(path); err != nil {
		return nil, fmt.Errorf("removing the control file: %w", err)
	}
	var c control
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("reading the control file %s: %w", path, err)
	}
	if _, err := ParseCommand(string(c.Command)); err != nil {
		return nil, fmt.Errorf("control file %s: %w", path, err)
	}
	return &c, nil
}
