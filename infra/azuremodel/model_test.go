package azuremodel_test

import (
	"context"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/components/crosscut"
	"github.com/misybot/platform/infra/azuremodel"
	"github.com/misybot/platform/infra/offline"
)

func TestFirstDeployOfTheSampleWorldPasses(t *testing.T) {
	plan := step(t, defaultWorld(), nil, azuremodel.Options{})
	assert.Empty(t, problemLines(plan))
	app := plan.Find("azure-native:app:ContainerApp")[0]
	latest, _ := app.Output("latestRevisionName")
	assert.Equal(t, "app--v1", latest, "the revision is named from revisionSuffix")
	for _, c := range plan.Changes {
		assert.Equal(t, offline.OpCreate, c.Op, c.URN)
	}
}

// TestRules breaks one thing at a time, on a first deploy (before is nil)
// or on an update from a deployed world, and expects exactly the rules.
func TestRules(t *testing.T) {
	mod := func(f func(w *world)) *world {
		w := defaultWorld()
		f(&w)
		return &w
	}
	base := defaultWorld()
	tests := []struct {
		name   string
		before *world // deployed first, when set
		after  world
		opts   azuremodel.Options
		want   []string
	}{
		{name: "canary on a new app: the stable revision does not exist", after: *mod(func(w *world) { w.canary, w.canaryWeight = "v2", 10 }), want: []string{"CA001"}},
		{name: "canary after the stable revision exists", before: &base, after: *mod(func(w *world) { w.canary, w.canaryWeight = "v2", 10 })},
		{name: "revision-scope change without a new suffix", before: &base, after: *mod(func(w *world) { w.cpu = 1 }), want: []string{"CA003"}},
		{name: "release bump", before: &base, after: *mod(func(w *world) { w.release = "v2" })},
		{name: "missing Key Vault secret", after: *mod(func(w *world) { w.noSecret = true }), want: []string{"CA004"}},
		{name: "identity may not read secrets", after: *mod(func(w *world) { w.noSecretsUser = true }), want: []string{"CA005"}},
		{name: "Key Vault Reader does not read secrets", after: *mod(func(w *world) { w.raRole = crosscut.RoleReader }), want: []string{"CA005"}},
		{name: "vault denies by default and Container Apps is not trusted", after: *mod(func(w *world) { w.vaultPublic = true }), want: []string{"CA006"}},
		{name: "no AcrPull", after: *mod(func(w *world) { w.noAcrPull = true }), want: []string{"CA007"}},
		{name: "KEDA with Data Receiver only", after: *mod(func(w *world) { w.scaleRole = crosscut.RoleServiceBusDataReceiver }), want: []string{"CA008"}},
		{name: "subnet too small for workload profiles", after: *mod(func(w *world) { w.subnetPrefix = "10.0.0.0/28" }), want: []string{"ME001"}},
		{name: "subnet not delegated", after: *mod(func(w *world) { w.noDelegation = true }), want: []string{"ME002"}},
		{name: "NSG blocks the edge proxy port", after: *mod(func(w *world) { w.nsgDenies31443 = true }), want: []string{"NSG001"}},
		{name: "purge protection turned off", before: mod(func(w *world) { w.purgeProtection = true }), after: base, want: []string{"KV001"}},
		{name: "soft-deleted vault name", after: base, opts: azuremodel.Options{SoftDeletedVaults: []string{"KV-APP"}}, want: []string{"KV002"}},
		{name: "Premium downgraded", before: &base, after: *mod(func(w *world) { w.sbSku = "Standard"; w.sbCapacity = 0 }), want: []string{"SB001"}},
		{name: "Premium capacity 3", after: *mod(func(w *world) { w.sbCapacity = 3 }), want: []string{"SB002"}},
		{name: "queue size 10 GB on Standard", after: *mod(func(w *world) { w.sbSku = "Standard"; w.queueMaxSize = 10240 }), want: []string{"SB003"}},
		{name: "queue size 10 GB on Premium", after: *mod(func(w *world) { w.queueMaxSize = 10240 })},
		{name: "duplicate detection window of 8 days", after: *mod(func(w *world) { w.dupWindow = "P8D" }), want: []string{"SB004"}},
		{name: "duplicate detection window of 10 seconds", after: *mod(func(w *world) { w.dupWindow = "PT10S" }), want: []string{"SB004"}},
		{name: "destroy of a protected group", before: mod(func(w *world) { w.protect = true }), after: world{empty: true}, want: []string{offline.RuleProtect, offline.RuleProtect}},
		{name: "replace under a CanNotDelete lock", before: mod(func(w *world) { w.lockRG = true }), after: *mod(func(w *world) { w.lockRG = true; w.nsgName = "nsg-apps-2" }), want: []string{"LK001"}},
		{name: "update under a CanNotDelete lock", before: mod(func(w *world) { w.lockRG = true }), after: *mod(func(w *world) { w.lockRG = true; w.release = "v2" })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var prior *offline.State
			if tt.before != nil {
				prior = saved(t, step(t, *tt.before, nil, azuremodel.Options{}))
			}
			plan := step(t, tt.after, prior, tt.opts)
			assert.Equal(t, tt.want, rules(plan), strings.Join(problemLines(plan), "\n"))
		})
	}
}

