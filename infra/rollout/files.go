package rollout

import (
	"encoding/json"
	"fmt"
	"os"
)

func ensureDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating the state directory: %w", err)
	}
	return nil
}

func writeEvent(path string, e Event) error {
	data, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	if err := writeAtomic(path, append(data, '\n')); err != nil {
		return fmt.Errorf("writing the rollout event: %w", err)
	}
	return nil
}
