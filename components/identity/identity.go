// Package identity is the MisyBot CI identity component: per environment,
// an Entra application and service principal that GitHub Actions deploy
// jobs sign in as through OIDC federation, a separate read-only identity for
// pull-request previews, and optional Entra groups for operators and
// readers. No identity has a client secret or certificate: federated
// credentials are the only way to sign in as them. Every Azure role
// assignment is scoped to the environment's resource group, never wider.
//
// Creating Entra applications and groups needs Microsoft Graph permissions
// (Application.ReadWrite.OwnedBy, Group.ReadWrite.All or a directory role),
// and assigning the deploy identity a role-assignment role needs Owner or
// User Access Administrator on the resource group: this component belongs
// in a bootstrap run by an administrator, not in what the CI identity
// deploys.
package identity

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-azuread/sdk/v5/go/azuread"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/misybot/platform/components/crosscut"
)

// Type is the component's Pulumi type token.
const Type = "misybot:identity:CIIdentity"

// GitHub Actions OIDC: the token issuer and the audience Entra ID expects
// for workload identity federation.
const (
	GitHubIssuer   = "https://token.actions.githubusercontent.com"
	GitHubAudience = "api://AzureADTokenExchange"
)

// RoleRBACAdministrator is the built-in role "Role Based Access Control
// Administrator": it can create and delete role assignments and nothing
// else (unlike User Access Administrator or Owner it cannot change policies
// or locks), and a condition narrows which roles it can hand out.
const RoleRBACAdministrator = "f58310d9-a9f6-439a-9e8d-f62e7b41a168"

