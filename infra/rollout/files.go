package rollout

import (
	"fmt"
	"os"
)

func ensureDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating the state directory: %w", err)
	}
	return nil
}
