package anchors_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/policy/input"
	"github.com/misybot/platform/policy/rules"
)

var corpusOut = flag.String("corpus-out", "", "write every probe stack as export and preview JSON files into this directory (for misyinfra policy audit)")

// outcome is what the pack made of one probe in one format.
type outcome struct {
	badRules  []string // rules with a violation in the misconfigured stack
	anchored  bool     // one of them cites one of the probe's anchors
	twinRules []string // rules with a violation in the twin's stack (on a resource)
	undecided []string // undecidable findings in the misconfigured stack
}

func (o outcome) flagged() bool { return len(o.badRules) > 0 }

var formats = []string{"export", "preview"}

func document(format, stack string, rs []res) []byte { return documentOf(format, stack, rs, false) }

func documentOf(format, stack string, rs []res, bare bool) []byte {
	var doc map[string]any
	if format == "export" {
		doc = exportDoc(stack, rs, bare)
	} else {
		doc = previewDoc(stack, rs, bare)
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic(err)
	}
	return b
}

func evaluate(t testing.TB, reg *rules.Registry, format, stack string, rs []res) rules.Report {
	t.Helper()
	return evaluateAs(t, reg, format, stack, "", rs, false)
}

// evaluateAs reads the stack written under stack, renamed to as when set
// (as misyinfra policy audit --stack does), and evaluates the catalogue.
func evaluateAs(t testing.TB, reg *rules.Registry, format, stack, as string, rs []res, bare bool) rules.Report {
	t.Helper()
	st, err := input.Parse(documentOf(format, stack, rs, bare))
	require.NoError(t, err)
	require.Equal(t, stack, st.Name)
	if as != "" {
		st.Name = as
	}
	return reg.Evaluate(st, rules.Config{})
}

// citations maps a rule to the anchor ids it cites, spelled as the probes
// spell them (Azure Policy GUIDs prefixed AP:).
func citations(reg *rules.Registry) map[string][]string {
	out := map[string][]string{}
	for _, r := range reg.Rules() {
		ids := append(append([]string{}, r.Checkov...), r.Trivy...)
		for _, g := range r.AzurePolicy {
			ids = append(ids, "AP:"+g)
		}
		out[r.Name] = ids
	}
	return out
}

func run(t testing.TB, reg *rules.Registry, p probe, format, stack string) outcome {
	return runAs(t, reg, p, format, stack, "")
}

func runAs(t testing.TB, reg *rules.Registry, p probe, format, stack, as string) outcome {
	cites := citations(reg)
	var o outcome
	bad := evaluateAs(t, reg, format, stack, as, p.bad, false)
	for _, v := range bad.Violations {
		if v.URN == "" { // stack-level (stack-environment)
			continue
		}
		if !slices.Contains(o.badRules, v.Rule) {
			o.badRules = append(o.badRules, v.Rule)
		}
		for _, a := range p.anchors {
			if slices.Contains(cites[v.Rule], a) {
				o.anchored = true
			}
		}
	}
	for _, u := range bad.Undecidable {
		o.undecided = append(o.undecided, u.Rule+": "+u.Message)
	}
	good := evaluateAs(t, reg, format, stack, as, p.good, false)
	for _, v := range good.Violations {
		if v.URN != "" && !slices.Contains(o.twinRules, v.Rule) {
			o.twinRules = append(o.twinRules, v.Rule+" on "+v.URN[strings.LastIndex(v.URN, "::")+2:]+": "+v.Message)
		}
	}
	return o
}

// TestCorpusIsWellFormed: probe ids are unique, every probe names an
// anchor in the catalogues' spelling, and its twin differs from it.
func TestCorpusIsWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range corpus() {
		assert.False(t, seen[p.id], "probe %s listed twice", p.id)
		seen[p.id] = true
		require.NotEmpty(t, p.anchors, p.id)
		for _, a := range p.anchors {
			assert.Regexp(t, `^(CKV2?_AZURE_\d+|AVD-AZU-\d{4}|AP:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`, a, p.id)
			if g, ok := strings.CutPrefix(a, "AP:"); ok {
				_, checked := rules.Builtin(g)
				assert.True(t, checked, "%s cites %s, which is not a checked built-in (policy/rules/builtins.go)", p.id, a)
			}
		}
		assert.NotEqual(t, document("export", "corpus", p.bad), document("export", "corpus", p.good), "%s: the twin is the same stack", p.id)
	}
}

