package stacks_test

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/stacks"
)

// The configuration reference names every key the loader accepts, so a new
// field cannot land undocumented.
func TestConfigurationReferenceCoversEveryKey(t *testing.T) {
	doc, err := os.ReadFile("../docs/configuration.md")
	require.NoError(t, err)
	text := string(doc)
	for _, key := range stacks.TopLevelKeys() {
		assert.True(t, strings.Contains(text, "### "+key), "docs/configuration.md has no section for %s", key)
	}
	var walk func(reflect.Type)
	seen := map[reflect.Type]bool{}
	walk = func(t2 reflect.Type) {
		for t2.Kind() == reflect.Slice || t2.Kind() == reflect.Pointer || t2.Kind() == reflect.Map {
			t2 = t2.Elem()
		}
		if t2.Kind() != reflect.Struct || seen[t2] {
			return
		}
		seen[t2] = true
		for i := 0; i < t2.NumField(); i++ {
			name, _, _ := strings.Cut(t2.Field(i).Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			mentioned := strings.Contains(text, "`"+name) || strings.Contains(text, "."+name)
			assert.True(t, mentioned, "docs/configuration.md does not mention %s.%s", t2.Name(), name)
			walk(t2.Field(i).Type)
		}
	}
	for _, f := range []any{stacks.NetworkConfig{}, stacks.KeyVaultConfig{}, stacks.ServiceBusConfig{}, stacks.ObservabilityConfig{}} {
		walk(reflect.TypeOf(f))
	}
}
