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
// 1,000 resources from its saved state, with the Azure model.
func BenchmarkPlanFrom1000ResourceState(b *testing.B) {
	opts := offline.Options{Project: "p", Stack: "bench", Program: offlinetest.Fleet(100), Model: azuremodel.New(azuremodel.Options{})}
	first, err := offline.Run(context.Background(), opts)
	require.NoError(b, err)
	require.Len(b, first.Resources, 1000)
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
		if len(plan.Changes) != 1000 || plan.Changes[0].Op != offline.OpSame {
			b.Fatalf("got %d changes, first %s", len(plan.Changes), plan.Changes[0].Op)
		}
	}
}
