// Package network is the MisyBot network component: a virtual network with a
// subnet for the Container Apps environment and one for private endpoints,
// a deny-by-default network security group on each, and the private DNS
// zones that private endpoints register in, linked to the network.
package network

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"slices"

	"github.com/misybot/platform/sdk/azurenative/network"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/misybot/platform/components/crosscut"
)

// Type is the component's Pulumi type token.
const Type = "misybot:network:Network"

// Private DNS zones of the services the platform reaches privately.
const (
	ZoneKeyVault   = "privatelink.vaultcore.azure.net"
	ZoneServiceBus = "privatelink.servicebus.windows.net"
)

// Priorities of the platform's own rules. Rules from configuration use
// 100-4000, so they are evaluated before these and cannot be shadowed.
const (
	priorityPlatformFirst = 4001
	// priorityInfraFirst follows the ingress rules, one per ingress source.
	priorityInfraFirst = 4050
	// MaxIngressSources is how many ingress rules fit before priorityInfraFirst.
	MaxIngressSources = priorityInfraFirst - priorityPlatformFirst
	// PriorityDenyAll is the lowest priority a rule can have: the explicit
	// deny-all inbound rule sits there, before Azure's default
	// AllowVnetInBound (65000), so nothing is allowed that is not listed.
	PriorityDenyAll = 4096
	// DenyAllRuleName names the explicit deny-all inbound rule of every NSG.
	DenyAllRuleName = "DenyAllInbound"
)

// DefaultIngressSource is the ingress source when a caller names none:
// the virtual network (service tag), so only callers inside it reach the apps.
const DefaultIngressSource = "VirtualNetwork"

// AppsDelegation is the service the apps subnet is delegated to.
const AppsDelegation = "Microsoft.App/environments"

// Minimum subnet sizes: a Container Apps environment with workload profiles
// needs a /27; a private endpoint subnet needs room for a handful of NICs.
const (
	MaxAppsPrefixBits      = 27
	MaxEndpointsPrefixBits = 28
	// MaxLoadTestPrefixBits leaves room for the engine instances of a
	// test (each takes an address) and the service's load balancer.
	MaxLoadTestPrefixBits = 27
)

// Args configures the network.
type Args struct {
	crosscut.Inputs

	// Name is the virtual network's name. Required.
	Name string
	// AddressSpace is the VNet's CIDR. Required.
	AddressSpace string
	// Apps is the Container Apps environment subnet. Required.
	Apps SubnetArgs
	// Endpoints is the private endpoint subnet. Required.
	Endpoints SubnetArgs
	// IngressSources may reach HTTPS in the apps subnet (IngressPorts):
	// CIDRs or service tags, in any order. Default: DefaultIngressSource.
	IngressSources []string
	// HTTPIngress also lets the ingress sources reach HTTP (80, 31080).
	HTTPIngress bool
	// LoadTest, when set, is a subnet for Azure Load Testing engines
	// (virtual network injection), not delegated, with the rules the
	// service needs. Its ExtraRules are not supported.
	LoadTest *SubnetArgs
	// PrivateDNSZones to create and link. Default: Key Vault and Service Bus.
	PrivateDNSZones []string
}

// SubnetArgs describes one subnet and its security group.
type SubnetArgs struct {
	// Name of the subnet. Required.
	Name string
	// Prefix is the subnet's CIDR, inside the address space. Required.
	Prefix string
	// SecurityGroupName names the subnet's NSG. Required.
	SecurityGroupName string
	// ExtraRules are allowed or denied in addition to the platform's rules;
	// priorities 100-4000. Each is keyed by its Name; their order does not
	// matter.
	ExtraRules []Rule
}

// Rule is a network security rule.
// Direction, Access and Protocol are a security rule's settings, as Azure
// spells them.
// https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview#security-rules
type (
	Direction string
	Access    string
	Protocol  string
)

// The values of a security rule's settings.
const (
	DirectionInbound  Direction = "Inbound"
	DirectionOutbound Direction = "Outbound"

	AccessAllow Access = "Allow"
	AccessDeny  Access = "Deny"

	ProtocolTCP  Protocol = "Tcp"
	ProtocolUDP  Protocol = "Udp"
	ProtocolICMP Protocol = "Icmp"
	ProtocolAny  Protocol = "*"
)

// Directions, Accesses and Protocols list the values a rule takes.
func Directions() []Direction { return []Direction{DirectionInbound, DirectionOutbound} }

