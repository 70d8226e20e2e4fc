package workflows

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/rhysd/actionlint"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

const repoRoot = "../.."

// ---- the workflow model (what the checks read) ----

type workflow struct {
	path        string            // relative to the repository root
	Name        string            `yaml:"name"`
	On          yaml.Node         `yaml:"on"`
	Permissions yaml.Node         `yaml:"permissions"`
	Env         map[string]string `yaml:"env"`
	Jobs        map[string]*job   `yaml:"jobs"`
}

type job struct {
	id          string
	Name        string    `yaml:"name"`
	Needs       yaml.Node `yaml:"needs"`
	If          string    `yaml:"if"`
	Permissions yaml.Node `yaml:"permissions"`
	Environment yaml.Node `yaml:"environment"`
	Concurrency yaml.Node `yaml:"concurrency"`
	Strategy    struct {
		Matrix map[string]any `yaml:"matrix"`
	} `yaml:"strategy"`
	Env      map[string]string `yaml:"env"`
	Defaults struct {
		Run struct {
			WorkingDirectory string `yaml:"working-directory"`
		} `yaml:"run"`
	} `yaml:"defaults"`
	Steps []*step           `yaml:"steps"`
	Uses  string            `yaml:"uses"`
	With  map[string]string `yaml:"with"`
}

type step struct {
	Name             string            `yaml:"name"`
	ID               string            `yaml:"id"`
	If               string            `yaml:"if"`
	Uses             string            `yaml:"uses"`
	Run              string            `yaml:"run"`
	With             map[string]string `yaml:"with"`
	Env              map[string]string `yaml:"env"`
	WorkingDirectory string            `yaml:"working-directory"`
}

func parseWorkflow(path string, data []byte) (*workflow, error) {
	var w workflow
	if err := yaml.Unmarshal(data, &w); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	w.path = path
	for id, j := range w.Jobs {
		j.id = id
	}
	return &w, nil
}

func (w *workflow) jobIDs() []string {
	ids := make([]string, 0, len(w.Jobs))
	for id := range w.Jobs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// triggers returns the events the workflow runs on.
func (w *workflow) triggers() map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	switch w.On.Kind {
	case yaml.ScalarNode:
		out[w.On.Value] = nil
	case yaml.SequenceNode:
		for _, n := range w.On.Content {
			out[n.Value] = nil
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(w.On.Content); i += 2 {
			out[w.On.Content[i].Value] = w.On.Content[i+1]
		}
	}
	return out
}

// input returns the definition of an input of workflow_dispatch or
// workflow_call.
func (w *workflow) input(event, name string) map[string]any {
	n := w.triggers()[event]
	if n == nil {
		return nil
	}
	var def struct {
		Inputs map[string]map[string]any `yaml:"inputs"`
	}
	if err := n.Decode(&def); err != nil {
		return nil
	}
	return def.Inputs[name]
}

func (j *job) needs() []string {
	switch j.Needs.Kind {
	case yaml.ScalarNode:
		return []string{j.Needs.Value}
	case yaml.SequenceNode:
		var out []string
		for _, n := range j.Needs.Content {
			out = append(out, n.Value)
		}
		return out
	}
	return nil
}

// permissions decodes a permissions node: nil when absent; "read-all" and
// "write-all" become a single "*" entry.
func permissions(n yaml.Node) map[string]string {
	switch n.Kind {
	case yaml.ScalarNode:
		return map[string]string{"*": strings.TrimSuffix(n.Value, "-all")}
	case yaml.MappingNode:
		out := map[string]string{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			out[n.Content[i].Value] = n.Content[i+1].Value
		}
		return out
	}
	return nil
}

// scalarOrField returns a node's value, or the value of field when it is a
// mapping (environment: {name: ...}, concurrency: {group: ...}).
func scalarOrField(n yaml.Node, field string) string {
	switch n.Kind {
	case yaml.ScalarNode:
		return n.Value
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == field {
				return n.Content[i+1].Value
			}
		}
	}
	return ""
}

func actionName(uses string) string {
	name, _, _ := strings.Cut(uses, "@")
	return strings.ToLower(name)
}

// ---- the repository as the checks see it ----

type repo struct {
	root      string
	workflows map[string]*workflow // by path
	stacks    map[string]bool
	cli       *cliTree
}

func loadRepo(root string, cli *cliTree) (*repo, []string) {
	r := &repo{root: root, workflows: map[string]*workflow{}, stacks: map[string]bool{}, cli: cli}
	stackFiles, _ := filepath.Glob(filepath.Join(root, "Pulumi.*.yaml"))
	for _, f := range stackFiles {
		r.stacks[strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "Pulumi."), ".yaml")] = true
	}
	var problems []string
	files, _ := filepath.Glob(filepath.Join(root, ".github", "workflows", "*.y*ml"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		rel, _ := filepath.Rel(root, f)
		w, err := parseWorkflow(filepath.ToSlash(rel), data)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		r.workflows[w.path] = w
	}
	return r, problems
}

