package rules

import "strings"

// Environments are the platform's environments, in promotion order.
var environments = [...]string{"dev", "staging", "prod"}

// Environments returns the environments a stack can belong to.
func Environments() []string { return environments[:] }

// EnvironmentFromStack derives the environment from a stack name: dev,
// staging or prod, or a name starting with one of them (prod-weu,
// development). A fully qualified name (org/project/stack) counts by its
// last part. It returns "" when the name says nothing.
func EnvironmentFromStack(stack string) string {
	if i := strings.LastIndexByte(stack, '/'); i >= 0 {
		stack = stack[i+1:]
	}
	stack = strings.ToLower(strings.TrimSpace(stack))
	for _, env := range environments {
		if strings.HasPrefix(stack, env) {
			return env
		}
	}
	return ""
}

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
	for _, e := range environments {
		if e != env {
			out = append(out, e)
		}
	}
	return out
}
