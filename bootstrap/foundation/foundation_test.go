package foundation_test

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-github/sdk/v6/go/github"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/bootstrap/foundation"
	"github.com/misybot/platform/components/apphosting"
	"github.com/misybot/platform/components/crosscut"
	"github.com/misybot/platform/components/identity"
	"github.com/misybot/platform/components/loadtesting"
	"github.com/misybot/platform/infra/bootstrapstate"
	"github.com/misybot/platform/infra/offline"
	"github.com/misybot/platform/infra/offline/offlinetest"
	"github.com/misybot/platform/infra/planpolicy"
	"github.com/misybot/platform/infra/stackfile"
	"github.com/misybot/platform/naming"
	"github.com/misybot/platform/policy/rules"
	"github.com/misybot/platform/stacks"
)

var update = flag.Bool("update", false, "rewrite docs/identities.md")

const (
	raType  = "azure-native:authorization:RoleAssignment"
	spType  = "azuread:index/servicePrincipal:ServicePrincipal"
	ficType = "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential"
	appType = "azuread:index/application:Application"
	rgType  = "azure-native:resources:ResourceGroup"
	// prodEU2 is the bootstrap entry of the test stack
	// testdata/Pulumi.prod-eu2.yaml.
	prodEU2 = `{"name":"prod-eu2","location":"eastus2","reviewers":{"teams":[4242001]}}`
)

// bootstrapConfig is the committed bootstrap stack's configuration, with
// extra stack entries appended.
func bootstrapConfig(t *testing.T, extra ...string) map[string]string {
	t.Helper()
	st, err := stackfile.Load("..", foundation.StackName)
	require.NoError(t, err)
	require.NoError(t, st.CheckMissing())
	require.Equal(t, foundation.Project, st.Project)
	if len(extra) > 0 {
		key := foundation.Project + ":stacks"
		st.Config[key] = strings.TrimSuffix(st.Config[key], "]") + "," + strings.Join(extra, ",") + "]"
	}
	return st.Config
}

func planBootstrap(t *testing.T, extra ...string) *offline.Plan {
	t.Helper()
	p, err := offline.Run(t.Context(), offline.Options{
		Project: foundation.Project, Stack: foundation.StackName, Config: bootstrapConfig(t, extra...), Program: foundation.Build,
	})
	require.NoError(t, err)
	return p
}

// planEnvironment plans an environment stack: a committed one by name, or
// the test stack prod-eu2.
func planEnvironment(t *testing.T, stack string) *offline.Plan {
	t.Helper()
	var st *stackfile.Stack
	var err error
	if stack == "prod-eu2" {
		st, err = stackfile.LoadFile("../../Pulumi.yaml", "testdata/Pulumi.prod-eu2.yaml")
	} else {
		st, err = stackfile.Load("../..", stack)
	}
	require.NoError(t, err)
	boot, err := bootstrapstate.StateOf(planBootstrap(t, prodEU2))
	require.NoError(t, err)
	p, err := offline.Run(t.Context(), offline.Options{
		Project: st.Project, Stack: stack, Config: st.Config, SecretKeys: st.SecretKeys, Program: stacks.Build,
		StackReferences: boot.References(),
	})
	require.NoError(t, err)
	return p
}

// who is the stack and kind (deploy, preview, drift, app) of each
// principal of a bootstrap plan, by object ID.
func who(t *testing.T, p *offline.Plan) map[string][2]string {
	out := map[string][2]string{}
	cfg, err := foundation.Load(foundation.Project, bootstrapConfig(t), nil)
	require.NoError(t, err)
	for _, o := range cfg.Owners {
		out[o] = [2]string{foundation.StackName, "administrator"}
	}
	for _, sp := range p.Find(spType) {
		stack, kind, _ := strings.Cut(strings.TrimSuffix(sp.Name, "-sp"), "-ci-")
		out[sp.State["objectId"].StringValue()] = [2]string{stack, kind}
	}
	for _, id := range p.Find("azure-native:managedidentity:UserAssignedIdentity") {
		out[id.State["principalId"].StringValue()] = [2]string{strings.TrimSuffix(id.Name, "-app-identity"), "app"}
	}
	return out
}

type assignment struct {
	stack, kind, role, scope, condition string
}

func assignments(t *testing.T, p *offline.Plan) []assignment {
	t.Helper()
	principals := who(t, p)
	var out []assignment
	for _, ra := range p.Find(raType) {
		w, ok := principals[offlinetest.Input(t, ra, "principalId").(string)]
		require.True(t, ok, "%s: assignment to a principal the bootstrap does not create", ra.URN)
		role := offlinetest.Input(t, ra, "roleDefinitionId").(string)
		condition, _ := ra.Input("condition")
		c, _ := condition.(string)
		out = append(out, assignment{stack: w[0], kind: w[1], role: role[strings.LastIndex(role, "/")+1:], scope: offlinetest.Input(t, ra, "scope").(string), condition: c})
	}
	return out
}

func stackNames(t *testing.T) []string {
	var list []struct {
		Name string `json:"name"`
	}
	require.NoError(t, json.Unmarshal([]byte(bootstrapConfig(t)[foundation.Project+":stacks"]), &list))
	var out []string
	for _, s := range list {
		out = append(out, s.Name)
	}
	return out
}

