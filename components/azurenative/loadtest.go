package azurenative

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// LoadTestType is the type token of an Azure Load Testing resource, as in
// the azure-native schema.
const LoadTestType = "azure-native:loadtestservice:LoadTest"

// LoadTest is an azure-native:loadtestservice:LoadTest.
type LoadTest struct {
	pulumi.CustomResourceState

	Name pulumi.StringOutput `pulumi:"name"`
	// DataPlaneURI is where tests are created and run (az load, the
	// azure/load-testing action).
	DataPlaneURI pulumi.StringOutput `pulumi:"dataPlaneURI"`
}

// LoadTestArgs are the inputs the program sets.
type LoadTestArgs struct {
	LoadTestName      string
	ResourceGroupName pulumi.StringInput
	Location          string
	Description       string
	Tags              map[string]string
}

func (a LoadTestArgs) props() pulumi.Map {
	m := pulumi.Map{
		"loadTestName":      pulumi.String(a.LoadTestName),
		"resourceGroupName": a.ResourceGroupName,
		"location":          pulumi.String(a.Location),
		"tags":              pulumi.ToStringMap(a.Tags),
	}
	optional(m, "description", a.Description, str)
	return m
}

// NewLoadTest registers an Azure Load Testing resource.
func NewLoadTest(ctx *pulumi.Context, name string, a LoadTestArgs, opts ...pulumi.ResourceOption) (*LoadTest, error) {
	var res LoadTest
	if err := register(ctx, LoadTestType, name, a.props(), &res, opts); err != nil {
		return nil, err
	}
	return &res, nil
}
