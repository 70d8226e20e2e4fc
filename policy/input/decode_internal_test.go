package input

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sameAsEncodingJSON checks the fast path's one promise on a document:
// when it decodes it, encoding/json decodes it too, to the same value;
// when encoding/json refuses it, so does the fast path. It returns whether
// the fast path took the document.
func sameAsEncodingJSON(t testing.TB, data []byte) bool {
	t.Helper()
	var want document
	errJSON := json.Unmarshal(data, &want)
	var got document
	fast := decodeFast(data, &got)
	if errJSON != nil {
		assert.False(t, fast, "the fast path took a document encoding/json refuses (%v): %.200s", errJSON, data)
		return fast
	}
	if fast {
		assert.Equal(t, want, got, "%.200s", data)
	}
	return fast
}

const resource = `{"urn": "urn:pulumi:prod::p::azure-native:storage:StorageAccount::sa", "custom": true, "id": "/x", "type": "azure-native:storage:StorageAccount", "inputs": %s, "parent": "urn:pulumi:prod::p::pulumi:pulumi:Stack::p-prod", "dependencies": ["a", null], "propertyDependencies": {"sku": ["b"], "kind": null, "x": []}}`

func export(inputs string) string {
	return `{"version": 3, "deployment": {"manifest": {"time": "t"}, "resources": [` + fmt.Sprintf(resource, inputs) + `]}}`
}

// TestFastDecodingMatchesEncodingJSON covers what a stack export or a
// preview can hold, and what a user can get wrong in one.
func TestFastDecodingMatchesEncodingJSON(t *testing.T) {
	for _, tc := range []struct {
		name string
		doc  string
		fast bool // the fast path takes it
	}{
		{"export", export(`{"sku": {"name": "Standard_GZRS"}, "minimumTlsVersion": "TLS1_2", "allowBlobPublicAccess": false}`), true},
		{"empty containers", export(`{"a": {}, "b": [], "c": [[]], "d": [{}]}`), true},
		{"numbers", export(`{"a": 0, "b": -0, "c": 1.5, "d": -2e3, "e": 1E+2, "f": 123456789012345, "g": 1234567890123456789, "h": 0.1, "i": 1e-7, "j": 9007199254740993}`), true},
		{"escapes", export(`{"a": "q\"b\\s\/n\nt\tr\rb\bf\f", "b": "\u00e9\u0041\u2028", "c": "\ud83d\ude00", "d": "\ud83d", "e": "\ude00x", "f": "\ud83d\u0041", "g": "\u003cscript\u003e"}`), true},
		{"utf-8", export(`{"a": "café ☕ 😀", "b": "Ωmega"}`), true},
		{"invalid utf-8", export("{\"a\": \"x\xffy\xc3\", \"b\": \"\xed\xa0\x80\"}"), true},
		{"key with escapes", export(`{"n\u0061me": 1, "k\"q": 2}`), true},
		{"duplicate input keys: the last wins", export(`{"a": 1, "a": 2}`), true},
		{"nulls in typed fields", `{"version": 3, "deployment": {"resources": [{"urn": null, "custom": null, "type": null, "inputs": null, "dependencies": null, "propertyDependencies": null}, null]}}`, true},
		{"unknown fields", `{"version": 4, "x": {"y": [1, {"z": null}]}, "deployment": {"secrets_providers": {"type": "passphrase"}, "resources": []}}`, true},
		{"top-level null", `null`, true},
		{"outputs kept as text", `{"version": 3, "deployment": {"resources": [{"urn": "u", "custom": true, "type": "t", "outputs": {"a": [1, "x\u00e9", {"b": null}], "c": 1e400}}]}}`, true},
		{"outputs null", `{"version": 3, "deployment": {"resources": [{"urn": "u", "outputs": null}]}}`, true},
		{"unknown field, skipped: escapes, odd numbers, deep", `{"version": 3, "x": {"s": "a\"b\\c\u12Ab\n", "n": [1e400, -0.5E-3, 0], "d": [[[{"e": [true, false, null]}]]]}, "deployment": {"resources": []}}`, true},
		{"spacing", " \t\r\n{ \"version\" : 3 , \"deployment\" : { \"resources\" : [ ] } } \n", true},
		{"preview", `{"steps": [{"op": "create", "urn": "u", "newState": ` + fmt.Sprintf(resource, `{"a": "[secret]"}`) + `}, {"op": "delete", "urn": "v", "newState": null}, null], "changeSummary": {"create": 1}}`, true},
		{"key spelled with an escape matches its field", `{"versio\u006e": 3, "deployment": {"resources": []}}`, true},

		// Left to encoding/json: it decides these (and they decode).
		{"field in another letter case", `{"Version": 3, "deployment": {"resources": []}}`, false},
		{"field with a non-ASCII key", `{"ſteps": [], "version": 3}`, false},
		{"field named twice", `{"version": 3, "version": 4, "deployment": {"resources": []}}`, false},
		{"resource field named twice", export(`{}`)[:len(export(`{}`))-3] + `, "custom": false}]}}`, false},
		{"deep nesting", export(strings.Repeat(`[`, maxDepth+1) + strings.Repeat(`]`, maxDepth+1)), false},

		// Refused by both.
		{"empty", ``, false},
		{"truncated", export(`{"a": 1}`)[:60], false},
		{"trailing garbage", export(`{}`) + ` x`, false},
		{"trailing comma", export(`{"a": 1,}`), false},
		{"single quotes", export(`{'a': 1}`), false},
		{"bad literal", export(`{"a": tru}`), false},
		{"leading zero", export(`{"a": 01}`), false},
		{"bare minus", export(`{"a": -}`), false},
		{"bad fraction", export(`{"a": 1.}`), false},
		{"bad exponent", export(`{"a": 1e}`), false},
		{"out of range", export(`{"a": 1e400}`), false},
		{"plus sign", export(`{"a": +1}`), false},
		{"control character in a string", export("{\"a\": \"x\ny\"}"), false},
		{"bad escape", export(`{"a": "\x"}`), false},
		{"short unicode escape", export(`{"a": "\u12"}`), false},
		{"escaped single quote", export(`{"a": "\'"}`), false},
		{"bad escape in a skipped field", `{"version": 3, "x": "\q", "deployment": {"resources": []}}`, false},
		{"short unicode escape in a skipped field", `{"version": 3, "x": "\u12", "deployment": {"resources": []}}`, false},
		{"control character in a skipped field", "{\"version\": 3, \"x\": \"a\tb\", \"deployment\": {\"resources\": []}}", false},
		{"bad number in a skipped field", `{"version": 3, "x": [01], "deployment": {"resources": []}}`, false},
		{"unclosed skipped object", `{"version": 3, "x": {"a": 1, "deployment": {"resources": []}}`, false},
		{"missing colon in a skipped object", `{"version": 3, "x": {"a" 1}, "deployment": {"resources": []}}`, false},
		{"trailing comma in skipped outputs", `{"version": 3, "deployment": {"resources": [{"urn": "u", "outputs": {"a": 1,}}]}}`, false},
		{"wrong type: custom", `{"version": 3, "deployment": {"resources": [{"urn": "u", "custom": "yes"}]}}`, false},
		{"wrong type: version", `{"version": 3.5, "deployment": {"resources": []}}`, false},
		{"wrong type: inputs", `{"version": 3, "deployment": {"resources": [{"inputs": []}]}}`, false},
		{"wrong type: resources", `{"version": 3, "deployment": {"resources": {}}}`, false},
		{"wrong type: document", `[1]`, false},
		{"byte order mark", "\ufeff" + export(`{}`), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.fast, sameAsEncodingJSON(t, []byte(tc.doc)))
		})
	}
}

