package azurenative_test

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/components/azurenative"
	"github.com/misybot/platform/infra/offline"
)

func TestUserAssignedIdentity(t *testing.T) {
	p, err := offline.Run(t.Context(), offline.Options{Project: "test", Stack: "dev", Program: func(ctx *pulumi.Context) (map[string]pulumi.Output, error) {
		id, err := azurenative.NewUserAssignedIdentity(ctx, "id", azurenative.UserAssignedIdentityArgs{
			ResourceName:      "id-misybot-dev",
			ResourceGroupName: pulumi.String("rg-dev"),
			Location:          "westeurope",
			Tags:              map[string]string{"environment": "dev"},
		})
		if err != nil {
			return nil, err
		}
		return map[string]pulumi.Output{
			"id": id.ID(), "name": id.Name, "principalId": id.PrincipalID, "clientId": id.ClientID, "tenantId": id.TenantID,
		}, nil
	}})
	require.NoError(t, err)
	ids := p.Find(azurenative.UserAssignedIdentityType)
	require.Len(t, ids, 1)
	r := ids[0]
	for path, want := range map[string]any{
		"resourceName": "id-misybot-dev", "resourceGroupName": "rg-dev", "location": "westeurope", "tags.environment": "dev",
	} {
		v, ok := r.Input(path)
		require.True(t, ok, path)
		assert.Equal(t, want, v, path)
	}
	assert.Regexp(t, `/resourceGroups/rg-dev/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-misybot-dev$`, p.Outputs["id"].Value.StringValue())
	assert.Equal(t, "id-misybot-dev", p.Outputs["name"].Value.StringValue())
	for _, k := range []string{"principalId", "clientId", "tenantId"} {
		assert.Regexp(t, `^[0-9a-f-]{36}$`, p.Outputs[k].Value.StringValue(), k)
	}
	assert.NotEqual(t, p.Outputs["principalId"].Value, p.Outputs["clientId"].Value)
}
