package network_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/components/crosscut"
	"github.com/misybot/platform/components/network"
	"github.com/misybot/platform/infra/offline"
	"github.com/misybot/platform/infra/offline/offlinetest"
)

func baseArgs() network.Args {
	return network.Args{
		Inputs: crosscut.Inputs{
			ResourceGroupName: pulumi.String("rg-test"),
			Location:          "westeurope",
			Tags:              map[string]string{"environment": "dev"},
			Diagnostics:       &crosscut.Diagnostics{WorkspaceID: pulumi.String("/subscriptions/s/resourceGroups/rg-test/providers/Microsoft.OperationalInsights/workspaces/log")},
		},
		Name:         "vnet-test",
		AddressSpace: "10.20.0.0/16",
		Apps:         network.SubnetArgs{Name: "snet-apps", Prefix: "10.20.0.0/23", SecurityGroupName: "nsg-apps"},
		Endpoints:    network.SubnetArgs{Name: "snet-endpoints", Prefix: "10.20.2.0/24", SecurityGroupName: "nsg-endpoints"},
	}
}

func plan(t *testing.T, args network.Args) *offline.Plan {
	t.Helper()
	p, err := offline.RunProgram(func(ctx *pulumi.Context) error {
		_, err := network.New(ctx, "network", args)
		return err
	})
	require.NoError(t, err)
	return p
}

func rules(t *testing.T, nsg offline.Resource) []map[string]any {
	t.Helper()
	raw, ok := nsg.Input("securityRules")
	require.True(t, ok, "NSG %s has no securityRules", nsg.Name)
	var out []map[string]any
	for _, r := range raw.([]any) {
		out = append(out, r.(map[string]any))
	}
	return out
}

func TestEveryNSGEndsWithExplicitDenyAll(t *testing.T) {
	p := plan(t, baseArgs())
	nsgs := p.Find("azure-native:network:NetworkSecurityGroup")
	require.Len(t, nsgs, 2)
	for _, nsg := range nsgs {
		var deny map[string]any
		maxPriority := 0.0
		for _, r := range rules(t, nsg) {
			if r["direction"] == "Inbound" && r["priority"].(float64) > maxPriority {
				maxPriority = r["priority"].(float64)
			}
			if r["name"] == network.DenyAllRuleName {
				deny = r
			}
		}
		require.NotNil(t, deny, nsg.Name)
		assert.Equal(t, float64(network.PriorityDenyAll), deny["priority"])
		assert.Equal(t, 4096.0, maxPriority, "deny-all must be the last inbound rule evaluated")
		assert.Equal(t, "Deny", deny["access"])
		assert.Equal(t, "Inbound", deny["direction"])
		assert.Equal(t, "*", deny["protocol"])
		assert.Equal(t, "*", deny["sourceAddressPrefix"])
		assert.Equal(t, "*", deny["destinationPortRange"])
	}
}

func TestNoInboundAllowFromAnywhere(t *testing.T) {
	p := plan(t, baseArgs())
	for _, nsg := range p.Find("azure-native:network:NetworkSecurityGroup") {
		for _, r := range rules(t, nsg) {
			if r["access"] != "Allow" || r["direction"] != "Inbound" {
				continue
			}
			sources := []any{r["sourceAddressPrefix"]}
			if many, ok := r["sourceAddressPrefixes"].([]any); ok {
				sources = many
			}
			for _, s := range sources {
				assert.NotContains(t, []any{"*", "Internet", "0.0.0.0/0", "Any"}, s, "%s/%s", nsg.Name, r["name"])
			}
		}
	}
}

