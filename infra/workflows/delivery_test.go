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

func readRepoFile(t *testing.T, root, path string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, path))
	require.NoError(t, err)
	return string(data)
}

func stepWith(j *job, pred func(*step) bool) *step {
	for _, s := range j.Steps {
		if pred(s) {
			return s
		}
	}
	return nil
}

// The prod and staging deploys run the canary controller; dev does not.
// Before: prod deployed with a plain `pulumi up` and no workflow ran it.
func TestReleasesGoThroughTheController(t *testing.T) {
	r, problems := loadRepo(repoRoot, buildCLI(t))
	require.Empty(t, problems)
	deploy := r.workflows[".github/workflows/deploy.yml"]
	for job, want := range map[string]string{"up-dev": "", "up-staging": "true", "up-prod": "true"} {
		j := deploy.Jobs[job]
		require.NotNil(t, j, job)
		assert.Equal(t, "./.github/workflows/deploy-stack.yml", j.Uses, job)
		assert.Equal(t, want, j.With["rollout"], "%s: rollout", job)
	}
	assert.Equal(t, "1m", deploy.Jobs["up-staging"].With["rollout-interval"], "staging: same path, shorter windows")

	stack := r.workflows[".github/workflows/deploy-stack.yml"].Jobs["deploy"]
	release := stepWith(stack, func(s *step) bool { return s.ID == "release" })
	require.NotNil(t, release, "a step decides what to roll out")
	assert.Contains(t, release.Run, "pulumi stack output stableRelease", "what serves traffic comes from the stack")
	assert.Contains(t, release.Run, "weight=0\n", "a new release is deployed at weight 0")
	assert.Contains(t, release.Run, `--path 'app.canary.weight' "${weight:-0}"`)
	ro := stepWith(stack, func(s *step) bool { return s.ID == "rollout" })
	require.NotNil(t, ro, "the controller runs in the deploy")
	assert.Contains(t, ro.Run, `misyinfra" rollout start --stack "$STACK"`)
	assert.Contains(t, ro.Run, "--policy-pack ./policy", "the controller's stack updates run with the policy pack")
	assert.Equal(t, "steps.release.outputs.rollout == 'true'", ro.If)
	up := -1
	for i, s := range stack.Steps {
		if s.Uses != "" && actionName(s.Uses) == "pulumi/actions" && s.With["command"] == "up" {
			up = i
		}
	}
	order := map[string]int{}
	for i, s := range stack.Steps {
		if s.ID != "" {
			order[s.ID] = i
		}
	}
	assert.Less(t, order["release"], up, "the release is decided before the deploy")
	assert.Less(t, up, order["smoke"])
	assert.Less(t, order["smoke"], order["rollout"], "the canary's health is checked before any traffic")
	issue := stepWith(stack, func(s *step) bool { return strings.Contains(s.Run, "gh issue create") })
	require.NotNil(t, issue, "a rollback opens an issue")
	assert.Contains(t, issue.If, "steps.rollout.outcome == 'failure'")
}

// After a fast rollback the smoke test checked the rolled-back canary and
// failed; SMOKE_TEST_HTTP=true cannot work on hosted runners.
func TestSmokeTestAfterAFastRollback(t *testing.T) {
	r, problems := loadRepo(repoRoot, buildCLI(t))
	require.Empty(t, problems)
	stack := r.workflows[".github/workflows/deploy-stack.yml"].Jobs["deploy"]
	smoke := stepWith(stack, func(s *step) bool { return s.ID == "smoke" })
	require.NotNil(t, smoke)
	assert.Regexp(t, `if \[ "\$MODE" != canary-off \]; then\s+revisions="\$stable \$canary"`, smoke.Run,
		"the canary is checked only outside a fast rollback")
	assert.NotContains(t, smoke.Run, `for revision in $stable $canary`)
	for _, f := range []string{".github/workflows/deploy-stack.yml", "docs/runbooks/canary-release.md", "docs/progressive-delivery.md"} {
		if _, err := os.Stat(filepath.Join(repoRoot, f)); err == nil {
			assert.NotContains(t, readRepoFile(t, repoRoot, f), "SMOKE_TEST_HTTP", f)
		}
	}
}

// The drift issue had an empty diff: pulumi/actions fails on
// --expect-no-changes before setting its output.
func TestDriftKeepsTheDiff(t *testing.T) {
	r, problems := loadRepo(repoRoot, buildCLI(t))
	require.Empty(t, problems)
	drift := r.workflows[".github/workflows/drift.yml"].Jobs["drift"]
	preview := stepWith(drift, func(s *step) bool { return s.ID == "preview" })
	require.NotNil(t, preview)
	assert.Empty(t, preview.Uses, "a run: step, not pulumi/actions")
	assert.Contains(t, preview.Run, "--refresh --expect-no-changes --diff")
	assert.Contains(t, preview.Run, `| tee "drift/$STACK.log"`)
	assert.Contains(t, preview.Run, "PIPESTATUS[0]", "the preview's exit status, not tee's")
	record := stepWith(drift, func(s *step) bool { return s.Name == "Record the result" })
	require.NotNil(t, record)
	assert.NotContains(t, record.Run+record.Env["OUTPUT"], "steps.preview.outputs.output")
	assert.Contains(t, record.Run, `drift/$STACK.log`)
}

