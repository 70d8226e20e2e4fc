package identity_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/components/crosscut"
	"github.com/misybot/platform/components/identity"
	"github.com/misybot/platform/infra/offline"
	"github.com/misybot/platform/infra/offline/offlinetest"
)

const (
	rgID       = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-misybot-prod-weu"
	appType    = "azuread:index/application:Application"
	spType     = "azuread:index/servicePrincipal:ServicePrincipal"
	ficType    = "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential"
	groupType  = "azuread:index/group:Group"
	raType     = "azure-native:authorization:RoleAssignment"
	appRoleKV  = "4633458b-17de-408a-b874-0445c86b69e6"
	appRoleACR = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
)

func baseArgs() identity.Args {
	return identity.Args{
		Environment:      "prod",
		GitHubOwner:      "misybot",
		GitHubRepository: "platform",
		NamePrefix:       "misybot",
		ResourceGroupID:  pulumi.String(rgID),
		AssignableRoles:  []string{appRoleKV, appRoleACR},
		Owners:           []string{"33333333-3333-3333-3333-333333333333"},
		Operators:        &identity.Group{DisplayName: "misybot-prod-operators", Members: []string{"44444444-4444-4444-4444-444444444444"}},
		Readers:          &identity.Group{DisplayName: "misybot-prod-readers"},
	}
}

func run(args identity.Args) (*offline.Plan, error) {
	return offline.RunProgram(func(ctx *pulumi.Context) error {
		_, err := identity.New(ctx, "ci", args)
		return err
	})
}

func plan(t *testing.T, args identity.Args) *offline.Plan {
	t.Helper()
	p, err := run(args)
	require.NoError(t, err)
	return p
}

func TestFederatedCredentials(t *testing.T) {
	p := plan(t, baseArgs())
	apps := p.Find(appType)
	require.Len(t, apps, 2)
	fics := p.Find(ficType)
	require.Len(t, fics, 3)
	subjects := map[string][]string{}
	for _, f := range fics {
		assert.Equal(t, identity.GitHubIssuer, offlinetest.Input(t, f, "issuer"))
		assert.Equal(t, []any{identity.GitHubAudience}, offlinetest.Input(t, f, "audiences"))
		subject := offlinetest.Input(t, f, "subject").(string)
		require.NoError(t, identity.ValidateSubject(subject), "no subject broader than one environment")
		parent, ok := p.ByURN(f.Parent)
		require.True(t, ok)
		assert.Equal(t, parent.ID, offlinetest.Input(t, f, "applicationId"), "the credential belongs to its own application")
		subjects[parent.Name] = append(subjects[parent.Name], subject)
	}
	assert.Equal(t, map[string][]string{
		"ci-deploy-app": {"repo:misybot/platform:environment:prod"},
		// Pull requests, and the scheduled drift check in its own
		// environment: read-only, like the identity.
		"ci-preview-app": {"repo:misybot/platform:pull_request", "repo:misybot/platform:environment:prod-drift"},
	}, subjects)
}

func TestNoSecretsEver(t *testing.T) {
	p := plan(t, baseArgs())
	for _, r := range p.Resources {
		assert.NotContains(t, []string{
			"azuread:index/applicationPassword:ApplicationPassword",
			"azuread:index/servicePrincipalPassword:ServicePrincipalPassword",
			"azuread:index/applicationCertificate:ApplicationCertificate",
			"azuread:index/servicePrincipalCertificate:ServicePrincipalCertificate",
		}, r.Type)
	}
	for _, a := range p.Find(appType) {
		_, hasPassword := a.Input("password")
		assert.False(t, hasPassword, "%s has an inline password", a.Name)
	}
}

