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
type Lock struct {
	path string
}

// LockInfo is written into the lock file.
type LockInfo struct {
	PID     int       `json:"pid"`
	Host    string    `json:"host"`
	Started time.Time `json:"started"`
}

// LockedError says another live process holds the lock.
type LockedError struct {
	Path string
	Info LockInfo
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("another rollout holds %s (pid %d on %s since %s)", e.Path, e.Info.PID, e.Info.Host, e.Info.Started.Format(time.RFC3339))
}

// AcquireLock creates the lock file exclusively. A lock left by a process
// of this host that no longer runs is stale: it is removed and taken.
func AcquireLock(path string) (*Lock, error) {
	host, _ := os.Hostname()
	info, err := json.Marshal(LockInfo{PID: os.Getpid(), Host: host, Started: time.Now().UTC()})
	if err != nil {
		return nil, err
	}
	for attempt := 0; attempt < 2; attempt++ {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err == nil {
			_, werr := f.Write(info)
			cerr := f.Close()
			if err := errors.Join(werr, cerr); err != nil {
				os.Remove(path)
				return nil, fmt.Errorf("writing the lock %s: %w", path, err)
			}
			return &Lock{path: path}, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("creating the lock %s: %w", path, err)
		}
		var held LockInfo
		data, rerr := os.ReadFile(path)
		if rerr == nil {
			rerr = json.Unmarshal(data, &held)
		}
		if rerr != nil {
			return nil, fmt.Errorf("lock %s exists and is unreadable (remove it if no rollout runs): %w", path, rerr)
		}
		if held.Host != host || processAlive(held.PID) {
			return nil, &LockedError{Path: path, Info: held}
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("removing the stale lock %s: %w", path, err)
		}
	}
	return nil, fmt.Errorf("could not take the lock %s", path)
}

// Release removes the lock file.
func (l *Lock) Release() error {
	if err := os.Remove(l.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("releasing the lock: %w", err)
	}
	return nil
}