func TestBadConfigIsRejectedWithEveryProblemAtOnce(t *testing.T) {
	raw := bootstrapConfig(t)
	p := foundation.Project + ":"
	raw[p+"github"] = `{"owner":"misybot","repository":"*"}`
	raw[p+"owners"] = `["alice@misybot.example"]`
	raw[p+"registry"] = `{"name":"cr-shared","sku":"Gold"}`
	raw[p+"stacks"] = `[{"name":"dev","operators":["ops@misybot.example"]},{"name":"prod-eu2"},{"name":"prodeu2","reviewers":{"users":[1]}},{"name":"qa"},{"name":"prod"}]`
	raw[p+"stateRetentionDays"] = "400"
	raw[p+"colour"] = "blue"
	raw[p+"secretsKeys"] = `{"expires":"30/11/2028","rotateAfter":"P3Y","expireAfter":"P1Y"}`
	raw[foundation.GitHubTokenKey] = "ghp_not-a-real-token"
	raw[p+"nameSeed"] = "seed-from-a-secure-value"
	raw["azure-native:clientSecret"] = "secure-value"
	_, err := foundation.Load(foundation.Project, raw, []string{p + "nameSeed", "azure-native:clientSecret"})
	var problems stacks.Problems
	require.True(t, errors.As(err, &problems), "%v", err)
	keys := map[string]string{}
	for _, pr := range problems {
		keys[pr.Key] += pr.String() + "\n"
	}
	for key, want := range map[string]string{
		"colour":                    "a known key",
		"github.repository":         "a repository name",
		"owners[0]":                 "GUID",
		"registry.name":             "5-50 letters and digits",
		"registry.sku":              "Basic, Standard, Premium",
		"stacks[1].reviewers":       "a prod stack deploys only after a review",
		"stacks[2].name":            `the same resource names and identities as "prod-eu2"`,
		"stacks[3].name":            "starting with dev, staging, prod",
		"stacks[4].reviewers":       "a prod stack deploys only after a review",
		"stateRetentionDays":        "1 to 365",
		"secretsKeys.expires":       "YYYY-MM-DD",
		"secretsKeys.rotateAfter":   "7 days to 730 days",
		"stacks[0].operators[0]":    "GUID",
		"secretsKeys.expireAfter":   "longer than rotateAfter",
		"github:token":              "set GITHUB_TOKEN in the environment",
		"nameSeed":                  "the bootstrap's configuration holds no secret",
		"azure-native:clientSecret": "the bootstrap's configuration holds no secret",
	} {
		assert.Contains(t, keys[key], want, key)
	}
	assert.Len(t, keys, 17, "one entry per broken key, nothing else:\n%v", err)
	assert.NotContains(t, err.Error(), "ghp_not-a-real-token", "a token is never printed")
	assert.NotContains(t, err.Error(), "seed-from-a-secure-value", "a secure value is never printed")

	// A token is refused even when it is a secure value, and alone.
	raw = bootstrapConfig(t)
	raw[foundation.GitHubTokenKey] = "[secret]"
	_, err = foundation.Load(foundation.Project, raw, []string{foundation.GitHubTokenKey})
	require.True(t, errors.As(err, &problems), "%v", err)
	require.Len(t, problems, 1, "%v", err)
	assert.Equal(t, foundation.GitHubTokenKey, problems[0].Key)

	// A rotated version must outlive its rotation.
	raw = bootstrapConfig(t)
	raw[p+"secretsKeys"] = `{"expires":"2028-11-30","rotateAfter":"P1Y","expireAfter":"P1Y"}`
	_, err = foundation.Load(foundation.Project, raw, nil)
	assert.ErrorContains(t, err, "secretsKeys.expireAfter")
	delete(raw, p+"secretsKeys")
	_, err = foundation.Load(foundation.Project, raw, nil)
	assert.ErrorContains(t, err, "secretsKeys.expires", "the keys' expiry is required")

	raw = bootstrapConfig(t)
	raw[p+"github"] = `{"owner":"misybot","repo":"platform"}`
	_, err = foundation.Load(foundation.Project, raw, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `github: `)
	assert.Contains(t, err.Error(), `unknown field "repo"`)
}

func TestBootstrapListsExactlyTheCommittedStacks(t *testing.T) {
	files, err := filepath.Glob("../../Pulumi.*.yaml")
	require.NoError(t, err)
	var committed []string
	for _, f := range files {
		committed = append(committed, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "Pulumi."), ".yaml"))
	}
	listed := stackNames(t)
	sort.Strings(listed)
	assert.Equal(t, committed, listed, "every stack file has its bootstrap entry, and the reverse")

	cfg, err := foundation.Load(foundation.Project, bootstrapConfig(t), nil)
	require.NoError(t, err)
	for _, s := range cfg.Stacks {
		st, err := stackfile.Load("../..", s.Name)
		require.NoError(t, err)
		env := st.Config["misybot-platform:environment"]
		assert.Equal(t, naming.EnvironmentOf(s.Name), env, "%s: the name says the environment", s.Name)
		assert.Equal(t, s.Location, st.Config["misybot-platform:location"], "%s: the bootstrap creates its resource group in its region", s.Name)
		assert.NotContains(t, st.Config["misybot-platform:app"], `"registry"`, "%s: the registry is the bootstrap's output, named in one place", s.Name)
	}
}

