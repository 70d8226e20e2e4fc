// Package azuremodel is a model of what Azure's resource providers accept
// and compute, for the resource types the platform uses. The offline
// engine (package offline) consults it: during a run it computes what Azure
// computes (revision names, the latest revision) and answers lookups
// (getContainerAppRevision, getSecret) from the prior state and the run's
// creations; after the run it judges the whole plan against the prior
// state and returns ARM-like errors.
//
// Every rule lives in one table per type token (Types), each row with its
// id, what Azure rejects or computes, the ARM-like error code and the
// documentation it comes from. docs/azure-model.md is generated from the
// tables. Types the model does not know pass through unchanged.
package azuremodel

import (
	"sort"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/misybot/platform/infra/offline"
)

// Rule is one row of a type's table.
type Rule struct {
	// ID is stable; errors name it.
	ID string
	// Computes is true for what Azure computes rather than rejects.
	Computes bool
	// Code is the ARM-like error code ("" for a computed value).
	Code string
	// Summary says what Azure rejects or computes.
	Summary string
	// Source is the documentation the rule comes from.
	Source string
}

// Type is the model of one type token.
type Type struct {
	Token string
	Rules []Rule
	// ForceNew are the inputs, beyond the ARM path and location, whose
	// change replaces the resource.
	ForceNew []string
	// check judges one resource of the type in the finished plan.
	check func(c *checker, r offline.Resource, ch offline.Change)
}

// Rule returns the type's rule with the id; it panics on an unknown id,
// which is a programming error caught by every test of the rule.
func (t *Type) rule(id string) Rule {
	for _, r := range t.Rules {
		if r.ID == id {
			return r
		}
	}
	panic("azuremodel: no rule " + id + " for " + t.Token)
}

// Types returns the tables, sorted by type token.
func Types() []*Type {
	all := []*Type{
		containerAppType, managedEnvironmentType, nsgType, securityRuleType,
		vaultType, namespaceType, queueType, topicType, subscriptionType,
		lockType, roleAssignmentType, privateEndpointType,
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Token < all[j].Token })
	return all
}

func typeByToken(token string) (*Type, bool) {
	for _, t := range Types() {
		if t.Token == token {
			return t, true
		}
	}
	return nil, false
}

// Options configure the model.
type Options struct {
	// SoftDeletedVaults are Key Vault names in the soft-deleted state in the
	// tenant: creating a vault of such a name fails until it is purged.
	SoftDeletedVaults []string
	// As is the principal the run is authorized as: AsAdmin or "" (may do
	// everything: no authorization checks), AsDeploy or AsPreview.
	As string
	// Existing is what exists outside the stack: the bootstrap's
	// principals and role assignments (ExistingFromBootstrap), or only
	// the app identity's grants (stacks.BootstrapGrants).
	Existing Existing
}

// Model implements offline.Model.
type Model struct {
	opts Options
}

var _ offline.Model = (*Model)(nil)

// New returns the model.
func New(opts Options) *Model { return &Model{opts: opts} }

// ForceNew implements offline.Model.
func (m *Model) ForceNew(token string) []string {
	if t, ok := typeByToken(token); ok {
		return t.ForceNew
	}
	return nil
}

// Start implements offline.Model.
func (m *Model) Start(prior *offline.State, env offline.Env) offline.ModelRun {
	return &run{
		opts:    m.opts,
		prior:   prior,
		env:     env,
		apps:    map[string]*appRevisions{},
		created: map[string]*offline.Resource{},
	}
}

// run is the model during one run.
type run struct {
	opts  Options
	prior *offline.State
	env   offline.Env

	mu sync.Mutex
	// apps are the container apps' revisions, by URN.
	apps map[string]*appRevisions
	// created are the resources the run has registered so far, by
	// lower-cased ID.
	created map[string]*offline.Resource
}

// Computed implements offline.ModelRun.
func (r *run) Computed(res *offline.Resource, op offline.Op, prior *offline.StateResource) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if canonical(res.Type) == containerAppType.Token {
		r.computeRevision(res, op, prior)
	}
	if res.ID != "" {
		cp := *res
		r.created[strings.ToLower(res.ID)] = &cp
	}
	return nil
}

// Call implements offline.ModelRun.
func (r *run) Call(token string, args resource.PropertyMap) (resource.PropertyMap, bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch canonical(token) {
	case "azure-native:app:getContainerApp":
		out, err := r.getApp(args)
		return out, true, err
	case "azure-native:app:getContainerAppRevision":
		out, err := r.getRevision(args)
		return out, true, err
	case "azure-native:keyvault:getSecret":
		out, err := r.getSecret(args)
		return out, true, err
	}
	return nil, false, nil
}

// Check implements offline.ModelRun.
func (r *run) Check(p *offline.Plan) []offline.Problem {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := newChecker(r, p)
	for i, res := range p.Resources {
		if res.Read || !res.Custom {
			continue
		}
		// Azure judges what it is sent: an unchanged resource is not.
		ch := p.Changes[i]
		if ch.Op != offline.OpCreate && ch.Op != offline.OpUpdate && ch.Op != offline.OpMaybeUpdate && ch.Op != offline.OpReplace {
			continue
		}
		if t, ok := typeByToken(canonical(res.Type)); ok && t.check != nil {
			t.check(c, res, ch)
		}
		c.checkName(res, ch)
	}
	c.checkLocks()
	c.checkAuthorization()
	p.Annotations = r.annotations()
	sort.SliceStable(c.problems, func(i, j int) bool { return c.problems[i].URN < c.problems[j].URN })
	return c.problems
}

// canonical drops the API version of an azure-native module.
func canonical(token string) string {
	parts := strings.SplitN(token, ":", 3)
	if len(parts) != 3 || parts[0] != "azure-native" {
		return token
	}
	if base, _, ok := strings.Cut(parts[1], "/"); ok {
		return parts[0] + ":" + base + ":" + parts[2]
	}
	return token
}

// The checks refer to their tables, so they are attached at init.
func init() {
	containerAppType.check = checkContainerApp
	managedEnvironmentType.check = checkEnvironment
	namespaceType.check = checkNamespace
	nsgType.check = func(c *checker, r offline.Resource, ch offline.Change) {
		c.checkEnvPortsFor(r.ID)
		c.checkPriorities(nsgType, r, ch, list(r, "securityRules"), "securityRules")
	}
	privateEndpointType.check = checkPrivateEndpoint
	queueType.check = checkEntity
	roleAssignmentType.check = checkRoleAssignment
	securityRuleType.check = func(c *checker, r offline.Resource, ch offline.Change) {
		c.checkEnvPortsFor(parentID(r.ID))
		c.checkPriorities(securityRuleType, r, ch, []any{map[string]any{"name": sval(r, "name"), "priority": numberOr(r, "priority")}}, "priority")
	}
	subscriptionType.check = func(c *checker, r offline.Resource, ch offline.Change) {
		if n := len(sval(r, "name")); n > sbSubscriptionMax {
			c.failRes(subscriptionType, ruleSBNameLength, r, ch.Op, "subscriptionName", "the name has %d characters, more than %d", n, sbSubscriptionMax)
		}
	}
	topicType.check = checkEntity
	vaultType.check = checkVault
}
