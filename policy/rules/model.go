package rules

import (
	"strings"
)

// Resource is one resource of a stack in the neutral model the rules read.
type Resource struct {
	// URN is the Pulumi URN; violations are reported against it.
	URN string `json:"urn"`
	// Type is the type token as registered, API-version module included
	// (azure-native:keyvault/v20230701:Vault). Rules compare CanonicalType.
	Type string `json:"type"`
	// Name is the Pulumi logical name (the last URN segment).
	Name string `json:"name"`
	// ID is the provider ID when known (stack exports), empty otherwise.
	ID string `json:"id,omitempty"`
	// Properties are the azure-native input properties as plain Go values.
	Properties map[string]any `json:"properties,omitempty"`
	// Parent is the URN of the parent resource, if any.
	Parent string `json:"parent,omitempty"`
	// Dependencies are the URNs this resource depends on. Rules that link
	// resources use them when an ID is not known yet (preview).
	Dependencies []string `json:"dependencies,omitempty"`
	// PropertyDependencies maps an input property to the URNs its value
	// came from.
	PropertyDependencies map[string][]string `json:"propertyDependencies,omitempty"`
}

// Stack is the stack-level view that rules linking several resources read.
type Stack struct {
	// Name is the stack name (dev, staging, prod, prod-weu, org/project/prod).
	Name string `json:"name"`
	// Project is the Pulumi project name, when known.
	Project string `json:"project,omitempty"`
	// Environment, when set, wins over the one derived from Name; policy
	// configuration (stack-environment) wins over both.
	Environment string `json:"environment,omitempty"`
	// Resources are the custom resources of the stack, providers excluded.
	Resources []Resource `json:"resources"`
}

// Unknown stands for a value that is not known until the update runs, as
// during a preview. Readers may also leave Pulumi's UnknownString in place.
type Unknown struct{}

// Pulumi's wire and state encodings that the value accessors understand.
const (
	// UnknownString is how Pulumi writes an unknown value in JSON.
	UnknownString = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
	// SigKey is the key of Pulumi's special-object signature.
	SigKey = "4dabf18193072939515e22adb298388d"
	// SecretSig marks a secret: {SigKey: SecretSig, "plaintext"|"ciphertext"|"value": ...}.
	SecretSig = "1b47061264138c4ac30d75fd1eb44270"
	// OutputValueSig marks an output value: {SigKey: OutputValueSig, "value"?, "secret"?, "dependencies"?}.
	OutputValueSig = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
	// ResourceReferenceSig marks a resource reference: {SigKey: ..., "urn", "id"?}.
	ResourceReferenceSig = "5cf8f73096256a8f31e491e813e4eb8e"
)

// CanonicalType drops the module's API-version (or file) suffix from a type
// token, so that every version of a resource matches one rule:
// azure-native:keyvault/v20230701:Vault → azure-native:keyvault:Vault,
// azuread:index/applicationPassword:ApplicationPassword →
// azuread:index:ApplicationPassword.
func CanonicalType(t string) string {
	pkg, rest, ok := strings.Cut(t, ":")
	if !ok {
		return t
	}
	mod, name, ok := strings.Cut(rest, ":")
	if !ok {
		return t
	}
	i := strings.IndexByte(mod, '/')
	if i < 0 {
		return t // already canonical: no new string
	}
	return pkg + ":" + mod[:i] + ":" + name
}

// ParseURN splits urn:pulumi:<stack>::<project>::<type>::<name>. The type
// part may carry parent types joined by '$'; the last one is returned.
func ParseURN(urn string) (stack, project, typ, name string, ok bool) {
	rest, found := strings.CutPrefix(urn, "urn:pulumi:")
	if !found {
		return "", "", "", "", false
	}
	parts := strings.SplitN(rest, "::", 4)
	if len(parts) != 4 {
		return "", "", "", "", false
	}
	typ = parts[2]
	if i := strings.LastIndexByte(typ, '$'); i >= 0 {
		typ = typ[i+1:]
	}
	return parts[0], parts[1], typ, parts[3], true
}

// pkgOf returns the package of a type token (azure-native, azuread, pulumi).
func pkgOf(t string) string {
	pkg, _, _ := strings.Cut(t, ":")
	return pkg
}
