package azuremodel

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/misybot/platform/infra/offline"
)

// checker judges a finished plan: the desired state after the update,
// indexed, and the problems found.
type checker struct {
	run      *run
	plan     *offline.Plan
	problems []offline.Problem
	byID     map[string]offline.Resource
	byType   map[string][]offline.Resource
	changes  map[string]offline.Change
	seen     map[string]bool
	// allAssignments caches assignments().
	allAssignments []roleAssignment
}

// done reports whether a check keyed by key already ran, and marks it.
func (c *checker) done(key string) bool {
	if c.seen[key] {
		return true
	}
	c.seen[key] = true
	return false
}

func newChecker(r *run, p *offline.Plan) *checker {
	c := &checker{
		run:     r,
		plan:    p,
		byID:    map[string]offline.Resource{},
		byType:  map[string][]offline.Resource{},
		changes: map[string]offline.Change{},
		seen:    map[string]bool{},
	}
	for _, res := range p.Resources {
		if !res.Custom {
			continue
		}
		if res.ID != "" {
			c.byID[strings.ToLower(res.ID)] = res
		}
		t := canonical(res.Type)
		c.byType[t] = append(c.byType[t], res)
	}
	for _, ch := range p.Changes {
		c.changes[ch.URN] = ch
	}
	return c
}

// fail records a violation of a rule of t.
func (c *checker) fail(t *Type, ruleID string, urn, name string, op offline.Op, property, format string, args ...any) {
	rule := t.rule(ruleID)
	c.problems = append(c.problems, offline.Problem{
		Code: rule.Code, URN: urn, Type: t.Token, Name: name, Op: op,
		Property: property,
		Message:  fmt.Sprintf(format, args...),
		Rule:     rule.ID, Source: rule.Source,
	})
}

// failRes is fail for a resource of the plan.
func (c *checker) failRes(t *Type, ruleID string, r offline.Resource, op offline.Op, property, format string, args ...any) {
	c.fail(t, ruleID, r.URN, sval(r, "name"), op, property, format, args...)
}

// resource returns the desired resource with the ID.
func (c *checker) resource(id string) (offline.Resource, bool) {
	r, ok := c.byID[strings.ToLower(id)]
	return r, ok
}

// of returns the desired resources of a type token.
func (c *checker) of(token string) []offline.Resource { return c.byType[token] }

// roleAssignment is a role assignment after the update.
type roleAssignment struct {
	name, principal, role, scope, condition string
	urn                                     string
}

func assignmentOf(r offline.Resource) roleAssignment {
	return roleAssignment{
		name:      sval(r, "name"),
		principal: strings.ToLower(sval(r, "principalId")),
		role:      roleGUID(sval(r, "roleDefinitionId")),
		scope:     sval(r, "scope"),
		condition: sval(r, "condition"),
		urn:       r.URN,
	}
}

// assignments are the role assignments of the desired state and those
// that exist outside the stack, computed once per check.
func (c *checker) assignments() []roleAssignment {
	if c.allAssignments != nil {
		return c.allAssignments
	}
	out := []roleAssignment{}
	for _, r := range c.of(roleAssignmentType.Token) {
		out = append(out, assignmentOf(r))
	}
	c.allAssignments = append(out, c.existingAssignments()...)
	return c.allAssignments
}

// holds reports whether principal holds one of roles on a scope covering id
// after the update.
func (c *checker) holds(principal, id string, roles ...string) bool {
	principal = strings.ToLower(principal)
	for _, a := range c.assignments() {
		if a.principal != principal || !within(id, a.scope) {
			continue
		}
		for _, role := range roles {
			if strings.EqualFold(a.role, role) {
				return true
			}
		}
	}
	return false
}

// roleGUID is the GUID of a role definition ID or GUID.
func roleGUID(id string) string {
	if i := strings.LastIndex(id, "/"); i >= 0 {
		id = id[i+1:]
	}
	return strings.ToLower(id)
}

// within reports whether the resource id is the scope or below it.
func within(id, scope string) bool {
	id, scope = strings.ToLower(strings.TrimSuffix(id, "/")), strings.ToLower(strings.TrimSuffix(scope, "/"))
	if scope == "" || id == "" {
		return false
	}
	return id == scope || strings.HasPrefix(id, scope+"/")
}

// sval is the string at a path of a resource's state ("" if none).
func sval(r offline.Resource, path string) string {
	v, _ := r.Output(path)
	s, _ := v.(string)
	return s
}

// fval is the number at a path (strings holding a number count too).
func fval(r offline.Resource, path string) (float64, bool) {
	v, ok := r.Output(path)
	if !ok {
		return 0, false
	}
	switch x := v.(type) {
	case float64:
		return x, true
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil
	}
	return 0, false
}

// bval is the bool at a path.
func bval(r offline.Resource, path string) (value, ok bool) {
	v, ok := r.Output(path)
	b, isBool := v.(bool)
	return b, ok && isBool
}

// list is the array at a path.
func list(r offline.Resource, path string) []any {
	v, _ := r.Output(path)
	a, _ := v.([]any)
	return a
}

// field is a string field of an object element.
func field(v any, path ...string) string {
	cur := v
	for _, k := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return ""
		}
		cur = m[k]
	}
	s, _ := cur.(string)
	return s
}

// psval is the string at a path of a prior resource's outputs, else inputs.
func psval(r offline.StateResource, path string) string {
	if v, ok := r.Output(path); ok {
		if s, ok := v.(string); ok {
			return s
		}
	}
	v, _ := r.Input(path)
	s, _ := v.(string)
	return s
}

// lastSegment is the last segment of an ID.
func lastSegment(id string) string {
	return id[strings.LastIndex(id, "/")+1:]
}

// parentID drops the last type/name pair of an ID.
func parentID(id string) string {
	parts := strings.Split(strings.TrimSuffix(id, "/"), "/")
	if len(parts) < 3 {
		return ""
	}
	return strings.Join(parts[:len(parts)-2], "/")
}

// numberOr is the number at a path, or nil when there is none.
func numberOr(r offline.Resource, path string) any {
	if f, ok := fval(r, path); ok {
		return f
	}
	return nil
}