// The redeploy rollback accepted any ref: an unmerged branch reached dev
// and staging without review.
func TestRedeployOnlyFromMain(t *testing.T) {
	r, problems := loadRepo(repoRoot, buildCLI(t))
	require.Empty(t, problems)
	check := r.workflows[".github/workflows/rollback.yml"].Jobs["check"]
	require.NotNil(t, check)
	s := stepWith(check, func(s *step) bool { return strings.Contains(s.Run, "merge-base") })
	require.NotNil(t, s)
	assert.Contains(t, s.Run, `git merge-base --is-ancestor "$commit" origin/main`)
	assert.Contains(t, s.Run, "git fetch --quiet origin main")
	co := stepWith(check, func(s *step) bool { return actionName(s.Uses) == "actions/checkout" })
	require.NotNil(t, co, "the check has the history to test ancestry")
	assert.Equal(t, "0", co.With["fetch-depth"])
}

// The post-deployment watch runs on a schedule and calls the watch command.
func TestPostDeploymentWatch(t *testing.T) {
	r, problems := loadRepo(repoRoot, buildCLI(t))
	require.Empty(t, problems)
	w := r.workflows[".github/workflows/watch.yml"]
	require.NotNil(t, w, "a watch workflow")
	assert.Contains(t, w.triggers(), "schedule")
	j := w.Jobs["watch"]
	require.NotNil(t, j)
	s := stepWith(j, func(s *step) bool { return s.ID == "watch" })
	require.NotNil(t, s)
	assert.Contains(t, s.Run, `misyinfra" rollout watch --stack "$STACK" --promoted-at "$PROMOTED_AT"`)
	assert.NotNil(t, stepWith(j, func(s *step) bool { return strings.Contains(s.Run, "gh issue create") }), "a breach opens an issue")
	assert.NotNil(t, stepWith(j, func(s *step) bool { return strings.Contains(s.Run, "gh workflow run rollback.yml") }), "a severe breach rolls back")
}

// stackLists finds the stack lists of a file: YAML flow lists, JavaScript
// arrays and shell for-loops that hold "dev".
var stackLists = []*regexp.Regexp{
	regexp.MustCompile(`\[([a-z0-9-]+(?:,\s*[a-z0-9-]+)*)\]`),
	regexp.MustCompile(`\[('[a-z0-9-]+'(?:,\s*'[a-z0-9-]+')*)\]`),
	regexp.MustCompile(`for stack in ([a-z0-9 -]+?);`),
}

func stackListProblems(root string) []string {
	files, _ := filepath.Glob(filepath.Join(root, "Pulumi.*.yaml"))
	var stacks []string
	for _, f := range files {
		stacks = append(stacks, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "Pulumi."), ".yaml"))
	}
	sort.Strings(stacks)
	want := strings.Join(stacks, " ")
	var problems []string
	for _, path := range []string{".github/workflows/pull-request.yml", ".github/workflows/drift.yml", ".github/workflows/deploy.yml",
		".github/workflows/rollback.yml", ".github/workflows/watch.yml", ".ci/run"} {
		data, err := os.ReadFile(filepath.Join(root, path))
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		lists := 0
		for _, re := range stackLists {
			for _, m := range re.FindAllStringSubmatch(string(data), -1) {
				items := strings.FieldsFunc(m[1], func(r rune) bool { return r == ',' || r == ' ' || r == '\'' })
				if !contains(items, "dev") {
					continue
				}
				lists++
				sort.Strings(items)
				if got := strings.Join(items, " "); got != want {
					problems = append(problems, path+": stack list ["+got+"] is not the stacks of the Pulumi.<stack>.yaml files ["+want+"]")
				}
			}
		}
		if path == ".github/workflows/deploy.yml" {
			// Its stacks are the deploy jobs, checked by the workflow checks.
			continue
		}
		if lists == 0 {
			problems = append(problems, path+": no stack list found")
		}
	}
	return problems
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// The stack lists of the workflows and .ci/run were not checked against
// the stack files.
func TestStackListsMatchTheStackFiles(t *testing.T) {
	assert.Empty(t, stackListProblems(repoRoot))

	dir := tempRepo(t)
	// tempRepo links .ci: replace it with a copy that forgets prod.
	require.NoError(t, os.Remove(filepath.Join(dir, ".ci")))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, ".ci"), 0o755))
	run := strings.Replace(readRepoFile(t, repoRoot, ".ci/run"), "for stack in dev staging prod;", "for stack in dev staging;", 1)
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".ci", "run"), []byte(run), 0o755))
	drift := strings.Replace(readRepoFile(t, dir, ".github/workflows/drift.yml"), "['dev', 'staging', 'prod']", "['dev', 'staging']", 1)
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".github/workflows/drift.yml"), []byte(drift), 0o644))
	problems := stackListProblems(dir)
	assert.Len(t, problems, 2, "%v", problems)
	assert.Contains(t, strings.Join(problems, "\n"), ".ci/run: stack list [dev staging]")
	assert.Contains(t, strings.Join(problems, "\n"), "drift.yml: stack list [dev staging]")
}

// The Pulumi CLI is pinned once per workflow, to the SDK's version in go.mod.
func TestOnePulumiVersion(t *testing.T) {
	gomod := readRepoFile(t, repoRoot, "go.mod")
	m := regexp.MustCompile(`github.com/pulumi/pulumi/sdk/v3 v(\S+)`).FindStringSubmatch(gomod)
	require.NotNil(t, m)
	files, err := filepath.Glob(filepath.Join(repoRoot, ".github", "workflows", "*.yml"))
	require.NoError(t, err)
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		text := string(data)
		for _, pin := range regexp.MustCompile(`pulumi-version: (\S+)`).FindAllStringSubmatch(text, -1) {
			assert.Equal(t, "${{", pin[1], "%s: pulumi-version %s: use env.PULUMI_VERSION", filepath.Base(f), pin[1])
		}
		for _, v := range regexp.MustCompile(`PULUMI_VERSION: (\S+)`).FindAllStringSubmatch(text, -1) {
			assert.Equal(t, m[1], v[1], "%s: the Pulumi CLI is the SDK's version", filepath.Base(f))
		}
	}
}