func (r *repo) paths() []string {
	out := make([]string, 0, len(r.workflows))
	for p := range r.workflows {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func (r *repo) exists(path string) bool {
	_, err := os.Stat(filepath.Join(r.root, filepath.FromSlash(path)))
	return err == nil
}

// ---- resolving values: what can ${{ matrix.stack }} or "$STACK" be? ----

var exprPattern = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)

// resolve returns every value s can take in a step (nil step: job level),
// or nil when some part cannot be known statically (a secret, an output).
func (r *repo) resolve(w *workflow, j *job, s *step, v string) []string {
	v = strings.Trim(strings.TrimSpace(v), `"'`)
	if name, ok := shellVar(v); ok {
		for _, env := range []map[string]string{stepEnv(s), j.Env, w.Env} {
			if val, ok := env[name]; ok {
				return r.resolve(w, j, s, val)
			}
		}
		return nil
	}
	results := []string{""}
	rest := v
	for {
		loc := exprPattern.FindStringSubmatchIndex(rest)
		if loc == nil {
			break
		}
		vals := r.resolveExpr(w, j, rest[loc[2]:loc[3]])
		if vals == nil {
			return nil
		}
		var next []string
		for _, prefix := range results {
			for _, val := range vals {
				next = append(next, prefix+rest[:loc[0]]+val)
			}
		}
		results, rest = next, rest[loc[1]:]
	}
	for i := range results {
		results[i] += rest
	}
	return results
}

func stepEnv(s *step) map[string]string {
	if s == nil {
		return nil
	}
	return s.Env
}

var shellVarPattern = regexp.MustCompile(`^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$`)

func shellVar(v string) (string, bool) {
	m := shellVarPattern.FindStringSubmatch(v)
	if m == nil {
		return "", false
	}
	return m[1], true
}

func (r *repo) resolveExpr(w *workflow, j *job, expr string) []string {
	switch {
	case strings.HasPrefix(expr, "matrix."):
		return matrixValues(j, strings.TrimPrefix(expr, "matrix."))
	case strings.HasPrefix(expr, "inputs."), strings.HasPrefix(expr, "github.event.inputs."):
		name := expr[strings.LastIndex(expr, ".")+1:]
		if def := w.input("workflow_dispatch", name); def != nil {
			if opts, ok := def["options"].([]any); ok {
				var out []string
				for _, o := range opts {
					out = append(out, fmt.Sprint(o))
				}
				return out
			}
			return nil
		}
		if w.input("workflow_call", name) != nil {
			return r.callerValues(w.path, name)
		}
	}
	return nil
}

func matrixValues(j *job, key string) []string {
	var out []string
	if vals, ok := j.Strategy.Matrix[key].([]any); ok {
		for _, v := range vals {
			out = append(out, fmt.Sprint(v))
		}
	}
	if inc, ok := j.Strategy.Matrix["include"].([]any); ok {
		for _, e := range inc {
			if m, ok := e.(map[string]any); ok && m[key] != nil {
				out = append(out, fmt.Sprint(m[key]))
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// callerValues: what the jobs calling a reusable workflow pass as input.
func (r *repo) callerValues(path, input string) []string {
	var out []string
	for _, p := range r.paths() {
		w := r.workflows[p]
		for _, id := range w.jobIDs() {
			j := w.Jobs[id]
			if strings.TrimPrefix(j.Uses, "./") != path {
				continue
			}
			v, ok := j.With[input]
			if !ok {
				continue
			}
			vals := r.resolve(w, j, nil, v)
			if vals == nil {
				return nil
			}
			out = append(out, vals...)
		}
	}
	return out
}

// ---- the misyinfra command tree, from the real command's --help ----

type cliTree struct {
	bin   string
	mu    sync.Mutex
	cache map[string]cliCommand
}

type cliCommand struct {
	subcommands map[string]bool
	flags       map[string]bool // "--stack", "-o"
}

var (
	flagLine   = regexp.MustCompile(`^\s+(?:-([A-Za-z0-9]),\s+)?--([a-z0-9-]+)`)
	commandRow = regexp.MustCompile(`^\s+([a-z][a-z0-9-]*)\s`)
)

func (c *cliTree) command(path []string) (cliCommand, error) {
	key := strings.Join(path, " ")
	c.mu.Lock()
	defer c.mu.Unlock()
	if cmd, ok := c.cache[key]; ok {
		return cmd, nil
	}
	out, err := exec.Command(c.bin, append(append([]string{}, path...), "--help")...).CombinedOutput()
	if err != nil {
		return cliCommand{}, fmt.Errorf("misyinfra %s --help: %v: %s", key, err, out)
	}
	cmd := cliCommand{subcommands: map[string]bool{}, flags: map[string]bool{}}
	section := ""
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		line := sc.Text()
		if line != "" && !strings.HasPrefix(line, " ") {
			section = line
			continue
		}
		switch {
		case strings.HasPrefix(section, "Available Commands"):
			if m := commandRow.FindStringSubmatch(line); m != nil {
				cmd.subcommands[m[1]] = true
			}
		case strings.HasPrefix(section, "Flags") || strings.HasPrefix(section, "Global Flags"):
			if m := flagLine.FindStringSubmatch(line); m != nil {
				cmd.flags["--"+m[2]] = true
				if m[1] != "" {
					cmd.flags["-"+m[1]] = true
				}
			}
		}
	}
	c.cache[key] = cmd
	return cmd, nil
}

var (
	cliOnce sync.Once
	cliBin  string
	cliErr  error
)

// buildCLI builds misyinfra once for all tests (from the build cache: fast).
func buildCLI(t *testing.T) *cliTree {
	t.Helper()
	cliOnce.Do(func() {
		dir, err := os.MkdirTemp("", "misyinfra-workflows-")
		if err != nil {
			cliErr = err
			return
		}
		cliBin = filepath.Join(dir, "misyinfra")
		cmd := exec.Command("go", "build", "-o", cliBin, "./infra/cmd/misyinfra")
		cmd.Dir = repoRoot
		if out, err := cmd.CombinedOutput(); err != nil {
			cliErr = fmt.Errorf("go build ./infra/cmd/misyinfra: %v: %s", err, out)
		}
	})
	require.NoError(t, cliErr)
	return &cliTree{bin: cliBin, cache: map[string]cliCommand{}}
}

// ---- the checks ----

// check returns every problem of the repository's workflows, one a line,
// each naming the file and the job.
func (r *repo) check() []string {
	var problems []string
	add := func(w *workflow, j *job, format string, args ...any) {
		where := w.path
		if j != nil {
			where += ": job " + j.id
		}
		problems = append(problems, where+": "+fmt.Sprintf(format, args...))
	}
	stackNamed := map[string]map[string]bool{} // workflow -> stacks it names
	checkStacks := func(w *workflow, j *job, s *step, what, raw string, suffixes ...string) {
		vals := r.resolve(w, j, s, raw)
		for _, v := range vals {
			stack := v
			for _, suf := range suffixes {
				if s, ok := strings.CutSuffix(v, suf); ok && r.stacks[s] {
					stack = s
				}
			}
			if !r.stacks[stack] {
				add(w, j, "%s %q is not a stack of this repository (no Pulumi.%s.yaml)", what, v, stack)
				continue
			}
			if stackNamed[w.path] == nil {
				stackNamed[w.path] = map[string]bool{}
			}
			stackNamed[w.path][stack] = true
		}
	}

	for _, path := range r.paths() {
		w := r.workflows[path]
		wperms := permissions(w.Permissions)
		if wperms == nil {
			add(w, nil, "no top-level permissions: set `permissions: contents: read` and grant more per job")
		}
		for scope, level := range wperms {
			if level == "write" {
				add(w, nil, "top-level permission %s: write: grant write access only on the jobs that need it", scope)
			}
		}
		if def := w.input("workflow_dispatch", "stack"); def != nil {
			checkStacks(w, nil, nil, "workflow_dispatch input stack option", "${{ inputs.stack }}")
		}
		_, onPullRequest := w.triggers()["pull_request"]
		_, onPush := w.triggers()["push"]
		_, onPRTarget := w.triggers()["pull_request_target"]
		if onPRTarget {
			add(w, nil, "pull_request_target runs fork code with secrets: use pull_request")
		}

		for _, id := range w.jobIDs() {
			j := w.Jobs[id]
			if _, ok := j.Strategy.Matrix["stack"]; ok {
				checkStacks(w, j, nil, "matrix stack", "${{ matrix.stack }}")
			}
			env := scalarOrField(j.Environment, "name")
			if env != "" {
				checkStacks(w, j, nil, "environment", env, "-drift", "-preview")
			}

			// What the job does.
			logsIn, sarif, script, deploys, usesSecrets := false, false, false, false, false
			var upSteps []*step
			if j.Uses != "" {
				local := strings.TrimPrefix(j.Uses, "./")
				if strings.HasPrefix(j.Uses, "./") && !r.exists(local) {
					add(w, j, "calls %s, which does not exist", j.Uses)
				}
				if called := r.workflows[local]; called != nil {
					for _, cid := range called.jobIDs() {
						if called.Jobs[cid].logsIn() {
							logsIn = true
						}
						if called.Jobs[cid].deploys() {
							deploys = true
						}
					}
				}
				if v, ok := j.With["stack"]; ok {
					checkStacks(w, j, nil, "stack input", v)
				}
				usesSecrets = logsIn
			}
			for _, s := range j.Steps {
				name := actionName(s.Uses)
				switch {
				case s.Uses == "":
				case strings.HasPrefix(s.Uses, "./"):
					if !r.exists(strings.TrimPrefix(s.Uses, "./")) {
						add(w, j, "uses %s, which does not exist", s.Uses)
					}
				case strings.HasPrefix(s.Uses, "docker://"):
				default:
					if !pinnedAction.MatchString(s.Uses) {
						add(w, j, "%s: pin the action to a version (@vN) or a commit", s.Uses)
					}
				}
				switch name {
				case "azure/login":
					logsIn, usesSecrets = true, true
				case "github/codeql-action/upload-sarif":
					sarif = true
				case "actions/github-script":
					script = true
				case "pulumi/actions":
					if v, ok := s.With["stack-name"]; ok {
						checkStacks(w, j, s, "stack-name", v)
					}
					cmd := s.With["command"]
					if cmd == "up" || cmd == "preview" {
						if pp := s.With["policyPacks"]; pp == "" {
							add(w, j, "pulumi %s without the policy pack (with: policyPacks: ./policy)", cmd)
						}
					}
					if cmd == "up" || cmd == "update" || cmd == "destroy" {
						upSteps = append(upSteps, s)
					}
				}
				for _, key := range []string{"policyPacks", "work-dir", "go-version-file"} {
					if v, ok := s.With[key]; ok && !strings.Contains(v, "${{") {
						for _, p := range strings.Split(v, "\n") {
							if p = strings.TrimSpace(p); p != "" && !r.exists(p) {
								add(w, j, "%s: %s: no such path in the repository", key, p)
							}
						}
					}
				}
				if strings.Contains(s.Run, "secrets.") || strings.Contains(fmt.Sprint(s.Env), "secrets.") || strings.Contains(fmt.Sprint(s.With), "secrets.") {
					usesSecrets = true
				}
				for _, wd := range []string{s.WorkingDirectory, j.Defaults.Run.WorkingDirectory} {
					if wd != "" && !strings.Contains(wd, "${{") && !r.exists(wd) {
						add(w, j, "working-directory %s does not exist", wd)
					}
				}
				if s.Run != "" {
					if ghComment.MatchString(s.Run) {
						script = true // the GitHub CLI opens or comments issues
					}
					problems = append(problems, r.checkScript(w, j, s, checkStacks)...)
					if pulumiUpScript.MatchString(s.Run) {
						upSteps = append(upSteps, s)
					}
				}
			}
			if len(upSteps) > 0 {
				deploys = true
			}
			for _, v := range j.Env {
				if strings.Contains(v, "secrets.") {
					usesSecrets = true
				}
			}

			// Least privilege.
			perms := permissions(j.Permissions)
			if perms == nil {
				perms = wperms
			}
			if perms["*"] == "write" {
				add(w, j, "write-all permissions")
			}
			if logsIn && perms["id-token"] != "write" {
				add(w, j, "logs in to Azure by OIDC without `id-token: write`")
			}
			if !logsIn && perms["id-token"] == "write" {
				add(w, j, "`id-token: write` on a job that does not log in")
			}
			if perms["security-events"] == "write" && !sarif {
				add(w, j, "`security-events: write` on a job that uploads no SARIF")
			}
			if sarif && perms["security-events"] != "write" {
				add(w, j, "uploads SARIF without `security-events: write`")
			}
			for _, scope := range []string{"pull-requests", "issues"} {
				// A caller of a reusable workflow grants what the callee needs.
				if perms[scope] == "write" && !script && j.Uses == "" {
					add(w, j, "`%s: write` on a job that does not comment", scope)
				}
			}
			if perms["contents"] == "write" {
				add(w, j, "`contents: write`: no job here pushes to the repository")
			}

			// A pull request signs in only as the stack's preview identity,
			// which federates the subject of its <stack>-preview environment
			// alone: a job outside it gets the shared pull_request subject,
			// which no identity trusts.
			// https://docs.github.com/actions/reference/security/oidc
			if onPullRequest && j.logsIn() && !strings.HasSuffix(env, "-preview") {
				add(w, j, "signs in to Azure on pull requests outside the stack's environment <stack>-preview (environment %q)", env)
			}
			// Secret names are letters, digits and underscores: a name built
			// from a stack (format('..._{0}', matrix.stack)) is invalid for
			// prod-eu2.
			// https://docs.github.com/actions/security-for-github-actions/security-guides/using-secrets-in-github-actions#naming-your-secrets
			for _, v := range j.expressions() {
				if strings.Contains(v, "secrets[") {
					add(w, j, "builds a secret name (%s): name it, in the stack's environment", v)
				}
			}

			// Secrets never reach fork pull requests.
			if onPullRequest && usesSecrets && !strings.Contains(j.If, "head.repo.fork") {
				add(w, j, "uses secrets on pull requests without skipping forks (if: github.event.pull_request.head.repo.fork == false)")
			}

			// Deployment gates.
			if deploys && j.Uses == "" {
				if env == "" {
					add(w, j, "deploys without a GitHub environment (environment: <stack>)")
				}
				group := scalarOrField(j.Concurrency, "group")
				cancel := scalarOrField(j.Concurrency, "cancel-in-progress")
				for _, s := range upSteps {
					stacks := r.resolve(w, j, s, s.With["stack-name"])
					groups := r.resolve(w, j, nil, group)
					envs := r.resolve(w, j, nil, env)
					if s.Uses == "" { // a pulumi up in a script: its stack is the job's environment
						stacks = envs
					}
					if group == "" || !sameStrings(groups, prefixed("deploy-", stacks)) {
						add(w, j, "deploys stack %v outside its concurrency group deploy-<stack> (concurrency.group %q)", stacks, group)
					}
					if cancel != "false" {
						add(w, j, "a deployment must never be cancelled midway: concurrency.cancel-in-progress: false")
					}
					if env != "" && !sameStrings(envs, stacks) {
						add(w, j, "deploys stack %v in environment %v: they must be the same", stacks, envs)
					}
				}
			}
		}
		if onPush {
			problems = append(problems, r.checkDeployOrder(w)...)
		}
	}
	// A workflow that names stacks names all of them.
	for _, path := range r.paths() {
		named := stackNamed[path]
		if len(named) == 0 {
			continue
		}
		for stack := range r.stacks {
			if !named[stack] {
				problems = append(problems, fmt.Sprintf("%s: never names stack %s (Pulumi.%s.yaml): every stack is planned, deployed and checked", path, stack, stack))
			}
		}
	}
	sort.Strings(problems)
	return problems
}

// expressions are the job's env, with and step values.
func (j *job) expressions() []string {
	var out []string
	for _, v := range j.Env {
		out = append(out, v)
	}
	for _, v := range j.With {
		out = append(out, v)
	}
	for _, s := range j.Steps {
		for _, v := range s.Env {
			out = append(out, v)
		}
		for _, v := range s.With {
			out = append(out, v)
		}
		out = append(out, s.Run)
	}
	sort.Strings(out)
	return out
}

func (j *job) logsIn() bool {
	for _, s := range j.Steps {
		if actionName(s.Uses) == "azure/login" {
			return true
		}
	}
	return false
}

func (j *job) deploys() bool {
	for _, s := range j.Steps {
		if actionName(s.Uses) == "pulumi/actions" && (s.With["command"] == "up" || s.With["command"] == "update") {
			return true
		}
	}
	return false
}

func (j *job) runsTests() bool {
	for _, s := range j.Steps {
		if strings.Contains(s.Run, "go test") || strings.Contains(s.Run, ".ci/run") {
			return true
		}
	}
	return false
}

var stackRank = map[string]int{"dev": 0, "staging": 1, "prod": 2}

// checkDeployOrder: on push, stacks deploy after the tests and in the order
// dev, staging, prod, each stage needing the one before.
func (r *repo) checkDeployOrder(w *workflow) []string {
	var problems []string
	deployJob := map[int][]string{} // rank -> jobs deploying such a stack
	for _, id := range w.jobIDs() {
		j := w.Jobs[id]
		var stacks []string
		if called := r.workflows[strings.TrimPrefix(j.Uses, "./")]; called != nil {
			for _, cid := range called.jobIDs() {
				if called.Jobs[cid].deploys() {
					stacks = r.resolve(w, j, nil, j.With["stack"])
				}
			}
		} else if j.deploys() {
			stacks = r.resolve(w, j, nil, scalarOrField(j.Environment, "name"))
		}
		for _, s := range stacks {
			rank, ok := -1, false
			for prefix, rk := range stackRank {
				if strings.HasPrefix(s, prefix) {
					rank, ok = rk, true
				}
			}
			if ok {
				deployJob[rank] = append(deployJob[rank], id)
			}
		}
	}
	ancestors := func(id string) map[string]bool {
		seen := map[string]bool{}
		var visit func(string)
		visit = func(n string) {
			if j := w.Jobs[n]; j != nil {
				for _, need := range j.needs() {
					if !seen[need] {
						seen[need] = true
						visit(need)
					}
				}
			}
		}
		visit(id)
		return seen
	}
	for rank := 0; rank <= 2; rank++ {
		for _, id := range deployJob[rank] {
			anc := ancestors(id)
			tested := false
			for a := range anc {
				if w.Jobs[a] != nil && w.Jobs[a].runsTests() {
					tested = true
				}
			}
			if !tested {
				problems = append(problems, fmt.Sprintf("%s: job %s deploys before the tests pass (needs: a job running go test or .ci/run)", w.path, id))
			}
			if rank == 0 {
				continue
			}
			for _, prev := range deployJob[rank-1] {
				if !anc[prev] {
					problems = append(problems, fmt.Sprintf("%s: job %s deploys without waiting for %s (needs:): the order is dev, staging, prod", w.path, id, prev))
				}
			}
		}
	}
	return problems
}

func prefixed(prefix string, vals []string) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = prefix + v
	}
	return out
}

func sameStrings(a, b []string) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b)
	}
	set := func(s []string) string {
		c := append([]string(nil), s...)
		sort.Strings(c)
		return strings.Join(c, "\x00")
	}
	return set(a) == set(b)
}