// TestParallelDecoding: a document with many resources (or steps) is read
// on all cores, and gives what encoding/json gives; so does one with a bad
// item far down the list (refused) or a case-folded key after the list.
func TestParallelDecoding(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	items := make([]string, 4*minItemsPerWorker+3)
	for i := range items {
		items[i] = fmt.Sprintf(`{"urn": "urn:pulumi:prod::p::t::r%d", "custom": true, "type": "t", "inputs": {"k": [%d, "s%d"]}}`, i, i, i%7)
	}
	list := strings.Join(items, ",\n")
	steps := strings.ReplaceAll(strings.ReplaceAll(list, `{"urn"`, `{"op": "same", "newState": {"urn"`), `"]}}`, `"]}}}`)
	for name, tc := range map[string]struct {
		doc  string
		fast bool
	}{
		"export":                  {`{"version": 3, "deployment": {"resources": [` + list + `]}}`, true},
		"preview":                 {`{"steps": [` + steps + `], "changeSummary": {}}`, true},
		"bad item at the end":     {`{"version": 3, "deployment": {"resources": [` + list + `, {"urn": 1}]}}`, false},
		"broken item at the end":  {`{"version": 3, "deployment": {"resources": [` + list + `, {"urn": "u"]}}`, false},
		"missing comma":           {`{"version": 3, "deployment": {"resources": [` + list + ` {}]}}`, false},
		"another case after it":   {`{"version": 3, "deployment": {"resources": [` + list + `], "Resources": []}}`, false},
		"resources twice":         {`{"version": 3, "deployment": {"resources": [], "resources": [` + list + `]}}`, false},
		"broken after the array":  {`{"version": 3, "deployment": {"resources": [` + list + `], "x": }}`, false},
		"unclosed string in item": {`{"version": 3, "deployment": {"resources": [` + list + `, {"urn": "u}]}}`, false},
	} {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.fast, sameAsEncodingJSON(t, []byte(tc.doc)))
		})
	}
}