func TestProblemNamesResourcePropertyAndSource(t *testing.T) {
	w := defaultWorld()
	w.noSecret = true
	plan := step(t, w, nil, azuremodel.Options{})
	require.Len(t, plan.Problems, 1)
	p := plan.Problems[0]
	assert.Equal(t, "ContainerAppSecretInvalid", p.Code)
	assert.Equal(t, "app", p.Name)
	assert.Equal(t, "configuration.secrets[0].keyVaultUrl", p.Property)
	assert.Contains(t, p.URN, "azure-native:app:ContainerApp::app")
	assert.True(t, strings.HasPrefix(p.Source, "https://learn.microsoft.com/"), p.Source)
	assert.Contains(t, p.String(), "CA004")
}

func TestRevisionHistoryPersistsAcrossRuns(t *testing.T) {
	w := defaultWorld()
	st := saved(t, step(t, w, nil, azuremodel.Options{}))
	w.release = "v2"
	st = saved(t, step(t, w, st, azuremodel.Options{}))
	// A canary v3 at 10%, then aborted: the template goes back to the
	// stable suffix v2, which is in the history.
	canary := defaultWorld()
	canary.release, canary.canary, canary.canaryWeight = "v2", "v3", 10
	withCanary := saved(t, step(t, canary, st, azuremodel.Options{}))
	aborted := defaultWorld()
	aborted.release = "v2"
	assert.Equal(t, []string{"CA003"}, rules(step(t, aborted, withCanary, azuremodel.Options{})))
	// Back to v1 with a change: v1 is in the history, so its suffix is taken.
	w.release, w.cpu = "v1", 2
	plan := step(t, w, st, azuremodel.Options{})
	assert.Equal(t, []string{"CA003"}, rules(plan))
	// Traffic back to v1 without a template change creates nothing and is fine.
	w2 := defaultWorld()
	w2.release = "v2"
	plan = step(t, w2, st, azuremodel.Options{})
	assert.Empty(t, problemLines(plan))
	app := plan.Find("azure-native:app:ContainerApp")[0]
	change, _ := plan.ChangeOf(app.URN)
	assert.Equal(t, offline.OpSame, change.Op)
	assert.Equal(t, map[string]any{"revisions": []any{"app--v1", "app--v2"}}, plan.Annotations[app.URN])
}

func TestUnchangedUpdateKeepsIDsAndOutputs(t *testing.T) {
	st := saved(t, step(t, defaultWorld(), nil, azuremodel.Options{}))
	// A real export holds IDs and outputs Azure chose: they must carry over.
	for i := range st.Resources {
		if st.Resources[i].Type == "azure-native:managedidentity:UserAssignedIdentity" {
			st.Resources[i].Outputs["principalId"] = resource.NewProperty("11111111-1111-1111-1111-111111111111")
		}
	}
	plan := step(t, defaultWorld(), st, azuremodel.Options{})
	id := plan.Find("azure-native:managedidentity:UserAssignedIdentity")[0]
	principal, _ := id.Output("principalId")
	assert.Equal(t, "11111111-1111-1111-1111-111111111111", principal)
	for _, ra := range plan.Find("azure-native:authorization:RoleAssignment") {
		c, _ := plan.ChangeOf(ra.URN)
		assert.Equal(t, offline.OpReplace, c.Op, "a role assignment whose principal changes is replaced")
		assert.Equal(t, []string{"principalId"}, c.ReplaceKeys)
	}
}

func TestLookupsAnswerFromStateAndRun(t *testing.T) {
	st := saved(t, step(t, defaultWorld(), nil, azuremodel.Options{}))
	lookup := func(prior *offline.State) (string, error) {
		var found string
		_, err := offline.Run(context.Background(), offline.Options{
			Project: "proj", Stack: "dev", Prior: prior, Model: azuremodel.New(azuremodel.Options{}),
			Program: func(ctx *pulumi.Context) (map[string]pulumi.Output, error) {
				var out map[string]any
				if err := ctx.Invoke("azure-native:app:getContainerAppRevision", map[string]any{
					"containerAppName": "app", "resourceGroupName": rgName, "revisionName": "app--v1",
				}, &out); err != nil {
					return nil, err
				}
				found, _ = out["name"].(string)
				var secret map[string]any
				err := ctx.Invoke("azure-native:keyvault:getSecret", map[string]any{
					"vaultName": "kv-app", "resourceGroupName": rgName, "secretName": "bot-token",
				}, &secret)
				return nil, err
			},
		})
		return found, err
	}
	_, err := lookup(nil)
	require.Error(t, err, "nothing exists in an empty stack")
	assert.Contains(t, err.Error(), "ContainerAppRevisionNotFound")
	found, err := lookup(st)
	require.NoError(t, err)
	assert.Equal(t, "app--v1", found)
}

