package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/stacks"
)

func TestCLIReferenceUpToDate(t *testing.T) {
	r := runMain("docs", "cli")
	require.Equal(t, exitOK, r.code, r.stderr)
	path := filepath.Join(repoRoot, "docs", "cli.md")
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(r.stdout), 0o644))
	}
	assertFresh(t, path, r.stdout, "go run ./infra/cmd/misyinfra docs cli -o docs/cli.md")
}

// The generated part of docs/configuration.md is what `docs config`
// prints; `docs config -o FILE` rewrites that part only.
func TestConfigReferenceUpToDate(t *testing.T) {
	r := runMain("docs", "config")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, stacks.ReferenceMarkdown(), r.stdout)
	path := filepath.Join(repoRoot, "docs", "configuration.md")
	doc, err := os.ReadFile(path)
	require.NoError(t, err)
	block, err := stacks.ReferenceIn(doc)
	require.NoError(t, err, "docs/configuration.md")
	if *update {
		out, err := stacks.WithReference(doc)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(path, out, 0o644))
		block = r.stdout
	}
	assert.Equal(t, r.stdout, block, "docs/configuration.md is stale: run  go run ./infra/cmd/misyinfra docs config -o docs/configuration.md")

	want := r.stdout
	tmp := filepath.Join(t.TempDir(), "doc.md")
	require.NoError(t, os.WriteFile(tmp, []byte("# Mine\n\n"+stacks.ReferenceBegin+"stale\n"+stacks.ReferenceEnd+"kept\n"), 0o644))
	r = runMain("docs", "config", "-o", tmp)
	require.Equal(t, exitOK, r.code, r.stderr)
	got, err := os.ReadFile(tmp)
	require.NoError(t, err)
	assert.Equal(t, "# Mine\n\n"+want+"kept\n", string(got))

	require.NoError(t, os.WriteFile(tmp, []byte("# no markers\n"), 0o644))
	r = runMain("docs", "config", "-o", tmp)
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "config-reference:begin")
}

// assertFresh fails when the committed generated file differs from what
// the command generates now, naming the first differing line and the
// command that refreshes the file (not the whole file twice).
func assertFresh(t *testing.T, path, generated, refresh string) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err, "%s is missing: run  %s", path, refresh)
	committed := string(data)
	if committed == generated {
		return
	}
	a, b := strings.Split(committed, "\n"), strings.Split(generated, "\n")
	line := 0
	for line < len(a) && line < len(b) && a[line] == b[line] {
		line++
	}
	at := func(lines []string) string {
		if line < len(lines) {
			return strconv.Quote(lines[line])
		}
		return "end of file"
	}
	t.Errorf("%s is stale: run  %s\nfirst difference at line %d:\n  committed: %s\n  generated: %s",
		strings.TrimPrefix(filepath.ToSlash(path), repoRoot+"/"), refresh, line+1, at(a), at(b))
}

// Every command and every flag of the tree is in the reference, with its
// default, so a new command or flag cannot be left out.
func TestCLIReferenceCoversTheCommandTree(t *testing.T) {
	r := runMain("docs", "cli")
	require.Equal(t, exitOK, r.code, r.stderr)
	var walk func(c *cobra.Command)
	n := 0
	walk = func(c *cobra.Command) {
		n++
		assert.Contains(t, r.stdout, "\n## "+c.CommandPath()+"\n")
		assert.Contains(t, r.stdout, "```\n"+c.UseLine()+"\n```\n")
		c.NonInheritedFlags().VisitAll(func(f *pflag.Flag) {
			if f.Name == "help" {
				assert.NotContains(t, r.stdout, "`--help`")
				return
			}
			assert.Contains(t, r.stdout, "`--"+f.Name+"`", c.CommandPath())
			if f.DefValue != "" && f.DefValue != "false" {
				assert.Contains(t, r.stdout, "| `"+f.DefValue+"` |", c.CommandPath()+" --"+f.Name)
			}
		})
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() {
				walk(sub)
			}
		}
	}
	walk(platform().rootCommand())
	assert.GreaterOrEqual(t, n, 9, "misyinfra, plan, graph, import, policy (audit, docs), docs (cli)")
	assert.Equal(t, n, strings.Count(r.stdout, "\n## "), "one section a command")
	assert.NotContains(t, r.stdout, "<stack>.yaml |", "angle brackets outside code are escaped")
}

func TestCLIReferenceToFile(t *testing.T) {
	out := filepath.Join(t.TempDir(), "cli.md")
	r := runMain("docs", "cli", "-o", out)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Empty(t, r.stdout)
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, runMain("docs", "cli").stdout, string(data))

	r = runMain("docs", "man")
	assert.Equal(t, exitUsage, r.code)
	assert.Equal(t, []string{`docs takes no arguments, got "man"`}, r.stderrLines())
}

func TestMarkdownEscapes(t *testing.T) {
	assert.Equal(t, "Pulumi.&lt;stack&gt;.yaml `Pulumi.<stack>.yaml`", mdText("Pulumi.<stack>.yaml `Pulumi.<stack>.yaml`"))
	assert.Equal(t, `a \| b c`, tableCell("a | b\nc"))
	assert.Equal(t, "misyinfra-policy-audit", anchor("misyinfra policy audit"))
}