var (
	pinnedAction    = regexp.MustCompile(`@(v\d+(\.\d+)*|[0-9a-f]{40})$`)
	pulumiUpScript  = regexp.MustCompile(`(?m)^\s*pulumi\s+(up|update|destroy)\b`)
	ghComment       = regexp.MustCompile(`\bgh (issue (create|comment|close)|pr comment)\b`)
	goPathPattern   = regexp.MustCompile(`\bgo\s+(?:run|build|test|vet|install)\b[^\n]*`)
	relPathPattern  = regexp.MustCompile(`(?:^|\s)(\.{1,2}/[\w./-]+)`)
	pulumiStackFlag = regexp.MustCompile(`\bpulumi\b[^\n|;&]*?(?:--stack|-s)[ =]("[^"]*"|'[^']*'|\S+)`)
	misyinfraCall   = regexp.MustCompile(`misyinfra["']?((?:[ \t]+[^\s|;&<>]+)*)`)
)

// checkScript checks the paths, the pulumi --stack values and the misyinfra
// invocations of a run script.
func (r *repo) checkScript(w *workflow, j *job, s *step, checkStacks func(*workflow, *job, *step, string, string, ...string)) []string {
	var problems []string
	add := func(format string, args ...any) {
		problems = append(problems, fmt.Sprintf("%s: job %s: ", w.path, j.id)+fmt.Sprintf(format, args...))
	}
	for _, line := range scriptLines(s.Run) {
		// Paths given to go commands and scripts started by path.
		for _, m := range goPathPattern.FindAllString(line, -1) {
			for _, p := range relPathPattern.FindAllStringSubmatch(m, -1) {
				path := strings.TrimSuffix(strings.TrimSuffix(p[1], "/..."), "/")
				if !r.exists(path) {
					add("%q: %s does not exist", strings.TrimSpace(line), p[1])
				}
			}
		}
		if f := strings.Fields(line); len(f) > 0 && (strings.HasPrefix(f[0], "./") || strings.HasPrefix(f[0], ".ci/")) && !r.exists(f[0]) {
			add("%q: %s does not exist", strings.TrimSpace(line), f[0])
		}
		for _, m := range pulumiStackFlag.FindAllStringSubmatch(line, -1) {
			checkStacks(w, j, s, "pulumi --stack", m[1])
		}
		// misyinfra invocations: `go run ./infra/cmd/misyinfra ARGS` or a
		// built binary "$RUNNER_TEMP/misyinfra" ARGS; `go build -o X
		// ./infra/cmd/misyinfra` builds it and is not an invocation.
		if strings.Contains(line, "go build") || strings.Contains(line, "go install") {
			continue
		}
		for _, m := range misyinfraCall.FindAllStringSubmatch(line, -1) {
			args := shellFields(m[1])
			if len(args) == 0 {
				add("%q: misyinfra without a command", strings.TrimSpace(line))
				continue
			}
			for _, p := range r.checkInvocation(w, j, s, args, checkStacks) {
				add("%q: %s", strings.TrimSpace(line), p)
			}
		}
	}
	return problems
}

