// Package identity is the MisyBot CI identity component: for one
// environment stack, three Entra applications with their service principals
// that GitHub Actions signs in as through OIDC federation, and optional
// Entra groups:
//
//   - deploy: the stack's deploy jobs, in the GitHub environment named after
//     the stack (repo:<owner>/<repo>:environment:<stack>);
//   - preview: pull-request previews, in the GitHub environment
//     <stack>-preview (repo:<owner>/<repo>:environment:<stack>-preview),
//     read-only;
//   - drift: the scheduled drift check, in the GitHub environment
//     <stack>-drift, read-only.
//
// No identity has a client secret or certificate: federated credentials are
// the only way to sign in as them. Every application and service principal
// has owners. Which roles each identity holds, on which scope, is the
// caller's Grants; preview and drift accept read-only roles only.
//
// Creating Entra applications needs Microsoft Graph permissions (Cloud
// Application Administrator, Application Administrator, or Application
// Developer, who becomes an owner), and granting roles needs Owner, User
// Access Administrator or Role Based Access Control Administrator on each
// scope: this component belongs in the bootstrap an administrator runs,
// never in what a CI identity deploys.
package identity

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-azuread/sdk/v5/go/azuread"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/misybot/platform/components/crosscut"
	"github.com/misybot/platform/naming"
)

// Type is the component's Pulumi type token.
const Type = "misybot:identity:CIIdentity"

// GitHub Actions OIDC: the token issuer and the audience Entra ID expects
// for workload identity federation.
// https://learn.microsoft.com/entra/workload-id/workload-identity-federation-create-trust
const (
	GitHubIssuer   = "https://token.actions.githubusercontent.com"
	GitHubAudience = "api://AzureADTokenExchange"
)

// RoleRBACAdministrator is the built-in role "Role Based Access Control
// Administrator": it can create and delete role assignments and nothing
// else (unlike User Access Administrator or Owner it cannot change policies
// or locks), and a condition narrows which roles it can hand out.
const RoleRBACAdministrator = crosscut.RoleRBACAdministrator

// The three identities of a stack, as they appear in display names and
// resource names.
const (
	KindDeploy  = "deploy"
	KindPreview = "preview"
	KindDrift   = "drift"
)

var (
	// GitHub's rules: owners are 1-39 letters, digits and '-' (not first);
	// repositories up to 100 letters, digits, '.', '_' and '-'. The
	// lengths are checked apart: a counted repetition compiles into a
	// large program, at every start of every binary that links this.
	ownerPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]*$`)
	// nameChars also keeps environment names to characters that cannot
	// widen a subject: no '*', ':', '/' or spaces.
	nameChars   = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
	guidPattern = regexp.MustCompile(`(?i)^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	rgIDPattern = regexp.MustCompile(`(?i)^/subscriptions/[0-9a-f-]{1,36}/resourceGroups/[-\w._()]{1,90}$`)
)

// ValidGitHubOwner reports whether s can be a GitHub user or organization.
func ValidGitHubOwner(s string) bool { return len(s) <= 39 && ownerPattern.MatchString(s) }

// ValidGitHubRepository reports whether s can be a GitHub repository name.
func ValidGitHubRepository(s string) bool { return len(s) <= 100 && nameChars.MatchString(s) }

// validEnvironmentName reports whether s can be a GitHub environment in a
// federated subject.
func validEnvironmentName(s string) bool { return len(s) <= 255 && nameChars.MatchString(s) }

// IsGUID reports whether s is a GUID: an Entra object ID or a role
// definition ID.
func IsGUID(s string) bool { return guidPattern.MatchString(s) }

// readOnlyRoles are the roles a preview or drift identity may hold: they
// read resources and state and decrypt the stack's secrets, and write
// nothing. Key Vault Crypto User is granted on one key only (its encrypt
// and sign operations change no resource).
var readOnlyRoles = map[string]string{
	crosscut.RoleReader:                "Reader",
	crosscut.RoleStorageBlobDataReader: "Storage Blob Data Reader",
	crosscut.RoleKeyVaultCryptoUser:    "Key Vault Crypto User",
}

