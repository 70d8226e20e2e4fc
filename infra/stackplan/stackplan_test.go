package stackplan_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/infra/azuremodel"
	"github.com/misybot/platform/infra/offline"
	"github.com/misybot/platform/infra/stackplan"
)

const bootstrapRef = "organization/misybot-bootstrap/platform"

// greeting is a program without resources or references.
func greeting(ctx *pulumi.Context) (map[string]pulumi.Output, error) {
	return map[string]pulumi.Output{"greeting": pulumi.String("hello").ToStringOutput()}, nil
}

// referencing reads the output "registry" of the bootstrap's stack.
func referencing(ctx *pulumi.Context) (map[string]pulumi.Output, error) {
	ref, err := pulumi.NewStackReference(ctx, bootstrapRef, nil)
	if err != nil {
		return nil, err
	}
	return map[string]pulumi.Output{"registry": ref.GetStringOutput(pulumi.String("registry"))}, nil
}

func accept(string, map[string]string, []string) error { return nil }

// projectDir writes Pulumi.yaml of project name and Pulumi.dev.yaml.
func projectDir(t *testing.T, name string) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), []byte("name: "+name+"\nruntime: go\n"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi.dev.yaml"), []byte("config:\n  "+name+":location: westeurope\n"), 0o600))
	return dir
}

func bootstrapState() *offline.State {
	return &offline.State{Project: "misybot-bootstrap", Stack: "platform",
		Outputs: resource.PropertyMap{"registry": resource.NewProperty("crmisybot")}}
}

func inputLines(t *testing.T, err error) []string {
	t.Helper()
	var input *stackplan.InputError
	require.True(t, errors.As(err, &input), "want an input error, got %v", err)
	return input.Lines
}

func TestPlanInputErrors(t *testing.T) {
	dir := projectDir(t, "misybot-platform")
	planner := stackplan.Planner{Program: stackplan.Program{Run: greeting, Validate: accept}}
	for _, tc := range []struct {
		name string
		req  stackplan.Request
		want string
	}{
		{"no stack", stackplan.Request{Dir: dir}, "missing --stack: name the stack, e.g. --stack dev"},
		{"a stack name with a slash", stackplan.Request{Dir: dir, Stack: "dev/x"}, `--stack: invalid stack name "dev/x"`},
		{"no stack file", stackplan.Request{Dir: dir, Stack: "qa"}, "Pulumi.qa.yaml"},
		{"no project", stackplan.Request{Dir: t.TempDir(), Stack: "dev"}, "Pulumi.yaml"},
		{"missing config file", stackplan.Request{Dir: dir, Stack: "dev", ConfigFile: filepath.Join(dir, "nope.yaml")}, "nope.yaml"},
		{"an unknown principal", stackplan.Request{Dir: dir, Stack: "dev", As: "root"}, `--as "root": want admin, deploy, preview, drift`},
		{"a prior state that does not exist", stackplan.Request{Dir: dir, Stack: "dev", State: filepath.Join(dir, "none.json")}, "none.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(stackplan.StateKeyEnv, "tests")
			plan, _, err := planner.Plan(context.Background(), tc.req)
			assert.Nil(t, plan)
			lines := inputLines(t, err)
			require.Len(t, lines, 1)
			assert.Contains(t, lines[0], tc.want)
		})
	}
}

