// Package lifecycle runs the platform's stacks through the updates of their
// life, each a plan from the previous step's saved state, judged by the
// Azure model: first deploy, release bump, canary stepped and promoted,
// canary aborted, a revision-scope change without a release bump, adding
// a secret, a refresh as the preview identity and as the drift identity,
// and a destroy attempt. What the bootstrap project made before the
// stack's first deploy (its identities, grants, resource group) is the
// Runner's Bootstrap state.
//
// Steps change the stack's configuration as a user would (`pulumi config
// set`): the stack file's config map, with the Key Vault secret values a
// deployed stack holds encrypted.
package lifecycle

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/misybot/platform/infra/azuremodel"
	"github.com/misybot/platform/infra/offline"
	"github.com/misybot/platform/infra/stackfile"
)

// Config is a stack's configuration as the engine passes it.
type Config struct {
	Values     map[string]string
	SecretKeys []string
	project    string
}

func (c Config) clone() Config {
	return Config{Values: maps.Clone(c.Values), SecretKeys: slices.Clone(c.SecretKeys), project: c.project}
}

func (c Config) key(name string) string { return c.project + ":" + name }

// Object decodes an object-valued key (empty when unset).
func (c Config) Object(name string) (map[string]any, error) {
	out := map[string]any{}
	raw, ok := c.Values[c.key(name)]
	if !ok || raw == "" {
		return out, nil
	}
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return nil, fmt.Errorf("config %s: %w", name, err)
	}
	return out, nil
}

// SetObject encodes an object-valued key; secret marks it secret, as
// `pulumi config set --secret --path` does.
func (c *Config) SetObject(name string, v map[string]any, secret bool) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("config %s: %w", name, err)
	}
	c.Values[c.key(name)] = string(data)
	if secret && !slices.Contains(c.SecretKeys, c.key(name)) {
		c.SecretKeys = append(c.SecretKeys, c.key(name))
		slices.Sort(c.SecretKeys)
	}
	return nil
}

// EditApp changes the `app` key.
func (c *Config) EditApp(edit func(app map[string]any)) error {
	app, err := c.Object("app")
	if err != nil {
		return err
	}
	edit(app)
	return c.SetObject("app", app, false)
}

// Step is one update.
type Step struct {
	Name string
	// Change edits the configuration before the update; nil keeps it.
	Change func(c *Config) error
	// As is the principal (azuremodel.AsAdmin when empty).
	As string
	// Destroy runs `pulumi destroy`: the program registers nothing.
	Destroy bool
}

// Result is one step's outcome.
type Result struct {
	Step string
	Plan *offline.Plan
	// Err is a program failure (the plan is nil).
	Err error
}

// Failed reports whether the step would fail to deploy.
func (r Result) Failed() bool { return r.Err != nil || len(r.Plan.Problems) > 0 }

// Rules are the rule ids of the step's problems.
func (r Result) Rules() []string {
	if r.Plan == nil {
		return nil
	}
	var out []string
	for _, p := range r.Plan.Problems {
		if !slices.Contains(out, p.Rule) {
			out = append(out, p.Rule)
		}
	}
	return out
}

// Runner runs a stack's scenarios.
type Runner struct {
	Project string
	Stack   string
	Base    Config
	Program offline.Program
	// Bootstrap is the bootstrap project's state (package
	// bootstrapstate): what exists before the stack's first deploy. The
	// stack's reads of the bootstrap's resources are answered from it, and
	// the Azure model takes its principals and role assignments
	// (azuremodel.ExistingFromBootstrap): --as preview, drift and deploy
	// resolve to the bootstrap's identities.
	Bootstrap *offline.State
	// SecretHashKey keys the hashes of secret values the saved states
	// keep between steps, so that a changed secret is an update
	// (offline.Options.SecretHashKey); NewRunner draws one at random.
	SecretHashKey []byte
}

// NewRunner loads the stack from the project directory. The base
// configuration is the stack file plus secrets, the Key Vault secret
// values a deployed stack keeps encrypted in its stack file (they are not
// in the repository).
func NewRunner(dir, stack string, program offline.Program, secrets map[string]string) (*Runner, error) {
	st, err := stackfile.Load(dir, stack)
	if err != nil {
		return nil, err
	}
	base := Config{Values: maps.Clone(st.Config), SecretKeys: slices.Clone(st.SecretKeys), project: st.Project}
	if len(secrets) > 0 {
		obj := map[string]any{}
		for k, v := range secrets {
			obj[k] = v
		}
		if err := base.SetObject("keyVaultSecrets", obj, true); err != nil {
			return nil, err
		}
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("drawing the secret hash key: %w", err)
	}
	return &Runner{Project: st.Project, Stack: stack, Base: base, Program: program, SecretHashKey: key}, nil
}

// Run runs the steps in order, each from the previous step's saved state.
// It stops at the first step that fails: a failed update leaves no new
// state to continue from.
func (r *Runner) Run(ctx context.Context, steps []Step) ([]Result, error) {
	cfg := r.Base.clone()
	var prior *offline.State
	var results []Result
	for _, s := range steps {
		if s.Change != nil {
			if err := s.Change(&cfg); err != nil {
				return results, fmt.Errorf("step %q: %w", s.Name, err)
			}
		}
		program := r.Program
		if s.Destroy {
			program = func(*pulumi.Context) (map[string]pulumi.Output, error) { return nil, nil }
		}
		as := s.As
		if as == "" {
			as = azuremodel.AsAdmin
		}
		existing := azuremodel.ExistingFromBootstrap(r.Bootstrap, r.Stack)
		opts := offline.Options{
			Project: r.Project, Stack: r.Stack, Config: cfg.Values, SecretKeys: cfg.SecretKeys,
			Program: program, Prior: prior, Existing: r.Bootstrap, SecretHashKey: r.SecretHashKey,
			Model: azuremodel.New(azuremodel.Options{As: as, Existing: existing}),
		}
		if r.Bootstrap != nil {
			// The stack's StackReference to the bootstrap reads its outputs.
			opts.StackReferences = r.Bootstrap.References()
		}
		plan, err := offline.Run(ctx, opts)
		res := Result{Step: s.Name, Plan: plan, Err: err}
		results = append(results, res)
		if res.Failed() {
			return results, nil
		}
		if s.As == azuremodel.AsPreview || s.As == azuremodel.AsDrift {
			continue // a preview or a drift check changes nothing
		}
		data, err := plan.SaveState()
		if err != nil {
			return results, err
		}
		if prior, err = offline.ParseState(data); err != nil {
			return results, fmt.Errorf("step %q: reading the saved state: %w", s.Name, err)
		}
	}
	return results, nil
}
