package offline

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
)

// Program is a Pulumi program that returns its stack outputs instead of
// exporting them, so that the offline engine can read them (the mock
// monitor does not pass stack outputs to the mocks).
type Program func(ctx *pulumi.Context) (map[string]pulumi.Output, error)

// Options say what to preview.
type Options struct {
	Project string
	Stack   string
	// Config maps `namespace:key` to values, as the engine passes them
	// (see package stackfile).
	Config map[string]string
	// SecretKeys are the config keys whose values are secret.
	SecretKeys []string
	Program    Program
	// Prior is the state the update starts from; nil for an empty stack.
	Prior *State
	// Model judges the plan and computes what Azure computes; nil accepts
	// everything.
	Model Model
	// Existing is the state of resources that exist outside the stack (the
	// bootstrap project's: its resource groups, identities, registry): a
	// read (a Get) of one of them returns its outputs there, as Azure
	// returns the real resource, instead of placeholder outputs.
	Existing *State
	// SecretHashKey keys the hashes of secret values a saved state keeps
	// (Plan.SaveState) and this run compares the prior state's with, so
	// that a changed secret is an update (secrethash.go). Without a key,
	// secrets are not hashed and compare as unknown.
	SecretHashKey []byte
	// StackReferences answers the program's pulumi.NewStackReference
	// reads; nil fails every stack reference with an error naming it.
	StackReferences StackReferences
}

// Run runs the program under mocks and returns what it would create.
// Cancelling ctx makes the remaining resource registrations fail.
func Run(ctx context.Context, opts Options) (*Plan, error) {
	switch {
	case opts.Program == nil:
		return nil, errors.New("offline: no program to run")
	case opts.Project == "":
		return nil, errors.New("offline: no project name")
	case opts.Stack == "":
		return nil, errors.New("offline: no stack name")
	}
	if opts.Prior != nil {
		if err := opts.Prior.check(opts.Project, opts.Stack); err != nil {
			return nil, &StateError{Path: "prior state", Err: err}
		}
	}
	rec := newRecorder(opts.Project, opts.Stack)
	m := newMocks(ctx, opts, rec)

	var outputs map[string]Output
	body := func(pctx *pulumi.Context) (err error) {
		// A panicking program is a failed program, not a crashed preview.
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("program panicked: %v", r)
			}
		}()
		if err := pctx.RegisterStackTransformation(rec.transformation); err != nil {
			return fmt.Errorf("recording the registration order: %w", err)
		}
		outs, err := opts.Program(pctx)
		if err != nil {
			return err
		}
		outputs, err = awaitOutputs(ctx, outs)
		return err
	}
	config := maps.Clone(opts.Config)
	if config == nil {
		config = map[string]string{}
	}
	secretKeys := append([]string(nil), opts.SecretKeys...)
	err := pulumi.RunErr(body,
		pulumi.WithMocks(opts.Project, opts.Stack, m),
		func(info *pulumi.RunInfo) {
			info.Config = config
			info.ConfigSecretKeys = secretKeys
			// As in `pulumi up` under mocks: outputs the mocks compute are
			// known, whatever PULUMI_DRY_RUN says in the environment.
			info.DryRun = false
		})
	if err != nil {
		return nil, fmt.Errorf("%s/%s: %w", opts.Project, opts.Stack, unwrapMulti(err))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	plan := rec.plan(outputs)
	plan.secrets = m.secrets
	var forceNew func(string) []string
	if opts.Model != nil {
		forceNew = opts.Model.ForceNew
	}
	plan.Changes = computeDiff(plan, opts.Prior, forceNew)
	plan.Problems = protectProblems(plan, opts.Prior, plan.Changes)
	if m.model != nil && len(plan.Problems) == 0 {
		plan.Problems = m.model.Check(plan)
	}
	return plan, nil
}

// unwrapMulti returns the errors inside the SDK's multierror (whose message
// spans lines and lists "1 error occurred") as a plain joined error.
func unwrapMulti(err error) error {
	var multi interface{ WrappedErrors() []error }
	if !errors.As(err, &multi) {
		return err
	}
	errs := multi.WrappedErrors()
	for i, e := range errs {
		errs[i] = unwrapMulti(e)
	}
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}

// awaitOutputs resolves the stack outputs.
func awaitOutputs(ctx context.Context, outs map[string]pulumi.Output) (map[string]Output, error) {
	result := make(map[string]Output, len(outs))
	for name, out := range outs {
		if out == nil {
			result[name] = Output{Value: resource.NewNullProperty(), Known: true}
			continue
		}
		r, err := internals.UnsafeAwaitOutput(ctx, out)
		if err != nil {
			return nil, fmt.Errorf("stack output %q: %w", name, err)
		}
		value := resource.NewNullProperty()
		if r.Known {
			value = toPropertyValue(ctx, r.Value)
		}
		result[name] = Output{Value: value, Secret: r.Secret || value.ContainsSecrets(), Known: r.Known}
	}
	return result, nil
}

// toPropertyValue converts a resolved output value. Resources become
// references to their URN; a value the SDK's converter refuses (a func, a
// channel) becomes a description of its type rather than a crash.
func toPropertyValue(ctx context.Context, v any) (pv resource.PropertyValue) {
	defer func() {
		if r := recover(); r != nil {
			pv = resource.NewProperty(fmt.Sprintf("<unsupported value of type %T>", v))
		}
	}()
	return resource.NewPropertyValueRepl(v, nil, func(x any) (resource.PropertyValue, bool) {
		res, ok := x.(pulumi.Resource)
		if !ok {
			return resource.PropertyValue{}, false
		}
		r, err := internals.UnsafeAwaitOutput(ctx, res.URN())
		urn, isString := r.Value.(pulumi.URN)
		if err != nil || !isString {
			return resource.MakeComputed(resource.NewProperty("")), true
		}
		return resource.MakeComponentResourceReference(resource.URN(urn), ""), true
	})
}