func TestPlanValidation(t *testing.T) {
	dir := projectDir(t, "misybot-platform")
	problems := &stackplan.InputError{Lines: []string{"owner: not set", "location: \"mars\""}}
	for _, tc := range []struct {
		name     string
		validate error
		check    func(*testing.T, error)
	}{
		{"problems are the user's, as they are", problems, func(t *testing.T, err error) {
			assert.Equal(t, problems.Lines, inputLines(t, err))
		}},
		{"a failing validation is a failure", errors.New("schema unreadable"), func(t *testing.T, err error) {
			assert.EqualError(t, err, "validating the configuration of misybot-platform/dev: schema unreadable")
			assert.False(t, errors.As(err, new(*stackplan.InputError)))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var seen map[string]string
			planner := stackplan.Planner{Program: stackplan.Program{Run: greeting, Validate: func(project string, config map[string]string, _ []string) error {
				seen = config
				return tc.validate
			}}}
			_, _, err := planner.Plan(context.Background(), stackplan.Request{Dir: dir, Stack: "dev"})
			tc.check(t, err)
			assert.Equal(t, "westeurope", seen["misybot-platform:location"], "the validator sees the stack's configuration")
		})
	}
}

// TestPlanPicksTheProgramByProject: another project of the repository
// runs its own program, without the Azure model and the bootstrap.
func TestPlanPicksTheProgramByProject(t *testing.T) {
	modelCalls, bootCalls := 0, 0
	planner := stackplan.Planner{
		Program:  stackplan.Program{Run: referencing, Validate: accept},
		Projects: map[string]stackplan.Program{"misybot-bootstrap": {Run: greeting, Validate: accept}},
		Model:    func(o azuremodel.Options) offline.Model { modelCalls++; return azuremodel.New(o) },
		Bootstrap: func(context.Context, string, string) (*offline.State, error) {
			bootCalls++
			return bootstrapState(), nil
		},
	}
	plan, st, err := planner.Plan(context.Background(), stackplan.Request{Dir: projectDir(t, "misybot-bootstrap"), Stack: "dev", As: azuremodel.AsDeploy})
	require.NoError(t, err)
	assert.Equal(t, "misybot-bootstrap", st.Project)
	assert.Contains(t, plan.Outputs, "greeting")
	assert.Zero(t, modelCalls, "no Azure model for another project")
	assert.Zero(t, bootCalls, "no bootstrap state for another project")
}

func TestPlanAnswersTheBootstrapReference(t *testing.T) {
	dir := projectDir(t, "misybot-platform")
	var gotDir, gotPath string
	planner := stackplan.Planner{
		Program: stackplan.Program{Run: referencing, Validate: accept},
		Bootstrap: func(_ context.Context, projectDir, path string) (*offline.State, error) {
			gotDir, gotPath = projectDir, path
			return bootstrapState(), nil
		},
	}
	plan, _, err := planner.Plan(context.Background(), stackplan.Request{Dir: dir, Stack: "dev", BootstrapState: "boot.json"})
	require.NoError(t, err)
	assert.Equal(t, "crmisybot", plan.Outputs["registry"].Value.StringValue())
	assert.Equal(t, dir, gotDir, "the bootstrap is found beside the project file")
	assert.Equal(t, "boot.json", gotPath)
}

func TestPlanBootstrapErrors(t *testing.T) {
	dir := projectDir(t, "misybot-platform")
	for _, tc := range []struct {
		name      string
		bootstrap func(context.Context, string, string) (*offline.State, error)
		path      string
		input     bool
		want      string
	}{
		{name: "a bad --bootstrap-state file is the user's, reported first", path: "boot.json", input: true,
			bootstrap: func(context.Context, string, string) (*offline.State, error) {
				return nil, &offline.StateError{Path: "boot.json", Err: errors.New("not a deployment")}
			}, want: "--bootstrap-state boot.json: not a deployment"},
		{name: "the offline bootstrap plan fails",
			bootstrap: func(context.Context, string, string) (*offline.State, error) {
				return nil, errors.New("bootstrap/Pulumi.yaml: no such file")
			},
			want: "the bootstrap's state: bootstrap/Pulumi.yaml: no such file (or give it with --bootstrap-state)"},
		{name: "no bootstrap at all", want: "no bootstrap state to answer the stack's reference to the bootstrap"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			planner := stackplan.Planner{Program: stackplan.Program{Run: referencing, Validate: accept}, Bootstrap: tc.bootstrap}
			_, _, err := planner.Plan(context.Background(), stackplan.Request{Dir: dir, Stack: "dev", BootstrapState: tc.path})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Equal(t, tc.input, errors.As(err, new(*stackplan.InputError)))
		})
	}
}

