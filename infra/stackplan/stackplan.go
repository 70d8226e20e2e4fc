// Package stackplan previews a stack of the repository offline from its
// files, as `misyinfra plan`, `graph` and `import` do: it finds the
// project (Pulumi.yaml), reads the stack's configuration
// (infra/stackfile), picks the program by project name (the platform's,
// or another project of the repository such as the bootstrap), validates
// the configuration, answers the stack's StackReference to the bootstrap
// from the bootstrap's state (infra/bootstrapstate), gives the offline
// engine (infra/offline) its prior state, its secret-hash key (StateKey)
// and its Azure model (infra/azuremodel) with the bootstrap's identities
// and grants as existing, and runs the program.
//
// Mistakes a user can fix (a flag, the stack files, the configuration, an
// unreadable state file) are *InputError, one problem a line; anything
// else is a failure.
package stackplan

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/misybot/platform/infra/azuremodel"
	"github.com/misybot/platform/infra/offline"
	"github.com/misybot/platform/infra/stackfile"
)

// InputError is a mistake the user can fix in the request, the stack
// files or the configuration: one problem a line. The messages name the
// flags of `misyinfra plan` that carry each Request field.
type InputError struct {
	Lines []string
}

func (e *InputError) Error() string { return strings.Join(e.Lines, "\n") }

func inputErrorf(format string, args ...any) error {
	return &InputError{Lines: []string{fmt.Sprintf(format, args...)}}
}

// Program is a Pulumi program with its configuration validation.
type Program struct {
	Run offline.Program
	// Validate checks the configuration before the program runs; it
	// returns an *InputError listing the problems of an invalid one.
	Validate func(project string, config map[string]string, secretKeys []string) error
}

// Planner previews the stacks of a repository.
type Planner struct {
	// Program is the program of the environment stacks.
	Program Program
	// Projects are other programs of the repository, by the project name
	// of their Pulumi.yaml (the bootstrap's): the project found decides
	// which program runs. They run without the Azure model, which models
	// the platform's resource types, and without StackReferences.
	Projects map[string]Program
	// Model, when set, gives the offline engine its Azure model
	// (AzureModel).
	Model func(azuremodel.Options) offline.Model
	// Existing, when set, are the role assignments made outside the stack
	// that the Azure model takes as existing when no bootstrap state is
	// asked for: the bootstrap's grants to the stack's app identity
	// (bootstrapstate.Grants).
	Existing func(stack string, bootstrap *offline.State) ([]azuremodel.ExistingRoleAssignment, error)
	// Bootstrap, when set, returns the bootstrap project's state: from the
	// file at path (Request.BootstrapState), else planned offline from
	// projectDir/bootstrap (bootstrapstate.Resolve). It is used with As
	// deploy, preview or drift (their identities are the bootstrap's), with
	// BootstrapState, and to answer the stack's StackReference.
	Bootstrap func(ctx context.Context, projectDir, path string) (*offline.State, error)
	// StateKey returns the key of the secret hashes of saved states
	// (default: StateKey).
	StateKey func() ([]byte, error)
}

// AzureModel is the Azure model of the platform's resource types, as
// Planner.Model takes it.
func AzureModel(opts azuremodel.Options) offline.Model { return azuremodel.New(opts) }

// Request is the stack to preview and how (the flags of `misyinfra
// plan`).
type Request struct {
	// Stack is the stack's name (--stack).
	Stack string
	// ConfigFile replaces Pulumi.<stack>.yaml (--config-file).
	ConfigFile string
	// Dir is the project directory; "" walks up from the working
	// directory to the first with a Pulumi.yaml (--dir).
	Dir string
	// State is a prior state to preview an update from (--state);
	// SaveState tells that the state after the update will be saved
	// (--save-state): both need the secret-hash key.
	State     string
	SaveState bool
	// As is the principal the update runs as (--as,
	// azuremodel.Principals; "" is the admin).
	As string
	// BootstrapState is the bootstrap's state file (--bootstrap-state);
	// "" plans the bootstrap offline when it is needed.
	BootstrapState string
	// SoftDeletedVaults are Key Vault names held by soft-deleted vaults
	// (--soft-deleted-vault).
	SoftDeletedVaults []string
	// NoModel previews without the Azure model (--no-azure-model).
	NoModel bool
}

