package workflows

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pulumiCommands are the Pulumi CLI commands the docs may name, with the
// flags each takes, as the CLI reference of the pinned version documents
// them (https://www.pulumi.com/docs/iac/cli/commands/, one page per
// command: pulumi_<command>_<subcommand>). A command or flag a doc names
// that is not here is a mistake, or a new command to add here with its
// page checked.
var pulumiCommands = map[string][]string{
	"login":                         {"--local", "--cloud-url", "-c", "--default-org", "--insecure"},
	"stack":                         {"--show-urns", "--show-ids", "--show-secrets", "--show-name"},
	"stack init":                    {"--secrets-provider", "--copy-config-from", "--no-select", "--teams"},
	"stack select":                  {"--create", "--secrets-provider"},
	"stack output":                  {"--json", "--show-secrets", "--shell"},
	"stack export":                  {"--file", "--show-secrets", "--version"},
	"stack import":                  {"--file", "--force"},
	"stack history":                 {"--json", "--show-secrets", "--page", "--page-size", "--full-dates"},
	"stack change-secrets-provider": {},
	"config set":                    {"--secret", "--plaintext", "--path"},
	"preview":                       {"--policy-pack", "--policy-pack-config", "--json", "--diff", "--refresh", "--expect-no-changes", "--target", "--save-plan", "--suppress-outputs", "--parallel", "-p"},
	"up":                            {"--policy-pack", "--policy-pack-config", "--yes", "-y", "--skip-preview", "-f", "--refresh", "--diff", "--target", "--replace", "--json", "--expect-no-changes", "--message", "-m", "--suppress-outputs", "--continue-on-error", "--parallel", "-p"},
	"refresh":                       {"--yes", "-y", "--skip-preview", "--clear-pending-creates", "--import-pending-creates", "--skip-pending-creates", "--expect-no-changes", "--preview-only", "--target", "--diff", "--json", "--run-program"},
	"destroy":                       {"--yes", "-y", "--skip-preview", "--target", "--exclude-protected", "--remove"},
	"cancel":                        {"--yes", "-y"},
	"import":                        {"--file", "-f", "--parent", "--yes", "-y", "--out", "-o", "--protect", "--generate-code", "--from", "--provider", "--preview-only", "--skip-preview"},
	"policy publish":                {},
	"state unprotect":               {"--all", "--yes", "-y"},
	"state delete":                  {"--force", "--yes", "-y", "--target-dependents"},
}

// pulumiGroups are the commands with subcommands.
var pulumiGroups = map[string]bool{"stack": true, "config": true, "state": true, "policy": true}

// pulumiGlobalFlags are taken by every command.
var pulumiGlobalFlags = []string{"--stack", "-s", "--cwd", "-C", "--non-interactive", "--color", "--emoji", "--logtostderr", "-v", "--verbose"}

var (
	fence      = regexp.MustCompile("(?s)```[a-z]*\n(.*?)```")
	inlineCode = regexp.MustCompile("`([^`\n]+)`")
	// pulumiCall finds a pulumi command at the start of a command: the
	// line's start, or after $( ( && || ; |.
	pulumiCall = regexp.MustCompile(`(?:^|\$\(|\(|&&|\|\||;|\|)\s*(pulumi\s[^;&|)#]*)`)
)

// pulumiInvocations are the pulumi command lines of a markdown text: in
// fenced code blocks (continuations joined) and in inline code.
func pulumiInvocations(markdown string) []string {
	var snippets []string
	for _, m := range fence.FindAllStringSubmatch(markdown, -1) {
		snippets = append(snippets, scriptLines(m[1])...)
	}
	prose := fence.ReplaceAllString(markdown, "")
	for _, m := range inlineCode.FindAllStringSubmatch(prose, -1) {
		snippets = append(snippets, m[1])
	}
	var out []string
	for _, s := range snippets {
		for _, m := range pulumiCall.FindAllStringSubmatch(s, -1) {
			out = append(out, strings.TrimSpace(m[1]))
		}
	}
	return out
}

// checkPulumiInvocation returns what is wrong with one pulumi command line.
func checkPulumiInvocation(line string) []string {
	fields := shellFields(line)
	if len(fields) < 2 || fields[0] != "pulumi" {
		return nil
	}
	var words []string
	for _, f := range fields[1:] {
		if strings.HasPrefix(f, "-") {
			break
		}
		words = append(words, f)
	}
	if len(words) == 0 {
		return []string{"no command"}
	}
	// The longest known command the words start with.
	cmd := ""
	for n := min(len(words), 2); n >= 1; n-- {
		if _, ok := pulumiCommands[strings.Join(words[:n], " ")]; ok {
			cmd = strings.Join(words[:n], " ")
			break
		}
	}
	// A command group (pulumi stack, config, state, policy) takes no
	// positional argument: a word after it is a subcommand that is not here.
	if cmd == "" || (pulumiGroups[cmd] && len(words) > 1) {
		return []string{"unknown command pulumi " + strings.Join(words, " ")}
	}
	var problems []string
	allowed := append(append([]string{}, pulumiCommands[cmd]...), pulumiGlobalFlags...)
	for _, f := range fields[1:] {
		if !strings.HasPrefix(f, "-") || f == "-" {
			continue
		}
		name, _, _ := strings.Cut(f, "=")
		found := false
		for _, a := range allowed {
			found = found || a == name
		}
		if !found {
			problems = append(problems, "pulumi "+cmd+" has no flag "+name)
		}
	}
	return problems
}

// Every pulumi command the docs tell someone to run exists, with the
// flags it is given: a newcomer following docs/deployment.md never meets
// an unknown command or flag.
func TestDocsNameRealPulumiCommands(t *testing.T) {
	root := filepath.Join("..", "..")
	files := []string{filepath.Join(root, "README.md")}
	for _, glob := range []string{"docs/*.md", "docs/runbooks/*.md"} {
		more, err := filepath.Glob(filepath.Join(root, glob))
		require.NoError(t, err)
		files = append(files, more...)
	}
	sort.Strings(files)
	seen := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, inv := range pulumiInvocations(string(data)) {
			seen++
			for _, p := range checkPulumiInvocation(inv) {
				t.Errorf("%s: %q: %s", f, inv, p)
			}
		}
	}
	assert.Greater(t, seen, 30, "the docs name pulumi commands; the extraction found too few")
}

func TestPulumiInvocationCheck(t *testing.T) {
	for line, want := range map[string]string{
		"pulumi stack init dev --secrets-provider \"$KEY\"":         "",
		"pulumi stack change-secrets-provider --stack prod \"url\"": "",
		"pulumi import --file import.json --protect=false":          "",
		"pulumi stack rm prod":                                      "unknown command pulumi stack rm",
		"pulumi stack init dev --secret-provider x":                 "pulumi stack init has no flag --secret-provider",
		"pulumi refresh --clear-pending-create":                     "pulumi refresh has no flag --clear-pending-create",
		"pulumi deploy --stack dev":                                 "unknown command pulumi deploy",
	} {
		got := strings.Join(checkPulumiInvocation(line), "; ")
		if want == "" {
			assert.Empty(t, got, line)
		} else {
			assert.Contains(t, got, want, line)
		}
	}
	assert.Equal(t, []string{"pulumi stack output backendUrl", "pulumi login \"$BACKEND\""},
		pulumiInvocations("```sh\nBACKEND=$(pulumi stack output backendUrl)\npulumi login \"$BACKEND\"\n```\n"))
	assert.Equal(t, []string{"pulumi cancel"}, pulumiInvocations("then `pulumi cancel` and retry"))
}