// TestPlanLoadsTheBootstrapOnlyWhenNeeded: a program without references,
// planned without --as, never reads the bootstrap's state.
func TestPlanLoadsTheBootstrapOnlyWhenNeeded(t *testing.T) {
	calls := 0
	planner := stackplan.Planner{
		Program: stackplan.Program{Run: greeting, Validate: accept},
		Bootstrap: func(context.Context, string, string) (*offline.State, error) {
			calls++
			return nil, errors.New("must not be read")
		},
		Model: stackplan.AzureModel,
	}
	_, _, err := planner.Plan(context.Background(), stackplan.Request{Dir: projectDir(t, "misybot-platform"), Stack: "dev"})
	require.NoError(t, err)
	assert.Zero(t, calls)
}

// TestPlanGivesTheModelTheBootstrap: --as deploy takes the bootstrap's
// identities; without it, the bootstrap's grants to the stack (Existing);
// --no-azure-model runs no model.
func TestPlanGivesTheModelTheBootstrap(t *testing.T) {
	dir := projectDir(t, "misybot-platform")
	grants := []azuremodel.ExistingRoleAssignment{{IdentityID: "/id/app", Role: "acrpull", Scope: "/registry"}}
	for _, tc := range []struct {
		name     string
		req      stackplan.Request
		existing func(string, *offline.State) ([]azuremodel.ExistingRoleAssignment, error)
		model    bool
		check    func(*testing.T, azuremodel.Options, error)
	}{
		{name: "as deploy", req: stackplan.Request{As: azuremodel.AsDeploy, SoftDeletedVaults: []string{"kv-old"}}, model: true,
			check: func(t *testing.T, o azuremodel.Options, err error) {
				require.NoError(t, err)
				assert.Equal(t, azuremodel.AsDeploy, o.As)
				assert.Equal(t, []string{"kv-old"}, o.SoftDeletedVaults)
			}},
		{name: "the bootstrap's grants", model: true,
			existing: func(stack string, b *offline.State) ([]azuremodel.ExistingRoleAssignment, error) {
				assert.Equal(t, "dev", stack)
				assert.Equal(t, "misybot-bootstrap", b.Project)
				return grants, nil
			},
			check: func(t *testing.T, o azuremodel.Options, err error) {
				require.NoError(t, err)
				assert.Equal(t, grants, o.Existing.RoleAssignments)
			}},
		{name: "grants that cannot be read", model: false,
			existing: func(string, *offline.State) ([]azuremodel.ExistingRoleAssignment, error) {
				return nil, errors.New("output stacks.dev is missing")
			},
			check: func(t *testing.T, _ azuremodel.Options, err error) {
				assert.EqualError(t, err, "the bootstrap's grants to misybot-platform/dev: output stacks.dev is missing")
			}},
		{name: "no model", req: stackplan.Request{NoModel: true, As: azuremodel.AsDeploy}, model: false,
			check: func(t *testing.T, _ azuremodel.Options, err error) { require.NoError(t, err) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got azuremodel.Options
			called := false
			planner := stackplan.Planner{
				Program:   stackplan.Program{Run: referencing, Validate: accept},
				Bootstrap: func(context.Context, string, string) (*offline.State, error) { return bootstrapState(), nil },
				Existing:  tc.existing,
				Model: func(o azuremodel.Options) offline.Model {
					got, called = o, true
					return azuremodel.New(o)
				},
			}
			req := tc.req
			req.Dir, req.Stack = dir, "dev"
			_, _, err := planner.Plan(context.Background(), req)
			tc.check(t, got, err)
			assert.Equal(t, tc.model, called, "model used")
		})
	}
}

