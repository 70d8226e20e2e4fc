package azuremodel

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/misybot/platform/components/apphosting"
	"github.com/misybot/platform/components/crosscut"
	"github.com/misybot/platform/components/identity"
	"github.com/misybot/platform/components/loadtesting"
	"github.com/misybot/platform/infra/offline"
)

const (
	srcBuiltinRoles = "https://learn.microsoft.com/azure/role-based-access-control/built-in-roles"
	srcAuthFailed   = "https://learn.microsoft.com/azure/role-based-access-control/troubleshooting#symptom---authorization-failed"
	srcConditions   = "https://learn.microsoft.com/azure/role-based-access-control/delegate-role-assignments-examples"
	srcGraphDenied  = "https://learn.microsoft.com/graph/errors"
)

// Rule ids of authorization.
const (
	ruleAuthorization = "AZ001"
	ruleCondition     = "AZ002"
	ruleGraph         = "AZ003"
	rulePrincipal     = "AZ004"
)

// Principals --as accepts.
const (
	AsAdmin   = "admin"
	AsDeploy  = "deploy"
	AsPreview = "preview"
	// AsDrift is the drift check's identity: like the preview's, it
	// refreshes the stack and writes nothing.
	AsDrift = "drift"
)

// Principals lists the values --as accepts.
func Principals() []string { return []string{AsAdmin, AsDeploy, AsPreview, AsDrift} }

// readOnly reports whether a principal kind only refreshes (preview, drift).
func readOnly(kind string) bool { return kind == AsPreview || kind == AsDrift }

// AuthorizationType documents the authorization rules (they apply to
// every type, so they have a table of their own).
var AuthorizationType = &Type{
	Token: "(every type, with --as)",
	Rules: []Rule{
		{ID: ruleAuthorization, Code: "AuthorizationFailed", Source: srcAuthFailed,
			Summary: "creating or updating a resource needs `<type>/write`, deleting it `<type>/delete`, and a refresh `<type>/read`, granted by a role assignment of the prior state on a scope covering the resource; roles are the built-in roles' Actions minus NotActions (" + srcBuiltinRoles + ")"},
		{ID: ruleCondition, Code: "AuthorizationFailed", Source: srcConditions,
			Summary: "a role assignment is created or deleted only when the granting assignment has no condition or its condition (`@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {...}`) lists the role"},
		{ID: ruleGraph, Code: "Authorization_RequestDenied", Source: srcGraphDenied,
			Summary: "Entra objects (azuread) are read and written through Microsoft Graph: only the admin principal, or one granted a Graph app role in the prior state, may"},
		{ID: rulePrincipal, Code: "PrincipalNotFound", Source: srcAuthFailed,
			Summary: "--as deploy, preview and drift name the stack's service principal of that kind: the bootstrap's (its output `stacks.<stack>.<kind>ClientId` and the service principal with that client ID), else one of the identity component (`*-<kind>-sp`) in the plan or the prior state. Its grants are the role assignments of the prior state and the bootstrap's"},
	},
}

// roleDefinition is a built-in role's permissions.
type roleDefinition struct {
	name                             string
	actions, notActions, dataActions []string
}

