package buildcost_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/infra/buildcost"
)

// graph is an action graph as `go build -debug-actiongraph` writes it
// (trimmed): a compile of two packages, one cached, and a link.
const graph = `[
 {"ID":0,"Mode":"link","Package":"example.com/p","TimeStart":"2026-01-01T00:00:10Z","TimeDone":"2026-01-01T00:00:12Z","CmdUser":1500000000,"CmdSys":500000000},
 {"ID":1,"Mode":"build","Package":"example.com/p","TimeStart":"2026-01-01T00:00:08Z","TimeDone":"2026-01-01T00:00:10Z","CmdUser":1000000000,"CmdSys":0},
 {"ID":2,"Mode":"build","Package":"example.com/heavy","TimeStart":"2026-01-01T00:00:00Z","TimeDone":"2026-01-01T00:00:08Z","CmdUser":9000000000,"CmdSys":1000000000},
 {"ID":3,"Mode":"build","Package":"fmt","TimeStart":"0001-01-01T00:00:00Z","TimeDone":"0001-01-01T00:00:00Z"},
 {"ID":4,"Mode":"nop","Package":"","TimeStart":"2026-01-01T00:00:12Z","TimeDone":"2026-01-01T00:00:12Z"}
]`

func TestPackages(t *testing.T) {
	g, err := buildcost.ParseGraph(strings.NewReader(graph))
	require.NoError(t, err)
	assert.Equal(t, []buildcost.Package{
		{Path: "example.com/heavy", Wall: 8 * time.Second, CPU: 10 * time.Second},
		{Path: "example.com/p", Wall: 4 * time.Second, CPU: 3 * time.Second}, // compile and link
	}, g.Packages(), "most CPU first; cached and bookkeeping actions cost nothing")
	assert.Equal(t, 13*time.Second, g.CPU())
}

func TestParseGraphRejectsGarbage(t *testing.T) {
	_, err := buildcost.ParseGraph(strings.NewReader(`{"not":"a graph"}`))
	assert.Error(t, err)
}

func TestWriteReportRatios(t *testing.T) {
	g, err := buildcost.ParseGraph(strings.NewReader(graph))
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, buildcost.WriteReport(&buf, []buildcost.Result{
		{Name: "floor", Wall: 10 * time.Second, CPU: 20 * time.Second, MaxRSS: 1 << 30, Graph: g},
		{Name: ".", Wall: 15 * time.Second, CPU: 30 * time.Second, MaxRSS: 2 << 30, Graph: g},
	}, 1))
	out := buf.String()
	assert.Regexp(t, `\.\s+15\.0\s+30\.0\s+13\.0\s+2048\s+1\.50\s+1\.50`, out)
	assert.Contains(t, out, "example.com/heavy")
	assert.NotContains(t, out, "example.com/p\n", "top 1 lists one package")
}
