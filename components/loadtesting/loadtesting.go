// Package loadtesting is the MisyBot load testing component: an Azure Load
// Testing resource that runs the repository's test plan (loadtest/plan.yaml)
// with many engines, for load beyond what one machine running
// `misyinfra loadtest` can generate.
package loadtesting

import (
	"errors"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/misybot/platform/components/azurenative"
	"github.com/misybot/platform/components/crosscut"
)

// Type is the component's Pulumi type token.
const Type = "misybot:loadtesting:LoadTesting"

// RoleLoadTestContributor lets a principal create and run tests
// (Load Test Contributor).
const RoleLoadTestContributor = "749a398d-560b-491b-bb21-08924219302e"

// Args configures the component. Inputs.RoleAssignments typically grants
// RoleLoadTestContributor to the deploy identity that runs the tests.
type Args struct {
	crosscut.Inputs

	// Name of the Load Testing resource. Required.
	Name string
}

// LoadTesting is the component's state and outputs.
type LoadTesting struct {
	pulumi.ResourceState

	ID           pulumi.StringOutput
	Name         pulumi.StringOutput
	DataPlaneURI pulumi.StringOutput
}

func (a *Args) validate() error {
	errs := []error{a.Inputs.Validate()}
	if a.Name == "" {
		errs = append(errs, errors.New("args.Name is required"))
	}
	if a.PrivateEndpoint != nil {
		errs = append(errs, errors.New("args.PrivateEndpoint: Azure Load Testing has no private endpoint"))
	}
	return errors.Join(errs...)
}

// New creates the load testing component.
func New(ctx *pulumi.Context, name string, args Args, opts ...pulumi.ResourceOption) (*LoadTesting, error) {
	if err := args.validate(); err != nil {
		return nil, fmt.Errorf("loadtesting %q: %w", name, err)
	}
	c := &LoadTesting{}
	if err := ctx.RegisterComponentResource(Type, name, c, opts...); err != nil {
		return nil, fmt.Errorf("loadtesting %q: %w", name, err)
	}
	lt, err := azurenative.NewLoadTest(ctx, name+"-loadtest", azurenative.LoadTestArgs{
		LoadTestName:      args.Name,
		ResourceGroupName: args.ResourceGroupName,
		Location:          args.Location,
		Description:       "MisyBot load tests (loadtest/plan.yaml), run from the deploy workflow",
		Tags:              args.Tags,
	}, pulumi.Parent(c))
	if err != nil {
		return nil, fmt.Errorf("loadtesting %q: %w", name, err)
	}
	id := lt.ID().ToStringOutput()
	if err := args.Attach(ctx, name, id, pulumi.Parent(c)); err != nil {
		return nil, fmt.Errorf("loadtesting %q: %w", name, err)
	}
	c.ID, c.Name, c.DataPlaneURI = id, lt.Name, lt.DataPlaneURI
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"id": c.ID, "name": c.Name, "dataPlaneUri": c.DataPlaneURI,
	}); err != nil {
		return nil, fmt.Errorf("loadtesting %q: %w", name, err)
	}
	return c, nil
}
