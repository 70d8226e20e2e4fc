package offline

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// StackReferenceType is the type token of pulumi.NewStackReference: the
// engine reads it like a resource whose ID is the referenced stack's name,
// with the outputs `outputs` and `secretOutputNames`.
// https://www.pulumi.com/docs/iac/concepts/stacks/#stackreferences
const StackReferenceType = "pulumi:pulumi:StackReference"

// StackOutputs are the outputs of another stack as a StackReference reads
// them.
type StackOutputs struct {
	// Name is where they come from: a stack name or a file.
	Name string
	// Outputs are the output values, secrets unwrapped.
	Outputs resource.PropertyMap
	// Secret names the outputs that are secrets.
	Secret []string
}

// StackReferences answers the program's stack references: the outputs of
// the stack named as pulumi.NewStackReference names it
// ("organization/project/stack"). An error fails the reference's read.
type StackReferences func(name string) (StackOutputs, error)

// stackReference answers the read of a pulumi:pulumi:StackReference.
func (m *mocks) stackReference(id string) (string, resource.PropertyMap, error) {
	if m.references == nil {
		return "", nil, fmt.Errorf("stack reference %q: the offline engine was given no stack outputs to answer it", id)
	}
	outs, err := m.references(id)
	if err != nil {
		return "", nil, fmt.Errorf("stack reference %q: %w", id, err)
	}
	secret := map[string]bool{}
	for _, n := range outs.Secret {
		secret[n] = true
	}
	values := resource.PropertyMap{}
	for k, v := range outs.Outputs {
		if secret[string(k)] {
			v = resource.MakeSecret(v)
		}
		values[k] = v
	}
	names := make([]resource.PropertyValue, 0, len(outs.Secret))
	for _, n := range sortedUnique(outs.Secret) {
		names = append(names, resource.NewProperty(n))
	}
	return id, resource.PropertyMap{
		"id":                resource.NewProperty(id),
		"name":              resource.NewProperty(id),
		"outputs":           resource.NewProperty(values),
		"secretOutputNames": resource.NewProperty(names),
	}, nil
}

func sortedUnique(list []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// StackOutputs are the state's stack outputs as a StackReference to the
// stack reads them. A stack never deployed (no stack resource) is an
// error.
func (s *State) StackOutputs() (StackOutputs, error) {
	name := s.Project + "/" + s.Stack
	if s.Outputs == nil {
		return StackOutputs{}, fmt.Errorf("%s has no stack outputs: it was never deployed", name)
	}
	out := StackOutputs{Name: name, Outputs: resource.PropertyMap{}}
	for k, v := range s.Outputs {
		if v.IsSecret() {
			out.Secret = append(out.Secret, string(k))
			v = v.SecretValue().Element
		}
		out.Outputs[k] = v
	}
	sort.Strings(out.Secret)
	return out, nil
}

// References answers stack references to this state's stack, named
// organization/project/stack as pulumi.NewStackReference names it (the
// organization is not checked: a DIY backend has one, "organization").
// A reference to another stack is an error naming both.
func (s *State) References() StackReferences {
	return func(name string) (StackOutputs, error) {
		parts := strings.Split(name, "/")
		if len(parts) != 3 {
			return StackOutputs{}, errors.New("want organization/project/stack")
		}
		if parts[1] != s.Project || parts[2] != s.Stack {
			return StackOutputs{}, fmt.Errorf("the offline engine has the state of %s/%s only", s.Project, s.Stack)
		}
		return s.StackOutputs()
	}
}