// ReadOnlyRole reports whether role is one a preview or drift identity may hold.
func ReadOnlyRole(role string) bool {
	_, ok := readOnlyRoles[strings.ToLower(role)]
	return ok
}

// Args configures the identities of one environment stack.
type Args struct {
	// Stack is the environment stack, such as "prod" or "prod-eu2": it names
	// the identities, the GitHub environments and the federated subjects.
	// Required; naming.CheckStack.
	Stack string
	// GitHubOwner and GitHubRepository name the repository. Required.
	GitHubOwner      string
	GitHubRepository string
	// NamePrefix starts the display names, such as "misybot":
	// misybot-prod-deploy. Required.
	NamePrefix string
	// Owners are the object IDs owning the applications, service
	// principals and groups: who can manage them besides directory
	// administrators. At least one, in any order (Entra keeps a set; the
	// component lists them sorted).
	Owners []string
	// Deploy, Preview and Drift are the roles of each identity. Preview and
	// Drift accept read-only roles only (ReadOnlyRole).
	Deploy, Preview, Drift []Grant
	// Operators and Readers, when set, create Entra groups with roles.
	Operators *Group
	Readers   *Group
}

// Grant is one role assignment of an identity.
type Grant struct {
	// Key names the assignment's resource; unique per identity. Required.
	Key string
	// Scope is the resource ID the role is assigned on. Required.
	Scope pulumi.StringInput
	// RoleDefinitionID is a built-in role GUID (crosscut roles). Required.
	RoleDefinitionID string
	// Condition is an ABAC condition (version 2.0) narrowing the role.
	Condition string
	// Description says why the identity holds the role. Required.
	Description string
}

// Group is an Entra security group with roles.
type Group struct {
	// DisplayName is the group's name. Required.
	DisplayName string
	// Members are user or service principal object IDs.
	Members []string
	// Grants are the group's roles.
	Grants []Grant
}

// Identity is the component's state and outputs.
type Identity struct {
	pulumi.ResourceState

	// DeployClientID is AZURE_CLIENT_ID of the deploy jobs.
	DeployClientID    pulumi.StringOutput
	DeployPrincipalID pulumi.StringOutput
	// PreviewClientID is AZURE_CLIENT_ID of pull-request previews.
	PreviewClientID    pulumi.StringOutput
	PreviewPrincipalID pulumi.StringOutput
	// DriftClientID is AZURE_CLIENT_ID of the drift check.
	DriftClientID    pulumi.StringOutput
	DriftPrincipalID pulumi.StringOutput
	TenantID         pulumi.StringOutput
	// OperatorsGroupID and ReadersGroupID are empty without the groups.
	OperatorsGroupID pulumi.StringOutput
	ReadersGroupID   pulumi.StringOutput
}

// DeploySubject is the OIDC subject of jobs running in one GitHub
// environment of the repository.
// https://docs.github.com/actions/deployment/security-hardening-your-deployments/about-security-hardening-with-openid-connect#example-subject-claims
func DeploySubject(owner, repo, environment string) string {
	return "repo:" + owner + "/" + repo + ":environment:" + environment
}

// DriftEnvironment is the GitHub environment of a stack's drift check: a
// scheduled run has no pull_request subject, so it runs in its own
// environment, without reviewers and without the deploy identity.
func DriftEnvironment(stack string) string { return stack + "-drift" }

// DriftSubject is the OIDC subject of the drift check of one stack.
func DriftSubject(owner, repo, stack string) string {
	return DeploySubject(owner, repo, DriftEnvironment(stack))
}

// PreviewEnvironment is the GitHub environment of a stack's pull-request
// preview. A job that names an environment gets the environment subject,
// pull_request events included, so each stack's preview identity trusts
// only jobs that passed its environment's protection rules (a prod
// stack's needs a reviewer). The shared pull_request subject would let any
// pull request sign in as every stack's preview identity.
// https://docs.github.com/actions/reference/security/oidc
func PreviewEnvironment(stack string) string { return stack + "-preview" }

