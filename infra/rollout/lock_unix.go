//go:build unix

package rollout

import (
	"errors"
	"syscall"
)

// processAlive tells whether a process of this host runs.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
