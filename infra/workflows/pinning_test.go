package workflows

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Actions are pinned to a full commit SHA with the version it is in a
// comment: "Pinning an action to a full length commit SHA is currently
// the only way to use an action as an immutable release"
// (https://docs.github.com/en/actions/security-for-github-actions/security-guides/security-hardening-for-github-actions#using-third-party-actions).
// Each SHA was read, with its version, from at least two independent
// public repositories that pin it (docs/progressive-delivery.md, "Action
// pinning"); a tag stays only where no SHA could be established that
// way, in this list with the reason. A wrong SHA breaks the pipeline, an
// unverified one is worse than a tag.
var unpinnedAllowed = map[string]string{
	"pulumi/actions@v6":                    "no public repository found pinning a v6 release by SHA: not established",
	"github/codeql-action/upload-sarif@v3": "no public pin of a v3 release found (only v4.x SHAs): not established",
	"azure/load-testing@v1":                "no public pin found: not established",
}

var (
	usesLine  = regexp.MustCompile(`^\s*(?:-\s+)?uses:\s*(\S+)\s*(#.*)?$`)
	shaPinned = regexp.MustCompile(`^[\w.-]+/[\w.-]+(?:/[\w./-]+)?@[0-9a-f]{40}$`)
	versionOf = regexp.MustCompile(`^#\s*v\d+\.\d+\.\d+$`)
)

type usesRef struct {
	file    string
	line    int
	ref     string
	comment string
}

func usesRefs(t *testing.T, root string) []usesRef {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(root, ".github/workflows/*.yml"))
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	var refs []usesRef
	for _, p := range paths {
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		for i, l := range strings.Split(string(data), "\n") {
			if m := usesLine.FindStringSubmatch(l); m != nil {
				refs = append(refs, usesRef{file: filepath.Base(p), line: i + 1, ref: m[1], comment: strings.TrimSpace(m[2])})
			}
		}
	}
	return refs
}

// checkPins returns the problems of the uses: references: neither pinned
// (SHA + version comment) nor allowed, one action pinned to two SHAs, an
// allowance nobody uses.
func checkPins(refs []usesRef, allowed map[string]string) []string {
	var problems []string
	shaOf := map[string]string{}
	used := map[string]bool{}
	for _, r := range refs {
		at := r.file + ":" + strconv.Itoa(r.line)
		switch {
		case strings.HasPrefix(r.ref, "./"):
		case allowed[r.ref] != "":
			used[r.ref] = true
		case !shaPinned.MatchString(r.ref):
			problems = append(problems, at+": "+r.ref+" is not pinned to a full commit SHA (and not in the allowlist with a reason)")
		case !versionOf.MatchString(r.comment):
			problems = append(problems, at+": "+r.ref+" has no \"# vX.Y.Z\" comment naming the pinned release")
		default:
			name, sha, _ := strings.Cut(r.ref, "@")
			repo := strings.Join(strings.SplitN(name, "/", 3)[:2], "/")
			key := repo + " " + r.comment
			if prev, ok := shaOf[key]; ok && prev != sha {
				problems = append(problems, at+": "+repo+" "+r.comment+" pinned to "+sha+" here and "+prev+" elsewhere")
			}
			shaOf[key] = sha
		}
	}
	var stale []string
	for ref := range allowed {
		if !used[ref] {
			stale = append(stale, "allowlist entry "+ref+" is used by no workflow: remove it")
		}
	}
	sort.Strings(stale)
	return append(problems, stale...)
}

func TestActionsArePinnedToCommits(t *testing.T) {
	refs := usesRefs(t, repoRoot)
	assert.Empty(t, checkPins(refs, unpinnedAllowed))
	for ref, reason := range unpinnedAllowed {
		assert.NotEmpty(t, strings.TrimSpace(reason), "%s: the allowlist says why", ref)
	}
}

// The check catches what it is for.
func TestPinCheckCatches(t *testing.T) {
	good := "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683"
	tests := []struct {
		name string
		refs []usesRef
		want string
	}{
		{"a tag", []usesRef{{file: "x.yml", line: 3, ref: "actions/checkout@v4"}}, "x.yml:3: actions/checkout@v4 is not pinned"},
		{"a short SHA", []usesRef{{file: "x.yml", line: 3, ref: "actions/checkout@11bd719", comment: "# v4.2.2"}}, "is not pinned"},
		{"no version comment", []usesRef{{file: "x.yml", line: 3, ref: good}}, "has no \"# vX.Y.Z\" comment"},
		{"a major-only comment", []usesRef{{file: "x.yml", line: 3, ref: good, comment: "# v4"}}, "has no \"# vX.Y.Z\" comment"},
		{"two SHAs for one release", []usesRef{{file: "x.yml", line: 3, ref: good, comment: "# v4.2.2"},
			{file: "y.yml", line: 9, ref: "actions/checkout@0000000000000000000000000000000000000000", comment: "# v4.2.2"}}, "pinned to 0000"},
		{"a stale allowance", nil, "allowlist entry pulumi/actions@v6 is used by no workflow"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			problems := checkPins(tt.refs, map[string]string{"pulumi/actions@v6": "reason"})
			require.NotEmpty(t, problems)
			assert.Contains(t, strings.Join(problems, "\n"), tt.want)
		})
	}
	assert.Empty(t, checkPins([]usesRef{{file: "x.yml", line: 3, ref: good, comment: "# v4.2.2"},
		{file: "x.yml", line: 4, ref: "./.github/workflows/deploy-stack.yml"}}, nil))
}
