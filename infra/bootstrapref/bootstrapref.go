// Package bootstrapref gives the offline engine the bootstrap stack
// (bootstrap/, project misybot-bootstrap, stack platform) as the
// environment stacks see it: the outputs their StackReference reads and,
// where they are known, the bootstrap's resources (its identities and role
// assignments), which an Azure model takes as existing. It comes from the
// bootstrap's own offline plan, run in-process, or from a file: a
// `pulumi stack output --json` or `pulumi stack export` of the real
// bootstrap stack.
package bootstrapref

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/misybot/platform/bootstrap/foundation"
	"github.com/misybot/platform/infra/offline"
	"github.com/misybot/platform/infra/stackfile"
)

// Dir is the bootstrap's project directory in a repository checkout.
const Dir = "bootstrap"

// Bootstrap is the bootstrap stack.
type Bootstrap struct {
	// Outputs are its stack outputs.
	Outputs offline.StackOutputs
	// Plan is its offline plan, when it came from one.
	Plan *offline.Plan
	// State is its state, when it came from a `pulumi stack export`.
	State *offline.State
	// Project and Stack name it, when known (not from a `pulumi stack
	// output --json`, which does not say).
	Project, Stack string
}

// FromPlan runs the bootstrap's offline plan from its project directory
// (the repository's bootstrap/) and stack file (Pulumi.platform.yaml).
func FromPlan(ctx context.Context, dir string) (*Bootstrap, error) {
	st, err := stackfile.Load(dir, foundation.StackName)
	if err != nil {
		return nil, fmt.Errorf("the bootstrap: %w", err)
	}
	if err := st.CheckMissing(); err != nil {
		return nil, fmt.Errorf("the bootstrap: %w", err)
	}
	if st.Project != foundation.Project {
		return nil, fmt.Errorf("the bootstrap: %s is project %q, not %q", filepath.Join(dir, "Pulumi.yaml"), st.Project, foundation.Project)
	}
	if _, err := foundation.Load(st.Project, st.Config); err != nil {
		return nil, fmt.Errorf("the bootstrap's configuration (%s): %w", st.StackFile, err)
	}
	plan, err := offline.Run(ctx, offline.Options{
		Project: st.Project, Stack: foundation.StackName, Config: st.Config, SecretKeys: st.SecretKeys, Program: foundation.Build,
	})
	if err != nil {
		return nil, fmt.Errorf("the bootstrap's offline plan: %w", err)
	}
	outs, err := plan.StackOutputs()
	if err != nil {
		return nil, fmt.Errorf("the bootstrap's offline plan: %w", err)
	}
	return &Bootstrap{Outputs: outs, Plan: plan, Project: plan.Project, Stack: plan.Stack}, nil
}

// FromFile reads the bootstrap from a `pulumi stack output --json` or a
// `pulumi stack export` of it; an export of another stack is refused.
func FromFile(path string) (*Bootstrap, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("the bootstrap's outputs: %w", err)
	}
	outs, err := offline.ParseStackOutputs(data)
	if err != nil {
		return nil, fmt.Errorf("the bootstrap's outputs %s: %w", path, err)
	}
	outs.Name = path
	b := &Bootstrap{Outputs: outs}
	var doc map[string]json.RawMessage
	if json.Unmarshal(data, &doc) == nil && doc["deployment"] != nil {
		st, err := offline.ParseState(data)
		if err != nil {
			return nil, fmt.Errorf("the bootstrap's export %s: %w", path, err)
		}
		if st.Project != foundation.Project || st.Stack != foundation.StackName {
			return nil, fmt.Errorf("the bootstrap's export %s: it is the export of %s/%s, not %s/%s", path, st.Project, st.Stack, foundation.Project, foundation.StackName)
		}
		b.State, b.Project, b.Stack = st, st.Project, st.Stack
	}
	return b, nil
}

// References answers the environment stack's reference to the bootstrap.
// A reference to another project or stack than this bootstrap's is an
// error naming both.
func (b *Bootstrap) References() offline.StackReferences {
	return func(name string) (offline.StackOutputs, error) {
		parts := strings.Split(name, "/")
		if len(parts) != 3 {
			return offline.StackOutputs{}, fmt.Errorf("want organization/project/stack")
		}
		project, stack := parts[1], parts[2]
		if b.Project != "" && (project != b.Project || stack != b.Stack) {
			return offline.StackOutputs{}, fmt.Errorf("the offline engine has the outputs of %s/%s (%s) only", b.Project, b.Stack, b.Outputs.Name)
		}
		return b.Outputs, nil
	}
}

// Committed answers the environment stacks' reference from the offline
// plan of the bootstrap committed in the repository at root.
func Committed(ctx context.Context, root string) (offline.StackReferences, error) {
	b, err := FromPlan(ctx, filepath.Join(root, Dir))
	if err != nil {
		return nil, err
	}
	return b.References(), nil
}
