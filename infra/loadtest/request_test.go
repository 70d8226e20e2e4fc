package loadtest_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/infra/loadtest"
)

func env(vars map[string]string) loadtest.Lookup {
	return func(name string) (string, bool) { v, ok := vars[name]; return v, ok }
}

func TestParseHeader(t *testing.T) {
	lookup := env(map[string]string{"BOT_WEBHOOK_SECRET": "s3cr3t", "EMPTY": ""})
	tests := []struct {
		in, name, value, err string
	}{
		{in: "X-Bot-Secret: env:BOT_WEBHOOK_SECRET", name: "X-Bot-Secret", value: "s3cr3t"},
		{in: "Content-Type: application/json", name: "Content-Type", value: "application/json"},
		{in: "X-Empty:", name: "X-Empty", value: ""},
		{in: "X-Bot-Secret: env:MISSING", err: "header X-Bot-Secret: environment variable MISSING is not set"},
		{in: "X-Bot-Secret: env:EMPTY", err: "header X-Bot-Secret: environment variable EMPTY is not set"},
		{in: "X-Bot-Secret: env:", err: "env: names no environment variable"},
		{in: "no colon here", err: "want 'Name: value'"},
		{in: "Bad Name: v", err: "want 'Name: value'"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			h := http.Header{}
			err := loadtest.ParseHeader(h, tt.in, lookup)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				assert.NotContains(t, err.Error(), "s3cr3t")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, []string{tt.value}, h.Values(tt.name))
		})
	}
}

func TestReadBody(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "body.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"type":"message"}`), 0o600))
	b, err := loadtest.ReadBody("@" + path)
	require.NoError(t, err)
	assert.Equal(t, `{"type":"message"}`, string(b))
	b, err = loadtest.ReadBody(`{"inline":true}`)
	require.NoError(t, err)
	assert.Equal(t, `{"inline":true}`, string(b))
	_, err = loadtest.ReadBody("@" + filepath.Join(dir, "missing.json"))
	assert.ErrorContains(t, err, "reading the body")
}

func TestReadRequests(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "activity.json"), []byte(`{"type":"message","text":"hi"}`), 0o600))
	lookup := env(map[string]string{"BOT_WEBHOOK_SECRET": "s3cr3t"})
	file := strings.Join([]string{
		`# the webhook, then the health probe`,
		`{"method": "post", "url": "https://staging.example/api/messages", "header": {"Content-Type": "application/json", "X-Bot-Secret": "env:BOT_WEBHOOK_SECRET"}, "bodyFile": "activity.json"}`,
		``,
		`{"url": "https://staging.example/healthz", "header": {"Accept": ["text/plain", "application/json"]}}`,
		`{"method": "PUT", "url": "https://staging.example/x", "body": "raw text"}`,
	}, "\n")
	reqs, err := loadtest.ReadRequests(strings.NewReader(file), dir, lookup)
	require.NoError(t, err)
	require.Len(t, reqs, 3)
	assert.Equal(t, "POST", reqs[0].Method)
	assert.Equal(t, "s3cr3t", reqs[0].Header.Get("X-Bot-Secret"))
	assert.Equal(t, `{"type":"message","text":"hi"}`, string(reqs[0].Body))
	assert.Equal(t, "GET", reqs[1].Method)
	assert.Equal(t, []string{"text/plain", "application/json"}, reqs[1].Header.Values("Accept"))
	assert.Equal(t, "raw text", string(reqs[2].Body))

	// Every mistake at once, by line.
	bad := strings.Join([]string{
		`{"url": "ftp://x/"}`,
		`not json`,
		`{"url": "https://x/", "header": {"X-Bot-Secret": "env:NOPE"}}`,
		`{"url": "https://x/", "body": "a", "bodyFile": "b"}`,
		`{"url": "https://x/", "colour": "red"}`,
	}, "\n")
	_, err = loadtest.ReadRequests(strings.NewReader(bad), dir, lookup)
	require.Error(t, err)
	lines := strings.Split(err.Error(), "\n")
	require.Len(t, lines, 5)
	assert.Contains(t, lines[0], `line 1: "ftp://x/" is not an http(s) URL`)
	assert.Contains(t, lines[1], "line 2: not a request object")
	assert.Contains(t, lines[2], "line 3: header X-Bot-Secret: environment variable NOPE is not set")
	assert.Contains(t, lines[3], "line 4: give body or bodyFile, not both")
	assert.Contains(t, lines[4], `line 5: not a request object: json: unknown field "colour"`)

	_, err = loadtest.ReadRequests(strings.NewReader("# nothing\n"), dir, lookup)
	assert.ErrorContains(t, err, "holds no request")
}
