//go:build !unix

package rollout

// processAlive cannot tell on this system: every lock counts as held.
func processAlive(int) bool { return true }
