// Package rules is the MisyBot policy catalogue: guard rails for the Azure
// resources of a Pulumi stack, written once and run in three places (the
// Pulumi policy pack in policy/, `misyinfra plan` on the offline plan and
// `misyinfra policy audit` on a stack export or preview).
//
// Rules read a neutral resource model: the azure-native *input* properties
// of each resource as plain Go values (map[string]any, []any, string,
// float64, bool, nil), the way `pulumi stack export` stores them. Secret
// values keep Pulumi's secret signature object and values unknown during a
// preview are [Unknown] (or Pulumi's unknown string), so a rule can tell
// "not set" from "not known yet" and report the latter as undecidable instead
// of guessing.
//
// The package has no dependency on the azure-native SDK on purpose: it
// compiles in seconds and matches resources by type token, whatever
// API-version module registered them.
package rules
