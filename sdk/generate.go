// Package sdk holds the typed bindings of the Pulumi provider SDK packages the
// program uses, generated from the SDK source pinned in go.mod for the
// resources, functions and enums listed in bindings.conf (see
// infra/bindgen). They have the SDK's exported API, so code switches from
// the SDK to a binding by its import path alone, and compile in a fraction
// of the SDK's time and memory (docs/build-cost.md).
package sdk

//go:generate go run ../infra/cmd/bindgen -config bindings.conf
