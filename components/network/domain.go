package network

import (
	"errors"
	"fmt"

	"github.com/misybot/platform/sdk/azurenative/network"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/misybot/platform/components/crosscut"
)

// DomainType is the private domain component's Pulumi type token.
const DomainType = "misybot:network:PrivateDomain"

// DomainArgs configures a private DNS zone that resolves a whole domain
// to one address, linked to a virtual network: what an internal Container
// Apps environment needs to be reached by name from the network (its
// default domain, `*` and `@` to its static IP).
// https://learn.microsoft.com/azure/container-apps/networking#dns
//
// From the cross-cutting inputs only ResourceGroupName and Tags apply
// (private DNS zones are global).
type DomainArgs struct {
	crosscut.Inputs

	// Domain is the zone name, such as the environment's default domain.
	// Required.
	Domain pulumi.StringInput
	// IP is the IPv4 address every name in the domain resolves to, such as
	// the environment's static IP. Required.
	IP pulumi.StringInput
	// VNetID is the network the zone is linked to. Required.
	VNetID pulumi.StringInput
	// LinkName names the zone's link to the network. Required.
	LinkName string
}

// Domain is the private domain component's state and outputs.
type Domain struct {
	pulumi.ResourceState

	ZoneID pulumi.StringOutput
}

// domainTTL is the records' time to live in seconds.
const domainTTL = 300

func (a *DomainArgs) validate() error {
	var errs []error
	if a.ResourceGroupName == nil {
		errs = append(errs, errors.New("args.ResourceGroupName is required"))
	}
	if a.Domain == nil || a.IP == nil || a.VNetID == nil || a.LinkName == "" {
		errs = append(errs, errors.New("args.Domain, IP, VNetID and LinkName are required"))
	}
	if a.PrivateEndpoint != nil || len(a.RoleAssignments) > 0 || a.Lock || a.Diagnostics != nil {
		errs = append(errs, errors.New("args: a private domain takes no private endpoint, role assignments, lock or diagnostics"))
	}
	return errors.Join(errs...)
}

// NewDomain creates the zone, its `*` and `@` A records, and its link to
// the network (resolution only, no auto-registration).
func NewDomain(ctx *pulumi.Context, name string, args DomainArgs, opts ...pulumi.ResourceOption) (*Domain, error) {
	if err := args.validate(); err != nil {
		return nil, fmt.Errorf("private domain %q: %w", name, err)
	}
	c := &Domain{}
	if err := ctx.RegisterComponentResource(DomainType, name, c, opts...); err != nil {
		return nil, fmt.Errorf("private domain %q: %w", name, err)
	}
	child := pulumi.Parent(c)
	zone, err := network.NewPrivateZone(ctx, name+"-zone", &network.PrivateZoneArgs{
		PrivateZoneName:   args.Domain,
		ResourceGroupName: args.ResourceGroupName,
		Location:          pulumi.String("global"),
		Tags:              args.TagMap(),
	}, child)
	if err != nil {
		return nil, fmt.Errorf("private domain %q: zone: %w", name, err)
	}
	for _, r := range []struct{ key, record string }{{"wildcard", "*"}, {"apex", "@"}} {
		key, record := r.key, r.record
		_, err := network.NewPrivateRecordSet(ctx, name+"-"+key, &network.PrivateRecordSetArgs{
			PrivateZoneName:       zone.Name,
			ResourceGroupName:     args.ResourceGroupName,
			RecordType:            pulumi.String("A"),
			RelativeRecordSetName: pulumi.String(record),
			Ttl:                   pulumi.Float64(domainTTL),
			ARecords:              network.ARecordArray{network.ARecordArgs{Ipv4Address: args.IP}},
		}, pulumi.Parent(zone))
		if err != nil {
			return nil, fmt.Errorf("private domain %q: record %s: %w", name, record, err)
		}
	}
	_, err = network.NewVirtualNetworkLink(ctx, name+"-link", &network.VirtualNetworkLinkArgs{
		VirtualNetworkLinkName: pulumi.String(args.LinkName),
		PrivateZoneName:        zone.Name,
		ResourceGroupName:      args.ResourceGroupName,
		Location:               pulumi.String("global"),
		VirtualNetwork:         &network.SubResourceArgs{Id: args.VNetID},
		RegistrationEnabled:    pulumi.Bool(false),
		Tags:                   args.TagMap(),
	}, pulumi.Parent(zone))
	if err != nil {
		return nil, fmt.Errorf("private domain %q: link: %w", name, err)
	}
	c.ZoneID = zone.ID().ToStringOutput()
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{"zoneId": c.ZoneID}); err != nil {
		return nil, fmt.Errorf("private domain %q: %w", name, err)
	}
	return c, nil
}
