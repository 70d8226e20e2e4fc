package offline

import (
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Plan is the result of an offline preview: what `pulumi preview` would
// propose to create.
type Plan struct {
	Project string
	Stack   string
	// StackURN is the URN of the root pulumi:pulumi:Stack resource, the
	// parent of every top-level resource. The stack itself is not listed in
	// Resources.
	StackURN string
	// Resources are in the order the program registered them.
	Resources []Resource
	// Outputs are the stack outputs the program returned, by name.
	Outputs map[string]Output
	// Changes compare the plan with the prior state: one per resource of
	// the plan, in order, then the deletions. Without a prior state every
	// resource is created.
	Changes []Change
	// Problems are what the Pulumi engine or Azure would refuse: replacing
	// or deleting a protected resource (checked first, alone), then the
	// model's findings. A plan with problems would fail to deploy.
	Problems []Problem
	// Annotations are what the model keeps across runs (see State).
	Annotations map[string]map[string]any

	// secrets hashes the secret values SaveState keeps; nil keeps none.
	secrets *secretHasher
}

// Resource is one resource the program registered (or read).
type Resource struct {
	URN  string
	Type string // type token, e.g. azure-native:keyvault:Vault
	Name string // logical name
	// Parent is the parent's URN; top-level resources have the stack's URN.
	Parent string
	// Custom is false for component resources.
	Custom  bool
	Protect bool
	// Read is true for a resource read with a Get function rather than
	// created.
	Read bool
	// Aliases are the URNs the resource answered to before (the
	// pulumi.Aliases option): a prior resource with one of them is this
	// resource, updated in place, as the Pulumi engine matches them.
	// https://www.pulumi.com/docs/iac/concepts/options/aliases/
	Aliases []string
	// ID is the physical ID the mocks gave the resource (ARM-shaped for
	// azure-native); empty for component resources.
	ID string
	// Provider is the provider reference (`<urn>::<id>`) when the program
	// chose an explicit provider; empty for the default provider.
	Provider string
	// Dependencies are the URNs the resource depends on, explicit and
	// through its inputs; sorted, without duplicates.
	Dependencies []string
	// PropertyDependencies are the URNs each input depends on.
	PropertyDependencies map[string][]string
	// Inputs are the inputs as the program set them, secrets still marked.
	Inputs resource.PropertyMap
	// State is what the mocks returned: the inputs plus the outputs a
	// provider would compute (id, name, type, location, endpoints, ...).
	State resource.PropertyMap
}

// Output is one stack output.
type Output struct {
	// Value is the plain value (not wrapped as a secret); null when unknown.
	Value resource.PropertyValue
	// Secret marks a value that must never be shown.
	Secret bool
	// Known is false when the value is not known until deployment.
	Known bool
}

// ChangeOf returns the change of the resource with the URN.
func (p *Plan) ChangeOf(urn string) (Change, bool) {
	for _, c := range p.Changes {
		if c.URN == urn {
			return c, true
		}
	}
	return Change{}, false
}

// Find returns the resources of the given type token, in registration order.
func (p *Plan) Find(typeToken string) []Resource {
	var out []Resource
	for _, r := range p.Resources {
		if r.Type == typeToken {
			out = append(out, r)
		}
	}
	return out
}

// ByURN returns the resource with the given URN.
func (p *Plan) ByURN(urn string) (Resource, bool) {
	for _, r := range p.Resources {
		if r.URN == urn {
			return r, true
		}
	}
	return Resource{}, false
}

// Children returns the resources whose parent is urn, in registration
// order. Children(p.StackURN) gives the top-level resources.
func (p *Plan) Children(urn string) []Resource {
	var out []Resource
	for _, r := range p.Resources {
		if r.Parent == urn {
			out = append(out, r)
		}
	}
	return out
}

// CountByType counts the resources of each type token.
func (p *Plan) CountByType() map[string]int {
	counts := map[string]int{}
	for _, r := range p.Resources {
		counts[r.Type]++
	}
	return counts
}

// OutputNames returns the stack output names, sorted.
func (p *Plan) OutputNames() []string {
	names := make([]string, 0, len(p.Outputs))
	for name := range p.Outputs {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}