// TestRandomDocuments compares the two decoders on random values (every
// JSON type, nesting, escapes, non-ASCII and invalid bytes) placed in a
// resource's inputs, and on random corruptions of them.
func TestRandomDocuments(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	taken := 0
	for range 3000 {
		doc := []byte(export(randomValue(rng, 4, true)))
		if sameAsEncodingJSON(t, doc) {
			taken++
		}
		// One byte changed, removed or doubled.
		bad := append([]byte(nil), doc...)
		at := rng.IntN(len(bad))
		switch rng.IntN(3) {
		case 0:
			corrupt := `{}[]",:\ 0e-.tnu`
			bad[at] = corrupt[rng.IntN(len(corrupt))]
		case 1:
			bad = append(bad[:at], bad[at+1:]...)
		default:
			bad = append(bad[:at+1], bad[at:]...)
		}
		sameAsEncodingJSON(t, bad)
	}
	assert.Greater(t, taken, 2900, "the fast path should take almost every valid document")
}

func randomValue(rng *rand.Rand, depth int, object bool) string {
	if object || (depth > 0 && rng.IntN(4) == 0) {
		var b strings.Builder
		b.WriteString("{")
		for i := range rng.IntN(5) {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(randomString(rng) + ": " + randomValue(rng, depth-1, false))
		}
		return b.String() + "}"
	}
	if depth > 0 && rng.IntN(4) == 0 {
		items := make([]string, rng.IntN(4))
		for i := range items {
			items[i] = randomValue(rng, depth-1, false)
		}
		return "[" + strings.Join(items, ",") + "]"
	}
	switch rng.IntN(5) {
	case 0:
		return []string{"true", "false", "null"}[rng.IntN(3)]
	case 1:
		return []string{"0", "-0", "7", "-12", "3.25", "1e3", "-4.5E-2", "1234567890123456", "99999999999999999999", "0.000001"}[rng.IntN(10)]
	default:
		return randomString(rng)
	}
}

func randomString(rng *rand.Rand) string {
	parts := []string{"a", "Name", " ", `\"`, `\\`, `\/`, `\n`, `\t`, `\u00e9`, `\ud83d\ude00`, `\ud800`, `\udc00`, "é", "😀", "\xff", "\xe2\x82", "<&>", "0"}
	var b strings.Builder
	b.WriteString(`"`)
	for range rng.IntN(6) {
		b.WriteString(parts[rng.IntN(len(parts))])
	}
	return b.String() + `"`
}

// FuzzFastDecoding holds the fast path to encoding/json on any input:
// `go test ./policy/input -run XXX -fuzz FuzzFastDecoding`.
func FuzzFastDecoding(f *testing.F) {
	f.Add([]byte(export(`{"a": [1, "x", {"b": null}], "c": "\u00e9\ud83d"}`)))
	f.Add([]byte(`{"steps": [{"op": "create", "urn": "u", "newState": {"urn": "u", "inputs": {"a": "[secret]"}}}]}`))
	f.Add([]byte(`{"version": 3, "Deployment": null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sameAsEncodingJSON(t, data)
	})
}

func TestItemSpans(t *testing.T) {
	for _, tc := range []struct {
		doc   string
		items []string
		ok    bool
	}{
		{`[1, "x]", {"b": [2]}, null]`, []string{`1`, `"x]"`, `{"b": [2]}`, `null`}, true},
		{`[ ]`, nil, true},
		{`["\\", "q\"}"]`, []string{`"\\"`, `"q\"}"`}, true},
		{`[1, 2`, nil, false},
		{`[1 2]`, nil, false},
		{`["unterminated]`, nil, false},
	} {
		d := newDecoder([]byte(tc.doc))
		spans, ok := d.itemSpans()
		end := d.i
		require.Equal(t, tc.ok, ok, tc.doc)
		if !ok {
			continue
		}
		assert.Equal(t, len(tc.doc), end, tc.doc)
		assert.Zero(t, d.depth, "the array is left")
		var got []string
		for _, sp := range spans {
			got = append(got, tc.doc[sp[0]:sp[1]])
		}
		assert.Equal(t, tc.items, got, tc.doc)
	}
}
