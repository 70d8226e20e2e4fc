package rules

import (
	"fmt"
	"net/netip"
	"strings"
)

// azureDNS is the virtual public IP of Azure's recursive resolver; a
// virtual network that lists it resolves through Azure, not the Internet.
// https://learn.microsoft.com/azure/virtual-network/what-is-ip-address-168-63-129-16
var azureDNS = netip.MustParseAddr("168.63.129.16")

// Subnet egress and VNet DNS:
// https://learn.microsoft.com/azure/virtual-network/ip-services/default-outbound-access
// https://learn.microsoft.com/azure/virtual-network/virtual-networks-name-resolution-for-vms-and-role-instances
func networkMoreRules() []Rule {
	return []Rule{
		{
			Name:     "subnet-no-default-outbound",
			Category: categoryNSG,
			Description: "Subnets are private (defaultOutboundAccess false): nothing in them reaches the Internet through Azure's implicit default outbound IP; egress goes through an explicit method (NAT gateway, firewall, load balancer outbound rules). " +
				"Advisory: the property needs network API version 2023-09-01 or later, and the program registers its virtual network with the default azure-native module (2023-02-01).",
			Remediation: "Set defaultOutboundAccess to false on every subnet (inline in the virtual network or standalone); it needs a network API version of 2023-09-01 or later (an explicit-version azure-native module).",
			// Advisory until the program registers its virtual network
			// with an API version that has the property: the default
			// azure-native v2 network module (2023-02-01) does not.
			Enforcement: Advisory,
			AzurePolicy: []string{"7bca8353-aa3b-429b-904a-9229c4385837"},
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
					v := field(sn.v, "defaultOutboundAccess")
					switch b, ok := v.boolean(); {
					case v.undecided():
						out = append(out, undecidable(r, fmt.Sprintf("subnet %q: %s", name, v.describeUnknown())))
					case !v.isSet():
						out = append(out, violation(r, "subnet %q keeps default outbound access (defaultOutboundAccess is not set; Azure's default is true)", name))
					case !ok || b:
						out = append(out, violation(r, "subnet %q keeps default outbound access (defaultOutboundAccess is not false)", name))
					}
				}
				return out
			},
		},
		{
			Name:        "vnet-private-dns-servers",
			Category:    categoryIsolation,
			Description: "Virtual networks that set custom DNS servers (dhcpOptions.dnsServers) use private addresses or Azure DNS (168.63.129.16), never a public resolver.",
			Remediation: "List the private IPs of the DNS resolvers in the virtual network (or a Private DNS Resolver's inbound endpoint), or leave dhcpOptions out to use Azure DNS.",
			Enforcement: Mandatory,
			Checkov:     []string{"CKV_AZURE_183"},
			Types:       []string{typeVNet},
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				var out []Finding
				for _, d := range field(r.Properties, "dhcpOptions", "dnsServers").elems() {
					if d.undecided() {
						out = append(out, undecidable(r, d.describeUnknown()))
						continue
					}
					s, _ := d.text()
					addr, err := netip.ParseAddr(strings.TrimSpace(s))
					if err != nil {
						out = append(out, violation(r, "%s %q is not an IP address", d.path(), s))
						continue
					}
					if addr != azureDNS && !addr.IsPrivate() {
						out = append(out, violation(r, "%s %s is a public DNS server", d.path(), addr))
					}
				}
				return out
			},
		},
	}
}