// The bootstrap exports, per stack, every output the environment stacks
// read (stacks.BootstrapStack), plain, and equal to what it created; each
// environment stack's plan uses them.
func TestEnvironmentStacksReadTheBootstrapsOutputs(t *testing.T) {
	boot := planBootstrap(t, prodEU2)
	st, err := bootstrapstate.StateOf(boot)
	require.NoError(t, err)
	outs, err := st.StackOutputs()
	require.NoError(t, err)
	assert.NotContains(t, outs.Secret, stacks.BootstrapStacksOutput, "the environment identities cannot decrypt the bootstrap's secrets")
	all := outs.Outputs[stacks.BootstrapStacksOutput].Mappable()
	registry := offlinetest.One(t, boot, "azure-native:containerregistry:Registry")
	for _, stack := range append(stackNames(t), "prod-eu2") {
		b, err := stacks.ReadBootstrapStack(stacks.DefaultBootstrap, stack, all)
		require.NoError(t, err, stack)
		rg := offlinetest.Named(t, boot, rgType, stack+"-rg")
		assert.Equal(t, rg.ID, b.ResourceGroupID, stack)
		assert.Equal(t, rg.State["name"].StringValue(), b.ResourceGroupName, stack)
		assert.Equal(t, offlinetest.Named(t, boot, "azure-native:managedidentity:UserAssignedIdentity", stack+"-app-identity").ID, b.AppIdentityID, stack)
		assert.Equal(t, registry.ID, b.RegistryID, stack)
		assert.Equal(t, registry.State["loginServer"].StringValue(), b.RegistryLoginServer, stack)

		env := planEnvironment(t, stack)
		ref := offlinetest.One(t, env, offline.StackReferenceType)
		assert.Equal(t, stacks.DefaultBootstrap, ref.ID, stack)
		app := offlinetest.One(t, env, "azure-native:app/v20250101:ContainerApp")
		assert.Equal(t, b.RegistryLoginServer, offlinetest.Input(t, app, "configuration.registries[0].server"), stack)
		assert.Equal(t, b.ResourceGroupName, offlinetest.Input(t, app, "resourceGroupName"), stack)
	}
	_, err = stacks.ReadBootstrapStack(stacks.DefaultBootstrap, "prod-eu3", all)
	assert.ErrorContains(t, err, "stacks.prod-eu3 is missing")
}

func TestPreviewAndDriftIdentitiesWriteNothing(t *testing.T) {
	p := planBootstrap(t)
	seen := 0
	for _, a := range assignments(t, p) {
		if a.kind != identity.KindPreview && a.kind != identity.KindDrift {
			continue
		}
		seen++
		assert.True(t, identity.ReadOnlyRole(a.role), "%s %s holds %s on %s", a.stack, a.kind, a.role, a.scope)
		assert.NotContains(t, []string{crosscut.RoleContributor, crosscut.RoleStorageBlobDataContributor, crosscut.RoleOwner, crosscut.RoleRBACAdministrator}, a.role)
		if a.role == crosscut.RoleStorageBlobDataReader {
			assert.Equal(t, foundation.StateCondition(stacks.Project, a.stack, false), a.condition)
			assert.NotContains(t, a.condition, "blobs/write")
		}
	}
	assert.Equal(t, 4*2*len(stackNames(t)), seen, "reader, state reader, key user and bootstrap key user for each read-only identity")
}

// An identity decrypts with its own stack's key and, for the environment
// identities, the bootstrap's (their StackReference opens its secrets
// manager: pulumi/pulumi#11109), which protects nothing
// (TestBootstrapHoldsNoSecret). No identity decrypts another environment
// stack's key.
func TestNoIdentityDecryptsAnotherStacksKey(t *testing.T) {
	p := planBootstrap(t, prodEU2)
	all := append(stackNames(t), "prod-eu2")
	bootstrapKey := "/keys/pulumi-" + foundation.StackName
	keys, bootstrapUsers := 0, map[string]bool{}
	for _, a := range assignments(t, p) {
		if a.role != crosscut.RoleKeyVaultCryptoUser {
			continue
		}
		keys++
		assert.NotEqual(t, "app", a.kind)
		if strings.HasSuffix(a.scope, bootstrapKey) {
			bootstrapUsers[a.stack+"/"+a.kind] = true
			continue
		}
		assert.True(t, strings.HasSuffix(a.scope, "/keys/pulumi-"+a.stack), "%s %s decrypts with %s", a.stack, a.kind, a.scope)
		for _, other := range all {
			if other != a.stack {
				assert.False(t, strings.HasSuffix(a.scope, "/keys/pulumi-"+other), "%s %s decrypts %s's secrets", a.stack, a.kind, other)
			}
		}
	}
	assert.Equal(t, 2*3*len(all)+2, keys, "deploy, preview and drift of every stack on their own key and the bootstrap's, and the two administrators on the bootstrap's")
	for _, stack := range all {
		for _, kind := range []string{identity.KindDeploy, identity.KindPreview, identity.KindDrift} {
			assert.True(t, bootstrapUsers[stack+"/"+kind], "%s %s cannot open the bootstrap's secrets manager: its StackReference fails", stack, kind)
		}
	}
	assert.True(t, bootstrapUsers[foundation.StackName+"/administrator"])
	for _, k := range p.Find("azure-native:keyvault:Key") {
		assert.True(t, k.Protect, "a deleted key makes its stack's secrets unreadable")
		assert.Equal(t, []any{"encrypt", "decrypt"}, offlinetest.Input(t, k, "properties.keyOps"), "%s: no signing, wrapping or other use of the key", k.URN)
	}
}

// secretValues lists what in a plan is secret: resource inputs and state
// (the outputs a provider returns) and stack outputs.
func secretValues(p *offline.Plan) []string {
	var out []string
	for _, r := range p.Resources {
		for k, v := range r.Inputs {
			if v.ContainsSecrets() {
				out = append(out, r.URN+" input "+string(k))
			}
		}
		for k, v := range r.State {
			if v.ContainsSecrets() {
				out = append(out, r.URN+" output "+string(k))
			}
		}
	}
	for name, o := range p.Outputs {
		if o.Secret || o.Value.ContainsSecrets() {
			out = append(out, "stack output "+name)
		}
	}
	sort.Strings(out)
	return out
}

