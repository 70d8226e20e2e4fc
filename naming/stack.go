package naming

import (
	"fmt"
	"regexp"
	"strings"
)

// A stack's name is its identity: it becomes the environment part of every
// resource name (Token), the Entra display names of its CI identities, its
// GitHub environments and the subjects its identities federate. Its
// environment family (dev, staging or prod) selects the defaults and the
// guard-rails, and is read from the name by EnvironmentOf: the program and
// the policy pack share this one function.

// environments are the families of defaults and guard-rails, in promotion order.
var environments = [...]string{"dev", "staging", "prod"}

// Environments returns the environment families in promotion order.
func Environments() []string { return append([]string(nil), environments[:]...) }

// stackPattern is a stack name: lowercase words of letters and digits joined
// by single hyphens, starting with a letter (prod, prod-eu2). It can appear
// in a GitHub environment name and an OIDC subject without widening either.
var stackPattern = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

// maxToken is the longest environment part a resource name can carry (New).
const maxToken = 10

// EnvironmentOf returns the environment family a stack name belongs to: dev,
// staging or prod, or a name starting with one of them (prod-eu2,
// development). A fully qualified name (org/project/stack) counts by its
// last part. It returns "" when the name says nothing.
func EnvironmentOf(stack string) string {
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

// CheckStack reports whether stack can name an environment stack: it
// matches the stack pattern, belongs to an environment family, and its
// Token fits in resource names.
func CheckStack(stack string) error {
	switch {
	case !stackPattern.MatchString(stack):
		return fmt.Errorf("stack name %q: want lowercase letters and digits in words joined by '-', starting with a letter (e.g. prod-eu2)", stack)
	case EnvironmentOf(stack) == "":
		return fmt.Errorf("stack name %q: want a name starting with %s, the environment whose defaults and guard-rails it takes", stack, strings.Join(environments[:], ", "))
	case len(Token(stack)) > maxToken:
		return fmt.Errorf("stack name %q: at most %d letters and digits without the hyphens, to fit in resource names", stack, maxToken)
	}
	return nil
}

// Token is the stack's name as it appears in resource names: its letters
// and digits (prod-eu2 gives prodeu2). Two stacks whose names differ only
// by hyphens would share resource names: the bootstrap rejects that.
func Token(stack string) string { return strings.ReplaceAll(strings.ToLower(stack), "-", "") }