// PreviewSubject is the OIDC subject of one stack's pull-request preview.
func PreviewSubject(owner, repo, stack string) string {
	return DeploySubject(owner, repo, PreviewEnvironment(stack))
}

// DisplayName is the Entra display name of one identity of a stack:
// misybot-prod-deploy, misybot-prod-eu2-drift.
func DisplayName(prefix, stack, kind string) string {
	return prefix + "-" + stack + "-" + kind
}

// ValidateSubject accepts only the subjects this platform federates: one
// GitHub environment of one repository. Anything broader (every pull
// request, a branch filter, a wildcard, another claim) is rejected.
func ValidateSubject(subject string) error {
	rest, ok := strings.CutPrefix(subject, "repo:")
	if !ok {
		return fmt.Errorf("federated subject %q: want repo:<owner>/<repo>:<claim>", subject)
	}
	repoPart, claim, ok := strings.Cut(rest, ":")
	owner, repo, okRepo := strings.Cut(repoPart, "/")
	if !ok || !okRepo || !ValidGitHubOwner(owner) || !ValidGitHubRepository(repo) {
		return fmt.Errorf("federated subject %q: want one repository repo:<owner>/<repo>", subject)
	}
	if env, ok := strings.CutPrefix(claim, "environment:"); ok && validEnvironmentName(env) {
		return nil
	}
	return fmt.Errorf("federated subject %q is broader than one environment: want repo:%s/%s:environment:<name>",
		subject, owner, repo)
}

// ValidateResourceGroupID accepts exactly /subscriptions/<id>/resourceGroups/<name>.
func ValidateResourceGroupID(id string) error {
	if !rgIDPattern.MatchString(id) {
		return fmt.Errorf("scope %q: want a resource group ID /subscriptions/<id>/resourceGroups/<name>, nothing wider or narrower", id)
	}
	return nil
}

func (a *Args) validate() error {
	var errs []error
	if !ValidGitHubOwner(a.GitHubOwner) {
		errs = append(errs, fmt.Errorf("args.GitHubOwner %q: want a GitHub user or organization name", a.GitHubOwner))
	}
	if !ValidGitHubRepository(a.GitHubRepository) {
		errs = append(errs, fmt.Errorf("args.GitHubRepository %q: want a repository name", a.GitHubRepository))
	}
	if err := naming.CheckStack(a.Stack); err != nil {
		errs = append(errs, fmt.Errorf("args.Stack: %w", err))
	}
	if a.NamePrefix == "" {
		errs = append(errs, errors.New("args.NamePrefix is required"))
	}
	if len(a.Owners) == 0 {
		errs = append(errs, errors.New("args.Owners: at least one object ID, so that the applications are not left without an owner"))
	}
	for _, o := range a.Owners {
		if !IsGUID(o) {
			errs = append(errs, fmt.Errorf("args.Owners %q: want an object ID (GUID)", o))
		}
	}
	for _, set := range []struct {
		kind     string
		grants   []Grant
		readOnly bool
	}{{KindDeploy, a.Deploy, false}, {KindPreview, a.Preview, true}, {KindDrift, a.Drift, true}} {
		errs = append(errs, validateGrants("args."+titled(set.kind), set.grants, set.readOnly)...)
	}
	for _, ng := range []struct {
		name  string
		group *Group
	}{{"Operators", a.Operators}, {"Readers", a.Readers}} {
		if ng.group == nil {
			continue
		}
		if ng.group.DisplayName == "" {
			errs = append(errs, fmt.Errorf("args.%s.DisplayName is required", ng.name))
		}
		errs = append(errs, validateGrants("args."+ng.name+".Grants", ng.group.Grants, false)...)
	}
	return errors.Join(errs...)
}