// The bootstrap's key protects nothing, which is what lets every
// environment identity decrypt with it: its offline plan holds no secret
// value (inputs, provider outputs, stack outputs), its committed
// configuration no secure value and no GitHub token.
func TestBootstrapHoldsNoSecret(t *testing.T) {
	assert.Empty(t, secretValues(planBootstrap(t, prodEU2)))
	const member = "5a5a5a5a-1b1b-4c4c-8d8d-9e9e9e9e9e9e"
	withGroups := planBootstrap(t, `{"name":"prod-eu2","location":"eastus2","reviewers":{"teams":[4242001]},"operators":["`+member+`"],"readers":["`+member+`"]}`)
	require.NotEmpty(t, withGroups.Find("azuread:index/group:Group"))
	assert.Empty(t, secretValues(withGroups), "operators' and readers' groups")
	st, err := stackfile.Load("..", foundation.StackName)
	require.NoError(t, err)
	assert.Empty(t, st.SecretKeys, "Pulumi.platform.yaml holds secure values")
	assert.NotContains(t, st.Config, foundation.GitHubTokenKey)

	// The check sees a secret anywhere a program could add one.
	p, err := offline.Run(t.Context(), offline.Options{
		Project: foundation.Project, Stack: foundation.StackName, Config: bootstrapConfig(t),
		Program: func(ctx *pulumi.Context) (map[string]pulumi.Output, error) {
			outs, err := foundation.Build(ctx)
			if err != nil {
				return nil, err
			}
			if _, err := github.NewActionsEnvironmentSecret(ctx, "token", &github.ActionsEnvironmentSecretArgs{
				Repository: pulumi.String("platform"), Environment: pulumi.String("dev"), SecretName: pulumi.String("TOKEN"), PlaintextValue: pulumi.String("x"),
			}); err != nil {
				return nil, err
			}
			outs["password"] = pulumi.ToSecret(pulumi.String("x"))
			return outs, nil
		},
	})
	require.NoError(t, err)
	found := strings.Join(secretValues(p), "\n")
	assert.Contains(t, found, "actionsEnvironmentSecret:ActionsEnvironmentSecret::token input plaintextValue")
	assert.Contains(t, found, "stack output password")
}

func TestStateAccessIsConfinedToTheStack(t *testing.T) {
	p := planBootstrap(t, prodEU2)
	all := append(stackNames(t), "prod-eu2")
	writers := 0
	for _, a := range assignments(t, p) {
		if a.role != crosscut.RoleStorageBlobDataContributor && a.role != crosscut.RoleStorageBlobDataReader {
			continue
		}
		assert.True(t, strings.HasSuffix(a.scope, "/containers/"+foundation.StateContainer), a.scope)
		if a.kind == "administrator" {
			assert.Empty(t, a.condition, "administrators repair any stack's state")
			continue
		}
		if a.role == crosscut.RoleStorageBlobDataContributor {
			writers++
			assert.Equal(t, identity.KindDeploy, a.kind)
			assert.Equal(t, foundation.StateCondition(stacks.Project, a.stack, true), a.condition)
		}
		for _, other := range all {
			if other == a.stack {
				continue
			}
			for _, path := range foundation.StatePaths(stacks.Project, other) {
				assert.NotContains(t, a.condition, "'"+path+"'", "%s %s reaches %s's state", a.stack, a.kind, other)
			}
		}
	}
	assert.Equal(t, len(all), writers, "one state writer per stack, its deploy identity")
	storage := offlinetest.One(t, p, "azure-native:storage:StorageAccount")
	assert.Equal(t, false, offlinetest.Input(t, storage, "allowSharedKeyAccess"))
	assert.Equal(t, false, offlinetest.Input(t, storage, "allowBlobPublicAccess"))
	assert.Equal(t, "TLS1_2", offlinetest.Input(t, storage, "minimumTlsVersion"))
	blobs := offlinetest.One(t, p, "azure-native:storage:BlobServiceProperties")
	assert.Equal(t, true, offlinetest.Input(t, blobs, "isVersioningEnabled"))
	assert.Equal(t, true, offlinetest.Input(t, blobs, "deleteRetentionPolicy.enabled"))
}

func TestStateConditionNamesOnlyItsStack(t *testing.T) {
	c := foundation.StateCondition("misybot-platform", "prod", true)
	assert.Contains(t, c, "StringStartsWith '.pulumi/stacks/misybot-platform/prod.json'")
	assert.Contains(t, c, "StringStartsWith '.pulumi/locks/misybot-platform/prod/'")
	assert.NotContains(t, c, "prod-eu2")
	assert.Contains(t, c, "NOT SubOperationMatches{'Blob.List'}")
	reader := foundation.StateCondition("misybot-platform", "prod", false)
	assert.NotContains(t, reader, "blobs/write")
	assert.True(t, strings.HasPrefix(c, reader), "the writer reads what the reader reads")
}