// TestCorpusFlagRate runs every probe as its own stack, named corpus (an
// environment that cannot be told: every rule applies), read from a stack
// export and from preview JSON. A probe is flagged when a rule citing one
// of its anchors reports a violation on the misconfigured stack; a twin is
// flagged when any rule reports a violation on any of its resources.
func TestCorpusFlagRate(t *testing.T) {
	reg := rules.NewRegistry()
	ps := corpus()
	for _, format := range formats {
		var hit, loose int
		var misses, twins []string
		for _, p := range ps {
			o := run(t, reg, p, format, "corpus")
			if o.anchored {
				hit++
			} else {
				misses = append(misses, fmt.Sprintf("%s %v (%s): flagged by %v; undecidable %v", p.id, p.anchors, p.shape, o.badRules, o.undecided))
			}
			if o.flagged() {
				loose++
			}
			if len(o.twinRules) > 0 {
				twins = append(twins, fmt.Sprintf("%s: %v", p.id, o.twinRules))
			}
			if *corpusOut != "" {
				for _, side := range []struct {
					name string
					rs   []res
				}{{"bad", p.bad}, {"good", p.good}} {
					path := filepath.Join(*corpusOut, format, p.id+"."+side.name+".json")
					require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
					require.NoError(t, os.WriteFile(path, document(format, "corpus", side.rs), 0o644))
				}
			}
		}
		if *corpusOut != "" {
			manifest := map[string][]string{}
			for _, p := range ps {
				manifest[p.id] = p.anchors
			}
			b, err := json.MarshalIndent(manifest, "", "  ")
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(filepath.Join(*corpusOut, "anchors.json"), b, 0o644))
		}
		rate := float64(hit) / float64(len(ps))
		t.Logf("%s: %d probes, %d flagged by an anchored rule (%.1f%%), %d by any rule; %d twins flagged", format, len(ps), hit, 100*rate, loose, len(twins))
		for _, m := range misses {
			t.Logf("  miss: %s", m)
		}
		for _, tw := range twins {
			t.Logf("  twin flagged: %s", tw)
		}
		assert.GreaterOrEqual(t, rate, 0.90, "%s: flag rate", format)
		assert.Empty(t, twins, "%s: compliant twins flagged", format)
	}
}

// TestCorpusEnvironments: what a corpus gets under the stack names a corpus
// author may pick. A name that names no environment (corpus, test) gets
// every rule, so it is flagged as fully as the strictest environment; dev
// and staging stacks do not run the rules the platform keeps for staging
// and prod (or prod), so a dev-stack corpus misses those probes by design.
// Renaming with --stack (evaluateAs) decides as the name in the file does.
func TestCorpusEnvironments(t *testing.T) {
	reg := rules.NewRegistry()
	ps := corpus()
	rate := map[string]map[string]int{}
	for _, format := range formats {
		rate[format] = map[string]int{}
		for _, name := range []struct{ file, as string }{
			{"corpus", ""}, {"test", ""}, {"dev", ""}, {"staging", ""}, {"prod", ""}, {"prod-eu2", ""}, {"development", ""},
			{"corpus", "dev"}, {"dev", "corpus"}, {"dev", "prod"},
		} {
			key := name.file
			if name.as != "" {
				key += "→" + name.as
			}
			var missed []string
			for _, p := range ps {
				o := runAs(t, reg, p, format, name.file, name.as)
				if o.anchored {
					rate[format][key]++
				} else {
					missed = append(missed, p.id)
				}
				if name.as == "" { // renamed, the probes' environment tag names the other stack
					assert.Empty(t, o.twinRules, "%s %s %s: twin flagged", format, key, p.id)
				}
			}
			t.Logf("%s, stack %s: %d/%d flagged; missed %v", format, key, rate[format][key], len(ps), missed)
		}
		all := len(ps)
		for _, unknown := range []string{"corpus", "test", "dev→corpus"} {
			assert.Equal(t, all, rate[format][unknown], "%s: an unknown environment runs every rule", format)
		}
		assert.Equal(t, rate[format]["prod"], rate[format]["dev→prod"], "%s: --stack decides the environment", format)
		assert.Equal(t, rate[format]["dev"], rate[format]["corpus→dev"], "%s: --stack decides the environment", format)
		assert.Less(t, rate[format]["dev"], all, "%s: a dev stack runs fewer rules", format)
	}
}