// Accesses lists a rule's access values.
func Accesses() []Access { return []Access{AccessAllow, AccessDeny} }

// Protocols lists the protocols a rule takes.
func Protocols() []Protocol { return []Protocol{ProtocolTCP, ProtocolUDP, ProtocolICMP, ProtocolAny} }

type Rule struct {
	Name                     string
	Description              string
	Priority                 int
	Direction                Direction
	Access                   Access
	Protocol                 Protocol
	SourceAddressPrefixes    []string
	DestinationAddressPrefix string // default *
	DestinationPortRange     string
	// DestinationPortRanges, when set, replaces DestinationPortRange.
	DestinationPortRanges []string
}

// Network is the component's state and outputs.
type Network struct {
	pulumi.ResourceState

	VNetID            pulumi.StringOutput
	VNetName          pulumi.StringOutput
	AppsSubnetID      pulumi.StringOutput
	EndpointsSubnetID pulumi.StringOutput
	AppsNSGID         pulumi.StringOutput
	EndpointsNSGID    pulumi.StringOutput
	// LoadTestSubnetID is the Azure Load Testing subnet's ID; empty
	// without Args.LoadTest.
	LoadTestSubnetID pulumi.StringOutput
	// DNSZoneIDs maps each private DNS zone name to its resource ID.
	DNSZoneIDs map[string]pulumi.StringOutput
	// DNSLinks are the private DNS zones' links to the network: names in
	// the zones resolve from the network once they exist.
	DNSLinks []pulumi.Resource
}

func (a *Args) defaults() {
	if len(a.IngressSources) == 0 {
		a.IngressSources = []string{DefaultIngressSource}
	}
	// Rules are keyed by name (sources by their value): the NSG lists them
	// sorted, so the order of a caller's list is no change. The ingress
	// rules are named and prioritised by their sorted position.
	a.IngressSources = slices.Sorted(slices.Values(a.IngressSources))
	byName := func(x, y Rule) int { return cmp.Compare(x.Name, y.Name) }
	a.Apps.ExtraRules = slices.SortedFunc(slices.Values(a.Apps.ExtraRules), byName)
	a.Endpoints.ExtraRules = slices.SortedFunc(slices.Values(a.Endpoints.ExtraRules), byName)
	if len(a.PrivateDNSZones) == 0 {
		a.PrivateDNSZones = []string{ZoneKeyVault, ZoneServiceBus}
	}
}

func (a *Args) validate() error {
	errs := []error{a.Inputs.Validate()}
	if a.Name == "" {
		errs = append(errs, errors.New("args.Name is required"))
	}
	space, err := netip.ParsePrefix(a.AddressSpace)
	if err != nil {
		errs = append(errs, fmt.Errorf("args.AddressSpace %q: %w", a.AddressSpace, err))
	}
	if len(a.IngressSources) > MaxIngressSources {
		errs = append(errs, fmt.Errorf("args.IngressSources: %d sources, at most %d", len(a.IngressSources), MaxIngressSources))
	}
	var prefixes []netip.Prefix
	subnets := []struct {
		field   string
		sub     SubnetArgs
		maxBits int
	}{{"Apps", a.Apps, MaxAppsPrefixBits}, {"Endpoints", a.Endpoints, MaxEndpointsPrefixBits}}
	if a.LoadTest != nil {
		if len(a.LoadTest.ExtraRules) > 0 {
			errs = append(errs, errors.New("LoadTest.ExtraRules: not supported"))
		}
		subnets = append(subnets, struct {
			field   string
			sub     SubnetArgs
			maxBits int
		}{"LoadTest", *a.LoadTest, MaxLoadTestPrefixBits})
	}
	for _, s := range subnets {
		if s.sub.Name == "" || s.sub.SecurityGroupName == "" {
			errs = append(errs, fmt.Errorf("%s: Name and SecurityGroupName are required", s.field))
		}
		p, err := netip.ParsePrefix(s.sub.Prefix)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s.Prefix %q: %w", s.field, s.sub.Prefix, err))
			continue
		}
		if p.Bits() > s.maxBits {
			errs = append(errs, fmt.Errorf("%s.Prefix %q: /%d is too small, want /%d or larger", s.field, s.sub.Prefix, p.Bits(), s.maxBits))
		}
		if space.IsValid() && !(space.Contains(p.Addr()) && p.Bits() >= space.Bits()) {
			errs = append(errs, fmt.Errorf("%s.Prefix %q: not inside address space %s", s.field, s.sub.Prefix, a.AddressSpace))
		}
		for _, other := range prefixes {
			if other.Overlaps(p) {
				errs = append(errs, fmt.Errorf("%s.Prefix %q overlaps %s", s.field, s.sub.Prefix, other))
			}
		}
		prefixes = append(prefixes, p)
		for _, r := range s.sub.ExtraRules {
			if r.Priority < 100 || r.Priority >= priorityPlatformFirst {
				errs = append(errs, fmt.Errorf("%s.ExtraRules %q: priority %d, want 100-4000", s.field, r.Name, r.Priority))
			}
		}
	}
	return errors.Join(errs...)
}

