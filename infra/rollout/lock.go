package rollout

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// Lock is held by the one process that drives a stack's rollout.
//
// The lock file is created once and never deleted while a rollout might
// hold it; holding means holding an exclusive advisory lock (flock) on it.
// The kernel drops the advisory lock when its process dies, however it
// dies, so a crashed controller leaves no lock to take over: the next
// start simply locks the file. There is no delete-then-create step that
// two racers could both win. While it holds the lock the controller
// touches the file (its modification time is the heartbeat) so that a
// reader on another host can tell a live controller from a dead one.
type Lock struct {
	path string
	f    *os.File
}

// LockInfo is written into the lock file by its holder.
type LockInfo struct {
	PID     int       `json:"pid"`
	Host    string    `json:"host"`
	RunID   string    `json:"runId,omitempty"`
	Release string    `json:"release,omitempty"`
	Started time.Time `json:"started"`
}

// LockedError says another live process holds the lock.
type LockedError struct {
	Path string
	Info LockInfo
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("another rollout holds %s (%s)", e.Path, e.Info)
}

// String names the holder.
func (i LockInfo) String() string {
	s := fmt.Sprintf("pid %d on %s since %s", i.PID, i.Host, i.Started.Format(time.RFC3339))
	if i.RunID != "" {
		s += fmt.Sprintf(", run %s of release %s", i.RunID, i.Release)
	}
	return s
}

// AcquireLock takes the lock at path for the holder described by info
// (PID, host and start time are filled in), or returns a *LockedError
// naming the live holder.
func AcquireLock(path string, info LockInfo) (*Lock, error) {
	host, _ := os.Hostname()
	info.PID, info.Host, info.Started = os.Getpid(), host, time.Now().UTC()
	data, err := json.Marshal(info)
	if err != nil {
		return nil, err
	}
	for attempt := 0; attempt < 10; attempt++ {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, fmt.Errorf("opening the lock %s: %w", path, err)
		}
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		if !ok {
			f.Close()
			held, _ := readLockInfo(path)
			return nil, &LockedError{Path: path, Info: held}
		}
		// The file may have been removed (unlock --force, a release) between
		// the open and the lock: then this lock guards nothing; start over.
		if same, err := samePath(f, path); err != nil || !same {
			f.Close()
			continue
		}
		if err := writeLockInfo(f, data); err != nil {
			f.Close()
			return nil, fmt.Errorf("writing the lock %s: %w", path, err)
		}
		return &Lock{path: path, f: f}, nil
	}
	return nil, fmt.Errorf("could not take the lock %s: it keeps being replaced", path)
}

func writeLockInfo(f *os.File, data []byte) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	if _, err := f.WriteAt(data, 0); err != nil {
		return err
	}
	return f.Sync()
}

func samePath(f *os.File, path string) (bool, error) {
	fi, err := f.Stat()
	if err != nil {
		return false, err
	}
	pi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return os.SameFile(fi, pi), nil
}

func readLockInfo(path string) (LockInfo, error) {
	var info LockInfo
	data, err := os.ReadFile(path)
	if err != nil {
		return info, err
	}
	if len(data) == 0 {
		return info, nil
	}
	err = json.Unmarshal(data, &info)
	return info, err
}

// Heartbeat marks the holder alive (the lock file's modification time).
func (l *Lock) Heartbeat() error {
	now := time.Now()
	return os.Chtimes(l.path, now, now)
}

// Release removes the lock file and drops the lock, in that order, so
// that no other process can lock the file while it is being removed.
func (l *Lock) Release() error {
	if l.f == nil {
		return nil
	}
	err := os.Remove(l.path)
	if errors.Is(err, fs.ErrNotExist) {
		err = nil
	}
	cerr := l.f.Close()
	l.f = nil
	if err := errors.Join(err, cerr); err != nil {
		return fmt.Errorf("releasing the lock: %w", err)
	}
	return nil
}

// Owner is what can be told about a lock without taking it.
type Owner struct {
	Info LockInfo
	// Alive: a process holds the lock now.
	Alive bool
	// Heartbeat is the holder's last sign of life.
	Heartbeat time.Time
}

// LockOwner inspects the lock at path; nil when there is no lock file.
func LockOwner(path string) (*Owner, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the lock %s: %w", path, err)
	}
	info, _ := readLockInfo(path)
	alive, err := lockHeld(path)
	if err != nil {
		return nil, fmt.Errorf("probing the lock %s: %w", path, err)
	}
	return &Owner{Info: info, Alive: alive, Heartbeat: fi.ModTime()}, nil
}

// lockHeld tells whether a process holds the lock: it tries to take it
// and lets go at once.
func lockHeld(path string) (bool, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	ok, err := tryLock(f)
	if err != nil {
		return false, err
	}
	// Closing the file drops the probe's lock.
	return !ok, nil
}

// Unlock removes a stack's lock file. It refuses while a live controller
// holds it, naming the holder, unless force is set: a forced unlock lets a
// second controller start beside the first.
func Unlock(path string, force bool) (*Owner, error) {
	owner, err := LockOwner(path)
	if err != nil || owner == nil {
		return owner, err
	}
	if owner.Alive && !force {
		return owner, &LockedError{Path: path, Info: owner.Info}
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return owner, fmt.Errorf("removing the lock %s: %w", path, err)
	}
	return owner, nil
}