// TestCorpusMinimalTwins measures (and logs; it asserts nothing about the
// count) how the pack treats twins written with nothing but the one fix:
// no required tags and without the companions (private endpoint,
// diagnostic setting, blob service, replica) a full deployment has. The
// rules that fire then are the platform's own guard rails beyond the
// anchor the probe is about; see docs/policies.md, Environments.
func TestCorpusMinimalTwins(t *testing.T) {
	reg := rules.NewRegistry()
	byRule := map[string]int{}
	flagged := 0
	ps := corpus()
	for _, p := range ps {
		twin := slices.DeleteFunc(slices.Clone(p.good), func(r res) bool { return strings.HasPrefix(r.name, "aux-") })
		rep := evaluateAs(t, reg, "export", "corpus", "", twin, true)
		seen := map[string]bool{}
		for _, v := range rep.Violations {
			if v.URN != "" && !seen[v.Rule] {
				seen[v.Rule] = true
				byRule[v.Rule]++
			}
		}
		if len(seen) > 0 {
			flagged++
		}
	}
	t.Logf("minimal twins flagged: %d of %d; by rule: %v", flagged, len(ps), byRule)
}

// renamed gives every resource of a probe stack a name unique to the
// probe (suffix n<i>, lower-case letters and digits so storage names stay
// valid) and rewrites the names wherever the inputs spell them: Azure
// names, refs and IDs.
func renamed(rs []res, i int) []res {
	suffix := fmt.Sprintf("n%d", i)
	names := map[string]string{}
	for _, r := range rs {
		names[r.name] = r.name + suffix
	}
	var conv func(v any) any
	conv = func(v any) any {
		switch x := v.(type) {
		case ref:
			return ref(names[string(x)])
		case secret:
			return secret{conv(x.v)}
		case string:
			if n, ok := names[x]; ok {
				return n
			}
			for old, n := range names {
				if strings.HasSuffix(x, "/"+old) {
					return strings.TrimSuffix(x, old) + n
				}
			}
			return x
		case map[string]any:
			out := make(map[string]any, len(x))
			for k, e := range x {
				out[k] = conv(e)
			}
			return out
		case []any:
			out := make([]any, len(x))
			for j, e := range x {
				out[j] = conv(e)
			}
			return out
		}
		return v
	}
	out := make([]res, len(rs))
	for j, r := range rs {
		out[j] = res{r.typ, names[r.name], conv(r.inputs).(map[string]any)}
	}
	return out
}

// TestCorpusCombined runs the corpus the way a corpus is often shipped:
// one stack holding every misconfigured probe and one holding every twin,
// in each format, so that stack rules meet resources of other probes.
func TestCorpusCombined(t *testing.T) {
	reg := rules.NewRegistry()
	cites := citations(reg)
	ps := corpus()
	var bad, good []res
	owner := map[string]int{} // resource name → probe index
	for i, p := range ps {
		for _, r := range renamed(p.bad, i) {
			owner[r.name] = i
			bad = append(bad, r)
		}
		good = append(good, renamed(p.good, i)...)
	}
	nameOf := func(urn string) string { return urn[strings.LastIndex(urn, "::")+2:] }
	for _, format := range formats {
		hit := map[int]bool{}
		rep := evaluate(t, reg, format, "corpus", bad)
		for _, v := range rep.Violations {
			if v.URN == "" {
				continue
			}
			i, ok := owner[nameOf(v.URN)]
			require.True(t, ok, v.URN)
			for _, a := range ps[i].anchors {
				if slices.Contains(cites[v.Rule], a) {
					hit[i] = true
				}
			}
		}
		var missed []string
		for i, p := range ps {
			if !hit[i] {
				missed = append(missed, p.id)
			}
		}
		if *corpusOut != "" {
			for side, rs := range map[string][]res{"bad": bad, "good": good} {
				path := filepath.Join(*corpusOut, format+"-all."+side+".json")
				require.NoError(t, os.WriteFile(path, document(format, "corpus", rs), 0o644))
			}
		}
		twins := evaluate(t, reg, format, "corpus", good)
		var flagged []string
		for _, v := range twins.Violations {
			if v.URN != "" {
				flagged = append(flagged, v.Rule+" on "+nameOf(v.URN))
			}
		}
		t.Logf("%s, one stack per side (%d and %d resources): %d/%d probes flagged by an anchored rule; missed %v; %d twin findings %v; undecidable %d",
			format, len(bad), len(good), len(hit), len(ps), missed, len(flagged), flagged, len(rep.Undecidable))
		assert.GreaterOrEqual(t, float64(len(hit))/float64(len(ps)), 0.90, format)
		assert.Empty(t, flagged, format)
	}
}
