package input_test

import (
	"bytes"
	"encoding/json"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/policy/input"
	"github.com/misybot/platform/policy/rules"
)

// parseWith parses on a number of cores: one core reads the resources one
// after the other, more cores read runs of them in parallel.
func parseWith(t *testing.T, procs int, data []byte) (rules.Stack, error) {
	t.Helper()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	return input.Parse(data)
}

// previewOf turns an export into `pulumi preview --json` output, one
// create step per resource.
func previewOf(t *testing.T, export []byte) []byte {
	t.Helper()
	var doc struct {
		Deployment struct {
			Resources []map[string]any `json:"resources"`
		} `json:"deployment"`
	}
	require.NoError(t, json.Unmarshal(export, &doc))
	steps := make([]any, 0, len(doc.Deployment.Resources))
	for _, r := range doc.Deployment.Resources {
		steps = append(steps, map[string]any{"op": "create", "urn": r["urn"], "newState": r})
	}
	data, err := json.Marshal(map[string]any{"steps": steps, "changeSummary": map[string]any{"create": len(steps)}})
	require.NoError(t, err)
	return data
}

// TestDecodingOnAllCoresMatchesOneCore: the stack read on several cores is
// the one read on one, for both formats, with odd spacing and escapes in
// the document.
func TestDecodingOnAllCoresMatchesOneCore(t *testing.T) {
	export := bigExport(t, 3000)
	var pretty bytes.Buffer
	require.NoError(t, json.Indent(&pretty, export, "", "\t"))
	for name, data := range map[string][]byte{
		"export":        export,
		"indented":      pretty.Bytes(),
		"preview":       previewOf(t, export),
		"escaped quote": []byte(strings.Replace(string(export), `"resources":[`, `"note":"a \"resources\": [ inside a string ]", "resources" : [`, 1)),
	} {
		t.Run(name, func(t *testing.T) {
			one, err := parseWith(t, 1, data)
			require.NoError(t, err)
			many, err := parseWith(t, 4, data)
			require.NoError(t, err)
			require.Len(t, many.Resources, len(one.Resources))
			assert.Equal(t, one, many)
		})
	}
}

// TestDocumentsLeftToEncodingJSON: documents the fast path does not take
// are read by encoding/json, with its result or error, on any number of
// cores.
func TestDocumentsLeftToEncodingJSON(t *testing.T) {
	export := string(bigExport(t, 1500))
	for name, tc := range map[string]struct {
		data      string
		resources int
		err       string
	}{
		// encoding/json keeps the last of two keys, in any letter case.
		"resources twice":         {strings.Replace(export, `"resources":[`, `"resources":[],"resources":[`, 1), 1500, ""},
		"a later Resources wins":  {strings.Replace(export, `,"secrets_providers":`, `,"Resources":[],"secrets_providers":`, 1), 0, ""},
		"key spelled with escape": {strings.Replace(export, `"resources":[`, `"resourc\u0065s":[`, 1), 1500, ""},
		"broken item":             {strings.Replace(export, `"custom":true`, `"custom":tru`, 1), 0, "invalid JSON at byte"},
		"item of the wrong type":  {strings.Replace(export, `"custom":true`, `"custom":"yes"`, 1), 0, "invalid JSON"},
	} {
		t.Run(name, func(t *testing.T) {
			one, errOne := parseWith(t, 1, []byte(tc.data))
			many, errMany := parseWith(t, 4, []byte(tc.data))
			if tc.err != "" {
				require.Error(t, errMany)
				assert.Contains(t, errMany.Error(), tc.err)
				assert.Equal(t, errOne.Error(), errMany.Error())
				return
			}
			require.NoError(t, errMany)
			assert.Len(t, many.Resources, tc.resources)
			assert.Equal(t, one, many)
		})
	}
}
