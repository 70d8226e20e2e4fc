package azuremodel_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/infra/azuremodel"
	"github.com/misybot/platform/infra/offline"
	"github.com/misybot/platform/infra/offline/offlinetest"
)

// BenchmarkPlanFrom1000ResourceState previews an update of a program of
// 1,004 resources from its saved state, with the Azure model.
func BenchmarkPlanFrom1000ResourceState(b *testing.B) {
	opts := offline.Options{Project: "p", Stack: "bench", Program: offlinetest.Fleet(111), Model: azuremodel.New(azuremodel.Options{})}
	first, err := offline.Run(context.Background(), opts)
	require.NoError(b, err)
	n := len(first.Resources)
	require.GreaterOrEqual(b, n, 1000)
	data, err := first.SaveState()
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		prior, err := offline.ParseState(data)
		if err != nil {
			b.Fatal(err)
		}
		opts.Prior = prior
		plan, err := offline.Run(context.Background(), opts)
		if err != nil {
			b.Fatal(err)
		}
		if len(plan.Changes) != n || plan.Changes[0].Op != offline.OpSame {
			b.Fatalf("got %d changes, first %s", len(plan.Changes), plan.Changes[0].Op)
		}
	}
}
