package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// docInvocations returns the misyinfra command lines of a markdown file:
// in fenced code blocks (with \ continuations joined) and in inline code.
func docInvocations(markdown string) []string {
	var snippets []string
	inFence := false
	var block []string
	for _, line := range strings.Split(markdown, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "```") {
			if inFence {
				snippets = append(snippets, strings.ReplaceAll(strings.Join(block, "\n"), "\\\n", " "))
				block = nil
			}
			inFence = !inFence
			continue
		}
		if inFence {
			block = append(block, line)
			continue
		}
		if strings.HasPrefix(line, "    ") && strings.Contains(line, "misyinfra ") {
			block = append(block, line) // an indented code block
			continue
		}
		if len(block) > 0 {
			snippets = append(snippets, strings.ReplaceAll(strings.Join(block, "\n"), "\\\n", " "))
			block = nil
		}
		for _, m := range inlineCode.FindAllStringSubmatch(line, -1) {
			snippets = append(snippets, m[1])
		}
	}
	if len(block) > 0 {
		snippets = append(snippets, strings.ReplaceAll(strings.Join(block, "\n"), "\\\n", " "))
	}
	var out []string
	for _, s := range snippets {
		for _, line := range strings.Split(s, "\n") {
			for _, m := range misyinfraCall.FindAllStringSubmatch(line, -1) {
				out = append(out, strings.TrimSpace(m[1]))
			}
		}
	}
	return out
}

var (
	inlineCode = regexp.MustCompile("`([^`]+)`")
	// misyinfra (or go run ./infra/cmd/misyinfra) and its arguments up to
	// the end of the shell command.
	misyinfraCall = regexp.MustCompile(`(?:^|[\s/"'])misyinfra"?\s+([a-z][^|;&#>]*)`)
)

// checkInvocation walks the command tree: every command and flag of the
// line must exist.
func checkInvocation(root *cobra.Command, line string) []string {
	fields := strings.Fields(strings.NewReplacer("[", " ", "]", " ").Replace(line))
	cmd := root
	i := 0
	for ; i < len(fields) && !strings.HasPrefix(fields[i], "-"); i++ {
		if !cmd.HasSubCommands() {
			break
		}
		next, _, err := cmd.Find([]string{fields[i]})
		if err != nil || next == cmd {
			return []string{"unknown command " + cmd.CommandPath() + " " + fields[i]}
		}
		cmd = next
	}
	if cmd.HasSubCommands() {
		if i == len(fields) {
			return nil // a command group named in prose: `misyinfra rollout`
		}
		return []string{cmd.CommandPath() + " needs a command"}
	}
	var problems []string
	for ; i < len(fields); i++ {
		f := fields[i]
		if !strings.HasPrefix(f, "--") {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimPrefix(f, "--"), "=")
		var found *pflag.Flag
		if found = cmd.Flags().Lookup(name); found == nil {
			found = cmd.InheritedFlags().Lookup(name)
		}
		if found == nil && name != "help" {
			problems = append(problems, cmd.CommandPath()+" has no flag --"+name)
		}
	}
	return problems
}

// Every misyinfra command and flag the docs name exists: the delivery docs
// (progressive-delivery.md, the runbooks) and every other page.
func TestDocsNameOnlyExistingCommandsAndFlags(t *testing.T) {
	root := platform().rootCommand()
	files, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	require.NoError(t, err)
	runbooks, err := filepath.Glob(filepath.Join(repoRoot, "docs", "runbooks", "*.md"))
	require.NoError(t, err)
	files = append(append(files, runbooks...), filepath.Join(repoRoot, "README.md"))
	checked := map[string]int{}
	for _, f := range files {
		if filepath.Base(f) == "cli.md" {
			continue // generated from the tree itself
		}
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		rel := strings.TrimPrefix(filepath.ToSlash(f), repoRoot+"/")
		for _, line := range docInvocations(string(data)) {
			checked[rel]++
			for _, p := range checkInvocation(root, line) {
				t.Errorf("%s: `misyinfra %s`: %s", rel, line, p)
			}
		}
	}
	assert.GreaterOrEqual(t, checked["docs/progressive-delivery.md"], 8, "the delivery doc's commands are checked")
	assert.GreaterOrEqual(t, checked["docs/runbooks/canary-release.md"], 3, "the runbook's commands are checked")
}

// The check catches what a stale doc would say.
func TestDocInvocationCheck(t *testing.T) {
	root := platform().rootCommand()
	tests := []struct {
		doc  string
		want []string
	}{
		{"```sh\nmisyinfra rollout start --stack prod \\\n  --release r2 --interval 5m\n```", nil},
		{"run `misyinfra rollout start --stack prod --app misybot`", []string{"misyinfra rollout start has no flag --app"}},
		{"    go run ./infra/cmd/misyinfra rollout pause --stack prod", nil},
		{"`misyinfra rollout stop --stack prod`", []string{"unknown command misyinfra rollout stop"}},
		{"`misyinfra rollout`", nil},
		{"`misyinfra rollout --stack prod`", []string{"misyinfra rollout needs a command"}},
		{"```\n\"$RUNNER_TEMP/misyinfra\" rollout watch --stack prod --promoted-at x --since 1h\n```", []string{"misyinfra rollout watch has no flag --since"}},
	}
	for _, tt := range tests {
		var got []string
		calls := docInvocations(tt.doc)
		require.NotEmpty(t, calls, tt.doc)
		for _, c := range calls {
			got = append(got, checkInvocation(root, c)...)
		}
		assert.Equal(t, tt.want, got, tt.doc)
	}
}
