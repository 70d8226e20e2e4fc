package bootstrapstate_test

import (
	"context"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/components/crosscut"
	"github.com/misybot/platform/infra/bootstrapstate"
	"github.com/misybot/platform/infra/offline"
)

// TestGrantsFromThePlannedBootstrap: each environment stack's app
// identity gets AcrPull on the registry, both read from the bootstrap's
// stacks output.
func TestGrantsFromThePlannedBootstrap(t *testing.T) {
	planned, err := bootstrapstate.Resolve(context.Background(), repoRoot, "")
	require.NoError(t, err)
	for _, stack := range []string{"dev", "staging", "prod"} {
		t.Run(stack, func(t *testing.T) {
			out := planned.Outputs["stacks"].ObjectValue()[resource.PropertyKey(stack)].ObjectValue()
			grants, err := bootstrapstate.Grants(stack, planned)
			require.NoError(t, err)
			require.Len(t, grants, 1)
			assert.Equal(t, out["appIdentityId"].StringValue(), grants[0].IdentityID)
			assert.Equal(t, crosscut.RoleAcrPull, grants[0].Role)
			assert.Equal(t, out["registryId"].StringValue(), grants[0].Scope)
			assert.Empty(t, grants[0].PrincipalID, "the principal is found through the identity the stack reads")
		})
	}
}

func TestGrantsFromABrokenBootstrapState(t *testing.T) {
	state := func(outputs resource.PropertyMap) *offline.State {
		return &offline.State{Project: "misybot-bootstrap", Stack: "platform", Outputs: outputs}
	}
	for _, tc := range []struct {
		name  string
		state *offline.State
		stack string
		want  string
	}{
		{"no outputs at all", state(nil), "dev", `bootstrap stack misybot-bootstrap/platform: output "stacks" is missing or not an object`},
		{"stacks is not an object", state(resource.PropertyMap{"stacks": resource.NewProperty("dev")}), "dev", `output "stacks" is missing or not an object`},
		{"a stack the bootstrap does not list", state(resource.PropertyMap{"stacks": resource.NewProperty(resource.PropertyMap{})}), "qa",
			"output stacks.qa is missing: list the stack under stacks in bootstrap/Pulumi.platform.yaml"},
		{"an entry without the identity or the registry", state(resource.PropertyMap{"stacks": resource.NewProperty(resource.PropertyMap{
			"dev": resource.NewProperty(resource.PropertyMap{"appIdentityId": resource.NewProperty("")}),
		})}), "dev", "outputs missing or not a non-empty string: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			grants, err := bootstrapstate.Grants(tc.stack, tc.state)
			assert.ErrorContains(t, err, tc.want)
			assert.Nil(t, grants)
		})
	}
}
