// Package bootstrapstate gives the offline engine the bootstrap project's
// state (bootstrap/, project misybot-bootstrap, stack platform): what exists
// in Azure before an environment stack's first deploy and outside its
// plan. It is read from a file (the bootstrap's `pulumi stack export`, or
// the state `misyinfra plan --dir bootstrap --stack platform --save-state`
// writes) or, without one, by planning the bootstrap offline as that
// command does.
//
// It is the one loader of the bootstrap's state: the Azure model takes the
// bootstrap's principals and role assignments from it
// (azuremodel.ExistingFromBootstrap), reads of the bootstrap's resources
// are answered from it (offline.Options.Existing), and its stack outputs
// (State.Outputs) are what a StackReference to the bootstrap reads. Grants
// reads from it the bootstrap's grants to a stack's app identity, which
// the model takes as existing when no bootstrap identity is asked for.
package bootstrapstate

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/misybot/platform/bootstrap/foundation"
	"github.com/misybot/platform/infra/azuremodel"
	"github.com/misybot/platform/infra/offline"
	"github.com/misybot/platform/infra/stackfile"
	"github.com/misybot/platform/stacks"
)

// Dir is the bootstrap project's directory, relative to the environment
// project's.
const Dir = "bootstrap"

// Load reads the bootstrap's state from path: a deployment v3 document of
// project misybot-bootstrap, stack platform. A file that is not one is a
// *offline.StateError.
func Load(path string) (*offline.State, error) {
	return offline.LoadState(path, foundation.Project, foundation.StackName)
}

// Plan plans the bootstrap project in dir offline, from an empty stack,
// and returns the state after that first deploy.
func Plan(ctx context.Context, dir string) (*offline.State, error) {
	st, err := stackfile.Load(dir, foundation.StackName)
	if err != nil {
		return nil, fmt.Errorf("the bootstrap project: %w", err)
	}
	if st.Project != foundation.Project {
		return nil, fmt.Errorf("the bootstrap project: %s holds project %q, not %q", filepath.Join(dir, "Pulumi.yaml"), st.Project, foundation.Project)
	}
	if err := st.CheckMissing(); err != nil {
		return nil, fmt.Errorf("the bootstrap project: %w", err)
	}
	plan, err := offline.Run(ctx, offline.Options{
		Project: st.Project, Stack: foundation.StackName, Config: st.Config, SecretKeys: st.SecretKeys,
		Program: foundation.Build,
	})
	if err != nil {
		return nil, fmt.Errorf("planning the bootstrap offline: %w", err)
	}
	return StateOf(plan)
}

// StateOf is the state a plan leaves, read back as the next run would
// read it from the file --save-state writes.
func StateOf(plan *offline.Plan) (*offline.State, error) {
	data, err := plan.SaveState()
	if err != nil {
		return nil, err
	}
	st, err := offline.ParseState(data)
	if err != nil {
		return nil, fmt.Errorf("reading back the state of %s/%s: %w", plan.Project, plan.Stack, err)
	}
	return st, nil
}

// Resolve returns the bootstrap's state: from the file at path when it is
// given, else by planning the bootstrap project in projectDir/bootstrap.
func Resolve(ctx context.Context, projectDir, path string) (*offline.State, error) {
	if path != "" {
		return Load(path)
	}
	return Plan(ctx, filepath.Join(projectDir, Dir))
}

// Grants are the role assignments the bootstrap makes for stack
// (stacks.BootstrapGrants: the app identity's registry pull), read from
// the bootstrap's stacks output, for the Azure model to take as existing.
// A bootstrap state without the stack in that output is an error naming
// the key.
func Grants(stack string, bootstrap *offline.State) ([]azuremodel.ExistingRoleAssignment, error) {
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
