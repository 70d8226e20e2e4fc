package stacks_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/infra/bootstrapstate"
	"github.com/misybot/platform/infra/lifecycle"
	"github.com/misybot/platform/infra/offline"
	"github.com/misybot/platform/stacks"
)

// twoOfEveryList gives every list of the stack's configuration that
// becomes resources, or elements of a resource, at least two entries, so
// that reversing them changes their order.
func twoOfEveryList(stack string) func(c *lifecycle.Config) error {
	return func(c *lifecycle.Config) error {
		third := map[string]string{"dev": "10.20", "staging": "10.21", "prod": "10.22"}[stack]
		network, err := c.Object("network")
		if err != nil {
			return err
		}
		network["ingressSources"] = []any{"VirtualNetwork", "10.30.0.0/16"}
		network["extraRules"] = []any{
			map[string]any{"name": "AllowPartnerHttps", "subnet": "apps", "priority": 200, "direction": "Inbound", "access": "Allow",
				"protocol": "Tcp", "sourceAddressPrefix": "10.40.0.0/16", "destinationPortRange": "443"},
			map[string]any{"name": "DenyLegacyPartner", "subnet": "apps", "priority": 210, "direction": "Inbound", "access": "Deny",
				"protocol": "Tcp", "sourceAddressPrefix": "10.41.0.0/16", "destinationPortRange": "8080"},
			map[string]any{"name": "AllowMonitoringProbe", "subnet": "endpoints", "priority": 300, "direction": "Inbound", "access": "Allow",
				"protocol": "Tcp", "sourceAddressPrefix": third + ".0.0/24", "destinationPortRange": "443"},
		}
		if err := c.SetObject("network", network, false); err != nil {
			return err
		}
		obs, err := c.Object("observability")
		if err != nil {
			return err
		}
		obs["alertReceivers"] = map[string]any{
			"emails": []any{
				map[string]any{"name": "platform-oncall", "address": "platform-oncall@misybot.example"},
				map[string]any{"name": "bot-team", "address": "bot-team@misybot.example"},
			},
			"webhooks": []any{
				map[string]any{"name": "chatops", "uri": "https://hooks.misybot.example/alerts"},
				map[string]any{"name": "pager", "uri": "https://pager.misybot.example/alerts"},
			},
		}
		if err := c.SetObject("observability", obs, false); err != nil {
			return err
		}
		secrets, err := c.Object("keyVaultSecrets")
		if err != nil {
			return err
		}
		secrets["api-key"] = "offline-placeholder-api-key"
		if err := c.SetObject("keyVaultSecrets", secrets, true); err != nil {
			return err
		}
		if stack == "dev" {
			kv, err := c.Object("keyVault")
			if err != nil {
				return err
			}
			kv["allowedIps"] = []any{"203.0.113.0/24", "198.51.100.7"}
			if err := c.SetObject("keyVault", kv, false); err != nil {
				return err
			}
		}
		return c.EditApp(func(app map[string]any) {
			app["allowedIpRanges"] = []any{"10.30.0.0/16", "10.31.0.0/16"}
			app["secrets"] = []any{
				map[string]any{"name": "bot-token", "envVar": "BOT_TOKEN"},
				map[string]any{"name": "api-key", "envVar": "API_KEY"},
			}
		})
	}
}

// reverseLists reverses every list, at any depth, of every object-valued
// key of the project: what a user reordering a stack file would do.
func reverseLists(c *lifecycle.Config) error {
	var reverse func(v any) any
	reverse = func(v any) any {
		switch v := v.(type) {
		case []any:
			out := make([]any, len(v))
			for i, e := range v {
				out[len(v)-1-i] = reverse(e)
			}
			return out
		case map[string]any:
			for k, e := range v {
				v[k] = reverse(e)
			}
		}
		return v
	}
	for key, raw := range c.Values {
		name, ok := strings.CutPrefix(key, stacks.Project+":")
		if !ok || !strings.HasPrefix(raw, "{") {
			continue
		}
		obj, err := c.Object(name)
		if err != nil {
			return err
		}
		reverse(obj)
		if err := c.SetObject(name, obj, slices.Contains(c.SecretKeys, key)); err != nil {
			return err
		}
	}
	return nil
}

