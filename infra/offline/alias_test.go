package offline_test

import (
	"context"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/infra/offline"
	"github.com/misybot/platform/infra/offline/offlinetest"
)

// queueProgram registers a component with one Service Bus queue below it,
// named name, answering to aliases.
func queueProgram(name string, aliases ...pulumi.Alias) offline.Program {
	return func(ctx *pulumi.Context) (map[string]pulumi.Output, error) {
		var c pulumi.ResourceState
		if err := ctx.RegisterComponentResource("misybot:test:Bus", "bus", &c); err != nil {
			return nil, err
		}
		var q pulumi.CustomResourceState
		err := ctx.RegisterResource("azure-native:servicebus:Queue", name, pulumi.Map{
			"resourceGroupName": pulumi.String("rg"),
			"namespaceName":     pulumi.String("sbns"),
			"queueName":         pulumi.String("inbound"),
		}, &q, pulumi.Parent(&c), pulumi.Aliases(aliases))
		return nil, err
	}
}

// An alias carries a renamed resource over from the prior state as Pulumi
// does: the same resource, not a create and a delete.
// https://www.pulumi.com/docs/iac/concepts/options/aliases/
func TestAliasesMatchThePriorResource(t *testing.T) {
	first, err := run(t, queueProgram("bus-queue-0"))
	require.NoError(t, err)
	data, err := first.SaveState()
	require.NoError(t, err)
	prior, err := offline.ParseState(data)
	require.NoError(t, err)
	oldQueue := offlinetest.One(t, first, "azure-native:servicebus:Queue")

	tests := []struct {
		name    string
		aliases []pulumi.Alias
		want    map[offline.Op]int
	}{
		{"renamed without alias", nil, map[offline.Op]int{offline.OpSame: 1, offline.OpCreate: 1, offline.OpDelete: 1}},
		{"renamed with an alias by name", []pulumi.Alias{{Name: pulumi.String("bus-queue-0")}},
			map[offline.Op]int{offline.OpSame: 2}},
		{"renamed with an alias by URN", []pulumi.Alias{{URN: pulumi.URN(oldQueue.URN)}},
			map[offline.Op]int{offline.OpSame: 2}},
		{"alias naming another resource", []pulumi.Alias{{Name: pulumi.String("bus-queue-9")}},
			map[offline.Op]int{offline.OpSame: 1, offline.OpCreate: 1, offline.OpDelete: 1}},
		{"alias without the parent", []pulumi.Alias{{Name: pulumi.String("bus-queue-0"), NoParent: pulumi.Bool(true)}},
			map[offline.Op]int{offline.OpSame: 1, offline.OpCreate: 1, offline.OpDelete: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := offline.Options{Project: "proj", Stack: "test", Program: queueProgram("bus-queue-inbound", tt.aliases...), Prior: prior}
			plan, err := offline.Run(context.Background(), opts)
			require.NoError(t, err)
			ops := map[offline.Op]int{}
			for _, c := range plan.Changes {
				ops[c.Op]++
			}
			assert.Equal(t, tt.want, ops)
			q := offlinetest.One(t, plan, "azure-native:servicebus:Queue")
			if tt.want[offline.OpCreate] == 0 {
				assert.Equal(t, oldQueue.ID, q.ID, "the aliased resource keeps its ID")
			}
		})
	}
}
