package rules_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/policy/input"
	"github.com/misybot/platform/policy/rules"
)

// doc is a stack export decoded as plain JSON, mutated by the tests the
// way a user's stack would drift.
type doc map[string]any

func loadDoc(t testing.TB, env string) doc {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "compliant-"+env+".json"))
	require.NoError(t, err)
	var d doc
	require.NoError(t, json.Unmarshal(data, &d))
	return d
}

func (d doc) resources() []any {
	return d["deployment"].(map[string]any)["resources"].([]any)
}

// res returns the raw state of the resource with a logical name.
func (d doc) res(t testing.TB, name string) map[string]any {
	t.Helper()
	for _, r := range d.resources() {
		m := r.(map[string]any)
		if strings.HasSuffix(m["urn"].(string), "::"+name) {
			return m
		}
	}
	t.Fatalf("fixture has no resource %q", name)
	return nil
}

func (d doc) urn(t testing.TB, name string) string { return d.res(t, name)["urn"].(string) }

func (d doc) inputs(t testing.TB, name string) map[string]any {
	return d.res(t, name)["inputs"].(map[string]any)
}

// add appends a custom resource and returns its URN.
func (d doc) add(typ, name string, inputs map[string]any, extra ...map[string]any) string {
	stack := d.stackName()
	urn := "urn:pulumi:" + stack + "::misybot-platform::" + typ + "::" + name
	r := map[string]any{"urn": urn, "custom": true, "type": typ, "inputs": inputs}
	for _, e := range extra {
		for k, v := range e {
			r[k] = v
		}
	}
	dep := d["deployment"].(map[string]any)
	dep["resources"] = append(d.resources(), r)
	return urn
}

func (d doc) remove(t testing.TB, name string) {
	t.Helper()
	urn := d.urn(t, name)
	var kept []any
	for _, r := range d.resources() {
		if r.(map[string]any)["urn"] != urn {
			kept = append(kept, r)
		}
	}
	d["deployment"].(map[string]any)["resources"] = kept
}

func (d doc) stackName() string {
	urn := d.resources()[0].(map[string]any)["urn"].(string)
	stack, _, _, _, _ := rules.ParseURN(urn)
	return stack
}

// rename moves every URN to another stack name.
func (d doc) rename(to string) {
	from := "urn:pulumi:" + d.stackName() + "::"
	for _, r := range d.resources() {
		m := r.(map[string]any)
		for _, k := range []string{"urn", "parent", "provider"} {
			if s, ok := m[k].(string); ok {
				m[k] = strings.Replace(s, from, "urn:pulumi:"+to+"::", 1)
			}
		}
	}
}

// set writes a value at a dotted path (numbers index lists), creating maps.
func set(m map[string]any, path string, v any) {
	keys := strings.Split(path, ".")
	var cur any = m
	for i, k := range keys {
		last := i == len(keys)-1
		switch c := cur.(type) {
		case map[string]any:
			if last {
				c[k] = v
				return
			}
			next, ok := c[k]
			if !ok || next == nil {
				next = map[string]any{}
				c[k] = next
			}
			cur = next
		case []any:
			idx, _ := strconv.Atoi(k)
			if last {
				c[idx] = v
				return
			}
			cur = c[idx]
		}
	}
}

// del removes the value at a dotted path (a list item is removed too).
func del(m map[string]any, path string) {
	keys := strings.Split(path, ".")
	parentPath, last := keys[:len(keys)-1], keys[len(keys)-1]
	var cur any = m
	var holder map[string]any
	var holderKey string
	for _, k := range parentPath {
		switch c := cur.(type) {
		case map[string]any:
			holder, holderKey = c, k
			cur = c[k]
		case []any:
			idx, _ := strconv.Atoi(k)
			cur = c[idx]
		}
	}
	switch c := cur.(type) {
	case map[string]any:
		delete(c, last)
	case []any:
		idx, _ := strconv.Atoi(last)
		holder[holderKey] = append(append([]any{}, c[:idx]...), c[idx+1:]...)
	}
}

// exportJSON serializes the document as a stack export.
func (d doc) exportJSON(t testing.TB) []byte {
	t.Helper()
	data, err := json.Marshal(d)
	require.NoError(t, err)
	return data
}

// previewJSON renders the same resources as `pulumi preview --json` output:
// one create step per resource, with the state as newState.
func (d doc) previewJSON(t testing.TB) []byte {
	t.Helper()
	var steps []any
	for _, r := range d.resources() {
		m := r.(map[string]any)
		steps = append(steps, map[string]any{"op": "create", "urn": m["urn"], "provider": m["provider"], "newState": m})
	}
	data, err := json.Marshal(map[string]any{"config": map[string]any{}, "steps": steps, "changeSummary": map[string]any{"create": len(steps)}})
	require.NoError(t, err)
	return data
}

func secretPlain(v any) map[string]any {
	text, _ := json.Marshal(v)
	return map[string]any{rules.SigKey: rules.SecretSig, "plaintext": string(text)}
}

func loadConfig(t testing.TB, reg *rules.Registry) rules.Config {
	t.Helper()
	cfg, err := reg.LoadConfig(filepath.Join("testdata", "policy-config.json"))
	require.NoError(t, err)
	return cfg
}

// evaluateBoth evaluates a document read as a stack export and as preview
// JSON, and requires both readings to agree.
func evaluateBoth(t *testing.T, reg *rules.Registry, d doc, cfg rules.Config) rules.Report {
	t.Helper()
	fromExport, err := input.Parse(d.exportJSON(t))
	require.NoError(t, err)
	fromPreview, err := input.Parse(d.previewJSON(t))
	require.NoError(t, err)
	a := reg.Evaluate(fromExport, cfg)
	b := reg.Evaluate(fromPreview, cfg)
	require.Equal(t, a.Violations, b.Violations, "export and preview readings disagree")
	require.Equal(t, a.Undecidable, b.Undecidable, "export and preview readings disagree")
	return a
}

func parseExport(t testing.TB, d doc) rules.Stack {
	t.Helper()
	st, err := input.ParseExport(d.exportJSON(t))
	require.NoError(t, err)
	return st
}