func TestPlanStateKey(t *testing.T) {
	dir := projectDir(t, "misybot-platform")
	keyErr := errors.New("no user configuration directory")
	planner := stackplan.Planner{Program: stackplan.Program{Run: greeting, Validate: accept},
		StateKey: func() ([]byte, error) { return nil, keyErr }}
	_, _, err := planner.Plan(context.Background(), stackplan.Request{Dir: dir, Stack: "dev", SaveState: true})
	assert.ErrorIs(t, err, keyErr, "saving a state needs the key")
	_, _, err = planner.Plan(context.Background(), stackplan.Request{Dir: dir, Stack: "dev"})
	assert.NoError(t, err, "a plan without a state needs no key")
}

func TestLoadStack(t *testing.T) {
	dir := projectDir(t, "misybot-platform")
	other := filepath.Join(t.TempDir(), "other.yaml")
	require.NoError(t, os.WriteFile(other, []byte("config:\n  misybot-platform:location: northeurope\n"), 0o600))
	nested := filepath.Join(dir, "a", "b")
	require.NoError(t, os.MkdirAll(nested, 0o700))

	st, err := stackplan.LoadStack(dir, "", "dev")
	require.NoError(t, err)
	assert.Equal(t, "westeurope", st.Config["misybot-platform:location"])

	st, err = stackplan.LoadStack(dir, other, "dev")
	require.NoError(t, err)
	assert.Equal(t, "northeurope", st.Config["misybot-platform:location"], "--config-file replaces Pulumi.<stack>.yaml")

	t.Chdir(nested)
	st, err = stackplan.LoadStack("", "", "dev")
	require.NoError(t, err, "the project is found from a subdirectory")
	assert.Equal(t, "misybot-platform", st.Project)
}

func TestFindProjectDir(t *testing.T) {
	dir := projectDir(t, "misybot-platform")
	nested := filepath.Join(dir, "a", "b")
	require.NoError(t, os.MkdirAll(nested, 0o700))
	for _, start := range []string{dir, nested} {
		got, err := stackplan.FindProjectDir(start)
		require.NoError(t, err)
		assert.Equal(t, dir, got)
	}
	lonely := t.TempDir()
	_, err := stackplan.FindProjectDir(lonely)
	if err == nil {
		t.Skip("a Pulumi.yaml above the temporary directory")
	}
	assert.EqualError(t, err, "no Pulumi.yaml in "+lonely+" or any parent directory: use --dir")
}

// withoutKey unsets the key's variable and gives the test a configuration
// directory of its own.
func withoutKey(t *testing.T) {
	t.Helper()
	t.Setenv(stackplan.StateKeyEnv, "")
	home := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", home)
	t.Setenv("HOME", home)
}

// TestStateKeyFile: without the variable, the key is drawn once and kept
// in the user's configuration directory, readable by the user only.
func TestStateKeyFile(t *testing.T) {
	withoutKey(t)
	first, err := stackplan.StateKey()
	require.NoError(t, err)
	assert.Len(t, first, 32)
	second, err := stackplan.StateKey()
	require.NoError(t, err)
	assert.Equal(t, first, second)
	dir, err := os.UserConfigDir()
	require.NoError(t, err)
	info, err := os.Stat(filepath.Join(dir, "misyinfra", "state-key"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
}

func TestStateKeyFromTheEnvironment(t *testing.T) {
	t.Setenv(stackplan.StateKeyEnv, "from-env")
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	key, err := stackplan.StateKey()
	require.NoError(t, err)
	assert.Equal(t, []byte("from-env"), key)
}

// TestStateKeyUnreadableFile: a key file that cannot be read is an error,
// never a fresh key (which would make every saved secret "update?").
func TestStateKeyUnreadableFile(t *testing.T) {
	withoutKey(t)
	dir, err := os.UserConfigDir()
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "misyinfra", "state-key"), 0o700)) // a directory
	_, err = stackplan.StateKey()
	assert.ErrorContains(t, err, "the secret hash key: ")
}