func validateGrants(field string, grants []Grant, readOnly bool) []error {
	var errs []error
	keys := map[string]bool{}
	for i, g := range grants {
		at := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case g.Key == "":
			errs = append(errs, fmt.Errorf("%s.Key is required", at))
		case keys[g.Key]:
			errs = append(errs, fmt.Errorf("%s.Key %q: used twice", at, g.Key))
		}
		keys[g.Key] = true
		if g.Scope == nil {
			errs = append(errs, fmt.Errorf("%s.Scope is required", at))
		}
		if g.Description == "" {
			errs = append(errs, fmt.Errorf("%s.Description is required", at))
		}
		if !IsGUID(g.RoleDefinitionID) {
			errs = append(errs, fmt.Errorf("%s.RoleDefinitionID %q: want a role definition GUID", at, g.RoleDefinitionID))
		} else if readOnly && !ReadOnlyRole(g.RoleDefinitionID) {
			errs = append(errs, fmt.Errorf("%s.RoleDefinitionID %q: a read-only identity holds only %s", at, g.RoleDefinitionID, readOnlyNames()))
		}
	}
	return errs
}

func readOnlyNames() string {
	names := make([]string, 0, len(readOnlyRoles))
	for _, n := range readOnlyRoles {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func titled(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

// privileged are the roles that can create role assignments.
func privileged(role string) bool {
	switch strings.ToLower(role) {
	case crosscut.RoleOwner, crosscut.RoleUserAccessAdministrator, crosscut.RoleRBACAdministrator:
		return true
	}
	return false
}

// AssignmentCondition is the ABAC condition (version 2.0) that limits a
// role-assignment role to creating and deleting assignments of the given
// roles only. It rejects a privileged role in the list: that would let CI
// escalate its own rights.
// https://learn.microsoft.com/azure/role-based-access-control/delegate-role-assignments-examples
func AssignmentCondition(roles []string) (string, error) {
	// Lowercased, deduplicated and sorted: the same roles always give the
	// same condition, so reordering is no diff.
	seen := map[string]bool{}
	var sorted []string
	for _, r := range roles {
		r = strings.ToLower(r)
		if !IsGUID(r) {
			return "", fmt.Errorf("assignable role %q: want a role definition GUID", r)
		}
		if privileged(r) {
			return "", fmt.Errorf("assignable role %q: a role that can grant access would let CI escalate its own rights", r)
		}
		if !seen[r] {
			seen[r] = true
			sorted = append(sorted, r)
		}
	}
	if len(sorted) == 0 {
		return "", errors.New("assignable roles: at least one")
	}
	sort.Strings(sorted)
	list := strings.Join(sorted, ", ")
	return "((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR " +
		"(@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {" + list + "})) AND " +
		"((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR " +
		"(@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {" + list + "}))", nil
}

// AssignableRoles reads the role GUIDs back from an AssignmentCondition,
// for tests and docs that check what a condition allows.
func AssignableRoles(condition string) []string {
	_, rest, ok := strings.Cut(condition, "GuidEquals {")
	if !ok {
		return nil
	}
	list, _, _ := strings.Cut(rest, "}")
	var out []string
	for _, r := range strings.Split(list, ",") {
		if r = strings.TrimSpace(r); r != "" {
			out = append(out, r)
		}
	}
	return out
}

// New creates the identities of one environment stack.
func New(ctx *pulumi.Context, name string, args Args, opts ...pulumi.ResourceOption) (*Identity, error) {
	args.Owners = slices.Sorted(slices.Values(args.Owners))
	if err := args.validate(); err != nil {
		return nil, fmt.Errorf("identity %q: %w", name, err)
	}
	c := &Identity{}
	if err := ctx.RegisterComponentResource(Type, name, c, opts...); err != nil {
		return nil, fmt.Errorf("identity %q: %w", name, err)
	}
	child := pulumi.Parent(c)
	wrap := func(err error) error { return fmt.Errorf("identity %q: %w", name, err) }
	owner, repo, stack := args.GitHubOwner, args.GitHubRepository, args.Stack

	ids := map[string]*federatedIdentity{}
	for _, k := range []struct {
		kind, what string
		subjects   map[string]string
		grants     []Grant
	}{
		{KindDeploy, "Deploys the " + stack + " stack from GitHub Actions.", map[string]string{"github": DeploySubject(owner, repo, stack)}, args.Deploy},
		{KindPreview, "Reads the " + stack + " stack for pull-request previews.", map[string]string{"github": PreviewSubject(owner, repo, stack)}, args.Preview},
		{KindDrift, "Reads the " + stack + " stack for the scheduled drift check.", map[string]string{"github": DriftSubject(owner, repo, stack)}, args.Drift},
	} {
		id, err := newFederatedIdentity(ctx, name+"-"+k.kind, args, DisplayName(args.NamePrefix, stack, k.kind), k.what, k.subjects, child)
		if err != nil {
			return nil, wrap(err)
		}
		if err := grant(ctx, name+"-"+k.kind, id.sp.ObjectId, "ServicePrincipal", k.grants, child); err != nil {
			return nil, wrap(err)
		}
		ids[k.kind] = id
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
		id, err := newGroup(ctx, name+"-"+g.key, args, *g.group, child)
		if err != nil {
			return nil, wrap(err)
		}
		*g.out = id
	}

	c.DeployClientID, c.DeployPrincipalID = ids[KindDeploy].app.ClientId, ids[KindDeploy].sp.ObjectId
	c.PreviewClientID, c.PreviewPrincipalID = ids[KindPreview].app.ClientId, ids[KindPreview].sp.ObjectId
	c.DriftClientID, c.DriftPrincipalID = ids[KindDrift].app.ClientId, ids[KindDrift].sp.ObjectId
	c.TenantID = ids[KindDeploy].sp.ApplicationTenantId
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"deployClientId":     c.DeployClientID,
		"deployPrincipalId":  c.DeployPrincipalID,
		"previewClientId":    c.PreviewClientID,
		"previewPrincipalId": c.PreviewPrincipalID,
		"driftClientId":      c.DriftClientID,
		"driftPrincipalId":   c.DriftPrincipalID,
		"tenantId":           c.TenantID,
		"operatorsGroupId":   c.OperatorsGroupID,
		"readersGroupId":     c.ReadersGroupID,
	}); err != nil {
		return nil, wrap(err)
	}
	return c, nil
}

// grant assigns a principal its roles.
func grant(ctx *pulumi.Context, name string, principal pulumi.StringInput, principalType string, grants []Grant, opts ...pulumi.ResourceOption) error {
	for _, g := range grants {
		_, err := crosscut.NewRoleAssignment(ctx, name+"-"+g.Key, g.Scope, crosscut.RoleAssignment{
			PrincipalID:      principal,
			PrincipalType:    principalType,
			RoleDefinitionID: g.RoleDefinitionID,
			Condition:        g.Condition,
			Description:      g.Description,
		}, opts...)
		if err != nil {
			return err
		}
	}
	return nil
}

type federatedIdentity struct {
	app *azuread.Application
	sp  *azuread.ServicePrincipal
}

// newFederatedIdentity creates an application, its service principal and
// the federated credentials it can be signed in with: one per subject,
// keyed by the caller ("<name>-<key>"), so that adding or reordering
// subjects never renames a credential.
func newFederatedIdentity(ctx *pulumi.Context, name string, args Args, displayName, description string, subjects map[string]string, opts ...pulumi.ResourceOption) (*federatedIdentity, error) {
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
		// No Password block: the federated credentials are the only way in.
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
	for _, key := range slices.Sorted(maps.Keys(subjects)) {
		subject, logical := subjects[key], name+"-"+key
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

// newGroup creates a security group and assigns its roles.
func newGroup(ctx *pulumi.Context, name string, args Args, g Group, child pulumi.ResourceOption) (pulumi.StringOutput, error) {
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
	if err := grant(ctx, name, group.ObjectId, "Group", g.Grants, child); err != nil {
		return pulumi.StringOutput{}, err
	}
	return group.ObjectId, nil
}