// Every collection that becomes resources is keyed by a caller-chosen
// name, not by position: reordering every list of a stack file (queues,
// topics, subscriptions, NSG rules, ingress sources, IP ranges, receivers,
// secrets) changes nothing in a deployed stack. Each step is an offline
// update from the previous step's saved state, judged by the Azure model.
func TestReorderedListsChangeNothing(t *testing.T) {
	for _, stack := range []string{"dev", "staging", "prod"} {
		t.Run(stack, func(t *testing.T) {
			r := newRunner(t, stack)
			results, err := r.Run(context.Background(), []lifecycle.Step{
				{Name: "deploy with two of every list", Change: twoOfEveryList(stack)},
				// prod's canary is deferred on a first deploy (the stable
				// revision must exist first): this update deploys it, and
				// the stack is settled.
				{Name: "the same again"},
				{Name: "every list reversed", Change: reverseLists},
			})
			require.NoError(t, err)
			requireDeployed(t, results, 3)

			first, reordered := results[0].Plan, results[2].Plan
			for _, typ := range []string{"azure-native:servicebus:Queue", "azure-native:servicebus:Subscription"} {
				require.GreaterOrEqual(t, len(first.Find(typ)), 2, "the stack has several %s to reorder", typ)
			}
			assert.Len(t, reordered.Resources, len(first.Resources))
			for _, c := range reordered.Changes {
				assert.Contains(t, []offline.Op{offline.OpSame, offline.OpRead}, c.Op, "%s: %s %v", c.URN, c.Op, c.Keys)
			}
		})
	}
}

// The check above sees changes when there are some: removing one queue
// from the same configuration deletes that queue and nothing else.
func TestReorderCheckSeesAChangedList(t *testing.T) {
	r := newRunner(t, "dev")
	results, err := r.Run(context.Background(), []lifecycle.Step{
		{Name: "deploy with two of every list", Change: twoOfEveryList("dev")},
		{Name: "one queue fewer", Change: func(c *lifecycle.Config) error {
			sb, err := c.Object("serviceBus")
			if err != nil {
				return err
			}
			queues := sb["queues"].([]any)
			sb["queues"] = queues[:len(queues)-1]
			return c.SetObject("serviceBus", sb, false)
		}},
	})
	require.NoError(t, err)
	requireDeployed(t, results, 2)
	ops := map[offline.Op]int{}
	for _, c := range results[1].Plan.Changes {
		ops[c.Op]++
	}
	assert.Equal(t, 1, ops[offline.OpDelete], "one queue deleted: %v", ops)
	assert.Zero(t, ops[offline.OpCreate]+ops[offline.OpReplace], "nothing else created or replaced: %v", ops)
}

// requireDeployed fails unless all n steps ran and each would deploy.
func requireDeployed(t *testing.T, results []lifecycle.Result, n int) {
	t.Helper()
	for _, res := range results {
		require.NoError(t, res.Err, res.Step)
		for _, p := range res.Plan.Problems {
			t.Errorf("%s: %s", res.Step, p)
		}
	}
	require.Len(t, results, n, "every step deploys")
}

// bootstrapOnce is the bootstrap project's offline plan, made once: what
// the stacks read through their StackReference and find existing.
var bootstrapOnce = sync.OnceValues(func() (*offline.State, error) {
	return bootstrapstate.Plan(context.Background(), filepath.Join("..", bootstrapstate.Dir))
})

// newRunner runs updates of a committed stack offline, with what the
// bootstrap made before its first deploy existing.
func newRunner(t *testing.T, stack string) *lifecycle.Runner {
	t.Helper()
	boot, err := bootstrapOnce()
	require.NoError(t, err)
	r, err := lifecycle.NewRunner(filepath.Join(".."), stack, stacks.Build, lifecycle.Secrets)
	require.NoError(t, err)
	r.Bootstrap = boot
	return r
}