func TestFederatedSubjectsArePinnedToTheRepository(t *testing.T) {
	p := planBootstrap(t, prodEU2)
	apps := map[string]string{}
	for _, a := range p.Find(appType) {
		apps[a.URN] = a.Name
	}
	subjects := map[string]string{}
	for _, f := range p.Find(ficType) {
		subject := offlinetest.Input(t, f, "subject").(string)
		require.NoError(t, identity.ValidateSubject(subject))
		assert.True(t, strings.HasPrefix(subject, "repo:misybot/platform:"), subject)
		app := apps[f.Parent]
		stack, kind, _ := strings.Cut(strings.TrimSuffix(app, "-app"), "-ci-")
		want := map[string]string{
			identity.KindDeploy:  "repo:misybot/platform:environment:" + stack,
			identity.KindPreview: "repo:misybot/platform:environment:" + stack + "-preview",
			identity.KindDrift:   "repo:misybot/platform:environment:" + stack + "-drift",
		}[kind]
		assert.Equal(t, want, subject, app)
		other, taken := subjects[subject]
		assert.False(t, taken, "%s and %s federate %s: one pull request would sign in as both", app, other, subject)
		subjects[subject] = app
	}
}

func TestApplicationsHaveOwnersAndStackNames(t *testing.T) {
	p := planBootstrap(t, prodEU2)
	names := map[string]bool{}
	for _, typ := range []string{appType, spType} {
		for _, r := range p.Find(typ) {
			owners, _ := r.Input("owners")
			assert.NotEmpty(t, owners, "%s has no owner", r.URN)
		}
	}
	for _, a := range p.Find(appType) {
		name := offlinetest.Input(t, a, "displayName").(string)
		assert.False(t, names[name], "display name %s twice", name)
		names[name] = true
	}
	for _, want := range []string{"misybot-prod-deploy", "misybot-prod-eu2-deploy", "misybot-staging-drift", "misybot-dev-preview"} {
		assert.True(t, names[want], want)
	}
	assert.False(t, names["misybot-prod-prod-deploy"])
}

func TestGitHubEnvironments(t *testing.T) {
	p := planBootstrap(t, prodEU2)
	envs := map[string]map[string]any{}
	for _, e := range p.Find("github:index/repositoryEnvironment:RepositoryEnvironment") {
		name := offlinetest.Input(t, e, "environment").(string)
		inputs := map[string]any{}
		for k, v := range e.Inputs.Mappable() {
			inputs[k] = v
		}
		envs[name] = inputs
	}
	for _, stack := range append(stackNames(t), "prod-eu2") {
		require.Contains(t, envs, stack)
		require.Contains(t, envs, stack+"-drift")
		require.Contains(t, envs, stack+"-preview", "pull-request previews run in the stack's preview environment")
		for _, env := range []string{stack, stack + "-preview"} {
			reviewers, _ := envs[env]["reviewers"].([]any)
			if naming.EnvironmentOf(stack) == "prod" {
				// A pull request's preview decrypts the stack's secrets: in
				// prod, only after someone other than its author approves.
				assert.NotEmpty(t, reviewers, "%s runs after a review", env)
				assert.Equal(t, true, envs[env]["preventSelfReview"], env)
			} else {
				assert.Empty(t, reviewers, env)
			}
		}
		for _, env := range []string{stack, stack + "-drift", stack + "-preview"} {
			assert.Equal(t, false, envs[env]["canAdminsBypass"], env)
		}
		// Pull requests run from their head branch: the preview
		// environment cannot be limited to main, the others are.
		assert.Nil(t, envs[stack+"-preview"]["deploymentBranchPolicy"], stack)
	}
	policies := map[string]bool{}
	byURN := map[string]string{}
	for _, e := range p.Find("github:index/repositoryEnvironment:RepositoryEnvironment") {
		byURN[e.URN] = offlinetest.Input(t, e, "environment").(string)
	}
	for _, d := range p.Find("github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy") {
		assert.Equal(t, "main", offlinetest.Input(t, d, "branchPattern"))
		policies[byURN[d.Parent]] = true
	}
	for env := range envs {
		assert.Equal(t, !strings.HasSuffix(env, "-preview"), policies[env], "%s deploys from main only", env)
	}
	// The identities are environment variables: identifiers, not
	// credentials, so the bootstrap's state holds no secret. No repository
	// variable names a stack (a hyphenated stack would give an invalid
	// name), and no pull request reads one without its environment.
	assert.Empty(t, p.Find("github:index/actionsSecret:ActionsSecret"), "no repository secrets")
	assert.Empty(t, p.Find("github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret"), "no environment secrets")
	variables := map[string][]string{}
	for _, v := range p.Find("github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable") {
		name := offlinetest.Input(t, v, "variableName").(string)
		assert.Regexp(t, `^[A-Z0-9_]+$`, name, "GitHub variable names: letters, digits and underscores")
		env := offlinetest.Input(t, v, "environment").(string)
		variables[env] = append(variables[env], name)
	}
	want := foundation.EnvironmentVariables()
	sort.Strings(want)
	for env := range envs {
		sort.Strings(variables[env])
		assert.Equal(t, want, variables[env], "%s holds its identity's client ID, tenant, subscription and backend", env)
	}
	assert.Len(t, variables, len(envs))
}

