package azuremodel

import (
	"strings"

	"github.com/misybot/platform/infra/offline"
)

const (
	srcLocks           = "https://learn.microsoft.com/azure/azure-resource-manager/management/lock-resources#considerations-before-applying-your-locks"
	srcRATroubleshoot  = "https://learn.microsoft.com/azure/role-based-access-control/troubleshooting#symptom---role-assignment-update-is-not-permitted"
	srcRAExists        = "https://learn.microsoft.com/azure/role-based-access-control/troubleshooting#symptom---role-assignment-already-exists"
	srcRATemplate      = "https://learn.microsoft.com/azure/role-based-access-control/role-assignments-template#name"
	lockProviderMarker = "/providers/microsoft.authorization/locks/"
)

// Rule ids of locks and role assignments.
const (
	ruleLocked          = "LK001"
	ruleRAImmutable     = "RA001"
	ruleRAExists        = "RA002"
	ruleRAUpdate        = "RA003"
	roleAssignmentToken = "azure-native:authorization:RoleAssignment"
)

var lockType = &Type{
	Token: "azure-native:authorization:ManagementLockByScope",
	Rules: []Rule{
		{ID: ruleLocked, Code: "ScopeLocked", Source: srcLocks,
			Summary: "a CanNotDelete lock blocks the deletion (and so the replacement) of every resource in its scope; a ReadOnly lock blocks updates too. Locks of the prior state that stay after the update count"},
	},
}

var roleAssignmentType = &Type{
	Token: roleAssignmentToken,
	Rules: []Rule{
		{ID: ruleRAImmutable, Code: "RoleAssignmentUpdateNotPermitted", Source: srcRATroubleshoot,
			Summary: "a role assignment cannot be updated: a change of principal, role or scope replaces it (azure-native forces the replacement, https://github.com/pulumi/pulumi-azure-native/pull/1007)"},
		{ID: ruleRAExists, Code: "RoleAssignmentExists", Source: srcRAExists,
			Summary: "one principal holds a role on a scope once: a second assignment of the same principal, role and scope under another name, or a name GUID reused for another principal, is refused"},
		{ID: ruleRAUpdate, Code: "RoleAssignmentUpdateNotPermitted", Source: srcRATemplate,
			Summary: "a replacement that keeps the assignment's name GUID asks Azure to change an existing assignment, which it refuses: a replaced assignment needs a new name"},
	},
	ForceNew: []string{"principalId", "roleDefinitionId", "scope"},
}

func checkRoleAssignment(c *checker, r offline.Resource, ch offline.Change) {
	t := roleAssignmentType
	me := assignmentOf(r)
	for _, other := range c.assignments() {
		if other.urn == me.urn {
			continue
		}
		switch {
		case strings.EqualFold(other.name, me.name):
			c.failRes(t, ruleRAExists, r, ch.Op, "roleAssignmentName",
				"name %s is also the name of %s", me.name, other.urn)
		case other.principal == me.principal && other.role == me.role && strings.EqualFold(other.scope, me.scope):
			c.failRes(t, ruleRAExists, r, ch.Op, "principalId",
				"principal %s already holds role %s on %s through %s", me.principal, me.role, me.scope, other.urn)
		}
	}
	if ch.Op == offline.OpReplace {
		if prior, ok := c.run.prior.ByURN(r.URN); ok && strings.EqualFold(psval(prior, "name"), me.name) {
			c.failRes(t, ruleRAUpdate, r, ch.Op, strings.Join(ch.ReplaceKeys, ","),
				"the replacement keeps the name %s of the existing assignment", me.name)
		}
	}
}

// lock is a management lock that stays through the update.
type lock struct {
	urn, scope, level string
}

// locks are the locks of the prior state that the plan keeps.
func (c *checker) locks() []lock {
	var out []lock
	if c.run.prior == nil {
		return nil
	}
	for _, pr := range c.run.prior.Resources {
		i := strings.Index(strings.ToLower(pr.ID), lockProviderMarker)
		if i < 0 || !pr.Custom {
			continue
		}
		if ch, ok := c.changes[pr.URN]; !ok || ch.Op == offline.OpDelete || ch.Op == offline.OpReplace {
			continue
		}
		out = append(out, lock{urn: pr.URN, scope: pr.ID[:i], level: psval(pr, "level")})
	}
	return out
}

// checkLocks refuses deletions, replacements and (under ReadOnly)
// updates of resources in a locked scope.
func (c *checker) checkLocks() {
	locks := c.locks()
	if len(locks) == 0 {
		return
	}
	for _, ch := range c.plan.Changes {
		if ch.Op != offline.OpDelete && ch.Op != offline.OpReplace && ch.Op != offline.OpUpdate {
			continue
		}
		id, name := c.idOf(ch.URN)
		if id == "" {
			continue
		}
		for _, l := range locks {
			if !within(id, l.scope) {
				continue
			}
			readOnly := strings.EqualFold(l.level, "ReadOnly")
			if ch.Op == offline.OpUpdate && !readOnly {
				continue
			}
			what := map[offline.Op]string{offline.OpDelete: "delete", offline.OpReplace: "replace (delete and create)", offline.OpUpdate: "update"}[ch.Op]
			c.fail(lockType, ruleLocked, ch.URN, name, ch.Op, "",
				"cannot %s: the scope %s is locked by %s (%s)", what, l.scope, l.urn, l.level)
		}
	}
}

// idOf returns the ID and Azure name of a resource of the change, from
// the prior state (what is deleted or replaced) or the plan.
func (c *checker) idOf(urn string) (id, name string) {
	if pr, ok := c.run.prior.ByURN(urn); ok {
		if !pr.Custom || !strings.HasPrefix(pr.Type, "azure-native:") {
			return "", ""
		}
		return pr.ID, psval(pr, "name")
	}
	return "", ""
}
