package synth_test

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/policy/input"
	"github.com/misybot/platform/policy/rules"
	"github.com/misybot/platform/policy/synth"
)

func template(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "rules", "testdata", "compliant-prod.json"))
	require.NoError(t, err)
	return data
}

// TestSyntheticStacksAreCompliant: copies of the compliant stack stay
// compliant (every copy links its own resources), in both formats, so
// the benchmark measures the rules' work rather than report writing.
func TestSyntheticStacksAreCompliant(t *testing.T) {
	reg := rules.NewRegistry()
	for _, preview := range []bool{false, true} {
		data, err := synth.Generate(template(t), synth.Options{Resources: 500, Preview: preview})
		require.NoError(t, err)
		st, err := input.Parse(data)
		require.NoError(t, err)
		assert.Len(t, st.Resources, 500)
		urns := map[string]bool{}
		for _, r := range st.Resources {
			assert.False(t, urns[r.URN], "duplicate URN %s", r.URN)
			urns[r.URN] = true
		}
		rep := reg.Evaluate(st, rules.Config{Policies: map[string]rules.PolicyConfig{
			"vnet-peering-allow-listed": {Options: rules.Options{AllowedPeerings: []string{"vnet-hub-shared-weu"}}},
		}})
		// The last copy is cut short (500 is not a whole number of
		// copies): its NSGs may miss their diagnostic settings.
		last := st.Resources[len(st.Resources)-1].URN
		last = last[strings.LastIndex(last, "-"):]
		for _, v := range rep.Violations {
			assert.True(t, strings.HasSuffix(v.URN, last), "preview=%v: %+v", preview, v)
		}
	}
}

func TestGenerateRejectsBadInput(t *testing.T) {
	_, err := synth.Generate(template(t), synth.Options{})
	assert.Error(t, err)
	_, err = synth.Generate([]byte(`{"steps": []}`), synth.Options{Resources: 1})
	assert.Error(t, err)
}

// TestParallelAuditMatchesSerial: parsing and evaluating on several cores
// gives the report one core gives, findings and order included. The stack
// is cut mid-copy and audited without the peering allow-list, so that it
// has violations of per-resource and stack rules to compare.
func TestParallelAuditMatchesSerial(t *testing.T) {
	reg := rules.NewRegistry()
	for _, preview := range []bool{false, true} {
		data, err := synth.Generate(template(t), synth.Options{Resources: 3001, Preview: preview})
		require.NoError(t, err)
		audit := func(procs int) rules.Report {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			st, err := input.Parse(data)
			require.NoError(t, err)
			return reg.Evaluate(st, rules.Config{})
		}
		serial := audit(1)
		require.NotEmpty(t, serial.Violations)
		assert.Equal(t, serial, audit(4), "preview=%v", preview)
	}
}
