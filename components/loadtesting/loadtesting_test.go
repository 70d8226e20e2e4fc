package loadtesting_test

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/components/crosscut"
	"github.com/misybot/platform/components/loadtesting"
	"github.com/misybot/platform/infra/offline"
)

func TestLoadTestingResourceAndRunnerRole(t *testing.T) {
	p, err := offline.RunProgram(func(ctx *pulumi.Context) error {
		_, err := loadtesting.New(ctx, "loadtesting", loadtesting.Args{
			Inputs: crosscut.Inputs{
				ResourceGroupName: pulumi.String("rg-misybot-staging-weu"),
				Location:          "westeurope",
				Tags:              map[string]string{"environment": "staging"},
				RoleAssignments: map[string]crosscut.RoleAssignment{"runner": {
					PrincipalID: pulumi.String("33333333-3333-3333-3333-333333333333"), PrincipalType: "ServicePrincipal",
					RoleDefinitionID: loadtesting.RoleLoadTestContributor,
				}},
			},
			Name: "lt-misybot-staging-weu",
		})
		return err
	})
	require.NoError(t, err)
	lts := p.Find("azure-native:loadtestservice:LoadTest")
	require.Len(t, lts, 1)
	assert.Contains(t, lts[0].ID, "/providers/Microsoft.LoadTestService/loadTests/lt-misybot-staging-weu")
	tags, _ := lts[0].Input("tags")
	assert.Equal(t, "staging", tags.(map[string]any)["environment"])
	ras := p.Find("azure-native:authorization:RoleAssignment")
	require.Len(t, ras, 1)
	scope, _ := ras[0].Input("scope")
	assert.Equal(t, lts[0].ID, scope, "the runner's role is scoped to the load testing resource only")
	assert.True(t, p.IsDescendant(lts[0].URN, p.Find(loadtesting.Type)[0].URN))
}

func TestLoadTestingRejectsPrivateEndpoint(t *testing.T) {
	_, err := offline.RunProgram(func(ctx *pulumi.Context) error {
		_, err := loadtesting.New(ctx, "loadtesting", loadtesting.Args{
			Inputs: crosscut.Inputs{
				ResourceGroupName: pulumi.String("rg"), Location: "westeurope",
				PrivateEndpoint: &crosscut.PrivateEndpoint{SubnetID: pulumi.String("s"), DNSZoneID: pulumi.String("z")},
			},
			Name: "lt",
		})
		return err
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no private endpoint")
}