// builtinRoles are the built-in roles the platform assigns, from Azure's
// built-in roles page (srcBuiltinRoles). Data actions are listed for the
// record; ARM operations need actions.
var builtinRoles = map[string]roleDefinition{
	crosscut.RoleOwner: {name: "Owner", actions: []string{"*"}},
	crosscut.RoleContributor: {name: "Contributor", actions: []string{"*"}, notActions: []string{
		"Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write", "Microsoft.Authorization/elevateAccess/Action",
		"Microsoft.Blueprint/blueprintAssignments/write", "Microsoft.Blueprint/blueprintAssignments/delete",
		"Microsoft.Compute/galleries/share/action", "Microsoft.Purview/consents/write", "Microsoft.Purview/consents/delete",
		"Microsoft.Resources/deploymentStacks/manageDenySetting/action", "Microsoft.Subscription/cancel/action", "Microsoft.Subscription/enable/action"}},
	crosscut.RoleReader:                  {name: "Reader", actions: []string{"*/read"}},
	crosscut.RoleUserAccessAdministrator: {name: "User Access Administrator", actions: []string{"*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"}},
	identity.RoleRBACAdministrator: {name: "Role Based Access Control Administrator", actions: []string{
		"Microsoft.Authorization/roleAssignments/write", "Microsoft.Authorization/roleAssignments/delete", "*/read", "Microsoft.Support/*"}},
	crosscut.RoleKeyVaultAdministrator: {name: "Key Vault Administrator", actions: []string{
		"Microsoft.Authorization/*/read", "Microsoft.Insights/alertRules/*", "Microsoft.Resources/deployments/*",
		"Microsoft.Resources/subscriptions/resourceGroups/read", "Microsoft.Support/*", "Microsoft.KeyVault/checkNameAvailability/read",
		"Microsoft.KeyVault/deletedVaults/read", "Microsoft.KeyVault/locations/*/read", "Microsoft.KeyVault/vaults/*/read", "Microsoft.KeyVault/operations/read"},
		dataActions: []string{"Microsoft.KeyVault/vaults/*"}},
	crosscut.RoleKeyVaultSecretsOfficer: {name: "Key Vault Secrets Officer", actions: []string{
		"Microsoft.Authorization/*/read", "Microsoft.Insights/alertRules/*", "Microsoft.Resources/deployments/*",
		"Microsoft.Resources/subscriptions/resourceGroups/read", "Microsoft.Support/*", "Microsoft.KeyVault/checkNameAvailability/read",
		"Microsoft.KeyVault/deletedVaults/read", "Microsoft.KeyVault/locations/*/read", "Microsoft.KeyVault/vaults/*/read", "Microsoft.KeyVault/operations/read"},
		dataActions: []string{"Microsoft.KeyVault/vaults/secrets/*"}},
	crosscut.RoleKeyVaultSecretsUser: {name: "Key Vault Secrets User", dataActions: []string{
		"Microsoft.KeyVault/vaults/secrets/getSecret/action", "Microsoft.KeyVault/vaults/secrets/readMetadata/action"}},
	crosscut.RoleServiceBusDataOwner: {name: "Azure Service Bus Data Owner", actions: []string{"Microsoft.ServiceBus/*"}, dataActions: []string{"Microsoft.ServiceBus/*"}},
	crosscut.RoleServiceBusDataSender: {name: "Azure Service Bus Data Sender", actions: []string{
		"Microsoft.ServiceBus/*/queues/read", "Microsoft.ServiceBus/*/topics/read", "Microsoft.ServiceBus/*/topics/subscriptions/read"},
		dataActions: []string{"Microsoft.ServiceBus/*/send/action"}},
	crosscut.RoleServiceBusDataReceiver: {name: "Azure Service Bus Data Receiver", actions: []string{
		"Microsoft.ServiceBus/*/queues/read", "Microsoft.ServiceBus/*/topics/read", "Microsoft.ServiceBus/*/topics/subscriptions/read"},
		dataActions: []string{"Microsoft.ServiceBus/*/receive/action"}},
	crosscut.RoleAcrPull:            {name: "AcrPull", actions: []string{"Microsoft.ContainerRegistry/registries/pull/read"}},
	crosscut.RoleMonitoringReader:   {name: "Monitoring Reader", actions: []string{"*/read", "Microsoft.OperationalInsights/workspaces/search/action", "Microsoft.Support/*"}},
	crosscut.RoleLogAnalyticsReader: {name: "Log Analytics Reader", actions: []string{"*/read", "Microsoft.OperationalInsights/workspaces/analytics/query/action", "Microsoft.OperationalInsights/workspaces/search/action", "Microsoft.Support/*"}, notActions: []string{"Microsoft.OperationalInsights/workspaces/sharedKeys/read"}},
	apphosting.RoleMonitoringMetricsPublisher: {name: "Monitoring Metrics Publisher", actions: []string{
		"Microsoft.Insights/Register/Action", "Microsoft.Support/*", "Microsoft.Resources/subscriptions/resourceGroups/read"},
		dataActions: []string{"Microsoft.Insights/Metrics/Write", "Microsoft.Insights/Telemetry/Write"}},
	loadtesting.RoleLoadTestContributor: {name: "Load Test Contributor", actions: []string{
		"Microsoft.LoadTestService/*/read", "Microsoft.Authorization/*/read", "Microsoft.Resources/deployments/*",
		"Microsoft.Resources/subscriptions/resourceGroups/read", "Microsoft.Insights/alertRules/*"},
		dataActions: []string{"Microsoft.LoadTestService/loadtests/startTest/action", "Microsoft.LoadTestService/loadtests/readTest/action"}},
}

