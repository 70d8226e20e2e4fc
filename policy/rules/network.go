package rules

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

const categoryIsolation = "Isolation"

// reservedSubnets are the subnets Azure reserves for its own services;
// most of them reject an NSG.
var reservedSubnets = []string{
	"GatewaySubnet", "AzureFirewallSubnet", "AzureFirewallManagementSubnet",
	"AzureBastionSubnet", "RouteServerSubnet",
}

func isReservedSubnet(name string) bool {
	return slices.ContainsFunc(reservedSubnets, func(r string) bool { return strings.EqualFold(r, name) })
}

func networkRules() []Rule {
	return []Rule{
		{
			Name:        "subnet-has-nsg",
			Category:    categoryNSG,
			Description: "Every subnet, inline in a virtual network or standalone, has a network security group, except the subnets Azure reserves (" + strings.Join(reservedSubnets, ", ") + ").",
			Remediation: "Associate a network security group with the subnet (networkSecurityGroup.id).",
			Enforcement: Mandatory,
			Checkov:     []string{"CKV2_AZURE_31"},
			AzurePolicy: []string{"e71308d3-144b-4262-b144-efdc3cc90517"},
			Types:       []string{typeVNet, typeSubnet},
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				var out []Finding
				for _, sn := range subnetsOf(r) {
					if sn.undecided() {
						out = append(out, undecidable(r, sn.describeUnknown()))
						continue
					}
					name := subnetName(r, sn)
					if isReservedSubnet(name) {
						continue
					}
					nsg := field(sn.v, "networkSecurityGroup")
					id := field(nsg.v, "id")
					if nsg.undecided() {
						out = append(out, undecidable(r, fmt.Sprintf("subnet %q: %s", name, nsg.describeUnknown())))
						continue
					}
					if id.undecided() {
						continue // set to an ID not known yet: the subnet has an NSG
					}
					if s, ok := id.str(); ok && strings.TrimSpace(s) != "" {
						continue
					}
					out = append(out, violation(r, "subnet %q has no network security group", name))
				}
				return out
			},
		},
		{
			Name:        "vnet-peering-allow-listed",
			Category:    categoryIsolation,
			Description: "A virtual network peers only with the remote networks allow-listed in policy configuration (allowedPeerings); with no allow-list, no peering is allowed.",
			Remediation: "Remove the peering, or add the remote virtual network's resource ID or name to allowedPeerings after review.",
			Enforcement: Mandatory,
			Types:       []string{typePeering, typeVNet},
			Scope:       PerResource,
			Options: []Option{stringListOption("allowedPeerings",
				"Remote virtual networks a peering may target: full resource IDs or virtual network names (case-insensitive).",
				func(o *Options, l []string) { o.AllowedPeerings = l })},
			checkResource: checkPeering,
		},
		{
			Name:        "address-space-no-overlap",
			Category:    categoryIsolation,
			Description: "The stack's virtual network address spaces and subnet prefixes do not overlap the other environments' ranges given in policy configuration (otherEnvironmentRanges).",
			Remediation: "Give each environment its own, non-overlapping address range so the environments can never be peered or routed into each other by mistake.",
			Enforcement: Mandatory,
			Types:       []string{typeVNet, typeSubnet},
			Scope:       PerResource,
			Options:     []Option{rangesOption()},
			checkResource: func(ctx Context, r *Resource, _ *view) []Finding {
				if len(ctx.Options.OtherEnvironmentRanges) == 0 {
					return nil
				}
				if ctx.Environment == "" {
					return []Finding{undecidable(r, "the stack's environment is not known, so the other environments' ranges are not either")}
				}
				var out []Finding
				for _, p := range addressPrefixes(r) {
					if p.undecided() {
						out = append(out, undecidable(r, p.describeUnknown()))
						continue
					}
					s, _ := p.text()
					mine, err := netip.ParsePrefix(strings.TrimSpace(s))
					if err != nil {
						continue
					}
					for _, env := range otherEnvironments(ctx.Environment) {
						for _, theirs := range ctx.Options.OtherEnvironmentRanges[env] {
							if mine.Overlaps(theirs) {
								out = append(out, violation(r, "%s %s overlaps %s's range %s", p.path(), mine, env, theirs))
							}
						}
					}
				}
				return out
			},
		},
	}
}