func TestAuthorization(t *testing.T) {
	// The deploy identity holds Contributor and a conditional RBAC
	// administrator role on the group: it cannot create the AcrPull
	// assignment, which its condition does not list.
	deployer := func(ctx *pulumi.Context, conditionRoles []string) error {
		app, err := reg(ctx, "azuread:index/application:Application", "ci-deploy-app", pulumi.Map{"displayName": pulumi.String("deploy")})
		if err != nil {
			return err
		}
		var sp struct {
			pulumi.CustomResourceState
			ObjectID pulumi.StringOutput `pulumi:"objectId"`
		}
		if err := ctx.RegisterResource("azuread:index/servicePrincipal:ServicePrincipal", "ci-deploy-sp", pulumi.Map{"clientId": app.ID()}, &sp); err != nil {
			return err
		}
		scope := pulumi.String("/subscriptions/" + offline.PlaceholderSubscriptionID + "/resourceGroups/" + rgName)
		if _, err := reg(ctx, "azure-native:authorization:RoleAssignment", "deploy-contributor", pulumi.Map{
			"scope": scope, "principalId": sp.ObjectID, "roleDefinitionId": pulumi.String(crosscut.RoleContributor)}); err != nil {
			return err
		}
		cond := "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {" + strings.Join(conditionRoles, ", ") + "}))"
		_, err = reg(ctx, "azure-native:authorization:RoleAssignment", "deploy-rbac", pulumi.Map{
			"scope": scope, "principalId": sp.ObjectID,
			"roleDefinitionId": pulumi.String("f58310d9-a9f6-439a-9e8d-f62e7b41a168"), "condition": pulumi.String(cond), "conditionVersion": pulumi.String("2.0")})
		return err
	}
	withDeployer := func(roles []string, w world) offline.Program {
		return func(ctx *pulumi.Context) (map[string]pulumi.Output, error) {
			if err := deployer(ctx, roles); err != nil {
				return nil, err
			}
			return w.program(ctx)
		}
	}
	run := func(program offline.Program, prior *offline.State, as string) *offline.Plan {
		plan, err := offline.Run(context.Background(), offline.Options{
			Project: "proj", Stack: "dev", Program: program, Prior: prior, Model: azuremodel.New(azuremodel.Options{As: as}),
		})
		require.NoError(t, err)
		return plan
	}
	empty := world{empty: true}
	// The condition lists Key Vault Secrets User and AcrPull, not Data Owner.
	narrow := []string{crosscut.RoleKeyVaultSecretsUser, crosscut.RoleAcrPull}
	bootstrap := saved(t, run(withDeployer(narrow, empty), nil, azuremodel.AsAdmin))

	plan := run(withDeployer(narrow, defaultWorld()), bootstrap, azuremodel.AsDeploy)
	byName := map[string]string{}
	for _, p := range plan.Problems {
		byName[p.URN[strings.LastIndex(p.URN, "::")+2:]] = p.Rule
	}
	assert.Equal(t, map[string]string{
		"id-acr": "AZ001", // the shared registry's group is outside the grant
		"id-sb":  "AZ002", // Data Owner is not in the condition
	}, byName, "Contributor writes everything else: %s", strings.Join(problemLines(plan), "\n"))

	// Changing its own condition is beyond the deploy identity.
	wide := append(narrow, crosscut.RoleServiceBusDataOwner)
	plan = run(withDeployer(wide, defaultWorld()), bootstrap, azuremodel.AsDeploy)
	assert.Contains(t, rules(plan), "AZ002")

	// The preview identity has no role at all: reading the state fails.
	plan = run(withDeployer(nil, empty), bootstrap, azuremodel.AsPreview)
	assert.Equal(t, []string{"AZ004"}, rules(plan), "no preview identity in this world")
}

func TestRulesMarkdownListsEveryRuleWithASource(t *testing.T) {
	md := azuremodel.RulesMarkdown()
	for _, typ := range append(azuremodel.Types(), azuremodel.AuthorizationType) {
		for _, r := range typ.Rules {
			assert.Contains(t, md, "| "+r.ID+" |")
			assert.True(t, strings.HasPrefix(r.Source, "https://"), r.ID)
		}
	}
}
