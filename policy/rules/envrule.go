package rules

// StackEnvironmentRule names the rule whose configuration carries the
// environment override for the whole pack.
const StackEnvironmentRule = "stack-environment"

func environmentRules() []Rule {
	return []Rule{{
		Name:     StackEnvironmentRule,
		Category: "Environment",
		Description: "The stack's environment (dev, staging or prod) can be told from its name or from this policy's " +
			"environment option; environment-specific rules depend on it, and all of them apply when it cannot be told.",
		Remediation: "Name the stack dev, staging or prod (or starting with one of them), or set " +
			`{"stack-environment": {"environment": "prod"}} in the policy configuration.`,
		Enforcement: Advisory,
		Types:       []string{typeStack},
		Scope:       PerStack,
		Options:     []Option{environmentOption()},
		checkStack: func(ctx Context, s *view) []Finding {
			if ctx.Environment != "" {
				return nil
			}
			f := Finding{Message: "the stack's environment cannot be told from its name; every environment-specific rule applies"}
			if roots := s.ofType(typeStack); len(roots) > 0 {
				f.URN, f.Type = roots[0].URN, roots[0].Type
			}
			return []Finding{f}
		},
	}}
}