// Plan checks the request and the stack's configuration and previews the
// stack offline. It also returns the stack files it read.
func (p Planner) Plan(ctx context.Context, r Request) (*offline.Plan, *stackfile.Stack, error) {
	if r.Stack == "" {
		return nil, nil, inputErrorf("missing --stack: name the stack, e.g. --stack dev")
	}
	if err := stackfile.CheckStackName(r.Stack); err != nil {
		return nil, nil, inputErrorf("--stack: %v", err)
	}
	st, err := LoadStack(r.Dir, r.ConfigFile, r.Stack)
	if err != nil {
		return nil, nil, inputErrorf("%v", err)
	}
	if err := st.CheckMissing(); err != nil {
		return nil, nil, inputErrorf("%v", err)
	}
	prog, other := p.Projects[st.Project]
	if !other {
		prog = p.Program
	}
	if err := prog.Validate(st.Project, st.Config, st.SecretKeys); err != nil {
		var input *InputError
		if errors.As(err, &input) {
			return nil, nil, err
		}
		return nil, nil, fmt.Errorf("validating the configuration of %s/%s: %w", st.Project, r.Stack, err)
	}
	if r.As != "" && !slices.Contains(azuremodel.Principals(), r.As) {
		return nil, nil, inputErrorf("--as %q: want %s", r.As, strings.Join(azuremodel.Principals(), ", "))
	}
	opts := offline.Options{
		Project:    st.Project,
		Stack:      r.Stack,
		Config:     st.Config,
		SecretKeys: st.SecretKeys,
		Program:    prog.Run,
	}
	if r.State != "" || r.SaveState {
		stateKey := p.StateKey
		if stateKey == nil {
			stateKey = StateKey
		}
		if opts.SecretHashKey, err = stateKey(); err != nil {
			return nil, nil, err
		}
	}
	if r.State != "" {
		prior, err := offline.LoadState(r.State, st.Project, r.Stack)
		if err != nil {
			return nil, nil, inputErrorf("%v", err)
		}
		opts.Prior = prior
	}
	boot := &bootstrapSource{load: func() (*offline.State, error) {
		if p.Bootstrap == nil {
			return nil, errors.New("no bootstrap state to answer the stack's reference to the bootstrap")
		}
		return p.Bootstrap(ctx, filepath.Dir(st.ProjectFile), r.BootstrapState)
	}}
	if !other {
		opts.StackReferences = boot.references
		if r.BootstrapState != "" { // a bad file is an input error, reported first
			if _, err := boot.state(); err != nil {
				return nil, nil, err
			}
		}
	}
	if p.Model != nil && !r.NoModel && !other {
		mopts := azuremodel.Options{As: r.As, SoftDeletedVaults: r.SoftDeletedVaults}
		useBootstrap := r.BootstrapState != "" || (r.As != "" && r.As != azuremodel.AsAdmin)
		switch {
		case useBootstrap && p.Bootstrap != nil:
			b, err := boot.state()
			if err != nil {
				return nil, nil, err
			}
			opts.Existing = b
			mopts.Existing = azuremodel.ExistingFromBootstrap(b, r.Stack)
		case p.Existing != nil:
			b, err := boot.state()
			if err != nil {
				return nil, nil, err
			}
			// The stack reads what the bootstrap made (its app identity):
			// the reads are answered from the bootstrap's state, as with
			// As and BootstrapState.
			opts.Existing = b
			grants, err := p.Existing(r.Stack, b)
			if err != nil {
				return nil, nil, fmt.Errorf("the bootstrap's grants to %s/%s: %w", st.Project, r.Stack, err)
			}
			mopts.Existing = azuremodel.Existing{RoleAssignments: grants}
		}
		opts.Model = p.Model(mopts)
	}
	plan, err := offline.Run(ctx, opts)
	if err != nil {
		return nil, nil, err
	}
	return plan, st, nil
}

// bootstrapSource loads the bootstrap's state once, when it is first
// needed: a program that references no stack, planned without As, never
// loads it.
type bootstrapSource struct {
	load   func() (*offline.State, error)
	st     *offline.State
	err    error
	loaded bool
}

// state returns the bootstrap's state; an unreadable bootstrap state file
// is an input error.
func (s *bootstrapSource) state() (*offline.State, error) {
	if s.loaded {
		return s.st, s.err
	}
	s.loaded = true
	s.st, s.err = s.load()
	if s.err != nil {
		var stateErr *offline.StateError
		if errors.As(s.err, &stateErr) {
			s.err = inputErrorf("--bootstrap-state %s: %v", stateErr.Path, stateErr.Err)
		} else {
			s.err = fmt.Errorf("the bootstrap's state: %w (or give it with --bootstrap-state)", s.err)
		}
	}
	return s.st, s.err
}

// references answers the program's stack references from the bootstrap's
// state.
func (s *bootstrapSource) references(name string) (offline.StackOutputs, error) {
	st, err := s.state()
	if err != nil {
		return offline.StackOutputs{}, err
	}
	return st.References()(name)
}

// LoadStack reads the project file and the stack's configuration: from
// configFile when given, else Pulumi.<stack>.yaml. dir is the project
// directory; "" finds it from the working directory (FindProjectDir).
func LoadStack(dir, configFile, stack string) (*stackfile.Stack, error) {
	if dir == "" {
		cwd, err := os.Getwd()
		if err != nil {
			return nil, fmt.Errorf("finding the project: %w", err)
		}
		if dir, err = FindProjectDir(cwd); err != nil {
			return nil, err
		}
	}
	if configFile != "" {
		return stackfile.LoadFile(filepath.Join(dir, "Pulumi.yaml"), configFile)
	}
	return stackfile.Load(dir, stack)
}

// FindProjectDir walks up from dir to the first directory holding a
// Pulumi.yaml.
func FindProjectDir(dir string) (string, error) {
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, "Pulumi.yaml")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("no Pulumi.yaml in %s or any parent directory: use --dir", dir)
		}
		d = parent
	}
}
