package main

import (
	"errors"

	"github.com/misybot/platform/bootstrap/foundation"
	"github.com/misybot/platform/infra/azuremodel"
	"github.com/misybot/platform/infra/bootstrapstate"
	"github.com/misybot/platform/infra/offline"
	"github.com/misybot/platform/policy/rules"
	"github.com/misybot/platform/stacks"
)

// platform is what the plan command previews: the MisyBot platform program
// and its configuration validation. Tests substitute their own.
func platform() app {
	return app{
		program: stacks.Build, validate: validateConfig, policies: rules.NewRegistry(), model: platformModel,
		projects: map[string]program{foundation.Project: {run: foundation.Build, validate: validateBootstrap}},
		existing: bootstrapGrants, bootstrap: bootstrapstate.Resolve,
	}
}

// bootstrapGrants are the role assignments the bootstrap makes for the
// stack (stacks.BootstrapGrants), read from the bootstrap's outputs, for
// the Azure model to take as existing.
func bootstrapGrants(stack string, bootstrap *offline.State) ([]azuremodel.ExistingRoleAssignment, error) {
	b, err := stacks.ReadBootstrapStack(bootstrap.Project+"/"+bootstrap.Stack, stack, bootstrap.Outputs[stacks.BootstrapStacksOutput].Mappable())
	if err != nil {
		return nil, err
	}
	grants := stacks.BootstrapGrants(b)
	out := make([]azuremodel.ExistingRoleAssignment, len(grants))
	for i, g := range grants {
		out[i] = azuremodel.ExistingRoleAssignment{IdentityID: g.IdentityID, Role: g.Role, Scope: g.Scope}
	}
	return out, nil
}

// validateBootstrap checks the bootstrap's configuration (plan --dir
// bootstrap --stack platform) as validateConfig checks a stack's.
func validateBootstrap(project string, config map[string]string, _ []string) error {
	_, err := foundation.Load(project, config)
	return usageProblems(err)
}

// platformModel is the Azure model of the platform's resource types.
func platformModel(opts azuremodel.Options) offline.Model {
	return azuremodel.New(opts)
}

// validateConfig checks the stack configuration before the program runs,
// so that every mistake is reported at once, one a line.
func validateConfig(project string, config map[string]string, secretKeys []string) error {
	_, err := stacks.Load(project, config, secretKeys)
	return usageProblems(err)
}

// usageProblems turns configuration problems into a usage error, one line
// each (exit 2).
func usageProblems(err error) error {
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
