package offline_test

import (
	"context"
	"testing"

	"github.com/misybot/platform/infra/offline"
	"github.com/misybot/platform/infra/offline/offlinetest"
)

func TestFleetSize(t *testing.T) {
	plan, err := offline.Run(context.Background(), offline.Options{Project: "p", Stack: "bench", Program: offlinetest.Fleet(5)})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Resources) != 50 {
		t.Fatalf("Fleet(5) has %d resources, want 50", len(plan.Resources))
	}
}

// BenchmarkRunProgram previews a program of 50 resources.
func BenchmarkRunProgram(b *testing.B) {
	opts := offline.Options{Project: "p", Stack: "bench", Program: offlinetest.Fleet(5)}
	b.ReportAllocs()
	for b.Loop() {
		plan, err := offline.Run(context.Background(), opts)
		if err != nil {
			b.Fatal(err)
		}
		if len(plan.Resources) != 50 {
			b.Fatalf("got %d resources", len(plan.Resources))
		}
	}
}
