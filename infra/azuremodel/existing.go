package azuremodel

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/misybot/platform/infra/offline"
)

// Existing is what exists in Azure outside the stack's plan and prior
// state: what the bootstrap project (bootstrap/foundation) made for the
// stack before its first deploy. The checks that ask whether a principal
// holds a role, and --as, count it; nothing creates or deletes it.
type Existing struct {
	// Principals are the object IDs of the stack's CI service principals
	// by kind: AsDeploy, AsPreview, AsDrift.
	Principals map[string]string
	// RoleAssignments are the role assignments made outside the stack.
	RoleAssignments []ExistingRoleAssignment
	// Source names where the existing state comes from, for messages
	// ("the bootstrap state ...").
	Source string
}

// ExistingRoleAssignment is a role assignment made outside the stack.
type ExistingRoleAssignment struct {
	// Name names the assignment in messages (its URN in the bootstrap).
	Name string
	// PrincipalID is the principal's object ID. When it is empty,
	// IdentityID names a user-assigned identity the stack reads, whose
	// principal ID the plan knows (stacks.BootstrapGrants).
	PrincipalID string
	IdentityID  string
	// Role is the role definition GUID (crosscut.Role...).
	Role      string
	Scope     string
	Condition string
}

// ExistingFromBootstrap is what the bootstrap's state (package
// bootstrapstate: its saved state, its `pulumi stack export`, or its
// offline plan) makes exist for the environment stack: the stack's CI
// principals, found through the bootstrap's outputs
// (stacks.<stack>.deployClientId, previewClientId, driftClientId) and the
// service principals holding those client IDs, and every role assignment
// of the bootstrap. A stack the bootstrap does not list has no principals.
func ExistingFromBootstrap(bootstrap *offline.State, stack string) Existing {
	ex := Existing{Principals: map[string]string{}, Source: "the bootstrap state"}
	if bootstrap == nil {
		return ex
	}
	clientIDs := map[string]string{}
	if stacks, ok := propertyObject(bootstrap.Outputs, "stacks"); ok {
		if st, ok := propertyObject(stacks, stack); ok {
			for _, kind := range []string{AsDeploy, AsPreview, AsDrift} {
				if v, ok := propertyString(st, kind+"ClientId"); ok && v != "" {
					clientIDs[strings.ToLower(v)] = kind
				}
			}
		}
	}
	for _, r := range bootstrap.Resources {
		switch {
		case r.Type == "azuread:index/servicePrincipal:ServicePrincipal":
			if kind, ok := clientIDs[strings.ToLower(psval(r, "clientId"))]; ok {
				if id := psval(r, "objectId"); id != "" {
					ex.Principals[kind] = strings.ToLower(id)
				}
			}
		case r.Custom && canonical(r.Type) == roleAssignmentToken:
			ex.RoleAssignments = append(ex.RoleAssignments, ExistingRoleAssignment{
				Name:        r.URN,
				PrincipalID: strings.ToLower(psval(r, "principalId")),
				Role:        roleGUID(psval(r, "roleDefinitionId")),
				Scope:       psval(r, "scope"),
				Condition:   psval(r, "condition"),
			})
		}
	}
	return ex
}

// propertyObject is the object at key of m, looking through secrets.
func propertyObject(m resource.PropertyMap, key string) (resource.PropertyMap, bool) {
	v, ok := m[resource.PropertyKey(key)]
	if !ok {
		return nil, false
	}
	if v.IsSecret() {
		v = v.SecretValue().Element
	}
	if !v.IsObject() {
		return nil, false
	}
	return v.ObjectValue(), true
}

// propertyString is the string at key of m, looking through secrets.
func propertyString(m resource.PropertyMap, key string) (string, bool) {
	v, ok := m[resource.PropertyKey(key)]
	if !ok {
		return "", false
	}
	if v.IsSecret() {
		v = v.SecretValue().Element
	}
	if !v.IsString() {
		return "", false
	}
	return v.StringValue(), true
}

// existingAssignments are the existing role assignments whose principal
// is known: by ID, or through the user-assigned identity of the plan.
func (c *checker) existingAssignments() []roleAssignment {
	var out []roleAssignment
	for i, e := range c.run.opts.Existing.RoleAssignments {
		principal := e.PrincipalID
		if principal == "" {
			principal = c.identityPrincipal(e.IdentityID)
		}
		if principal == "" {
			continue // the identity is not in the plan
		}
		name := e.Name
		if name == "" {
			name = fmt.Sprintf("existing role assignment %d", i)
		}
		out = append(out, roleAssignment{
			name: fmt.Sprintf("existing-%d", i), principal: strings.ToLower(principal), role: roleGUID(e.Role),
			scope: e.Scope, condition: e.Condition, urn: name,
		})
	}
	return out
}