// Every role assignment an environment stack declares must be one its
// deploy identity can create: inside its resource group, of a role its
// RBAC-administrator condition allows.
func TestDeployIdentityCanCreateEveryRoleAssignmentOfItsStack(t *testing.T) {
	boot := planBootstrap(t, prodEU2)
	rgs := map[string]string{}
	for _, rg := range boot.Find(rgType) {
		rgs[strings.TrimSuffix(rg.Name, "-rg")] = rg.ID
	}
	allowed := map[string][]string{}
	for _, a := range assignments(t, boot) {
		if a.kind == identity.KindDeploy && a.role == crosscut.RoleRBACAdministrator {
			assert.Equal(t, rgs[a.stack], a.scope)
			allowed[a.stack] = identity.AssignableRoles(a.condition)
		}
	}
	for _, stack := range append(stackNames(t), "prod-eu2") {
		env := planEnvironment(t, stack)
		require.NotEmpty(t, allowed[stack], stack)
		for _, ra := range env.Find(raType) {
			role := offlinetest.Input(t, ra, "roleDefinitionId").(string)
			role = role[strings.LastIndex(role, "/")+1:]
			assert.Contains(t, allowed[stack], role, "%s: %s assigns a role its deploy identity may not", stack, ra.URN)
			assert.True(t, strings.HasPrefix(offlinetest.Input(t, ra, "scope").(string), rgs[stack]+"/"), "%s: %s is outside the stack's resource group", stack, ra.URN)
		}
		// The drift check refreshes the stack as the drift identity: Reader
		// on the resource group covers every resource of the stack, read
		// ones included, and nothing of the stack lives outside it.
		for _, r := range env.Resources {
			if r.Type == offline.StackReferenceType {
				continue // the bootstrap's state: TestEnvironmentIdentitiesReadOnlyTheBootstrapState
			}
			if r.Custom && !strings.HasPrefix(r.Type, "pulumi:providers:") {
				assert.True(t, strings.HasPrefix(r.ID, rgs[stack]+"/"), "%s: the drift identity cannot refresh %s (%s)", stack, r.URN, r.ID)
			}
		}
	}
}

// A new stack (prod-eu2: a stack file and one bootstrap entry) collides
// with no other stack: resource IDs, address space, display names,
// subjects.
func TestNewStackCollidesWithNoOther(t *testing.T) {
	owner := map[string]string{}
	var spaces []netip.Prefix
	var spaceOf []string
	for _, stack := range append(stackNames(t), "prod-eu2") {
		p := planEnvironment(t, stack)
		for _, r := range p.Resources {
			if !r.Custom || r.ID == "" || strings.HasPrefix(r.Type, "pulumi:providers:") || r.Type == offline.StackReferenceType {
				continue // every stack reads the one bootstrap stack
			}
			id := strings.ToLower(r.ID)
			if other, ok := owner[id]; ok {
				t.Errorf("%s and %s both have %s", stack, other, r.ID)
			}
			owner[id] = stack
		}
		vnet := offlinetest.One(t, p, "azure-native:network:VirtualNetwork")
		for _, s := range offlinetest.Input(t, vnet, "addressSpace.addressPrefixes").([]any) {
			prefix := netip.MustParsePrefix(s.(string))
			for i, o := range spaces {
				assert.False(t, o.Overlaps(prefix), "%s's %s overlaps %s's %s", stack, prefix, spaceOf[i], o)
			}
			spaces, spaceOf = append(spaces, prefix), append(spaceOf, stack)
		}
	}
	assert.Equal(t, "prod-eu2", owner[strings.ToLower("/subscriptions/"+offline.PlaceholderSubscriptionID+"/resourceGroups/rg-misybot-prodeu2-eus2/providers/Microsoft.App/containerApps/ca-misybot-prodeu2-eus2")])
}

// docs/identities.md is generated from the bootstrap's plan.
func TestIdentitiesDocIsCurrent(t *testing.T) {
	p := planBootstrap(t)
	rgNames := map[string]string{}
	for _, rg := range p.Find(rgType) {
		rgNames[rg.ID] = "resource group " + offlinetest.Input(t, rg, "resourceGroupName").(string)
	}
	var rows []string
	for _, a := range assignments(t, p) {
		scope := rgNames[a.scope]
		if scope == "" {
			parts := strings.Split(a.scope, "/")
			scope = parts[len(parts)-2] + "/" + parts[len(parts)-1]
		}
		condition := ""
		switch {
		case a.role == crosscut.RoleRBACAdministrator:
			condition = "may assign only: " + roleNames(identity.AssignableRoles(a.condition))
		case strings.Contains(a.condition, "blobs/write"):
			condition = "reads and writes only its stack's state blobs"
		case a.condition != "":
			condition = "reads only its stack's state blobs (and the backend's meta.yaml)"
		case a.kind != "administrator" && strings.HasSuffix(a.scope, "/keys/pulumi-"+foundation.StackName):
			condition = "the bootstrap's key, which encrypts nothing: the stack's StackReference opens the bootstrap's secrets manager"
		}
		rows = append(rows, fmt.Sprintf("| %s | %s | %s | `%s` | %s |", a.stack, a.kind, roleName(a.role), scope, condition))
	}
	sort.Strings(rows)
	doc := "# Identities and their roles\n\n" +
		"Generated from the offline plan of the bootstrap (`bootstrap/`, stack `platform`) by\n" +
		"`go test ./bootstrap/foundation -update`; a test fails when it is stale. Every role\n" +
		"assignment the platform's identities hold is here; the environment stacks add only\n" +
		"the app identity's roles on their own resources, which the deploy identity's\n" +
		"condition allows (see [deployment.md](deployment.md)).\n\n" +
		"| stack | identity | role | scope | condition |\n|---|---|---|---|---|\n" +
		strings.Join(rows, "\n") + "\n"
	path := "../../docs/identities.md"
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(doc), 0o644))
	}
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, doc, string(got), "docs/identities.md is stale: go test ./bootstrap/foundation -update")
}

