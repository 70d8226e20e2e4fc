package offline

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
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

// StackOutputs returns the plan's stack outputs as another stack's
// reference to this one would read them after the update. An output not
// known until deployment makes it an error, naming the output.
func (p *Plan) StackOutputs() (StackOutputs, error) {
	out := StackOutputs{Name: p.Project + "/" + p.Stack, Outputs: resource.PropertyMap{}}
	var unknown []string
	for _, name := range p.OutputNames() {
		o := p.Outputs[name]
		if !o.Known || o.Value.ContainsUnknowns() {
			unknown = append(unknown, name)
			continue
		}
		out.Outputs[resource.PropertyKey(name)] = o.Value
		if o.Secret {
			out.Secret = append(out.Secret, name)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return StackOutputs{}, fmt.Errorf("%s: outputs not known until deployment: %s", out.Name, strings.Join(unknown, ", "))
	}
	sort.Strings(out.Secret)
	return out, nil
}

// LoadStackOutputs reads a stack's outputs from a file: the JSON of
// `pulumi stack output --json` (an object of outputs; secrets print as
// "[secret]" unless --show-secrets) or of `pulumi stack export` (the
// outputs of its pulumi:pulumi:Stack resource; secrets stay opaque, since
// their ciphertext cannot be decrypted offline).
// https://www.pulumi.com/docs/iac/cli/commands/pulumi_stack_output/
// https://www.pulumi.com/docs/iac/cli/commands/pulumi_stack_export/
func LoadStackOutputs(path string) (StackOutputs, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return StackOutputs{}, fmt.Errorf("stack outputs %s: cannot read it: %w", path, errors.Unwrap(err))
	}
	out, err := ParseStackOutputs(data)
	if err != nil {
		return StackOutputs{}, fmt.Errorf("stack outputs %s: %w", path, err)
	}
	out.Name = path
	return out, nil
}

// ParseStackOutputs parses what LoadStackOutputs reads.
func ParseStackOutputs(data []byte) (StackOutputs, error) {
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		return StackOutputs{}, fmt.Errorf("want the JSON object of `pulumi stack output --json` or `pulumi stack export`: %w", err)
	}
	var values resource.PropertyMap
	if _, isExport := doc["deployment"]; isExport {
		st, err := ParseState(data)
		if err != nil {
			return StackOutputs{}, err
		}
		if st.Outputs == nil {
			return StackOutputs{}, errors.New("the export has no pulumi:pulumi:Stack resource: the stack was never deployed")
		}
		values = st.Outputs
	} else {
		values = stateProperties(doc)
	}
	out := StackOutputs{Outputs: resource.PropertyMap{}}
	for k, v := range values {
		if v.IsSecret() {
			out.Secret = append(out.Secret, string(k))
			v = v.SecretValue().Element
		}
		out.Outputs[k] = v
	}
	sort.Strings(out.Secret)
	return out, nil
}
