package input

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestArraySpan(t *testing.T) {
	for _, tc := range []struct {
		doc   string
		path  []string
		items []string
		ok    bool
	}{
		{`{"a": [1, "x]", {"b": [2]}, null]}`, []string{"a"}, []string{`1`, `"x]"`, `{"b": [2]}`, `null`}, true},
		{` { "s": "\"a\": [9]", "a" : [ ] } `, []string{"a"}, nil, true},
		{`{"d": {"x": {}, "r": ["\\", "q\"}"]}}`, []string{"d", "r"}, []string{`"\\"`, `"q\"}"`}, true},
		{`{"b": 1, "c": true}`, []string{"a"}, nil, false},
		{`{"a": {"r": 1}}`, []string{"a", "r"}, nil, false},
		{`{"a": [1, 2`, []string{"a"}, nil, false},
		{`[{"a": [1]}]`, []string{"a"}, nil, false},
		{`{"a": "unterminated}`, []string{"a"}, nil, false},
	} {
		lo, hi, items, ok := arraySpan([]byte(tc.doc), tc.path...)
		require.Equal(t, tc.ok, ok, tc.doc)
		if !ok {
			continue
		}
		assert.Equal(t, byte('['), tc.doc[lo], tc.doc)
		assert.Equal(t, byte(']'), tc.doc[hi-1], tc.doc)
		var got []string
		for _, it := range items {
			got = append(got, tc.doc[it[0]:it[1]])
		}
		assert.Equal(t, tc.items, got, tc.doc)
	}
}

// TestLargeDocumentsAreSplit: a large export or preview takes the split
// path (which TestSplitDecodingMatchesOneUnmarshal compares with one
// json.Unmarshal); a duplicate key makes it fall back.
func TestLargeDocumentsAreSplit(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	items := make([]string, 2*minItemsPerWorker)
	for i := range items {
		items[i] = fmt.Sprintf(`{"urn": "urn:pulumi:prod::p::t::r%d", "custom": true, "type": "t", "inputs": {"k": [%d]}}`, i, i)
	}
	list := strings.Join(items, ",")
	var doc document
	require.True(t, decodeSplit([]byte(`{"version": 3, "deployment": {"resources": [`+list+`]}}`), &doc))
	require.Len(t, doc.Deployment.Resources, len(items))
	assert.Equal(t, "urn:pulumi:prod::p::t::r7", doc.Deployment.Resources[7].URN)
	assert.Equal(t, 3, *doc.Version)

	doc = document{}
	steps := strings.ReplaceAll(list, `{"urn"`, `{"op": "create", "newState": {"urn"`)
	steps = strings.ReplaceAll(steps, `]}}`, `]}}}`)
	require.True(t, decodeSplit([]byte(`{"steps": [`+steps+`], "changeSummary": {}}`), &doc))
	require.Len(t, doc.Steps, len(items))
	assert.Equal(t, "create", doc.Steps[0].Op)

	doc = document{}
	assert.False(t, decodeSplit([]byte(`{"version": 3, "deployment": {"resources": [`+list+`], "RESOURCES": []}}`), &doc))
	doc = document{}
	assert.False(t, decodeSplit([]byte(`{"version": 3, "deployment": {"resources": [1]}}`), &doc), "small documents are not split")
}
