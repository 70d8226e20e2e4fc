package stackplan

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// StateKeyEnv names the environment variable holding the key of the
// secret hashes in saved states (offline.Options.SecretHashKey).
const StateKeyEnv = "MISYINFRA_STATE_KEY"

// StateKey returns the key of the secret hashes a --save-state file keeps
// and a --state file is compared with: $MISYINFRA_STATE_KEY, else a random
// key kept in the user's configuration directory
// (misyinfra/state-key, created on first use, readable by the user only).
// The key never goes into a state file, so a hash there cannot be checked
// against guessed values without it. A state saved under another key
// compares its secrets as unknown ("update?"), never as unchanged.
func StateKey() ([]byte, error) {
	if v := os.Getenv(StateKeyEnv); v != "" {
		return []byte(v), nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return nil, fmt.Errorf("the secret hash key: no user configuration directory (set %s): %w", StateKeyEnv, err)
	}
	path := filepath.Join(dir, "misyinfra", "state-key")
	key, err := os.ReadFile(path)
	if err == nil && len(key) >= 32 {
		return key, nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("the secret hash key: %w", err)
	}
	key = make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("the secret hash key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("the secret hash key: %w", err)
	}
	// O_EXCL: of two first runs at once, one key wins and both use it.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return StateKey()
	}
	if err != nil {
		return nil, fmt.Errorf("the secret hash key: %w", err)
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		return nil, fmt.Errorf("the secret hash key: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("the secret hash key: %w", err)
	}
	return key, nil
}
