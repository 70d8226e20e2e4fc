package input_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/policy/input"
	"github.com/misybot/platform/policy/rules"
)

// bigExport builds a stack export of n resources by repeating the prod
// fixture's resources under fresh URNs (and Azure names, so the stack-level
// rules link copies the way they link originals).
func bigExport(tb testing.TB, n int) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("..", "rules", "testdata", "compliant-prod.json"))
	require.NoError(tb, err)
	var doc map[string]any
	require.NoError(tb, json.Unmarshal(data, &doc))
	dep := doc["deployment"].(map[string]any)
	var custom []string
	for _, r := range dep["resources"].([]any) {
		if m := r.(map[string]any); m["custom"] == true && !strings.HasPrefix(m["type"].(string), "pulumi:providers:") {
			b, _ := json.Marshal(m)
			custom = append(custom, string(b))
		}
	}
	out := make([]any, 0, n)
	for i := 0; len(out) < n; i++ {
		for _, tmpl := range custom {
			if len(out) == n {
				break
			}
			// Suffix every logical and Azure name of this copy.
			s := strings.ReplaceAll(tmpl, "-prod-weu", fmt.Sprintf("-prod-weu-c%d", i))
			var m map[string]any
			require.NoError(tb, json.Unmarshal([]byte(s), &m))
			m["urn"] = fmt.Sprintf("%s-c%d", m["urn"], i)
			out = append(out, m)
		}
	}
	dep["resources"] = out
	b, err := json.Marshal(doc)
	require.NoError(tb, err)
	return b
}

// BenchmarkAudit reads and evaluates a generated stack export; compare
// /1000 and /10000 to see that time grows linearly.
func BenchmarkAudit(b *testing.B) {
	reg := rules.NewRegistry()
	for _, n := range []int{1000, 10000} {
		data := bigExport(b, n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				st, err := input.Parse(data)
				if err != nil {
					b.Fatal(err)
				}
				rep := reg.Evaluate(st, rules.Config{})
				if rep.Counts.Resources != n {
					b.Fatalf("evaluated %d resources, want %d", rep.Counts.Resources, n)
				}
			}
		})
	}
}