var (
	// GitHub's rules: owners are 1-39 letters, digits and '-'; repositories
	// letters, digits, '.', '_' and '-'.
	ownerPattern = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$`)
	repoPattern  = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)
	// envPattern keeps environment names to characters that cannot widen a
	// subject: no '*', ':', '/' or spaces.
	envPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,255}$`)
	// rgIDPattern is exactly a resource group ID.
	rgIDPattern = regexp.MustCompile(`(?i)^/subscriptions/[0-9a-f-]{1,36}/resourceGroups/[-\w._()]{1,90}$`)
	guidPattern = regexp.MustCompile(`(?i)^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
)

// Args configures the identities of one environment.
type Args struct {
	// Environment is the GitHub environment the deploy jobs run in, such as
	// "prod". Only jobs in it can sign in as the deploy identity. Required.
	Environment string
	// GitHubOwner and GitHubRepository name the repository. Required.
	GitHubOwner      string
	GitHubRepository string
	// NamePrefix starts the display names, such as "misybot". Required.
	NamePrefix string
	// ResourceGroupID is the environment's resource group: the only scope
	// any role is assigned on. It must be exactly
	// /subscriptions/<id>/resourceGroups/<name>. Required.
	ResourceGroupID pulumi.StringInput
	// AssignableRoles are the role definition GUIDs the deploy identity may
	// assign within the resource group (apphosting.AssignedRoles()). Empty
	// means the deploy identity cannot assign roles at all.
	AssignableRoles []string
	// Owners are the object IDs owning the applications and groups.
	Owners []string
	// Operators and Readers, when set, create Entra groups with roles on
	// the resource group.
	Operators *Group
	Readers   *Group
}

// Group is an Entra security group with roles on the resource group.
type Group struct {
	// DisplayName is the group's name. Required.
	DisplayName string
	// Roles are built-in role GUIDs. Default Contributor for operators,
	// Reader for readers.
	Roles []string
	// Members are user or service principal object IDs.
	Members []string
}

// Identity is the component's state and outputs.
type Identity struct {
	pulumi.ResourceState

	// DeployClientID is AZURE_CLIENT_ID for the deploy jobs.
	DeployClientID    pulumi.StringOutput
	DeployPrincipalID pulumi.StringOutput
	// PreviewClientID is AZURE_CLIENT_ID for pull-request previews.
	PreviewClientID    pulumi.StringOutput
	PreviewPrincipalID pulumi.StringOutput
	TenantID           pulumi.StringOutput
	// OperatorsGroupID and ReadersGroupID are empty without the groups.
	OperatorsGroupID pulumi.StringOutput
	ReadersGroupID   pulumi.StringOutput
}

// DeploySubject is the OIDC subject of jobs running in one GitHub
// environment of the repository.
func DeploySubject(owner, repo, environment string) string {
	return "repo:" + owner + "/" + repo + ":environment:" + environment
}

// DriftSubject is the OIDC subject of the scheduled drift check of one
// environment: a scheduled run cannot use the pull_request subject, so it
// runs in the GitHub environment "<environment>-drift" (no reviewers, no
// deploy secrets) and signs in as the read-only preview identity.
func DriftSubject(owner, repo, environment string) string {
	return DeploySubject(owner, repo, environment+"-drift")
}

// PreviewSubject is the OIDC subject of pull-request workflows.
func PreviewSubject(owner, repo string) string {
	return "repo:" + owner + "/" + repo + ":pull_request"
}

// ValidateSubject accepts only the two subjects this platform federates:
// one GitHub environment of one repository, or its pull requests. Anything
// broader (a branch filter, a wildcard, another claim) is rejected.
func ValidateSubject(subject string) error {
	rest, ok := strings.CutPrefix(subject, "repo:")
	if !ok {
		return fmt.Errorf("federated subject %q: want repo:<owner>/<repo>:<claim>", subject)
	}
	repoPart, claim, ok := strings.Cut(rest, ":")
	owner, repo, okRepo := strings.Cut(repoPart, "/")
	if !ok || !okRepo || !ownerPattern.MatchString(owner) || !repoPattern.MatchString(repo) {
		return fmt.Errorf("federated subject %q: want one repository repo:<owner>/<repo>", subject)
	}
	if claim == "pull_request" {
		return nil
	}
	if env, ok := strings.CutPrefix(claim, "environment:"); ok && envPattern.MatchString(env) {
		return nil
	}
	return fmt.Errorf("federated subject %q is broader than one environment: want repo:%s/%s:environment:<name> or repo:%s/%s:pull_request",
		subject, owner, repo, owner, repo)
}

// ValidateResourceGroupID accepts exactly /subscriptions/<id>/resourceGroups/<name>.
func ValidateResourceGroupID(id string) error {
	if !rgIDPattern.MatchString(id) {
		return fmt.Errorf("scope %q: want a resource group ID /subscriptions/<id>/resourceGroups/<name>, nothing wider or narrower", id)
	}
	return nil
}

func (a *Args) defaults() {
	if a.Operators != nil && len(a.Operators.Roles) == 0 {
		a.Operators.Roles = []string{crosscut.RoleContributor}
	}
	if a.Readers != nil && len(a.Readers.Roles) == 0 {
		a.Readers.Roles = []string{crosscut.RoleReader}
	}
}

func (a *Args) validate() error {
	var errs []error
	if !ownerPattern.MatchString(a.GitHubOwner) {
		errs = append(errs, fmt.Errorf("args.GitHubOwner %q: want a GitHub user or organization name", a.GitHubOwner))
	}
	if !repoPattern.MatchString(a.GitHubRepository) {
		errs = append(errs, fmt.Errorf("args.GitHubRepository %q: want a repository name", a.GitHubRepository))
	}
	if !envPattern.MatchString(a.Environment) {
		errs = append(errs, fmt.Errorf("args.Environment %q: want one GitHub environment name (letters, digits, '.', '_', '-'), no wildcard", a.Environment))
	}
	for _, s := range []string{DeploySubject(a.GitHubOwner, a.GitHubRepository, a.Environment), PreviewSubject(a.GitHubOwner, a.GitHubRepository),
		DriftSubject(a.GitHubOwner, a.GitHubRepository, a.Environment)} {
		if err := ValidateSubject(s); err != nil {
			errs = append(errs, err)
		}
	}
	if a.NamePrefix == "" {
		errs = append(errs, errors.New("args.NamePrefix is required"))
	}
	switch {
	case a.ResourceGroupID == nil:
		errs = append(errs, errors.New("args.ResourceGroupID is required"))
	default:
		if id, known := knownString(a.ResourceGroupID); known {
			if err := ValidateResourceGroupID(id); err != nil {
				errs = append(errs, fmt.Errorf("args.ResourceGroupID: %w", err))
			}
		}
	}
	for _, r := range a.AssignableRoles {
		if !guidPattern.MatchString(r) {
			errs = append(errs, fmt.Errorf("args.AssignableRoles %q: want a role definition GUID", r))
		}
		if privileged(r) {
			errs = append(errs, fmt.Errorf("args.AssignableRoles %q: a role that can grant access would let CI escalate its own rights", r))
		}
	}
	for _, ng := range []struct {
		name  string
		group *Group
	}{{"Operators", a.Operators}, {"Readers", a.Readers}} {
		name, g := ng.name, ng.group
		if g == nil {
			continue
		}
		if g.DisplayName == "" {
			errs = append(errs, fmt.Errorf("args.%s.DisplayName is required", name))
		}
		for _, r := range g.Roles {
			if !guidPattern.MatchString(r) {
				errs = append(errs, fmt.Errorf("args.%s.Roles %q: want a role definition GUID", name, r))
			}
		}
	}
	return errors.Join(errs...)
}

// privileged are the roles that can create role assignments.
func privileged(role string) bool {
	switch strings.ToLower(role) {
	case crosscut.RoleOwner, crosscut.RoleUserAccessAdministrator, RoleRBACAdministrator:
		return true
	}
	return false
}

func knownString(in pulumi.StringInput) (string, bool) {
	if s, ok := in.(pulumi.String); ok {
		return string(s), true
	}
	return "", false
}

// AssignmentCondition is the ABAC condition (version 2.0) that limits a
// role-assignment role to creating and deleting assignments of the given
// roles only.
func AssignmentCondition(roles []string) string {
	// Lowercased, deduplicated and sorted: the same roles always give the
	// same condition, so reordering the config is no diff.
	seen := map[string]bool{}
	var sorted []string
	for _, r := range roles {
		if r = strings.ToLower(r); !seen[r] {
			seen[r] = true
			sorted = append(sorted, r)
		}
	}
	sort.Strings(sorted)
	list := strings.Join(sorted, ", ")
	return "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR " +
		"(@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {" + list + "})) AND " +
		"((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR " +
		"(@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {" + list + "}))"
}

// New creates the identities of one environment.
func New(ctx *pulumi.Context, name string, args Args, opts ...pulumi.ResourceOption) (*Identity, error) {
	args.defaults()
	if err := args.validate(); err != nil {
		return nil, fmt.Errorf("identity %q: %w", name, err)
	}
	c := &Identity{}
	if err := ctx.RegisterComponentResource(Type, name, c, opts...); err != nil {
		return nil, fmt.Errorf("identity %q: %w", name, err)
	}
	child := pulumi.Parent(c)
	wrap := func(err error) error { return fmt.Errorf("identity %q: %w", name, err) }

	// Checked again once known: the resource group's ID is usually an output.
	rgID := args.ResourceGroupID.ToStringOutput().ApplyT(func(id string) (string, error) {
		if err := ValidateResourceGroupID(id); err != nil {
			return "", fmt.Errorf("identity %q: args.ResourceGroupID: %w", name, err)
		}
		return id, nil
	}).(pulumi.StringOutput)

	deploy, err := newFederatedIdentity(ctx, name+"-deploy", args,
		fmt.Sprintf("%s-%s-deploy", args.NamePrefix, args.Environment),
		"Deploys the "+args.Environment+" environment from GitHub Actions.",
		[]string{DeploySubject(args.GitHubOwner, args.GitHubRepository, args.Environment)}, child)
	if err != nil {
		return nil, wrap(err)
	}
	preview, err := newFederatedIdentity(ctx, name+"-preview", args,
		fmt.Sprintf("%s-%s-preview", args.NamePrefix, args.Environment),
		"Reads the "+args.Environment+" environment for pull-request previews and drift checks.",
		[]string{PreviewSubject(args.GitHubOwner, args.GitHubRepository), DriftSubject(args.GitHubOwner, args.GitHubRepository, args.Environment)}, child)
	if err != nil {
		return nil, wrap(err)
	}

	sp := func(p pulumi.StringInput, role, why string) crosscut.RoleAssignment {
		return crosscut.RoleAssignment{PrincipalID: p, PrincipalType: "ServicePrincipal", RoleDefinitionID: role, Description: why}
	}
	for _, g := range []struct {
		key string
		ra  crosscut.RoleAssignment
	}{
		{"deploy-contributor", sp(deploy.sp.ObjectId, crosscut.RoleContributor, "CI deploys the environment's resources")},
		{"preview-reader", sp(preview.sp.ObjectId, crosscut.RoleReader, "Pull-request previews read the environment")},
	} {
		if _, err := crosscut.NewRoleAssignment(ctx, name+"-"+g.key, rgID, g.ra, child); err != nil {
			return nil, wrap(err)
		}
	}
	if len(args.AssignableRoles) > 0 {
		_, err := crosscut.NewRoleAssignment(ctx, name+"-deploy-rbac-admin", rgID, crosscut.RoleAssignment{
			PrincipalID:      deploy.sp.ObjectId,
			PrincipalType:    "ServicePrincipal",
			RoleDefinitionID: RoleRBACAdministrator,
			Condition:        AssignmentCondition(args.AssignableRoles),
			Description:      "CI assigns the app's roles on the environment's resources, and no other role",
		}, child)
		if err != nil {
			return nil, wrap(err)
		}
	}

	c.OperatorsGroupID = pulumi.String("").ToStringOutput()
	c.ReadersGroupID = pulumi.String("").ToStringOutput()
	for _, g := range []struct {
		key   string
		group *Group
		out   *pulumi.StringOutput
	}{{"operators", args.Operators, &c.OperatorsGroupID}, {"readers", args.Readers, &c.ReadersGroupID}} {
		if g.group == nil {
			continue
		}
		id, err := newGroup(ctx, name+"-"+g.key, args, *g.group, rgID, child)
		if err != nil {
			return nil, wrap(err)
		}
		*g.out = id
	}

	c.DeployClientID, c.DeployPrincipalID = deploy.app.ClientId, deploy.sp.ObjectId
	c.PreviewClientID, c.PreviewPrincipalID = preview.app.ClientId, preview.sp.ObjectId
	c.TenantID = deploy.sp.ApplicationTenantId
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"deployClientId":     c.DeployClientID,
		"deployPrincipalId":  c.DeployPrincipalID,
		"previewClientId":    c.PreviewClientID,
		"previewPrincipalId": c.PreviewPrincipalID,
		"tenantId":           c.TenantID,
		"operatorsGroupId":   c.OperatorsGroupID,
		"readersGroupId":     c.ReadersGroupID,
	}); err != nil {
		return nil, wrap(err)
	}
	return c, nil
}

type federatedIdentity struct {
	app *azuread.Application
	sp  *azuread.ServicePrincipal
}

// newFederatedIdentity creates an application, its service principal and
// the one federated credential it can be signed in with.
func newFederatedIdentity(ctx *pulumi.Context, name string, args Args, displayName, description string, subjects []string, opts ...pulumi.ResourceOption) (*federatedIdentity, error) {
	for _, subject := range subjects {
		if err := ValidateSubject(subject); err != nil {
			return nil, err
		}
	}
	application, err := azuread.NewApplication(ctx, name+"-app", &azuread.ApplicationArgs{
		DisplayName:           pulumi.String(displayName),
		Description:           pulumi.String(description),
		SignInAudience:        pulumi.String("AzureADMyOrg"),
		Owners:                pulumi.ToStringArray(args.Owners),
		PreventDuplicateNames: pulumi.Bool(true),
		// No Password block: the federated credential is the only way in.
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("application %q: %w", name, err)
	}
	sp, err := azuread.NewServicePrincipal(ctx, name+"-sp", &azuread.ServicePrincipalArgs{
		ClientId:    application.ClientId,
		Description: pulumi.String(description),
		Owners:      pulumi.ToStringArray(args.Owners),
	}, append(opts, pulumi.Parent(application))...)
	if err != nil {
		return nil, fmt.Errorf("service principal %q: %w", name, err)
	}
	for i, subject := range subjects {
		logical := name + "-github"
		if i > 0 {
			logical = fmt.Sprintf("%s-github-%d", name, i+1)
		}
		_, err = azuread.NewApplicationFederatedIdentityCredential(ctx, logical, &azuread.ApplicationFederatedIdentityCredentialArgs{
			ApplicationId: application.ID().ToStringOutput(),
			DisplayName:   pulumi.String("github-" + strings.NewReplacer(":", "-", "/", "-").Replace(strings.TrimPrefix(subject, "repo:"))),
			Description:   pulumi.String("GitHub Actions OIDC: " + subject),
			Issuer:        pulumi.String(GitHubIssuer),
			Audiences:     pulumi.StringArray{pulumi.String(GitHubAudience)},
			Subject:       pulumi.String(subject),
		}, append(opts, pulumi.Parent(application))...)
		if err != nil {
			return nil, fmt.Errorf("federated credential %q: %w", logical, err)
		}
	}
	return &federatedIdentity{app: application, sp: sp}, nil
}

// newGroup creates a security group and assigns its roles on the resource group.
func newGroup(ctx *pulumi.Context, name string, args Args, g Group, rgID pulumi.StringOutput, child pulumi.ResourceOption) (pulumi.StringOutput, error) {
	group, err := azuread.NewGroup(ctx, name+"-group", &azuread.GroupArgs{
		DisplayName:           pulumi.String(g.DisplayName),
		SecurityEnabled:       pulumi.Bool(true),
		MailEnabled:           pulumi.Bool(false),
		Owners:                pulumi.ToStringArray(args.Owners),
		Members:               pulumi.ToStringArray(g.Members),
		PreventDuplicateNames: pulumi.Bool(true),
	}, child)
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("group %q: %w", name, err)
	}
	for i, role := range g.Roles {
		_, err := crosscut.NewRoleAssignment(ctx, fmt.Sprintf("%s-ra-%d", name, i), rgID, crosscut.RoleAssignment{
			PrincipalID:      group.ObjectId,
			PrincipalType:    "Group",
			RoleDefinitionID: role,
			Description:      g.DisplayName + " on the " + args.Environment + " environment",
		}, child)
		if err != nil {
			return pulumi.StringOutput{}, err
		}
	}
	return group.ObjectId, nil
}
