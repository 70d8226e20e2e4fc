// Package azurenative holds small typed bindings, written by hand, for the
// azure-native resources whose Go SDK module is not served to this build:
// Service Bus (namespace, queue, topic, subscription), the user-assigned
// managed identity (created, or read by ID when the bootstrap made it) and
// Azure Load Testing; and the storage account, blob service, blob container
// and container registry of the bootstrap's state backend and shared
// registry. The generated bindings of served modules live in sdk/azurenative.
//
// Each binding is an Args struct turned into the provider's input
// properties (props) and a resource struct with the outputs the program
// reads. The resources are real azure-native resources, registered by type
// token with the provider version of the azure-native SDK in go.mod
// (utilities.PkgResourceDefaultOpts), so the same provider plugin manages
// them. conformance_test.go checks every binding's property names, kinds,
// enum values and outputs against testdata/sdk-properties.json, recorded
// from the published SDK at provider version 2.90.0. When a module becomes
// available, replace its binding by the module's type: the type tokens, and
// so the URNs, stay the same.
package azurenative

import (
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/v2/utilities"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// register registers a custom resource of the azure-native provider.
func register(ctx *pulumi.Context, token, name string, props pulumi.Map, res pulumi.CustomResource, opts []pulumi.ResourceOption) error {
	if err := ctx.RegisterResource(token, name, props, res, utilities.PkgResourceDefaultOpts(opts)...); err != nil {
		return fmt.Errorf("%s %q: %w", token, name, err)
	}
	return nil
}

// optional puts value under key only when it is not the zero value, so the
// provider's own defaults apply otherwise.
func optional[T comparable](m pulumi.Map, key string, value T, input func(T) pulumi.Input) {
	var zero T
	if value != zero {
		m[key] = input(value)
	}
}

func str(s string) pulumi.Input { return pulumi.String(s) }
func num(i int) pulumi.Input    { return pulumi.Int(i) }
