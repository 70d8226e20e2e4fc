package lifecycle_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/infra/azuremodel"
	"github.com/misybot/platform/infra/bootstrapstate"
	"github.com/misybot/platform/infra/lifecycle"
	"github.com/misybot/platform/infra/offline"
	"github.com/misybot/platform/stacks"
)

var repoRoot = filepath.Join("..", "..")

// outcome is where a scenario stops: the step that fails and its rules,
// or "" when every step passes.
type outcome struct {
	step  string
	rules []string
}

// expected are the scenarios that do not run through with the program of
// this branch, where they stop and the rules they break; every other
// scenario passes every step. Each entry says why.
var expected = map[string]outcome{
	// The destroy is refused before anything is deleted: the vault, the
	// workspace and the queues are protected. This is the behaviour
	// wanted.
	"prod/destroy attempt": {step: "destroy", rules: []string{offline.RuleProtect}},
}

// bootstrap is the bootstrap project's offline plan, made once: what
// `misyinfra plan --dir bootstrap --stack platform` previews.
var bootstrap = sync.OnceValues(func() (*offline.State, error) {
	return bootstrapstate.Plan(context.Background(), filepath.Join(repoRoot, bootstrapstate.Dir))
})

func bootstrapState(t testing.TB) *offline.State {
	st, err := bootstrap()
	require.NoError(t, err)
	return st
}

// expectedOutcome is the outcome a scenario must have.
func expectedOutcome(stack, scenario string) outcome {
	return expected[stack+"/"+scenario]
}

func newRunner(t testing.TB, stack string, boot *offline.State) *lifecycle.Runner {
	r, err := lifecycle.NewRunner(repoRoot, stack, stacks.Build, lifecycle.Secrets)
	require.NoError(t, err)
	// What the bootstrap made before the stack's first deploy (the
	// resource group, the app identity and its AcrPull, the CI identities
	// and their grants) exists.
	r.Bootstrap = boot
	return r
}

// run runs a scenario and returns where it stops.
func run(t testing.TB, r *lifecycle.Runner, sc lifecycle.Scenario) outcome {
	results, err := r.Run(context.Background(), sc.Steps)
	require.NoError(t, err, sc.Name)
	o := outcome{}
	last := results[len(results)-1]
	if last.Failed() {
		o.step = last.Step
		o.rules = last.Rules()
		if last.Err != nil {
			o.rules = []string{"program: " + last.Err.Error()}
		}
		if tt, ok := t.(*testing.T); ok && last.Plan != nil {
			for _, p := range last.Plan.Problems {
				tt.Logf("%s/%s: step %q: %s", r.Stack, sc.Name, last.Step, p.String())
			}
		}
	}
	return o
}

func runScenarios(t testing.TB, stack string) map[string]outcome {
	r := newRunner(t, stack, bootstrapState(t))
	got := map[string]outcome{}
	for _, sc := range lifecycle.Scenarios(stack) {
		got[sc.Name] = run(t, r, sc)
	}
	return got
}

func TestLifecycle(t *testing.T) {
	for _, stack := range []string{"dev", "staging", "prod"} {
		t.Run(stack, func(t *testing.T) {
			got := runScenarios(t, stack)
			for name, o := range got {
				want := expectedOutcome(stack, name)
				assert.Equal(t, want, o, "%s/%s: fails at %q with %s", stack, name, o.step, strings.Join(o.rules, ", "))
			}
		})
	}
}

// scenario returns the stack's scenario of the name.
func scenario(t *testing.T, stack, name string) lifecycle.Scenario {
	for _, sc := range lifecycle.Scenarios(stack) {
		if sc.Name == name {
			return sc
		}
	}
	require.Failf(t, "no scenario", "%s has no scenario %q", stack, name)
	return lifecycle.Scenario{}
}

// TestReadOnlyIdentitiesNeedTheirReaderGrant: the preview and drift
// identities refresh their stack with the Reader role the bootstrap grants
// them on the stack's resource group (bootstrap/foundation, grant
// "reader"). Without that grant every read of the refresh is refused:
// the scenarios pass because the model checks the grant, not by default.
func TestReadOnlyIdentitiesNeedTheirReaderGrant(t *testing.T) {
	boot := bootstrapState(t)
	for _, tt := range []struct {
		kind, scenario, step string
	}{
		{azuremodel.AsPreview, "preview as the preview identity", "preview and refresh as the preview identity"},
		{azuremodel.AsDrift, "refresh as the drift identity", "refresh as the drift identity"},
	} {
		for _, stack := range []string{"dev", "staging", "prod"} {
			t.Run(stack+"/"+tt.kind, func(t *testing.T) {
				reader := stack + "-ci-" + tt.kind + "-reader"
				without := boot.Without(func(r offline.StateResource) bool { return r.Name() == reader })
				require.Len(t, without.Resources, len(boot.Resources)-1, "the bootstrap has a grant named %s", reader)

				sc := scenario(t, stack, tt.scenario)
				assert.Equal(t, outcome{}, run(t, newRunner(t, stack, boot), sc), "with the grant")

				r := newRunner(t, stack, without)
				results, err := r.Run(context.Background(), sc.Steps)
				require.NoError(t, err)
				last := results[len(results)-1]
				require.Equal(t, tt.step, last.Step, "the deploys before the refresh pass")
				require.NotNil(t, last.Plan)
				require.NotEmpty(t, last.Plan.Problems)
				for _, p := range last.Plan.Problems {
					assert.Equal(t, "AZ001", p.Rule, p.String())
					assert.Equal(t, "AuthorizationFailed", p.Code)
					assert.Contains(t, p.Message, "the "+tt.kind+" identity")
					assert.Regexp(t, `action '[^']+/read'`, p.Message)
				}
				// Every custom resource of the stack is read, and refused.
				assert.Len(t, last.Plan.Problems, customResources(results[len(results)-2].Plan))
			})
		}
	}
}

