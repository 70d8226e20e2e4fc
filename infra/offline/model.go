package offline

import "github.com/pulumi/pulumi/sdk/v3/go/common/resource"

// Model is a model of what Azure accepts and computes, consulted by the
// engine (package azuremodel is the platform's). Without one the engine
// copies inputs into state and accepts everything.
type Model interface {
	// ForceNew returns the inputs of a type token, beyond those of its ARM
	// path and location, whose change replaces the resource.
	ForceNew(token string) []string
	// Start begins one run from the prior state (nil for an empty stack).
	Start(prior *State, env Env) ModelRun
}

// Env is what a run knows about the Azure it previews.
type Env struct {
	Subscription string
	Tenant       string
}

// ModelRun is the model during one run. The engine calls Computed and
// Call from the program's goroutines, one at a time per resource but
// concurrently across resources: an implementation must lock.
type ModelRun interface {
	// Computed adjusts the state of a custom resource the run creates or
	// keeps (op create, update, replace or same); prior is the resource in
	// the prior state, nil when it is new.
	Computed(r *Resource, op Op, prior *StateResource) error
	// Call answers a provider function; handled is false for functions the
	// model does not know.
	Call(token string, args resource.PropertyMap) (result resource.PropertyMap, handled bool, err error)
	// Check judges the finished plan (its Changes are set) and returns what
	// Azure would refuse. It may set the plan's Annotations.
	Check(p *Plan) []Problem
}