// subnetsOf returns the subnets a resource declares: a VNet's inline list
// or a standalone subnet's own inputs.
func subnetsOf(r *Resource) []val {
	switch CanonicalType(r.Type) {
	case typeVNet:
		return field(r.Properties, "subnets").elems()
	case typeSubnet:
		return []val{{v: r.Properties, state: known}}
	}
	return nil
}

func subnetName(r *Resource, sn val) string {
	if s, ok := field(sn.v, "name").str(); ok && s != "" {
		return s
	}
	if CanonicalType(r.Type) == typeSubnet {
		if s, ok := lookup(r.Properties, "subnetName").str(); ok && s != "" {
			return s
		}
		return r.Name
	}
	return sn.path()
}

// addressPrefixes lists a VNet's address space and its inline subnets'
// prefixes, or a standalone subnet's prefixes.
func addressPrefixes(r *Resource) []val {
	var out []val
	if CanonicalType(r.Type) == typeVNet {
		out = append(out, field(r.Properties, "addressSpace", "addressPrefixes").elems()...)
	}
	for _, sn := range subnetsOf(r) {
		if sn.undecided() {
			out = append(out, sn)
			continue
		}
		for _, key := range []string{"addressPrefix", "addressPrefixes"} {
			for _, p := range field(sn.v, key).elems() {
				if CanonicalType(r.Type) == typeVNet {
					p = p.under(sn.path())
				}
				out = append(out, p)
			}
		}
	}
	return out
}

// checkPeering checks a standalone peering or a VNet's inline peerings.
func checkPeering(ctx Context, r *Resource, s *view) []Finding {
	var peerings []val
	switch CanonicalType(r.Type) {
	case typePeering:
		peerings = []val{{v: r.Properties, state: known, at: "remoteVirtualNetwork"}}
	case typeVNet:
		peerings = field(r.Properties, "virtualNetworkPeerings").elems()
	}
	var out []Finding
	for _, p := range peerings {
		if p.undecided() {
			out = append(out, undecidable(r, p.describeUnknown()))
			continue
		}
		remote := field(p.v, "remoteVirtualNetwork", "id")
		if CanonicalType(r.Type) == typeVNet {
			remote = remote.named(p.path() + ".remoteVirtualNetwork.id")
		}
		switch t, target := peeringAllowed(ctx.Options.AllowedPeerings, remote, r, s); t.state {
		case 0:
			out = append(out, violation(r, "peering to %s is not in allowedPeerings", target))
		case -1:
			out = append(out, undecidable(r, t.why))
		}
	}
	return out
}

// peeringAllowed matches a remote VNet ID against the allow-list by full ID
// or by name. While the ID is unknown, the VNet the peering depends on (in
// the same stack) stands for it.
func peeringAllowed(allowed []string, remote val, r *Resource, s *view) (tri, string) {
	if id, ok := remote.str(); ok {
		name := id
		if i := strings.LastIndexByte(strings.TrimSuffix(id, "/"), '/'); i >= 0 {
			name = strings.TrimSuffix(id, "/")[i+1:]
		}
		for _, a := range allowed {
			if strings.EqualFold(a, id) || strings.EqualFold(a, name) {
				return yes, id
			}
		}
		return no, id
	}
	if !remote.isSet() {
		return no, "an unspecified network"
	}
	// The local network is a dependency too (virtualNetworkName); the
	// remote one is the other network the peering depends on.
	local, _ := lookup(r.Properties, "virtualNetworkName").str()
	deps, recorded := r.PropertyDependencies["remoteVirtualNetwork"]
	if !recorded || len(deps) == 0 {
		deps = r.Dependencies
	}
	var candidates []*Resource
	for _, d := range deps { // the dependencies, not every VNet: linear in the stack
		vnet := s.byURN[d]
		if vnet == nil || vnet == r || CanonicalType(vnet.Type) != typeVNet {
			continue
		}
		if name, named := physicalName(vnet); named && local != "" && strings.EqualFold(name, local) {
			continue
		}
		if !slices.Contains(candidates, vnet) {
			candidates = append(candidates, vnet)
		}
	}
	if len(candidates) == 1 {
		if name, ok := physicalName(candidates[0]); ok {
			for _, a := range allowed {
				if strings.EqualFold(a, name) {
					return yes, name
				}
			}
			return no, name
		}
	}
	return maybe(remote.describeUnknown()), ""
}
