// Package azurenative binds azure-native resources whose typed SDK module is
// not available to this build (Service Bus). The resources are real
// azure-native resources, registered by their type token with the provider
// version of the azure-native SDK in go.mod, so the same provider plugin
// manages them. Each binding is a typed Args struct turned into the
// provider's input properties, and a resource struct with the outputs the
// program reads. When the SDK module becomes available, replace a binding by
// the module's type; the type tokens, and so the URNs, stay the same.
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