// New creates the network component.
func New(ctx *pulumi.Context, name string, args Args, opts ...pulumi.ResourceOption) (*Network, error) {
	args.defaults()
	if err := args.validate(); err != nil {
		return nil, fmt.Errorf("network %q: %w", name, err)
	}
	c := &Network{DNSZoneIDs: map[string]pulumi.StringOutput{}}
	if err := ctx.RegisterComponentResource(Type, name, c, opts...); err != nil {
		return nil, fmt.Errorf("network %q: %w", name, err)
	}
	child := pulumi.Parent(c)

	appsRules := append(platformAppsRules(args), toRuleArgs(args.Apps.ExtraRules)...)
	endpointsRules := append(platformEndpointsRules(args), toRuleArgs(args.Endpoints.ExtraRules)...)
	appsNSG, err := newSecurityGroup(ctx, name+"-apps", args.Apps.SecurityGroupName, args.Inputs, appsRules, child)
	if err != nil {
		return nil, fmt.Errorf("network %q: %w", name, err)
	}
	endpointsNSG, err := newSecurityGroup(ctx, name+"-endpoints", args.Endpoints.SecurityGroupName, args.Inputs, endpointsRules, child)
	if err != nil {
		return nil, fmt.Errorf("network %q: %w", name, err)
	}

	subnets := network.SubnetTypeArray{
		network.SubnetTypeArgs{
			Name:                 pulumi.String(args.Apps.Name),
			AddressPrefix:        pulumi.String(args.Apps.Prefix),
			NetworkSecurityGroup: &network.NetworkSecurityGroupTypeArgs{Id: appsNSG.ID().ToStringOutput()},
			Delegations: network.DelegationArray{
				network.DelegationArgs{Name: pulumi.String("container-apps"), ServiceName: pulumi.String(AppsDelegation)},
			},
		},
		network.SubnetTypeArgs{
			Name:                 pulumi.String(args.Endpoints.Name),
			AddressPrefix:        pulumi.String(args.Endpoints.Prefix),
			NetworkSecurityGroup: &network.NetworkSecurityGroupTypeArgs{Id: endpointsNSG.ID().ToStringOutput()},
			// Without this, NSG rules do not apply to private endpoints.
			PrivateEndpointNetworkPolicies: pulumi.String("Enabled"),
		},
	}
	if lt := args.LoadTest; lt != nil {
		ltNSG, err := newSecurityGroup(ctx, name+"-loadtest", lt.SecurityGroupName, args.Inputs, loadTestRules(), child)
		if err != nil {
			return nil, fmt.Errorf("network %q: %w", name, err)
		}
		// Not delegated: Azure Load Testing refuses a delegated subnet
		// (ALTVNET003).
		subnets = append(subnets, network.SubnetTypeArgs{
			Name:                 pulumi.String(lt.Name),
			AddressPrefix:        pulumi.String(lt.Prefix),
			NetworkSecurityGroup: &network.NetworkSecurityGroupTypeArgs{Id: ltNSG.ID().ToStringOutput()},
		})
	}
	vnet, err := network.NewVirtualNetwork(ctx, name+"-vnet", &network.VirtualNetworkArgs{
		VirtualNetworkName: pulumi.String(args.Name),
		ResourceGroupName:  args.ResourceGroupName,
		Location:           pulumi.String(args.Location),
		AddressSpace:       &network.AddressSpaceArgs{AddressPrefixes: pulumi.StringArray{pulumi.String(args.AddressSpace)}},
		// Subnets are inline: standalone Subnet resources next to a VNet
		// that also declares subnets fight over them on every update.
		Subnets: subnets,
		Tags:    args.TagMap(),
	}, child)
	if err != nil {
		return nil, fmt.Errorf("network %q: vnet: %w", name, err)
	}
	vnetID := vnet.ID().ToStringOutput()
	if err := args.Attach(ctx, name+"-vnet", vnetID, child); err != nil {
		return nil, fmt.Errorf("network %q: %w", name, err)
	}

	for _, zone := range args.PrivateDNSZones {
		z, err := network.NewPrivateZone(ctx, name+"-"+zone, &network.PrivateZoneArgs{
			PrivateZoneName:   pulumi.String(zone),
			ResourceGroupName: args.ResourceGroupName,
			Location:          pulumi.String("global"),
			Tags:              args.TagMap(),
		}, child)
		if err != nil {
			return nil, fmt.Errorf("network %q: dns zone %s: %w", name, zone, err)
		}
		link, err := network.NewVirtualNetworkLink(ctx, name+"-"+zone+"-link", &network.VirtualNetworkLinkArgs{
			VirtualNetworkLinkName: pulumi.String(args.Name),
			PrivateZoneName:        z.Name,
			ResourceGroupName:      args.ResourceGroupName,
			Location:               pulumi.String("global"),
			VirtualNetwork:         &network.SubResourceArgs{Id: vnetID},
			// Resolution only: endpoints register through their zone groups.
			RegistrationEnabled: pulumi.Bool(false),
			Tags:                args.TagMap(),
		}, pulumi.Parent(z))
		if err != nil {
			return nil, fmt.Errorf("network %q: dns zone link %s: %w", name, zone, err)
		}
		c.DNSZoneIDs[zone] = z.ID().ToStringOutput()
		c.DNSLinks = append(c.DNSLinks, link)
	}

	c.VNetID = vnetID
	c.VNetName = vnet.Name
	c.AppsSubnetID = subnetID(vnetID, args.Apps.Name)
	c.EndpointsSubnetID = subnetID(vnetID, args.Endpoints.Name)
	c.AppsNSGID = appsNSG.ID().ToStringOutput()
	c.EndpointsNSGID = endpointsNSG.ID().ToStringOutput()
	c.LoadTestSubnetID = pulumi.String("").ToStringOutput()
	if args.LoadTest != nil {
		c.LoadTestSubnetID = subnetID(vnetID, args.LoadTest.Name)
	}
	outs := pulumi.Map{
		"loadTestSubnetId":  c.LoadTestSubnetID,
		"vnetId":            c.VNetID,
		"vnetName":          c.VNetName,
		"appsSubnetId":      c.AppsSubnetID,
		"endpointsSubnetId": c.EndpointsSubnetID,
		"appsNsgId":         c.AppsNSGID,
		"endpointsNsgId":    c.EndpointsNSGID,
	}
	zones := pulumi.StringMap{}
	for zone, id := range c.DNSZoneIDs {
		zones[zone] = id
	}
	outs["dnsZoneIds"] = zones
	if err := ctx.RegisterResourceOutputs(c, outs); err != nil {
		return nil, fmt.Errorf("network %q: %w", name, err)
	}
	return c, nil
}

