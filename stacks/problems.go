package stacks

import (
	"maps"
	"slices"

	"github.com/misybot/platform/stacks/configdecode"
)

// Problem is one mistake in a stack's configuration: the key with its full
// path, the value as written and what was expected.
type Problem = configdecode.Problem

// Problems are all the mistakes found in a stack's configuration, sorted by
// key. A non-empty Problems is the error Load returns.
type Problems = configdecode.Problems

// RedactedValue replaces the value of a Problem whose value is a secret.
const RedactedValue = configdecode.RedactedValue

// The validator's vocabulary comes from the decoder, so that decoding and
// validation problems name keys the same way.

func joinKey(path, name string) string     { return configdecode.JoinKey(path, name) }
func joinIndex(path string, i int) string  { return configdecode.JoinIndex(path, i) }
func oneOf(values []string) string         { return configdecode.OneOf(values) }
func values[T ~string](typed []T) []string { return configdecode.Values(typed) }
func didYouMean(input string, candidates []string) string {
	return configdecode.DidYouMean(input, candidates)
}
func suggest(input string, candidates []string) string {
	return configdecode.Suggest(input, candidates)
}
func sortProblems(ps Problems) { configdecode.Sort(ps) }

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