func customResources(p *offline.Plan) int {
	n := 0
	for _, r := range p.Resources {
		// The StackReference reads the bootstrap's state blob, not ARM.
		if r.Custom && r.Type != offline.StackReferenceType {
			n++
		}
	}
	return n
}

// TestDeployIdentityNeedsItsContributorGrant: the deploy identity's
// updates pass with the bootstrap's Contributor grant on the stack's
// resource group and are refused without it.
func TestDeployIdentityNeedsItsContributorGrant(t *testing.T) {
	boot := bootstrapState(t)
	without := boot.Without(func(r offline.StateResource) bool { return r.Name() == "dev-ci-deploy-contributor" })
	require.Len(t, without.Resources, len(boot.Resources)-1)
	results, err := newRunner(t, "dev", without).Run(context.Background(), scenario(t, "dev", "updates as the deploy identity").Steps)
	require.NoError(t, err)
	last := results[len(results)-1]
	require.Equal(t, "release bump to 1.4.3 as the deploy identity", last.Step)
	require.NotNil(t, last.Plan)
	require.NotEmpty(t, last.Plan.Problems)
	for _, p := range last.Plan.Problems {
		assert.Equal(t, "AZ001", p.Rule, p.String())
		assert.Regexp(t, `the deploy identity .* action '[^']+/write'`, p.Message)
	}
}

// TestReadOnlyIdentityOfAnUnknownStack: a stack the bootstrap does not
// list (its outputs have no stacks.<stack>) has no preview identity to
// run as.
func TestReadOnlyIdentityOfAnUnknownStack(t *testing.T) {
	boot := bootstrapState(t)
	unlisted := boot.Without(func(offline.StateResource) bool { return false })
	// The stack reads its own outputs (stacks.dev.resourceGroupName, ...)
	// but the bootstrap lists no preview identity for it.
	unlisted.Outputs = boot.Outputs.Copy()
	all := boot.Outputs["stacks"].ObjectValue().Copy()
	dev := all["dev"].ObjectValue().Copy()
	delete(dev, "previewClientId")
	all["dev"] = resource.NewObjectProperty(dev)
	unlisted.Outputs["stacks"] = resource.NewObjectProperty(all)
	results, err := newRunner(t, "dev", unlisted).Run(context.Background(), scenario(t, "dev", "preview as the preview identity").Steps)
	require.NoError(t, err)
	last := results[len(results)-1]
	require.NoError(t, last.Err)
	require.NotNil(t, last.Plan)
	assert.Equal(t, []string{"AZ004"}, last.Rules())
	assert.Contains(t, last.Plan.Problems[0].Message, "the bootstrap state has no previewClientId for stack dev")
}

// TestSecretRotationIsAnUpdate: a new value of a Key Vault secret alone
// updates the Secret resource (the saved state keeps its keyed hash), and
// nothing else; the same value again changes nothing.
func TestSecretRotationIsAnUpdate(t *testing.T) {
	r := newRunner(t, "dev", bootstrapState(t))
	results, err := r.Run(context.Background(), scenario(t, "dev", "rotate a secret").Steps)
	require.NoError(t, err)
	require.Len(t, results, 2)
	var changed []offline.Change
	for _, ch := range results[1].Plan.Changes {
		if ch.Op != offline.OpSame && ch.Op != offline.OpRead {
			changed = append(changed, ch)
		}
	}
	require.Len(t, changed, 1, "%v", changed)
	assert.Equal(t, offline.OpUpdate, changed[0].Op)
	assert.Contains(t, changed[0].URN, "keyvault-secret-bot-token")
	assert.Equal(t, []string{"properties"}, changed[0].Keys)

	results, err = r.Run(context.Background(), []lifecycle.Step{{Name: "first deploy"}, {Name: "again"}})
	require.NoError(t, err)
	for _, ch := range results[1].Plan.Changes {
		assert.Contains(t, []offline.Op{offline.OpSame, offline.OpRead}, ch.Op, ch.URN)
	}
}

// TestUndeclaredSecret: an app secret that keyVaultSecrets does not
// declare would leave the revision's Key Vault reference unresolved
// (finding 2, rule CA004 in package azuremodel); the program now refuses
// such a configuration before any resource is registered.
func TestUndeclaredSecret(t *testing.T) {
	r, err := lifecycle.NewRunner(repoRoot, "staging", stacks.Build, nil)
	require.NoError(t, err)
	delete(r.Base.Values, "misybot-platform:keyVaultSecrets")
	results, err := r.Run(context.Background(), lifecycle.Scenarios("staging")[0].Steps)
	require.NoError(t, err)
	require.Len(t, results, 1)
	require.Error(t, results[0].Err)
	assert.Contains(t, results[0].Err.Error(), "bot-token")
}

// BenchmarkLifecycle runs every scenario of one stack, from the
// bootstrap's state planned once.
func BenchmarkLifecycle(b *testing.B) {
	bootstrapState(b)
	for b.Loop() {
		runScenarios(b, "prod")
	}
}