// subnetID derives an inline subnet's ID, which ARM builds the same way.
func subnetID(vnetID pulumi.StringOutput, name string) pulumi.StringOutput {
	return vnetID.ApplyT(func(id string) string { return id + "/subnets/" + name }).(pulumi.StringOutput)
}

func newSecurityGroup(ctx *pulumi.Context, name, nsgName string, in crosscut.Inputs, rules network.SecurityRuleTypeArray, opts ...pulumi.ResourceOption) (*network.NetworkSecurityGroup, error) {
	nsg, err := network.NewNetworkSecurityGroup(ctx, name+"-nsg", &network.NetworkSecurityGroupArgs{
		NetworkSecurityGroupName: pulumi.String(nsgName),
		ResourceGroupName:        in.ResourceGroupName,
		Location:                 pulumi.String(in.Location),
		SecurityRules:            rules,
		Tags:                     in.TagMap(),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("nsg %q: %w", nsgName, err)
	}
	if in.Diagnostics != nil {
		// NSGs have flow-event logs but no metrics.
		if _, err := crosscut.NewDiagnosticSetting(ctx, name+"-nsg", nsg.ID().ToStringOutput(), *in.Diagnostics, false, opts...); err != nil {
			return nil, err
		}
	}
	return nsg, nil
}