var roleNamesByID = map[string]string{
	crosscut.RoleContributor: "Contributor", crosscut.RoleReader: "Reader", crosscut.RoleAcrPull: "AcrPull",
	crosscut.RoleRBACAdministrator: "Role Based Access Control Administrator", crosscut.RoleStorageBlobDataContributor: "Storage Blob Data Contributor",
	crosscut.RoleStorageBlobDataReader: "Storage Blob Data Reader", crosscut.RoleKeyVaultCryptoUser: "Key Vault Crypto User",
	crosscut.RoleKeyVaultSecretsUser: "Key Vault Secrets User", crosscut.RoleServiceBusDataSender: "Azure Service Bus Data Sender",
	crosscut.RoleServiceBusDataReceiver: "Azure Service Bus Data Receiver", crosscut.RoleServiceBusDataOwner: "Azure Service Bus Data Owner",
	apphosting.RoleMonitoringMetricsPublisher: "Monitoring Metrics Publisher",
	loadtesting.RoleLoadTestContributor:       "Load Test Contributor",
}

func roleName(id string) string {
	if n, ok := roleNamesByID[id]; ok {
		return n
	}
	return id
}

func roleNames(ids []string) string {
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = roleName(id)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// docs/deployment.md registers every resource provider the stacks need.
func TestDeploymentDocRegistersEveryProvider(t *testing.T) {
	doc, err := os.ReadFile("../../docs/deployment.md")
	require.NoError(t, err)
	for _, ns := range foundation.ResourceProviders {
		assert.Regexp(t, `\s`+regexp.QuoteMeta(ns)+`[\s;]`, string(doc), "docs/deployment.md does not register %s", ns)
	}
}

// conditionClause is one clause of a StateCondition: the blob actions it
// governs and the path prefixes it allows them on.
var conditionClause = regexp.MustCompile(`\(\(!\((.*?)\)\) OR \((.*?)\)\)`)

// conditionAllows evaluates a StateCondition for a blob data action
// (read, write, add/action, delete) on a path: every clause naming the
// action must allow the path. A role without write data actions
// (Storage Blob Data Reader) is refused writes by the role itself.
func conditionAllows(t *testing.T, role, condition, action, path string) bool {
	t.Helper()
	if role == crosscut.RoleStorageBlobDataReader && action != "read" {
		return false
	}
	clauses := conditionClause.FindAllStringSubmatch(condition, -1)
	require.NotEmpty(t, clauses, condition)
	for _, c := range clauses {
		if !strings.Contains(c[1], "blobs/"+action+"'") {
			continue
		}
		allowed := false
		for _, m := range regexp.MustCompile(`StringStartsWith '([^']*)'`).FindAllStringSubmatch(c[2], -1) {
			allowed = allowed || strings.HasPrefix(path, m[1])
		}
		if !allowed {
			return false
		}
	}
	return true
}

// Every environment identity reads the bootstrap's checkpoint (its
// StackReference) and nothing else of the bootstrap's state; none writes
// it. (Their decrypt right on the bootstrap's key:
// TestNoIdentityDecryptsAnotherStacksKey.)
func TestEnvironmentIdentitiesReadOnlyTheBootstrapState(t *testing.T) {
	p := planBootstrap(t, prodEU2)
	checkpoint := foundation.BootstrapCheckpoint()
	assert.Equal(t, ".pulumi/stacks/misybot-bootstrap/platform.json", checkpoint)
	readers := map[string]bool{}
	for _, a := range assignments(t, p) {
		if a.kind == "administrator" {
			continue
		}
		if a.role != crosscut.RoleStorageBlobDataContributor && a.role != crosscut.RoleStorageBlobDataReader {
			continue
		}
		if conditionAllows(t, a.role, a.condition, "read", checkpoint) {
			readers[a.stack+"/"+a.kind] = true
		}
		for _, path := range []string{checkpoint, checkpoint + ".bak", ".pulumi/history/misybot-bootstrap/platform/x.json", ".pulumi/locks/misybot-bootstrap/platform/l.json"} {
			for _, action := range []string{"write", "add/action", "delete"} {
				assert.False(t, conditionAllows(t, a.role, a.condition, action, path), "%s %s may %s %s", a.stack, a.kind, action, path)
			}
		}
		assert.False(t, conditionAllows(t, a.role, a.condition, "read", ".pulumi/history/misybot-bootstrap/platform/x.json"), "%s %s reads the bootstrap's history", a.stack, a.kind)
		// Its own state: read, and written by the deploy identity only.
		own := ".pulumi/stacks/" + stacks.Project + "/" + a.stack + ".json"
		assert.True(t, conditionAllows(t, a.role, a.condition, "read", own), a.stack+" "+a.kind)
		assert.Equal(t, a.kind == identity.KindDeploy, conditionAllows(t, a.role, a.condition, "write", own), a.stack+" "+a.kind)
	}
	for _, stack := range append(stackNames(t), "prod-eu2") {
		for _, kind := range []string{identity.KindDeploy, identity.KindPreview, identity.KindDrift} {
			assert.True(t, readers[stack+"/"+kind], "%s %s cannot read the bootstrap's outputs", stack, kind)
		}
	}
}

// Every secrets key expires and rotates: the first version on the
// configured date, each rotated version after rotateAfter, and lives
// expireAfter. Azure Resource Manager creates the key once, so these are
// set at creation.
func TestSecretsKeysExpireAndRotate(t *testing.T) {
	p := planBootstrap(t, prodEU2)
	keys := p.Find("azure-native:keyvault:Key")
	require.Len(t, keys, len(stackNames(t))+2, "one per stack, prod-eu2 and the bootstrap's")
	for _, k := range keys {
		assert.Equal(t, 1859155200.0, offlinetest.Input(t, k, "properties.attributes.expires"), "2028-11-30T00:00:00Z, %s", k.URN)
		assert.Equal(t, foundation.DefaultExpireAfter, offlinetest.Input(t, k, "properties.rotationPolicy.attributes.expiryTime"), k.URN)
		actions := offlinetest.Input(t, k, "properties.rotationPolicy.lifetimeActions").([]any)
		byType := map[string]map[string]any{}
		for _, a := range actions {
			m := a.(map[string]any)
			byType[m["action"].(map[string]any)["type"].(string)] = m["trigger"].(map[string]any)
		}
		assert.Equal(t, foundation.DefaultRotateAfter, byType["Rotate"]["timeAfterCreate"], k.URN)
		assert.Equal(t, "P30D", byType["Notify"]["timeBeforeExpiry"], k.URN)
	}
}

// The state survives a zone and a region; the registry spreads over zones;
// the vault's and the state blobs' logs reach the audit workspace.
func TestSharedResourcesAreRedundantAndAudited(t *testing.T) {
	p := planBootstrap(t)
	storage := offlinetest.One(t, p, "azure-native:storage:StorageAccount")
	assert.Equal(t, "Standard_GZRS", offlinetest.Input(t, storage, "sku.name"), "westeurope has zones")
	assert.Equal(t, "Standard_GRS", foundation.StateSku("nowhere"), "without zones, geo-redundant")
	registry := offlinetest.One(t, p, "azure-native:containerregistry:Registry")
	assert.Equal(t, "Premium", offlinetest.Input(t, registry, "sku.name"))
	assert.Equal(t, "Enabled", offlinetest.Input(t, registry, "zoneRedundancy"))
	workspace := offlinetest.One(t, p, "azure-native:operationalinsights:Workspace")
	assert.Equal(t, float64(foundation.AuditRetentionDays), offlinetest.Input(t, workspace, "retentionInDays"))
	assert.Equal(t, true, offlinetest.Input(t, workspace, "features.disableLocalAuth"))
	vault := offlinetest.One(t, p, "azure-native:keyvault:Vault")
	targets := map[string]bool{}
	for _, d := range p.Find("azure-native:insights:DiagnosticSetting") {
		assert.Equal(t, workspace.ID, offlinetest.Input(t, d, "workspaceId"), d.URN)
		targets[offlinetest.Input(t, d, "resourceUri").(string)] = true
	}
	assert.True(t, targets[vault.ID], "the vault's audit events")
	assert.True(t, targets[storage.ID+"/blobServices/default"], "the state blobs' reads and writes")
}

// policy-config.json makes advisory exactly the exceptions the bootstrap
// states, each with its reason; with it the plan has no mandatory
// violation, and without it the only mandatory violations are those.
func TestPolicyExceptionsAreTheStatedOnes(t *testing.T) {
	data, err := os.ReadFile("../policy-config.json")
	require.NoError(t, err)
	var cfg map[string]string
	require.NoError(t, json.Unmarshal(data, &cfg))
	want := map[string]string{}
	for rule, reason := range foundation.PolicyExceptions {
		want[rule] = "advisory"
		assert.NotEmpty(t, strings.TrimSpace(reason), rule)
	}
	assert.Equal(t, want, cfg)

	reg := rules.NewRegistry()
	strict := planpolicy.Evaluate(reg, planBootstrap(t), rules.Config{})
	mandatory := map[string]bool{}
	for _, v := range strict.Violations {
		if v.Enforcement == rules.Mandatory {
			mandatory[v.Rule] = true
		}
	}
	for rule := range mandatory {
		assert.Contains(t, foundation.PolicyExceptions, rule, "%s is broken without a stated reason", rule)
	}
	for rule := range foundation.PolicyExceptions {
		assert.True(t, mandatory[rule], "%s is an exception the bootstrap no longer needs", rule)
	}
	doc, err := os.ReadFile("../../docs/deployment.md")
	require.NoError(t, err)
	for rule := range foundation.PolicyExceptions {
		assert.Contains(t, string(doc), "`"+rule+"`", "docs/deployment.md names the exception %s", rule)
	}
}

// A stack's operators and readers become its Entra groups, with
// Contributor and Reader on its resource group only.
func TestOperatorAndReaderGroups(t *testing.T) {
	const member = "5a5a5a5a-1b1b-4c4c-8d8d-9e9e9e9e9e9e"
	p := planBootstrap(t, `{"name":"prod-eu2","location":"eastus2","reviewers":{"teams":[4242001]},"operators":["`+member+`"],"readers":["`+member+`"]}`)
	groups := map[string]offline.Resource{}
	for _, g := range p.Find("azuread:index/group:Group") {
		groups[offlinetest.Input(t, g, "displayName").(string)] = g
	}
	require.Contains(t, groups, "misybot-prod-eu2-operators")
	require.Contains(t, groups, "misybot-prod-eu2-readers")
	assert.Len(t, groups, 2, "no groups for stacks without members")
	rg := offlinetest.Named(t, p, rgType, "prod-eu2-rg")
	roles := map[string]string{}
	for _, ra := range p.Find(raType) {
		for name, g := range groups {
			if offlinetest.Input(t, ra, "principalId") == g.State["objectId"].StringValue() {
				role := offlinetest.Input(t, ra, "roleDefinitionId").(string)
				roles[name] = role[strings.LastIndex(role, "/")+1:]
				assert.Equal(t, rg.ID, offlinetest.Input(t, ra, "scope"), name)
			}
		}
	}
	assert.Equal(t, map[string]string{"misybot-prod-eu2-operators": crosscut.RoleContributor, "misybot-prod-eu2-readers": crosscut.RoleReader}, roles)
}
