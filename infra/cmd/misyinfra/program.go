package main

import (
	"errors"

	"github.com/misybot/platform/bootstrap/foundation"
	"github.com/misybot/platform/infra/bootstrapstate"
	"github.com/misybot/platform/infra/stackplan"
	"github.com/misybot/platform/policy/rules"
	"github.com/misybot/platform/stacks"
)

// platform is what the commands preview: the MisyBot platform program and
// the bootstrap's, their configuration validation, the Azure model and
// the bootstrap's state. Tests substitute their own.
func platform() app {
	return app{
		planner: stackplan.Planner{
			Program:   stackplan.Program{Run: stacks.Build, Validate: validateConfig},
			Projects:  map[string]stackplan.Program{foundation.Project: {Run: foundation.Build, Validate: validateBootstrap}},
			Model:     stackplan.AzureModel,
			Existing:  bootstrapstate.Grants,
			Bootstrap: bootstrapstate.Resolve,
		},
		policies: rules.NewRegistry(),
	}
}

// validateBootstrap checks the bootstrap's configuration (plan --dir
// bootstrap --stack platform) as validateConfig checks a stack's.
func validateBootstrap(project string, config map[string]string, secretKeys []string) error {
	_, err := foundation.Load(project, config, secretKeys)
	return usageProblems(err)
}

// validateConfig checks the stack configuration before the program runs,
// so that every mistake is reported at once, one a line.
func validateConfig(project string, config map[string]string, secretKeys []string) error {
	_, err := stacks.Load(project, config, secretKeys)
	return usageProblems(err)
}

// usageProblems turns configuration problems into an input error, one
// line each (exit 2).
func usageProblems(err error) error {
	var problems stacks.Problems
	if errors.As(err, &problems) {
		lines := make([]string, len(problems))
		for i, p := range problems {
			lines[i] = p.String()
		}
		return &stackplan.InputError{Lines: lines}
	}
	return err
}
