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
	sub     = "/subscriptions/00000000-0000-0000-0000-000000000001"
	rgID    = sub + "/resourceGroups/rg-misybot-prod-weu"
	keyID   = sub + "/resourceGroups/rg-misybot-shared-weu/providers/Microsoft.KeyVault/vaults/kv/keys/pulumi-prod"
	appType = "azuread:index/application:Application"
	spType  = "azuread:index/servicePrincipal:ServicePrincipal"
	ficType = "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential"
	raType  = "azure-native:authorization:RoleAssignment"
	owner   = "33333333-3333-3333-3333-333333333333"
)

func baseArgs() identity.Args {
	condition, err := identity.AssignmentCondition([]string{crosscut.RoleKeyVaultSecretsUser, crosscut.RoleAcrPull})
	if err != nil {
		panic(err)
	}
	read := func(key, role, scope string) identity.Grant {
		return identity.Grant{Key: key, Scope: pulumi.String(scope), RoleDefinitionID: role, Description: "reads"}
	}
	return identity.Args{
		Stack:            "prod",
		GitHubOwner:      "misybot",
		GitHubRepository: "platform",
		NamePrefix:       "misybot",
		Owners:           []string{owner},
		Deploy: []identity.Grant{
			{Key: "contributor", Scope: pulumi.String(rgID), RoleDefinitionID: crosscut.RoleContributor, Description: "deploys"},
			{Key: "rbac", Scope: pulumi.String(rgID), RoleDefinitionID: identity.RoleRBACAdministrator, Condition: condition, Description: "assigns the app's roles"},
		},
		Preview:   []identity.Grant{read("reader", crosscut.RoleReader, rgID), read("key", crosscut.RoleKeyVaultCryptoUser, keyID)},
		Drift:     []identity.Grant{read("reader", crosscut.RoleReader, rgID)},
		Operators: &identity.Group{DisplayName: "misybot-prod-operators", Members: []string{"44444444-4444-4444-4444-444444444444"}, Grants: []identity.Grant{read("reader", crosscut.RoleReader, rgID)}},
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

func TestDisplayNamesAndSubjectsComeFromTheStackName(t *testing.T) {
	for _, stack := range []string{"prod", "prod-eu2"} {
		args := baseArgs()
		args.Stack = stack
		p := plan(t, args)
		names := map[string]string{}
		for _, a := range p.Find(appType) {
			names[a.Name] = offlinetest.Input(t, a, "displayName").(string)
			assert.Equal(t, []any{owner}, offlinetest.Input(t, a, "owners"), "every application has an owner")
		}
		assert.Equal(t, map[string]string{
			"ci-deploy-app":  "misybot-" + stack + "-deploy",
			"ci-preview-app": "misybot-" + stack + "-preview",
			"ci-drift-app":   "misybot-" + stack + "-drift",
		}, names, "no doubled environment (misybot-prod-prod-deploy)")
		for _, sp := range p.Find(spType) {
			assert.Equal(t, []any{owner}, offlinetest.Input(t, sp, "owners"), "every service principal has an owner")
		}
		subjects := map[string][]string{}
		for _, f := range p.Find(ficType) {
			assert.Equal(t, identity.GitHubIssuer, offlinetest.Input(t, f, "issuer"))
			assert.Equal(t, []any{identity.GitHubAudience}, offlinetest.Input(t, f, "audiences"))
			subject := offlinetest.Input(t, f, "subject").(string)
			require.NoError(t, identity.ValidateSubject(subject))
			parent, ok := p.ByURN(f.Parent)
			require.True(t, ok)
			assert.Equal(t, parent.ID, offlinetest.Input(t, f, "applicationId"), "the credential belongs to its own application")
			subjects[parent.Name] = append(subjects[parent.Name], subject)
		}
		assert.Equal(t, map[string][]string{
			"ci-deploy-app":  {"repo:misybot/platform:environment:" + stack},
			"ci-preview-app": {"repo:misybot/platform:environment:" + stack + "-preview"},
			"ci-drift-app":   {"repo:misybot/platform:environment:" + stack + "-drift"},
		}, subjects)
	}
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

func TestGrantsBecomeRoleAssignmentsOfTheirIdentity(t *testing.T) {
	p := plan(t, baseArgs())
	principals := map[string]string{}
	for _, sp := range p.Find(spType) {
		principals[sp.State["objectId"].StringValue()] = sp.Name
	}
	for _, g := range p.Find("azuread:index/group:Group") {
		principals[g.State["objectId"].StringValue()] = g.Name
	}
	got := map[string][]string{}
	for _, ra := range p.Find(raType) {
		role := offlinetest.Input(t, ra, "roleDefinitionId").(string)
		assert.True(t, strings.HasPrefix(role, sub+"/providers/Microsoft.Authorization/roleDefinitions/"), role)
		who := principals[offlinetest.Input(t, ra, "principalId").(string)]
		require.NotEmpty(t, who)
		got[who] = append(got[who], offlinetest.Input(t, ra, "scope").(string)+" "+role[strings.LastIndex(role, "/")+1:])
	}
	assert.Equal(t, map[string][]string{
		"ci-deploy-sp":       {rgID + " " + crosscut.RoleContributor, rgID + " " + identity.RoleRBACAdministrator},
		"ci-preview-sp":      {rgID + " " + crosscut.RoleReader, keyID + " " + crosscut.RoleKeyVaultCryptoUser},
		"ci-drift-sp":        {rgID + " " + crosscut.RoleReader},
		"ci-operators-group": {rgID + " " + crosscut.RoleReader},
	}, got)
}

func TestAssignmentCondition(t *testing.T) {
	c, err := identity.AssignmentCondition([]string{crosscut.RoleAcrPull, crosscut.RoleKeyVaultSecretsUser, strings.ToUpper(crosscut.RoleAcrPull)})
	require.NoError(t, err)
	want := "{" + crosscut.RoleKeyVaultSecretsUser + ", " + crosscut.RoleAcrPull + "}" // sorted and deduplicated: stable
	assert.Contains(t, c, "@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals "+want)
	assert.Contains(t, c, "@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals "+want)
	assert.Equal(t, []string{crosscut.RoleKeyVaultSecretsUser, crosscut.RoleAcrPull}, identity.AssignableRoles(c))

	for _, bad := range [][]string{{crosscut.RoleOwner}, {identity.RoleRBACAdministrator}, {crosscut.RoleUserAccessAdministrator}, {"Reader"}, nil} {
		_, err := identity.AssignmentCondition(bad)
		assert.Error(t, err, "%v", bad)
	}
}

func TestValidateSubject(t *testing.T) {
	for subject, ok := range map[string]bool{
		"repo:misybot/platform:environment:prod":         true,
		"repo:misybot/platform:environment:prod-eu2":     true,
		"repo:misybot/platform:pull_request":             false, // any pull request of the repository, for every stack
		"repo:misybot/platform:environment:prod-preview": true,
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

// TestGitHubNames: GitHub's length limits hold at their edges (they are
// checked apart from the character patterns), also inside a subject.
func TestGitHubNames(t *testing.T) {
	for _, tc := range []struct {
		name  string
		valid func(string) bool
		s     string
		want  bool
	}{
		{"owner of 39", identity.ValidGitHubOwner, strings.Repeat("a", 39), true},
		{"owner of 40", identity.ValidGitHubOwner, strings.Repeat("a", 40), false},
		{"owner with a hyphen", identity.ValidGitHubOwner, "misy-bot", true},
		{"owner starting with a hyphen", identity.ValidGitHubOwner, "-misybot", false},
		{"empty owner", identity.ValidGitHubOwner, "", false},
		{"owner with a dot", identity.ValidGitHubOwner, "misy.bot", false},
		{"repository of 100", identity.ValidGitHubRepository, strings.Repeat("r", 100), true},
		{"repository of 101", identity.ValidGitHubRepository, strings.Repeat("r", 101), false},
		{"repository with . _ -", identity.ValidGitHubRepository, "platform.infra_v2-x", true},
		{"empty repository", identity.ValidGitHubRepository, "", false},
		{"repository with a slash", identity.ValidGitHubRepository, "a/b", false},
		{"environment of 255", func(s string) bool { return identity.ValidateSubject("repo:o/r:environment:"+s) == nil }, strings.Repeat("e", 255), true},
		{"environment of 256", func(s string) bool { return identity.ValidateSubject("repo:o/r:environment:"+s) == nil }, strings.Repeat("e", 256), false},
		{"GUID", identity.IsGUID, "6F2A0C59-1B1E-4F7A-9A5C-7D7E1C2B3A4D", true},
		{"not a GUID", identity.IsGUID, "6f2a0c59-1b1e-4f7a-9a5c-7d7e1c2b3a4", false},
	} {
		assert.Equal(t, tc.want, tc.valid(tc.s), tc.name)
	}
}

func TestValidateResourceGroupID(t *testing.T) {
	for id, ok := range map[string]bool{
		rgID:                     true,
		sub:                      false,
		sub + "/":                false,
		sub + "/resourceGroups/": false,
		rgID + "/providers/Microsoft.KeyVault/vaults/kv":        false,
		"/providers/Microsoft.Management/managementGroups/root": false,
		"/": false,
		"":  false,
		sub + "/resourcegroups/rg-lowercase-segment": true,
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
		{"wildcard stack", func(a *identity.Args) { a.Stack = "*" }, "args.Stack"},
		{"stack widening the subject", func(a *identity.Args) { a.Stack = "prod:ref:refs/heads/*" }, "args.Stack"},
		{"stack of no environment", func(a *identity.Args) { a.Stack = "qa" }, "args.Stack"},
		{"wildcard repository", func(a *identity.Args) { a.GitHubRepository = "*" }, "args.GitHubRepository"},
		{"no owners", func(a *identity.Args) { a.Owners = nil }, "args.Owners: at least one"},
		{"owner not an object ID", func(a *identity.Args) { a.Owners = []string{"alice@misybot.example"} }, "want an object ID"},
		{"preview that writes", func(a *identity.Args) {
			a.Preview = append(a.Preview, identity.Grant{Key: "w", Scope: pulumi.String(rgID), RoleDefinitionID: crosscut.RoleContributor, Description: "x"})
		}, "args.Preview[2].RoleDefinitionID"},
		{"drift that writes state", func(a *identity.Args) {
			a.Drift = append(a.Drift, identity.Grant{Key: "w", Scope: pulumi.String(rgID), RoleDefinitionID: crosscut.RoleStorageBlobDataContributor, Description: "x"})
		}, "a read-only identity holds only"},
		{"grant without scope", func(a *identity.Args) { a.Deploy[0].Scope = nil }, "args.Deploy[0].Scope is required"},
		{"grant key twice", func(a *identity.Args) { a.Deploy[1].Key = a.Deploy[0].Key }, "used twice"},
		{"not a role GUID", func(a *identity.Args) { a.Deploy[0].RoleDefinitionID = "Reader" }, "want a role definition GUID"},
		{"group without name", func(a *identity.Args) { a.Operators.DisplayName = "" }, "args.Operators.DisplayName is required"},
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
			"deployClientId": c.DeployClientID, "previewClientId": c.PreviewClientID, "driftClientId": c.DriftClientID,
			"deployPrincipalId": c.DeployPrincipalID, "previewPrincipalId": c.PreviewPrincipalID, "driftPrincipalId": c.DriftPrincipalID,
			"operators": c.OperatorsGroupID,
		}, nil
	}})
	require.NoError(t, err)
	apps := map[string]string{}
	for _, a := range p.Find(appType) {
		apps[a.Name] = a.State["clientId"].StringValue()
	}
	for _, kind := range []string{"deploy", "preview", "drift"} {
		assert.Equal(t, apps["ci-"+kind+"-app"], p.Outputs[kind+"ClientId"].Value.StringValue(), kind)
		assert.Regexp(t, `^[0-9a-f-]{36}$`, p.Outputs[kind+"PrincipalId"].Value.StringValue(), kind)
	}
	assert.Len(t, map[string]bool{apps["ci-deploy-app"]: true, apps["ci-preview-app"]: true, apps["ci-drift-app"]: true}, 3, "three identities")
	assert.Regexp(t, `^[0-9a-f-]{36}$`, p.Outputs["operators"].Value.StringValue())
}