// scriptLines joins continued lines and drops comments.
func scriptLines(script string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(script, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") {
			continue
		}
		if c, ok := strings.CutSuffix(trimmed, `\`); ok {
			cur.WriteString(strings.TrimSpace(c) + " ")
			continue
		}
		cur.WriteString(trimmed)
		out = append(out, cur.String())
		cur.Reset()
	}
	return out
}

// shellFields splits words, keeping quoted strings whole (quotes removed).
func shellFields(s string) []string {
	var out []string
	var cur strings.Builder
	quote, in := rune(0), false
	for _, c := range s {
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(c)
		case c == '"' || c == '\'':
			quote, in = c, true
		case c == ' ' || c == '\t':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(c)
			in = true
		}
	}
	if in {
		out = append(out, cur.String())
	}
	return out
}

// checkInvocation walks the real command tree with the words of a
// misyinfra invocation: unknown commands and flags are problems, and the
// --stack and --policy-config values are checked.
func (r *repo) checkInvocation(w *workflow, j *job, s *step, args []string, checkStacks func(*workflow, *job, *step, string, string, ...string)) []string {
	var path []string
	cmd, err := r.cli.command(nil)
	if err != nil {
		return []string{err.Error()}
	}
	i := 0
	for ; i < len(args) && !strings.HasPrefix(args[i], "-"); i++ {
		if len(cmd.subcommands) == 0 {
			break // a positional argument of the command
		}
		if !cmd.subcommands[args[i]] {
			return []string{fmt.Sprintf("unknown command %q: misyinfra %s has %s", strings.Join(append(path, args[i]), " "), strings.Join(path, " "), keys(cmd.subcommands))}
		}
		path = append(path, args[i])
		if cmd, err = r.cli.command(path); err != nil {
			return []string{err.Error()}
		}
	}
	if len(cmd.subcommands) > 0 {
		return []string{fmt.Sprintf("misyinfra %s needs a command: %s", strings.Join(path, " "), keys(cmd.subcommands))}
	}
	var problems []string
	for ; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" {
			continue
		}
		name, value, hasValue := strings.Cut(a, "=")
		if !cmd.flags[name] {
			problems = append(problems, fmt.Sprintf("misyinfra %s has no flag %s", strings.Join(path, " "), name))
			continue
		}
		if !hasValue && i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
			value = args[i+1]
		}
		switch name {
		case "--stack":
			checkStacks(w, j, s, "misyinfra --stack", value)
		case "--policy-config":
			if !strings.ContainsAny(value, "$") && !r.exists(value) {
				problems = append(problems, fmt.Sprintf("--policy-config %s does not exist", value))
			}
		}
	}
	return problems
}

func keys(m map[string]bool) string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// lint runs actionlint on every workflow of the repository.
func lint(t *testing.T, root string) []string {
	t.Helper()
	opts := &actionlint.LinterOptions{WorkingDir: root, LogWriter: io.Discard}
	if sc, err := exec.LookPath("shellcheck"); err == nil {
		opts.Shellcheck = sc
	} else {
		t.Log("shellcheck not installed: actionlint runs without it")
	}
	l, err := actionlint.NewLinter(io.Discard, opts)
	require.NoError(t, err)
	project, err := actionlint.NewProject(root)
	require.NoError(t, err)
	files, err := filepath.Glob(filepath.Join(root, ".github", "workflows", "*.y*ml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var problems []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		errs, err := l.Lint(f, data, project)
		require.NoError(t, err)
		for _, e := range errs {
			if strings.HasPrefix(e.Message, `unexpected key "queue" for "concurrency" section`) {
				// queue: max (GitHub, 2026-05) is newer than actionlint v1.7.12.
				continue
			}
			rel, _ := filepath.Rel(root, e.Filepath)
			problems = append(problems, fmt.Sprintf("%s:%d:%d: %s [%s]", filepath.ToSlash(rel), e.Line, e.Column, e.Message, e.Kind))
		}
	}
	return problems
}

// ---- the tests ----

func TestWorkflowsPassActionlint(t *testing.T) {
	root, err := filepath.Abs(repoRoot)
	require.NoError(t, err)
	assert.Empty(t, lint(t, root))
}

func TestWorkflowsNameOnlyWhatExists(t *testing.T) {
	r, problems := loadRepo(repoRoot, buildCLI(t))
	require.Empty(t, problems)
	require.NotEmpty(t, r.stacks)
	for _, name := range []string{"pull-request", "deploy", "deploy-stack", "rollback", "drift"} {
		require.Contains(t, r.workflows, ".github/workflows/"+name+".yml")
	}
	assert.Empty(t, r.check())
}

// The workflows do what the issue asks, beyond what the generic checks see.
func TestWorkflowShape(t *testing.T) {
	r, problems := loadRepo(repoRoot, buildCLI(t))
	require.Empty(t, problems)
	wf := func(name string) *workflow { return r.workflows[".github/workflows/"+name+".yml"] }

	pr := wf("pull-request")
	plan := pr.Jobs["offline-plan"]
	require.NotNil(t, plan)
	assert.Empty(t, plan.If, "fork pull requests get the offline plan too")
	var formats []string
	for _, s := range plan.Steps {
		for _, f := range []string{"markdown", "sarif"} {
			if strings.Contains(s.Run, "plan --stack \"$STACK\" --format "+f) {
				formats = append(formats, f)
			}
		}
	}
	assert.Equal(t, []string{"markdown", "sarif"}, formats)
	for _, s := range plan.Steps {
		if strings.Contains(s.Run, "misyinfra\" plan ") {
			assert.Contains(t, s.Run, `--state "$STATE"`, "the PR plan previews an update from the last deployed state")
		}
	}
	exported := false
	for _, s := range wf("deploy-stack").Jobs["deploy"].Steps {
		exported = exported || strings.Contains(s.Run, "pulumi stack export")
	}
	assert.True(t, exported, "the deploy workflow exports the state the PR plan reads")
	comment := pr.Jobs["plan-comment"]
	require.NotNil(t, comment)
	script := comment.Steps[len(comment.Steps)-1].With["script"]
	assert.Contains(t, script, "<!-- misyinfra-offline-plan -->", "the comment is found again by a hidden marker")
	assert.Contains(t, script, "updateComment")
	preview := pr.Jobs["preview"]
	require.NotNil(t, preview)
	assert.Contains(t, preview.If, "head.repo.fork == false")

	deploy := wf("deploy-stack").Jobs["deploy"]
	require.NotNil(t, deploy)
	assert.Equal(t, "deploy-${{ inputs.stack }}", scalarOrField(deploy.Concurrency, "group"))
	var smoke *step
	for _, s := range deploy.Steps {
		if s.ID == "smoke" {
			smoke = s
		}
	}
	require.NotNil(t, smoke, "a post-deployment smoke test")
	assert.Contains(t, smoke.Run, "pulumi stack output appUrl")
	assert.Contains(t, smoke.Run, "az containerapp revision show")

	rb := wf("rollback")
	for input, want := range map[string][]any{"stack": {"dev", "staging", "prod"}, "mode": {"fast", "redeploy"}} {
		assert.Equal(t, want, rb.input("workflow_dispatch", input)["options"], input)
	}
	assert.NotNil(t, rb.input("workflow_dispatch", "ref"))
	assert.Equal(t, "./.github/workflows/deploy-stack.yml", rb.Jobs["rollback"].Uses, "the same gates as a deploy")
	var fast string
	for _, s := range deploy.Steps {
		if strings.Contains(s.If, "canary-off") {
			fast = s.Run
		}
	}
	assert.Contains(t, fast, "pulumi config set --stack \"$STACK\" --path 'app.canary.weight' 0")

	drift := wf("drift")
	assert.Contains(t, drift.triggers(), "schedule")
	assert.Contains(t, drift.triggers(), "workflow_dispatch")
	var driftPreview *step
	for _, s := range drift.Jobs["drift"].Steps {
		if s.ID == "preview" {
			driftPreview = s
		}
	}
	require.NotNil(t, driftPreview)
	assert.Contains(t, driftPreview.Run, "pulumi preview --stack \"$STACK\" --refresh --expect-no-changes --diff")
}

// A temporary copy of the repository whose workflows can be broken: every
// top-level entry is linked to the real one, but .github/workflows holds
// copies.
func tempRepo(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(repoRoot)
	require.NoError(t, err)
	dir := t.TempDir()
	entries, err := os.ReadDir(root)
	require.NoError(t, err)
	for _, e := range entries {
		if e.Name() == ".github" || e.Name() == ".git" {
			continue
		}
		require.NoError(t, os.Symlink(filepath.Join(root, e.Name()), filepath.Join(dir, e.Name())))
	}
	wfDir := filepath.Join(dir, ".github", "workflows")
	require.NoError(t, os.MkdirAll(wfDir, 0o755))
	files, err := filepath.Glob(filepath.Join(root, ".github", "workflows", "*.yml"))
	require.NoError(t, err)
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(wfDir, filepath.Base(f)), data, 0o644))
	}
	return dir
}

func TestBrokenWorkflowsAreCaught(t *testing.T) {
	cli := buildCLI(t)
	cases := []struct {
		name      string
		file      string
		old, new  string
		actionlnt bool // the problem is actionlint's
		want      string
	}{
		{name: "unknown misyinfra command", file: "pull-request.yml",
			old: `plan --stack "$STACK" --format markdown`, new: `plann --stack "$STACK" --format markdown`,
			want: `unknown command "plann"`},
		{name: "unknown misyinfra flag", file: "pull-request.yml",
			old: `plan --stack "$STACK" --format sarif`, new: `plan --stack "$STACK" --output-format sarif`,
			want: "misyinfra plan has no flag --output-format"},
		{name: "misyinfra group without its command", file: "pull-request.yml",
			old: `"$RUNNER_TEMP/misyinfra" plan --stack "$STACK" --format sarif`, new: `"$RUNNER_TEMP/misyinfra" policy --stack "$STACK"`,
			want: "misyinfra policy needs a command: audit, docs"},
		{name: "unknown stack in a matrix", file: "drift.yml",
			old: "stack: [dev, staging, prod]", new: "stack: [dev, staging, prod, qa]",
			want: `matrix stack "qa" is not a stack of this repository`},
		{name: "unknown stack in misyinfra --stack", file: "pull-request.yml",
			old: `plan --stack "$STACK" --format sarif`, new: `plan --stack production --format sarif`,
			want: `misyinfra --stack "production" is not a stack`},
		{name: "unknown stack passed to the deploy", file: "deploy.yml",
			old: "stack: prod", new: "stack: production",
			want: `stack input "production" is not a stack`},
		{name: "unknown stack in a rollback choice", file: "rollback.yml",
			old: "options: [dev, staging, prod]", new: "options: [dev, staging, prd]",
			want: `"prd" is not a stack`},
		{name: "a stack left out", file: "drift.yml",
			old: "stack: [dev, staging, prod]", new: "stack: [dev, staging]",
			want: "drift.yml: never names stack prod"},
		{name: "missing id-token: write on a job with azure/login", file: "pull-request.yml",
			old: "      contents: read\n      id-token: write\n    env:\n      PULUMI_BACKEND_URL", new: "      contents: read\n    env:\n      PULUMI_BACKEND_URL",
			want: "job preview: logs in to Azure by OIDC without `id-token: write`"},
		{name: "id-token: write where nothing logs in", file: "pull-request.yml",
			old: "      contents: read\n      pull-requests: write", new: "      contents: read\n      id-token: write\n      pull-requests: write",
			want: "job plan-comment: `id-token: write` on a job that does not log in"},
		{name: "write permission for the whole workflow", file: "drift.yml",
			old: "permissions:\n  contents: read\n\nenv:", new: "permissions:\n  contents: read\n  issues: write\n\nenv:",
			want: "top-level permission issues: write"},
		{name: "security-events: write without SARIF", file: "drift.yml",
			old: "      contents: read\n      issues: write", new: "      contents: read\n      issues: write\n      security-events: write",
			want: "`security-events: write` on a job that uploads no SARIF"},
		{name: "secrets on fork pull requests", file: "pull-request.yml",
			old: "    if: ${{ github.event.pull_request.head.repo.fork == false }}\n    runs-on: ubuntu-latest\n    timeout-minutes: 30", new: "    runs-on: ubuntu-latest\n    timeout-minutes: 30",
			want: "job preview: uses secrets on pull requests without skipping forks"},
		{name: "a preview identity by a secret name built from the stack", file: "pull-request.yml",
			old: "          client-id: ${{ secrets.AZURE_CLIENT_ID }}", new: "          client-id: ${{ secrets[format('AZURE_CLIENT_ID_PREVIEW_{0}', matrix.stack)] }}",
			want: "job preview: builds a secret name"},
		{name: "a pull-request preview outside its preview environment", file: "pull-request.yml",
			old: "    environment: ${{ matrix.stack }}-preview\n", new: "",
			want: "job preview: signs in to Azure on pull requests outside the stack's environment <stack>-preview"},
		{name: "a pull-request preview in the deploy environment", file: "pull-request.yml",
			old: "    environment: ${{ matrix.stack }}-preview\n", new: "    environment: ${{ matrix.stack }}\n",
			want: "job preview: signs in to Azure on pull requests outside the stack's environment <stack>-preview"},
		{name: "a preview environment of an unknown stack", file: "pull-request.yml",
			old: "    environment: ${{ matrix.stack }}-preview\n", new: "    environment: qa-preview\n",
			want: `environment "qa-preview" is not a stack of this repository`},
		{name: "deploy without the policy pack", file: "deploy-stack.yml",
			old: "          command: up\n          stack-name: ${{ inputs.stack }}\n          work-dir: .\n          policyPacks: ./policy\n", new: "          command: up\n          stack-name: ${{ inputs.stack }}\n          work-dir: .\n",
			want: "pulumi up without the policy pack"},
		{name: "policy pack path that does not exist", file: "pull-request.yml",
			old: "policyPacks: ./policy", new: "policyPacks: ./policies",
			want: "policyPacks: ./policies: no such path"},
		{name: "deploy in a shared concurrency group", file: "deploy-stack.yml",
			old: "group: deploy-${{ inputs.stack }}", new: "group: deploy",
			want: "outside its concurrency group deploy-<stack>"},
		{name: "deploy that cancels a running one", file: "deploy-stack.yml",
			old: "cancel-in-progress: false", new: "cancel-in-progress: true",
			want: "concurrency.cancel-in-progress: false"},
		{name: "deploy without an environment", file: "deploy-stack.yml",
			old: "    environment:\n      name: ${{ inputs.stack }}\n      url: ${{ steps.smoke.outputs.url }}\n", new: "",
			want: "deploys without a GitHub environment"},
		{name: "prod before staging", file: "deploy.yml",
			old: "  up-prod:\n    needs: [up-staging, loadtest-staging]", new: "  up-prod:\n    needs: up-dev",
			want: "job up-prod deploys without waiting for up-staging"},
		{name: "deploy before the tests", file: "deploy.yml",
			old: "  up-dev:\n    needs: test", new: "  up-dev:\n    needs: []",
			want: "job up-dev deploys before the tests pass"},
		{name: "go package path that does not exist", file: "pull-request.yml",
			old: "go build -o \"$RUNNER_TEMP/misyinfra\" ./infra/cmd/misyinfra", new: "go build -o \"$RUNNER_TEMP/misyinfra\" ./cmd/misyinfra",
			want: "./cmd/misyinfra does not exist"},
		{name: "unpinned action", file: "drift.yml",
			old: "actions/github-script@60a0d83039c74a4aee543508d2ffcb1c3799cdea # v7.0.1", new: "actions/github-script@main",
			want: "actions/github-script@main: pin the action"},
		{name: "actionlint: unknown input of a known action", file: "pull-request.yml",
			old: "policyPacks: ./policy", new: "policyPacks: ./policy\n          policy-packs: ./policy",
			actionlnt: true, want: `input "policy-packs" is not defined in action "pulumi/actions@v6"`},
		{name: "actionlint: undefined matrix property", file: "drift.yml",
			old: "environment: ${{ matrix.stack }}-drift", new: "environment: ${{ matrix.stacks }}-drift",
			actionlnt: true, want: `property "stacks" is not defined`},
		{name: "actionlint: job needing an unknown job", file: "deploy.yml",
			old: "needs: [up-staging, loadtest-staging]", new: "needs: [up-stagin, loadtest-staging]",
			actionlnt: true, want: `job "up-prod" needs job "up-stagin" which does not exist`},
		{name: "actionlint: expression syntax", file: "rollback.yml",
			old: "${{ inputs.mode == 'fast' && 'canary-off' || 'up' }}", new: "${{ inputs.mode == 'fast' && 'canary-off' || }}",
			actionlnt: true, want: "[expression]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := tempRepo(t)
			path := filepath.Join(dir, ".github", "workflows", tc.file)
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			require.Equal(t, 1, strings.Count(string(data), tc.old), "the snippet to break must be in %s once", tc.file)
			require.NoError(t, os.WriteFile(path, []byte(strings.Replace(string(data), tc.old, tc.new, 1)), 0o644))

			var problems []string
			if tc.actionlnt {
				problems = lint(t, dir)
			} else {
				r, loadProblems := loadRepo(dir, cli)
				require.Empty(t, loadProblems)
				problems = r.check()
			}
			found := false
			for _, p := range problems {
				if strings.Contains(p, tc.want) {
					found = true
				}
			}
			assert.True(t, found, "want a problem containing %q, got:\n%s", tc.want, strings.Join(problems, "\n"))
		})
	}
}

func TestShellFieldsAndLines(t *testing.T) {
	assert.Equal(t, []string{"plan", "--stack", "$STACK", "--format", "a b"}, shellFields(` plan --stack "$STACK" --format 'a b'`))
	assert.Equal(t, []string{"curl --fail --retry 3 url"}, scriptLines("# comment\ncurl --fail \\\n  --retry 3 \\\n  url"))
}