func TestSubnetsDelegationAndSecurityGroups(t *testing.T) {
	p := plan(t, baseArgs())
	vnets := p.Find("azure-native:network:VirtualNetwork")
	require.Len(t, vnets, 1)
	subnets, _ := vnets[0].Input("subnets")
	require.Len(t, subnets, 2)
	apps := subnets.([]any)[0].(map[string]any)
	endpoints := subnets.([]any)[1].(map[string]any)

	assert.Equal(t, "10.20.0.0/23", apps["addressPrefix"])
	assert.Equal(t, network.AppsDelegation, apps["delegations"].([]any)[0].(map[string]any)["serviceName"])
	assert.Equal(t, "Enabled", endpoints["privateEndpointNetworkPolicies"], "NSG rules must apply to private endpoints")
	for _, s := range []map[string]any{apps, endpoints} {
		nsgID, _ := s["networkSecurityGroup"].(map[string]any)["id"].(string)
		assert.Contains(t, nsgID, "/providers/Microsoft.Network/networkSecurityGroups/nsg-", "subnet %s has no NSG", s["name"])
	}
}

func TestExtraRulesAreAddedToTheirSubnet(t *testing.T) {
	args := baseArgs()
	args.Endpoints.ExtraRules = []network.Rule{{
		Name: "AllowBastion", Priority: 200, Direction: "Inbound", Access: "Allow", Protocol: "Tcp",
		SourceAddressPrefixes: []string{"10.50.0.0/26"}, DestinationPortRange: "443",
	}}
	p := plan(t, args)
	var found bool
	for _, nsg := range p.Find("azure-native:network:NetworkSecurityGroup") {
		for _, r := range rules(t, nsg) {
			if r["name"] == "AllowBastion" {
				found = true
				name, _ := nsg.Input("networkSecurityGroupName")
				assert.Equal(t, "nsg-endpoints", name)
				assert.Equal(t, "10.50.0.0/26", r["sourceAddressPrefix"])
				assert.Equal(t, 200.0, r["priority"])
			}
		}
	}
	assert.True(t, found)
}

func TestPrivateDNSZonesLinkedForResolutionOnly(t *testing.T) {
	p := plan(t, baseArgs())
	zones := p.Find("azure-native:network:PrivateZone")
	require.Len(t, zones, 2)
	var names []any
	for _, z := range zones {
		n, _ := z.Input("privateZoneName")
		names = append(names, n)
		loc, _ := z.Input("location")
		assert.Equal(t, "global", loc)
	}
	assert.ElementsMatch(t, []any{network.ZoneKeyVault, network.ZoneServiceBus}, names)
	links := p.Find("azure-native:network:VirtualNetworkLink")
	require.Len(t, links, 2)
	for _, l := range links {
		reg, _ := l.Input("registrationEnabled")
		assert.Equal(t, false, reg)
		vnet, _ := l.Input("virtualNetwork.id")
		assert.Contains(t, vnet, "/virtualNetworks/vnet-test")
	}
}

func TestNSGDiagnosticsHaveLogsButNoMetrics(t *testing.T) {
	p := plan(t, baseArgs())
	var nsgDiags int
	for _, d := range p.Find("azure-native:insights:DiagnosticSetting") {
		uri, _ := d.Input("resourceUri")
		if s, _ := uri.(string); strings.Contains(s, "/networkSecurityGroups/") {
			nsgDiags++
			_, hasMetrics := d.Input("metrics")
			assert.False(t, hasMetrics, "Azure rejects metrics on NSG diagnostic settings")
			cat, _ := d.Input("logs[0].categoryGroup")
			assert.Equal(t, "allLogs", cat)
		}
	}
	assert.Equal(t, 2, nsgDiags)
}

func TestEveryChildIsUnderTheComponent(t *testing.T) {
	p := plan(t, baseArgs())
	comps := p.Find(network.Type)
	require.Len(t, comps, 1)
	for _, r := range p.Resources {
		if r.Type == network.Type || r.Type == "pulumi:pulumi:Stack" {
			continue
		}
		assert.True(t, p.IsDescendant(r.URN, comps[0].URN), "%s is not under the component", r.URN)
	}
}