// allows reports whether the role's actions grant action.
func (d roleDefinition) allows(action string) bool {
	granted := false
	for _, a := range d.actions {
		if actionMatch(a, action) {
			granted = true
			break
		}
	}
	if !granted {
		return false
	}
	for _, n := range d.notActions {
		if actionMatch(n, action) {
			return false
		}
	}
	return true
}

// actionMatch matches an action against a pattern with '*' wildcards,
// case-insensitively, as Azure RBAC does.
func actionMatch(pattern, action string) bool {
	pattern, action = strings.ToLower(pattern), strings.ToLower(action)
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == action
	}
	if !strings.HasPrefix(action, parts[0]) {
		return false
	}
	rest := action[len(parts[0]):]
	for i, p := range parts[1:] {
		if i == len(parts)-2 {
			return strings.HasSuffix(rest, p)
		}
		j := strings.Index(rest, p)
		if j < 0 {
			return false
		}
		rest = rest[j+len(p):]
	}
	return true
}

var guidPattern = regexp.MustCompile(`(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// conditionRoles are the role GUIDs an RBAC-administrator condition lets
// its holder assign; ok is false when the condition has no such form.
func conditionRoles(condition string) (map[string]bool, bool) {
	if !strings.Contains(condition, "Microsoft.Authorization/roleAssignments:RoleDefinitionId") {
		return nil, false
	}
	roles := map[string]bool{}
	for _, g := range guidPattern.FindAllString(condition, -1) {
		roles[strings.ToLower(g)] = true
	}
	return roles, true
}

// grant is a prior role assignment of the principal.
type grant struct {
	scope, role, condition string
}

// principal resolves --as to an object ID: the existing (bootstrap)
// principal of the kind, else the identity component's service principals
// in the plan or the prior state.
func (c *checker) principal(kind string) (string, bool) {
	if id, ok := c.run.opts.Existing.Principals[kind]; ok && id != "" {
		return id, true
	}
	suffix := "-" + kind + "-sp"
	for _, r := range c.plan.Resources {
		if r.Type == "azuread:index/servicePrincipal:ServicePrincipal" && strings.HasSuffix(r.Name, suffix) {
			if id := sval(r, "objectId"); id != "" {
				return strings.ToLower(id), true
			}
		}
	}
	if c.run.prior != nil {
		for _, pr := range c.run.prior.Resources {
			if pr.Type == "azuread:index/servicePrincipal:ServicePrincipal" && strings.HasSuffix(pr.Name(), suffix) {
				if id := psval(pr, "objectId"); id != "" {
					return strings.ToLower(id), true
				}
			}
		}
	}
	return "", false
}

// grants are the principal's role assignments in the prior state and
// outside the stack (the bootstrap's): what Azure authorizes the run with.
func (c *checker) grants(principal string) ([]grant, bool) {
	var out []grant
	graph := false
	for _, a := range c.existingAssignments() {
		if a.principal == strings.ToLower(principal) {
			out = append(out, grant{scope: a.scope, role: a.role, condition: a.condition})
		}
	}
	if c.run.prior == nil {
		return out, false
	}
	for _, pr := range c.run.prior.Resources {
		switch {
		case canonical(pr.Type) == roleAssignmentToken && strings.EqualFold(psval(pr, "principalId"), principal):
			out = append(out, grant{scope: psval(pr, "scope"), role: roleGUID(psval(pr, "roleDefinitionId")), condition: psval(pr, "condition")})
		case pr.Type == "azuread:index/appRoleAssignment:AppRoleAssignment" && strings.EqualFold(psval(pr, "principalObjectId"), principal):
			graph = true
		}
	}
	return out, graph
}

// may returns whether the grants allow action on id, and the conditions of
// the grants that allow it ("" for an unconditional grant).
func may(grants []grant, action, id string) (bool, []string) {
	var conditions []string
	for _, g := range grants {
		if !within(id, g.scope) {
			continue
		}
		def, ok := builtinRoles[g.role]
		if !ok || !def.allows(action) {
			continue
		}
		if g.condition == "" {
			return true, nil
		}
		conditions = append(conditions, g.condition)
	}
	return len(conditions) > 0, conditions
}

// armAction is the operation on a resource: its ARM type and the verb.
func armAction(armType, verb string) string { return armType + "/" + verb }

// checkAuthorization runs the plan as the --as principal.
func (c *checker) checkAuthorization() {
	kind := c.run.opts.As
	if kind == "" || kind == AsAdmin {
		return
	}
	t := AuthorizationType
	principal, ok := c.principal(kind)
	if !ok {
		where := "no bootstrap state was given"
		if src := c.run.opts.Existing.Source; src != "" {
			where = src + " has no " + kind + "ClientId for stack " + c.plan.Stack
		}
		c.fail(t, rulePrincipal, c.plan.StackURN, "", "", "",
			"no %s identity: %s, and no service principal named *-%s-sp is in the plan or the prior state", kind, where, kind)
		return
	}
	grants, graph := c.grants(principal)
	who := fmt.Sprintf("the %s identity (object ID %s)", kind, principal)
	if readOnly(kind) {
		// A preview or a drift check (with refresh) reads every resource
		// of the prior state and writes nothing.
		if c.run.prior == nil {
			return
		}
		for _, pr := range c.run.prior.Resources {
			if !pr.Custom {
				continue
			}
			c.authorize(t, who, grants, graph, pr.URN, pr.Type, psval(pr, "type"), pr.ID, psval(pr, "name"), "read", "")
		}
		return
	}
	for _, ch := range c.plan.Changes {
		var verbs []string
		switch ch.Op {
		case offline.OpCreate, offline.OpUpdate, offline.OpMaybeUpdate:
			// A possible update must be allowed as an update.
			verbs = []string{"write"}
		case offline.OpReplace:
			verbs = []string{"write", "delete"}
		case offline.OpDelete:
			verbs = []string{"delete"}
		default:
			continue
		}
		var armType, id, name string
		if r, ok := c.planResource(ch.URN); ok {
			if !r.Custom {
				continue
			}
			armType, id, name = sval(r, "type"), r.ID, sval(r, "name")
		} else if pr, ok := c.run.prior.ByURN(ch.URN); ok {
			if !pr.Custom {
				continue
			}
			armType, id, name = psval(pr, "type"), pr.ID, psval(pr, "name")
		}
		for _, verb := range verbs {
			role := ""
			if canonical(ch.Type) == roleAssignmentToken && verb == "write" {
				r, _ := c.planResource(ch.URN)
				role = roleGUID(sval(r, "roleDefinitionId"))
			}
			c.authorize(t, who, grants, graph, ch.URN, ch.Type, armType, id, name, verb, role)
		}
	}
}

func (c *checker) planResource(urn string) (offline.Resource, bool) {
	for _, r := range c.plan.Resources {
		if r.URN == urn {
			return r, true
		}
	}
	return offline.Resource{}, false
}

// authorize checks one operation.
func (c *checker) authorize(t *Type, who string, grants []grant, graph bool, urn, token, armType, id, name, verb, assignedRole string) {
	switch {
	case strings.HasPrefix(token, "azuread:"):
		if !graph {
			c.fail(t, ruleGraph, urn, name, "", "", "%s has no Microsoft Graph permission to %s this Entra object", who, verb)
		}
		return
	case !strings.HasPrefix(token, "azure-native:") || id == "" || armType == "":
		return // not an ARM resource the model knows
	}
	action := armAction(armType, verb)
	allowed, conditions := may(grants, action, id)
	if !allowed {
		c.fail(t, ruleAuthorization, urn, name, "", "",
			"%s does not have authorization to perform action '%s' over scope '%s'", who, action, id)
		return
	}
	if len(conditions) == 0 || assignedRole == "" {
		return
	}
	for _, cond := range conditions {
		if roles, ok := conditionRoles(cond); !ok || roles[assignedRole] {
			return
		}
	}
	roleName := assignedRole
	if d, ok := builtinRoles[assignedRole]; ok {
		roleName = d.name + " (" + assignedRole + ")"
	}
	c.fail(t, ruleCondition, urn, name, "", "roleDefinitionId",
		"%s may assign only the roles its condition lists; %s is not one of them", who, roleName)
}

// BuiltinRoleNames lists the modelled built-in roles, for the docs.
func BuiltinRoleNames() []string {
	var out []string
	for guid, d := range builtinRoles {
		out = append(out, d.name+" ("+guid+")")
	}
	sort.Strings(out)
	return out
}
