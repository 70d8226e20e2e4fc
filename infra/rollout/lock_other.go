//go:build !unix

package rollout

import (
	"errors"
	"os"
)

// tryLock is not implemented off unix: the controller runs on Linux
// runners and workstations.
func tryLock(*os.File) (bool, error) {
	return false, errors.New("the rollout lock needs flock(2): run the controller on Linux or macOS")
}