func TestInvalidArgs(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*network.Args)
		want   string
	}{
		{"apps subnet too small", func(a *network.Args) { a.Apps.Prefix = "10.20.0.0/28" }, "too small"},
		{"subnet outside space", func(a *network.Args) { a.Endpoints.Prefix = "10.99.2.0/24" }, "not inside address space"},
		{"overlapping subnets", func(a *network.Args) { a.Endpoints.Prefix = "10.20.1.0/24" }, "overlaps"},
		{"bad CIDR", func(a *network.Args) { a.AddressSpace = "10.20.0.0/33" }, "AddressSpace"},
		{"reserved priority", func(a *network.Args) {
			a.Apps.ExtraRules = []network.Rule{{Name: "late", Priority: 4050}}
		}, "want 100-4000"},
		{"missing resource group", func(a *network.Args) { a.ResourceGroupName = nil }, "ResourceGroupName"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := baseArgs()
			tc.mutate(&args)
			_, err := offline.RunProgram(func(ctx *pulumi.Context) error {
				_, err := network.New(ctx, "network", args)
				return err
			})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestOneIngressRulePerSource(t *testing.T) {
	args := baseArgs()
	args.IngressSources = []string{"VirtualNetwork", "AzureFrontDoor.Backend", "198.51.100.0/24"}
	p := plan(t, args)
	var sources []any
	priorities := map[float64]bool{}
	for _, nsg := range p.Find("azure-native:network:NetworkSecurityGroup") {
		for _, r := range rules(t, nsg) {
			assert.NotContains(t, r, "sourceAddressPrefixes", "service tags are refused in prefix lists")
			if strings.HasPrefix(r["name"].(string), "AllowHttpsIngress") {
				sources = append(sources, r["sourceAddressPrefix"])
			}
			if name, _ := nsg.Input("networkSecurityGroupName"); name == "nsg-apps" {
				p := r["priority"].(float64)
				assert.False(t, priorities[p], "priority %v used twice", p)
				priorities[p] = true
			}
		}
	}
	// In sorted order: a source is its rule's key, whatever the order given.
	assert.Equal(t, []any{"198.51.100.0/24", "AzureFrontDoor.Backend", "VirtualNetwork"}, sources)
}

// nsgNamed is the NSG whose name is name.
func nsgNamed(t *testing.T, p *offline.Plan, name string) offline.Resource {
	t.Helper()
	for _, nsg := range p.Find("azure-native:network:NetworkSecurityGroup") {
		if n, _ := nsg.Input("networkSecurityGroupName"); n == name {
			return nsg
		}
	}
	t.Fatalf("no NSG %s", name)
	return offline.Resource{}
}

// Finding 5: a workload-profiles environment's edge proxy behind the
// internal load balancer answers HTTPS on 31443 (HTTP on 31080); each
// ingress source reaches it and the ingress port, and nothing else gets in.
func TestIngressSourcesReachTheEdgeProxy(t *testing.T) {
	for _, http := range []bool{false, true} {
		args := baseArgs()
		args.IngressSources = []string{"VirtualNetwork", "10.50.0.0/24"}
		args.HTTPIngress = http
		p := plan(t, args)
		want := []any{"443", "31443"}
		if http {
			want = append(want, "80", "31080")
		}
		var sources []any
		for _, r := range rules(t, nsgNamed(t, p, "nsg-apps")) {
			if r["access"] != "Allow" || r["direction"] != "Inbound" || r["sourceAddressPrefix"] == "AzureLoadBalancer" || r["sourceAddressPrefix"] == "10.20.0.0/23" {
				continue
			}
			sources = append(sources, r["sourceAddressPrefix"])
			assert.Equal(t, want, r["destinationPortRanges"], "%v", r["sourceAddressPrefix"])
			assert.Equal(t, "10.20.0.0/23", r["destinationAddressPrefix"])
			assert.Equal(t, "Tcp", r["protocol"])
			assert.NotContains(t, r, "destinationPortRange")
		}
		assert.Equal(t, []any{"10.50.0.0/24", "VirtualNetwork"}, sources)
	}
}

// Finding 7: Azure Load Testing engines get a subnet of their own, not
// delegated, behind an NSG with the rules the service documents.
func TestLoadTestSubnet(t *testing.T) {
	args := baseArgs()
	args.LoadTest = &network.SubnetArgs{Name: "snet-loadtest", Prefix: "10.20.3.0/24", SecurityGroupName: "nsg-loadtest"}
	var subnetID string
	p, err := offline.RunProgram(func(ctx *pulumi.Context) error {
		n, err := network.New(ctx, "network", args)
		if err != nil {
			return err
		}
		n.LoadTestSubnetID.ApplyT(func(id string) string { subnetID = id; return id })
		return nil
	})
	require.NoError(t, err)
	vnet := offlinetest.One(t, p, "azure-native:network:VirtualNetwork")
	assert.Equal(t, vnet.ID+"/subnets/snet-loadtest", subnetID)
	subnets := offlinetest.Input(t, vnet, "subnets").([]any)
	require.Len(t, subnets, 3)
	lt := subnets[2].(map[string]any)
	assert.Equal(t, "10.20.3.0/24", lt["addressPrefix"])
	assert.NotContains(t, lt, "delegations", "Azure Load Testing refuses a delegated subnet")
	nsg := nsgNamed(t, p, "nsg-loadtest")
	assert.Contains(t, lt["networkSecurityGroup"].(map[string]any)["id"], "/networkSecurityGroups/nsg-loadtest")
	type rule struct{ dir, access, src, ports string }
	var got []rule
	for _, r := range rules(t, nsg) {
		got = append(got, rule{r["direction"].(string), r["access"].(string), r["sourceAddressPrefix"].(string), r["destinationPortRange"].(string)})
	}
	assert.ElementsMatch(t, []rule{
		{"Inbound", "Allow", "BatchNodeManagement", "29876-29877"},
		{"Inbound", "Allow", "AzureLoadTestingInstanceManagement", "8080"},
		{"Inbound", "Deny", "*", "*"},
	}, got)

	args.LoadTest.Prefix = "10.20.2.128/25" // inside the endpoints subnet
	_, err = offline.RunProgram(func(ctx *pulumi.Context) error {
		_, err := network.New(ctx, "network", args)
		return err
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "LoadTest.Prefix")
}

// The internal environment's domain resolves to its static IP in the
// network: `*` and `@` A records in a zone linked to the VNet.
func TestPrivateDomain(t *testing.T) {
	const vnetID = "/subscriptions/s/resourceGroups/rg-test/providers/Microsoft.Network/virtualNetworks/vnet-test"
	p, err := offline.RunProgram(func(ctx *pulumi.Context) error {
		_, err := network.NewDomain(ctx, "apps-domain", network.DomainArgs{
			Inputs:   crosscut.Inputs{ResourceGroupName: pulumi.String("rg-test"), Location: "westeurope"},
			Domain:   pulumi.String("happy-sea-1234.westeurope.azurecontainerapps.io"),
			IP:       pulumi.String("10.20.1.10"),
			VNetID:   pulumi.String(vnetID),
			LinkName: "vnet-test",
		})
		return err
	})
	require.NoError(t, err)
	zone := offlinetest.One(t, p, "azure-native:network:PrivateZone")
	assert.Equal(t, "happy-sea-1234.westeurope.azurecontainerapps.io", offlinetest.Input(t, zone, "privateZoneName"))
	records := map[string]any{}
	for _, r := range p.Find("azure-native:network:PrivateRecordSet") {
		assert.Equal(t, "A", offlinetest.Input(t, r, "recordType"))
		records[offlinetest.Input(t, r, "relativeRecordSetName").(string)] = offlinetest.Input(t, r, "aRecords[0].ipv4Address")
	}
	assert.Equal(t, map[string]any{"*": "10.20.1.10", "@": "10.20.1.10"}, records)
	link := offlinetest.One(t, p, "azure-native:network:VirtualNetworkLink")
	assert.Equal(t, vnetID, offlinetest.Input(t, link, "virtualNetwork.id"))
	assert.Equal(t, false, offlinetest.Input(t, link, "registrationEnabled"))

	_, err = offline.RunProgram(func(ctx *pulumi.Context) error {
		_, err := network.NewDomain(ctx, "apps-domain", network.DomainArgs{Inputs: crosscut.Inputs{ResourceGroupName: pulumi.String("rg-test")}})
		return err
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Domain, IP, VNetID and LinkName are required")
}
