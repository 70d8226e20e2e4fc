package offline

import (
	"context"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// RunProgram previews a program that exports nothing, as project "test",
// stack "dev" — what component tests need.
func RunProgram(program func(ctx *pulumi.Context) error) (*Plan, error) {
	return Run(context.Background(), Options{
		Project: "test",
		Stack:   "dev",
		Program: func(ctx *pulumi.Context) (map[string]pulumi.Output, error) {
			return nil, program(ctx)
		},
	})
}

// Input returns the input at a property path such as
// "properties.networkAcls.ipRules[0].value" as a plain Go value (string,
// float64, bool, []any, map[string]any, nil), secrets unwrapped. ok is false
// when the path does not exist.
func (r Resource) Input(path string) (value any, ok bool) {
	v, _, ok := walk(r.Inputs, path)
	if !ok {
		return nil, false
	}
	return plainValue(v), true
}

// IsSecret reports whether the input at path, or a value around it, is
// marked secret.
func (r Resource) IsSecret(path string) bool {
	_, secret, ok := walk(r.Inputs, path)
	return ok && secret
}

// IsDescendant reports whether urn sits below ancestor in the resource tree.
func (p *Plan) IsDescendant(urn, ancestor string) bool {
	seen := map[string]bool{}
	for cur, ok := p.ByURN(urn); ok && !seen[cur.URN]; cur, ok = p.ByURN(cur.Parent) {
		seen[cur.URN] = true
		if cur.Parent == ancestor {
			return true
		}
	}
	return false
}

// walk follows path through m, unwrapping secrets and noting them.
func walk(m resource.PropertyMap, path string) (resource.PropertyValue, bool, bool) {
	pp, err := resource.ParsePropertyPath(path)
	if err != nil || len(pp) == 0 {
		return resource.PropertyValue{}, false, false
	}
	v := resource.NewProperty(m)
	secret := false
	for _, part := range pp {
		for v.IsSecret() {
			secret, v = true, v.SecretValue().Element
		}
		switch key := part.(type) {
		case string:
			if !v.IsObject() {
				return v, secret, false
			}
			next, ok := v.ObjectValue()[resource.PropertyKey(key)]
			if !ok {
				return v, secret, false
			}
			v = next
		case int:
			if !v.IsArray() || key < 0 || key >= len(v.ArrayValue()) {
				return v, secret, false
			}
			v = v.ArrayValue()[key]
		}
	}
	for v.IsSecret() {
		secret, v = true, v.SecretValue().Element
	}
	return v, secret, true
}

// plainValue converts a property value to plain Go values, unwrapping secrets.
func plainValue(v resource.PropertyValue) any {
	return v.MapRepl(nil, func(pv resource.PropertyValue) (any, bool) {
		if pv.IsSecret() {
			return plainValue(pv.SecretValue().Element), true
		}
		if pv.IsResourceReference() {
			return string(pv.ResourceReferenceValue().URN), true
		}
		return nil, false
	})
}

// Output returns the state (inputs and computed outputs) at a property
// path, like Input.
func (r Resource) Output(path string) (value any, ok bool) {
	v, _, ok := walk(r.State, path)
	if !ok {
		return nil, false
	}
	return plainValue(v), true
}

// Input returns the prior input at a property path, like Resource.Input.
func (r StateResource) Input(path string) (value any, ok bool) {
	v, _, ok := walk(r.Inputs, path)
	if !ok {
		return nil, false
	}
	return plainValue(v), true
}

// Output returns the prior output at a property path.
func (r StateResource) Output(path string) (value any, ok bool) {
	v, _, ok := walk(r.Outputs, path)
	if !ok {
		return nil, false
	}
	return plainValue(v), true
}

// Plain returns the whole state (inputs and computed outputs) as plain Go
// values, secrets unwrapped.
func (r Resource) Plain() map[string]any {
	m, _ := plainValue(resource.NewProperty(r.State)).(map[string]any)
	return m
}
