package main

import (
	"errors"

	"github.com/misybot/platform/infra/azuremodel"
	"github.com/misybot/platform/infra/offline"
	"github.com/misybot/platform/policy/rules"
	"github.com/misybot/platform/stacks"
)

// platform is what the plan command previews: the MisyBot platform program
// and its configuration validation. Tests substitute their own.
func platform() app {
	return app{program: stacks.Build, validate: validateConfig, policies: rules.NewRegistry(), model: platformModel}
}

// platformModel is the Azure model of the platform's resource types.
func platformModel(opts azuremodel.Options) offline.Model {
	return azuremodel.New(opts)
}

// validateConfig checks the stack configuration before the program runs,
// so that every mistake is reported at once, one a line.
func validateConfig(project string, config map[string]string, secretKeys []string) error {
	_, err := stacks.Load(project, config, secretKeys)
	var problems stacks.Problems
	if errors.As(err, &problems) {
		lines := make([]string, len(problems))
		for i, p := range problems {
			lines[i] = p.String()
		}
		return &usageError{lines: lines}
	}
	return err
}