func TestRoleAssignmentsOnlyOnTheResourceGroup(t *testing.T) {
	p := plan(t, baseArgs())
	sps := map[string]string{}
	for _, sp := range p.Find(spType) {
		sps[sp.State["objectId"].StringValue()] = sp.Name
	}
	groups := map[string]string{}
	for _, g := range p.Find(groupType) {
		groups[g.State["objectId"].StringValue()] = offlinetest.Input(t, g, "displayName").(string)
	}
	got := map[string][]string{}
	for _, ra := range p.Find(raType) {
		assert.Equal(t, rgID, offlinetest.Input(t, ra, "scope"), "the resource group, never the subscription")
		role := offlinetest.Input(t, ra, "roleDefinitionId").(string)
		assert.True(t, strings.HasPrefix(role, "/subscriptions/00000000-0000-0000-0000-000000000001/providers/Microsoft.Authorization/roleDefinitions/"), role)
		principal := offlinetest.Input(t, ra, "principalId").(string)
		who := sps[principal] + groups[principal]
		require.NotEmpty(t, who, "assignment to an unknown principal %s", principal)
		got[who] = append(got[who], role[strings.LastIndex(role, "/")+1:])
	}
	assert.Equal(t, map[string][]string{
		"ci-deploy-sp":           {crosscut.RoleContributor, identity.RoleRBACAdministrator},
		"ci-preview-sp":          {crosscut.RoleReader},
		"misybot-prod-operators": {crosscut.RoleContributor},
		"misybot-prod-readers":   {crosscut.RoleReader},
	}, got)
}

func TestRBACAdministratorIsConstrainedToTheAppRoles(t *testing.T) {
	p := plan(t, baseArgs())
	var admin *offline.Resource
	for _, ra := range p.Find(raType) {
		if strings.HasSuffix(offlinetest.Input(t, ra, "roleDefinitionId").(string), identity.RoleRBACAdministrator) {
			admin = &ra
		}
	}
	require.NotNil(t, admin)
	assert.Equal(t, "2.0", offlinetest.Input(t, *admin, "conditionVersion"))
	condition := offlinetest.Input(t, *admin, "condition").(string)
	want := "{" + appRoleKV + ", " + appRoleACR + "}" // sorted, so the condition is stable
	assert.Contains(t, condition, "@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals "+want)
	assert.Contains(t, condition, "@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals "+want)
	assert.NotContains(t, condition, crosscut.RoleOwner)

	args := baseArgs()
	args.AssignableRoles = nil
	for _, ra := range plan(t, args).Find(raType) {
		assert.NotContains(t, offlinetest.Input(t, ra, "roleDefinitionId"), identity.RoleRBACAdministrator, "no roles to assign, no role-assignment rights")
	}
}

func TestValidateSubject(t *testing.T) {
	for subject, ok := range map[string]bool{
		"repo:misybot/platform:environment:prod":         true,
		"repo:misybot/platform:environment:staging":      true,
		"repo:misybot/platform:pull_request":             true,
		"repo:misybot/platform:*":                        false,
		"repo:misybot/platform:ref:refs/heads/*":         false,
		"repo:misybot/platform:ref:refs/heads/main":      false,
		"repo:misybot/platform:environment:*":            false,
		"repo:misybot/platform:environment:prod*":        false,
		"repo:misybot/platform:environment:":             false,
		"repo:misybot/*:environment:prod":                false,
		"repo:*/platform:environment:prod":               false,
		"repo:misybot/platform:environment:prod:extra":   false,
		"repo:misybot/platform:environment:prod/x":       false,
		"misybot/platform:environment:prod":              false,
		"repo:misybot/platform":                          false,
		"repo:misybot/platform:job_workflow_ref:x/y@ref": false,
	} {
		err := identity.ValidateSubject(subject)
		assert.Equal(t, ok, err == nil, "%s: %v", subject, err)
	}
}

