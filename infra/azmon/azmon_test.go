package azmon_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/infra/azmon"
	"github.com/misybot/platform/infra/simulation"
)

// TestQueriesThroughTheSDK reaches the simulated Azure Monitor through the
// real azmetrics and azlogs clients.
func TestQueriesThroughTheSDK(t *testing.T) {
	stable := simulation.NewBackend("misybot--r1", 0, 0)
	canary := simulation.NewBackend("misybot--r2", 4, 0)
	router := simulation.NewRouter(stable, canary)
	monitor := simulation.NewMonitor(router)
	defer func() { monitor.Close(); router.Close(); stable.Close(); canary.Close() }()
	require.NoError(t, router.SetWeight(50))
	router.SetRestarts("misybot--r2", 3)
	start := time.Now()
	for i := 0; i < 40; i++ {
		resp, err := http.Get(router.URL())
		require.NoError(t, err)
		resp.Body.Close()
	}
	// The router records a request after answering it; the metrics API
	// takes times to the millisecond.
	time.Sleep(10 * time.Millisecond)
	end := time.Now()

	c, err := monitor.Client()
	require.NoError(t, err)
	ctx := context.Background()
	reqs, err := c.Requests(ctx, start, end)
	require.NoError(t, err)
	assert.Equal(t, 20.0, reqs["misybot--r1"].Total)
	assert.Equal(t, 0.0, reqs["misybot--r1"].ServerErrors())
	assert.Equal(t, 20.0, reqs["misybot--r2"].Total)
	assert.Equal(t, 5.0, reqs["misybot--r2"].ServerErrors(), "one request in 4 fails")

	restarts, err := c.Restarts(ctx, start, end)
	require.NoError(t, err)
	assert.Equal(t, map[string]float64{"misybot--r1": 0, "misybot--r2": 3}, restarts)

	lat, err := c.Latencies(ctx, start, end, "misybot--r1", "misybot--r2")
	require.NoError(t, err)
	assert.Equal(t, int64(20), lat["misybot--r2"].Count)
	assert.Greater(t, lat["misybot--r2"].P99, time.Duration(0))

	empty, err := c.Requests(ctx, end.Add(time.Hour), end.Add(2*time.Hour))
	require.NoError(t, err)
	assert.Empty(t, empty)
}

func TestErrors(t *testing.T) {
	router := simulation.NewRouter(simulation.NewBackend("a--1", 0, 0), simulation.NewBackend("a--2", 0, 0))
	monitor := simulation.NewMonitor(router)
	defer func() { monitor.Close(); router.Close() }()
	tests := []struct {
		name   string
		config func(*azmon.Config)
		token  string
		want   string
	}{
		{"wrong token", func(*azmon.Config) {}, "stolen", "InvalidAuthenticationToken"},
		{"unsupported query", func(c *azmon.Config) { c.LatencyKQL = "AppRequests | take 10" }, simulation.Token, "BadArgumentError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := monitor.Config()
			tt.config(&cfg)
			c, err := azmon.New(cfg, azmon.StaticCredential{Token: tt.token})
			require.NoError(t, err)
			_, err1 := c.Requests(context.Background(), time.Now().Add(-time.Minute), time.Now())
			_, err2 := c.Latencies(context.Background(), time.Now().Add(-time.Minute), time.Now(), "a--1", "a--2")
			var respErr *azcore.ResponseError
			if tt.token != simulation.Token {
				require.ErrorAs(t, err1, &respErr)
			} else {
				require.NoError(t, err1)
				require.ErrorAs(t, err2, &respErr)
			}
			assert.Equal(t, tt.want, respErr.ErrorCode)
		})
	}
	_, err := azmon.New(azmon.Config{ResourceID: "not-an-id", WorkspaceID: "w"}, azmon.StaticCredential{})
	assert.ErrorContains(t, err, "container app resource ID")
}

// Requests are attributed to the exact revision names, also when the
// revision suffix holds "-" (v1-5-0) and one name is a prefix of another;
// the replica name is <revision>-<replica set hash>-<pod hash>.
func TestLatencyQueryAttributesByExactNames(t *testing.T) {
	q, err := azmon.LatencyQuery(azmon.DefaultLatencyKQL, []string{"app--v1-5", "app--v1-5-0"})
	require.NoError(t, err)
	assert.Contains(t, q, `extract(@"^(app--v1-5|app--v1-5-0)-[^-]+-[^-]+$", 1, AppRoleInstance)`)
	_, err = azmon.LatencyQuery(azmon.DefaultLatencyKQL, nil)
	assert.Error(t, err)

	stable := simulation.NewBackend("misybot--v1-4-2", 0, 0)
	canary := simulation.NewBackend("misybot--v1-5-0", 0, 20*time.Millisecond)
	router := simulation.NewRouter(stable, canary)
	monitor := simulation.NewMonitor(router)
	defer func() { monitor.Close(); router.Close(); stable.Close(); canary.Close() }()
	require.NoError(t, router.SetWeight(50))
	start := time.Now()
	for i := 0; i < 20; i++ {
		resp, err := http.Get(router.URL())
		require.NoError(t, err)
		resp.Body.Close()
	}
	time.Sleep(10 * time.Millisecond)
	c, err := monitor.Client()
	require.NoError(t, err)
	lat, err := c.Latencies(context.Background(), start, time.Now(), stable.Revision, canary.Revision)
	require.NoError(t, err)
	assert.Equal(t, int64(10), lat[canary.Revision].Count)
	assert.Equal(t, int64(10), lat[stable.Revision].Count)
	assert.GreaterOrEqual(t, lat[canary.Revision].P95, 20*time.Millisecond)
	assert.NotContains(t, lat, "", "no request is left without a revision")
}
