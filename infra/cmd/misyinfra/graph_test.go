package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The committed diagrams are what graph draws from the committed stacks.
// Refresh them with the command in the failure message (or go test -update).
func TestGraphDiagramsUpToDate(t *testing.T) {
	for _, stack := range []string{"dev", "staging", "prod"} {
		t.Run(stack, func(t *testing.T) {
			r := runMain("graph", "--stack", stack, "--dir", repoRoot)
			require.Equal(t, exitOK, r.code, r.stderr)
			assert.Empty(t, r.stderr)
			path := filepath.Join(repoRoot, "docs", "diagrams", stack+".md")
			if *update {
				require.NoError(t, os.WriteFile(path, []byte(r.stdout), 0o644))
			}
			assertFresh(t, path, r.stdout, "go run ./infra/cmd/misyinfra graph --stack "+stack+" -o docs/diagrams/"+stack+".md")
		})
	}
}

func TestGraphOfTheRealStackHasEveryResource(t *testing.T) {
	r := runMain("plan", "--stack", "prod", "--dir", repoRoot, "--format", "json")
	require.Equal(t, exitOK, r.code, r.stderr)
	g := runMain("graph", "--stack", "prod", "--dir", repoRoot, "--format", "mermaid")
	require.Equal(t, exitOK, g.code, g.stderr)
	assert.True(t, strings.HasPrefix(g.stdout, "flowchart LR\n"))
	assert.NotContains(t, g.stdout, "```")
	for _, name := range []string{"app-identity", "keyvault-vault", "network-vnet", "servicebus-namespace", "observability-workspace"} {
		assert.Contains(t, g.stdout, "<br/>"+name+`"]`, name)
	}
	// Every node the edges name is declared.
	declared := map[string]bool{}
	for _, line := range strings.Split(g.stdout, "\n") {
		line = strings.TrimSpace(line)
		if i := strings.IndexAny(line, "[ "); i > 0 && !strings.Contains(line, "-->") && !strings.Contains(line, "-.->") {
			id := line[:i]
			if strings.HasPrefix(line, "subgraph ") {
				id = strings.Fields(line)[1]
			}
			declared[id] = true
		}
	}
	for _, line := range strings.Split(g.stdout, "\n") {
		for _, arrow := range []string{" --> ", " -.-> "} {
			if from, to, ok := strings.Cut(strings.TrimSpace(line), arrow); ok {
				assert.True(t, declared[from], "edge from undeclared node %s", from)
				assert.True(t, declared[to], "edge to undeclared node %s", to)
				assert.True(t, strings.HasPrefix(from, "r_") && strings.HasPrefix(to, "r_"), "edges join resources, not components: %s", line)
			}
		}
	}
}

func TestGraphWritesFileAndRejectsMistakes(t *testing.T) {
	dir := project(t, map[string]string{"dev": testStack})
	out := filepath.Join(t.TempDir(), "dev.md")
	r := runApp(testApp(), "graph", "--stack", "dev", "--dir", dir, "-o", out)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Empty(t, r.stdout)
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(data), "# Resource graph: `misybot-platform/dev`\n"))
	assert.Contains(t, string(data), "\n```mermaid\nflowchart LR\n")
	assert.True(t, strings.HasSuffix(string(data), "```\n"))
	assertNoSecrets(t, string(data))

	for args, want := range map[string]string{
		"graph --dir " + dir:                          "missing --stack: name the stack, e.g. --stack dev",
		"graph --stack dev --format svg --dir " + dir: `--format: unknown format "svg" (want markdown, mermaid)`,
		"graph --stack dev extra --dir " + dir:        `graph takes no arguments, got "extra"`,
		"graph --stack qa --dir " + dir:               "stack qa: " + filepath.Join(dir, "Pulumi.qa.yaml") + ": file does not exist",
	} {
		r := runApp(testApp(), strings.Fields(args)...)
		assert.Equal(t, exitUsage, r.code, args)
		assert.Empty(t, r.stdout, args)
		assert.Equal(t, []string{want}, r.stderrLines(), args)
	}
}