func TestValidateResourceGroupID(t *testing.T) {
	for id, ok := range map[string]bool{
		rgID: true,
		"/subscriptions/00000000-0000-0000-0000-000000000001":                 false,
		"/subscriptions/00000000-0000-0000-0000-000000000001/":                false,
		"/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/": false,
		rgID + "/providers/Microsoft.KeyVault/vaults/kv":                      false,
		"/providers/Microsoft.Management/managementGroups/root":               false,
		"/": false,
		"":  false,
		"/subscriptions/00000000-0000-0000-0000-000000000001/resourcegroups/rg-lowercase-segment": true,
	} {
		err := identity.ValidateResourceGroupID(id)
		assert.Equal(t, ok, err == nil, "%q: %v", id, err)
	}
}

func TestInvalidArgs(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*identity.Args)
		want   string
	}{
		{"subscription scope", func(a *identity.Args) {
			a.ResourceGroupID = pulumi.String("/subscriptions/00000000-0000-0000-0000-000000000001")
		}, "args.ResourceGroupID: scope \"/subscriptions/00000000-0000-0000-0000-000000000001\": want a resource group ID"},
		{"resource scope", func(a *identity.Args) {
			a.ResourceGroupID = pulumi.String(rgID + "/providers/Microsoft.KeyVault/vaults/kv")
		}, "want a resource group ID"},
		{"subscription scope known only at deployment", func(a *identity.Args) {
			a.ResourceGroupID = pulumi.String("/subscriptions/00000000-0000-0000-0000-000000000001").ToStringOutput()
		}, "want a resource group ID"},
		{"wildcard environment", func(a *identity.Args) { a.Environment = "*" }, "broader than one environment"},
		{"environment widening the subject", func(a *identity.Args) { a.Environment = "prod:ref:refs/heads/*" }, "args.Environment"},
		{"wildcard repository", func(a *identity.Args) { a.GitHubRepository = "*" }, "args.GitHubRepository"},
		{"no environment", func(a *identity.Args) { a.Environment = "" }, "args.Environment"},
		{"assignable owner", func(a *identity.Args) { a.AssignableRoles = []string{crosscut.RoleOwner} }, "escalate"},
		{"assignable RBAC admin", func(a *identity.Args) { a.AssignableRoles = []string{identity.RoleRBACAdministrator} }, "escalate"},
		{"not a role GUID", func(a *identity.Args) { a.AssignableRoles = []string{"Reader"} }, "want a role definition GUID"},
		{"group without name", func(a *identity.Args) { a.Readers.DisplayName = "" }, "args.Readers.DisplayName is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := baseArgs()
			tc.mutate(&args)
			_, err := run(args)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Contains(t, err.Error(), `identity "ci"`)
		})
	}
}

func TestOutputs(t *testing.T) {
	p, err := offline.Run(t.Context(), offline.Options{Project: "test", Stack: "prod", Program: func(ctx *pulumi.Context) (map[string]pulumi.Output, error) {
		c, err := identity.New(ctx, "ci", baseArgs())
		if err != nil {
			return nil, err
		}
		return map[string]pulumi.Output{
			"deployClientId": c.DeployClientID, "deployPrincipalId": c.DeployPrincipalID,
			"previewClientId": c.PreviewClientID, "previewPrincipalId": c.PreviewPrincipalID,
			"operators": c.OperatorsGroupID, "readers": c.ReadersGroupID,
		}, nil
	}})
	require.NoError(t, err)
	apps := map[string]string{}
	for _, a := range p.Find(appType) {
		apps[a.Name] = a.State["clientId"].StringValue()
	}
	assert.Equal(t, apps["ci-deploy-app"], p.Outputs["deployClientId"].Value.StringValue())
	assert.Equal(t, apps["ci-preview-app"], p.Outputs["previewClientId"].Value.StringValue())
	assert.NotEqual(t, p.Outputs["deployClientId"].Value, p.Outputs["previewClientId"].Value)
	for _, k := range []string{"deployPrincipalId", "previewPrincipalId", "operators", "readers"} {
		assert.Regexp(t, `^[0-9a-f-]{36}$`, p.Outputs[k].Value.StringValue(), k)
	}
}
