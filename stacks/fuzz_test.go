package stacks

import (
	"errors"
	"maps"
	"sort"
	"strings"
	"testing"
)

// fuzzKeys are the keys FuzzLoad writes to: every key Load reads, and one
// it does not know.
func fuzzKeys() []string {
	keys := append(TopLevelKeys(), "unknownKey")
	sort.Strings(keys)
	return keys
}

// FuzzLoad feeds arbitrary values to each config key of a valid stack: Load
// must not panic, and must return either a valid Config or sorted one-line
// problems.
func FuzzLoad(f *testing.F) {
	keys := fuzzKeys()
	for _, stack := range stackNames {
		raw := stackRaw(f, stack)
		for i, k := range keys {
			if v, ok := raw[project+":"+k]; ok {
				f.Add(uint8(i), v)
			}
		}
	}
	f.Add(uint8(0), `{"a":[1,{"b":null}]}`)
	f.Add(uint8(0), "")
	f.Add(uint8(0), "null")

	base := stackRaw(f, "dev")
	secretKeys := []string{project + ":" + SecretsKey}
	f.Fuzz(func(t *testing.T, which uint8, value string) {
		raw := maps.Clone(base)
		raw[project+":"+keys[int(which)%len(keys)]] = value

		cfg, err := Load(project, raw, secretKeys)
		if err == nil {
			if ps := cfg.Validate(); len(ps) > 0 {
				t.Fatalf("Load accepted a config that Validate rejects:\n%v", ps)
			}
			return
		}
		var ps Problems
		if !errors.As(err, &ps) || len(ps) == 0 {
			t.Fatalf("Load error is %T %v, want non-empty Problems", err, err)
		}
		if !sort.SliceIsSorted(ps, func(i, j int) bool { return ps[i].Key < ps[j].Key }) {
			t.Fatalf("problems not sorted by key:\n%v", ps)
		}
		for _, p := range ps {
			if p.Key == "" || strings.Contains(p.String(), "\n") {
				t.Fatalf("problem without key or on several lines: %q", p.String())
			}
		}
	})
}
