package rules

import "github.com/misybot/platform/naming"

// Environments returns the environments a stack can belong to.
func Environments() []string { return naming.Environments() }

// EnvironmentFromStack derives the environment from a stack name: dev,
// staging or prod, or a name starting with one of them (prod-weu,
// development). It is naming.EnvironmentOf, the function the program uses
// too, so that the program and the pack never disagree on a stack.
func EnvironmentFromStack(stack string) string { return naming.EnvironmentOf(stack) }

// ResolveEnvironment picks the environment of a stack: the policy
// configuration's override first, then the stack's own setting, then the
// stack name.
func ResolveEnvironment(stack Stack, cfg Config) string {
	if env := cfg.Environment(); env != "" {
		return env
	}
	if env := EnvironmentFromStack(stack.Environment); env != "" {
		return env
	}
	return EnvironmentFromStack(stack.Name)
}

// otherEnvironments lists the environments that are not env.
func otherEnvironments(env string) []string {
	var out []string
	for _, e := range naming.Environments() {
		if e != env {
			out = append(out, e)
		}
	}
	return out
}
