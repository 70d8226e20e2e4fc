package network

import (
	"fmt"

	"github.com/misybot/platform/sdk/azurenative/network"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// IngressPorts are the ports the ingress sources may reach in the apps
// subnet of a workload-profiles environment: 443, and 31443 on which the
// environment's edge proxy behind the internal load balancer answers
// HTTPS; with HTTP also 80 and 31080. Inbound table of "Securing a virtual
// network in Azure Container Apps":
// https://learn.microsoft.com/azure/container-apps/firewall-integration
func IngressPorts(http bool) []string {
	if http {
		return []string{"443", "31443", "80", "31080"}
	}
	return []string{"443", "31443"}
}

// platformAppsRules are the inbound rules the Container Apps environment
// needs: HTTPS (and HTTP when asked for) to the ingress and its edge proxy
// from the allowed sources, Azure's load balancer probes, and traffic
// between the environment's own nodes; then deny everything else.
func platformAppsRules(a Args) network.SecurityRuleTypeArray {
	var rules network.SecurityRuleTypeArray
	// One rule per source: Azure accepts service tags only in the singular
	// sourceAddressPrefix, not in an augmented rule's prefix list.
	for i, src := range a.IngressSources {
		name := "AllowHttpsIngress"
		if i > 0 {
			name = fmt.Sprintf("AllowHttpsIngress%d", i+1)
		}
		rules = append(rules, ruleArgs(Rule{
			Name: name, Description: "HTTPS to the Container Apps ingress and its edge proxy",
			Priority: priorityPlatformFirst + i, Direction: DirectionInbound, Access: AccessAllow, Protocol: ProtocolTCP,
			SourceAddressPrefixes: []string{src}, DestinationAddressPrefix: a.Apps.Prefix, DestinationPortRanges: IngressPorts(a.HTTPIngress),
		}))
	}
	return append(rules,
		ruleArgs(Rule{
			Name: "AllowAzureLoadBalancer", Description: "Health probes of the environment's load balancer",
			Priority: priorityInfraFirst, Direction: DirectionInbound, Access: AccessAllow, Protocol: ProtocolAny,
			SourceAddressPrefixes: []string{"AzureLoadBalancer"}, DestinationAddressPrefix: a.Apps.Prefix, DestinationPortRange: "*",
		}),
		ruleArgs(Rule{
			Name: "AllowIntraSubnet", Description: "Traffic between the environment's nodes",
			Priority: priorityInfraFirst + 1, Direction: DirectionInbound, Access: AccessAllow, Protocol: ProtocolAny,
			SourceAddressPrefixes: []string{a.Apps.Prefix}, DestinationAddressPrefix: a.Apps.Prefix, DestinationPortRange: "*",
		}),
		denyAllInbound(),
	)
}

// platformEndpointsRules let the apps reach the private endpoints over
// HTTPS (Key Vault, Service Bus over WebSockets) and AMQP (Service Bus).
func platformEndpointsRules(a Args) network.SecurityRuleTypeArray {
	return network.SecurityRuleTypeArray{
		ruleArgs(Rule{
			Name: "AllowHttpsFromApps", Description: "Apps to Key Vault and Service Bus over HTTPS",
			Priority: priorityPlatformFirst, Direction: DirectionInbound, Access: AccessAllow, Protocol: ProtocolTCP,
			SourceAddressPrefixes: []string{a.Apps.Prefix}, DestinationAddressPrefix: a.Endpoints.Prefix, DestinationPortRange: "443",
		}),
		ruleArgs(Rule{
			Name: "AllowAmqpFromApps", Description: "Apps to Service Bus over AMQP",
			Priority: priorityPlatformFirst + 1, Direction: DirectionInbound, Access: AccessAllow, Protocol: ProtocolTCP,
			SourceAddressPrefixes: []string{a.Apps.Prefix}, DestinationAddressPrefix: a.Endpoints.Prefix, DestinationPortRange: "5671-5672",
		}),
		denyAllInbound(),
	}
}

// loadTestRules are the rules Azure Load Testing needs on the subnet its
// engines are injected into: inbound from the BatchNodeManagement service
// tag on 29876-29877 and from AzureLoadTestingInstanceManagement on 8080
// (the service creates, updates and deletes the engine instances).
// Everything else inbound is denied. The engines also need outbound access
// to the service and to the app; the guide adds an any-to-any outbound
// rule only for NSGs that restrict outbound traffic, and this one keeps
// Azure's default outbound rules (AllowVnetOutBound, AllowInternetOutBound),
// which allow both. "Configure traffic access" in
// https://learn.microsoft.com/azure/load-testing/how-to-test-private-endpoint
func loadTestRules() network.SecurityRuleTypeArray {
	const what = "Azure Load Testing creates, updates and deletes its engine instances"
	return network.SecurityRuleTypeArray{
		ruleArgs(Rule{
			Name: "AllowBatchNodeManagement", Description: what,
			Priority: priorityPlatformFirst, Direction: DirectionInbound, Access: AccessAllow, Protocol: ProtocolTCP,
			SourceAddressPrefixes: []string{"BatchNodeManagement"}, DestinationPortRange: "29876-29877",
		}),
		ruleArgs(Rule{
			Name: "AllowLoadTestingInstanceManagement", Description: what,
			Priority: priorityPlatformFirst + 1, Direction: DirectionInbound, Access: AccessAllow, Protocol: ProtocolTCP,
			SourceAddressPrefixes: []string{"AzureLoadTestingInstanceManagement"}, DestinationPortRange: "8080",
		}),
		denyAllInbound(),
	}
}

func denyAllInbound() network.SecurityRuleTypeArgs {
	return ruleArgs(Rule{
		Name: DenyAllRuleName, Description: "Deny everything not allowed above",
		Priority: PriorityDenyAll, Direction: DirectionInbound, Access: AccessDeny, Protocol: ProtocolAny,
		SourceAddressPrefixes: []string{"*"}, DestinationAddressPrefix: "*", DestinationPortRange: "*",
	})
}

func toRuleArgs(rules []Rule) network.SecurityRuleTypeArray {
	out := make(network.SecurityRuleTypeArray, 0, len(rules))
	for _, r := range rules {
		out = append(out, ruleArgs(r))
	}
	return out
}

// ruleArgs uses the singular prefix field for one source, as the portal and
// other tools write it, and the plural one for several.
func ruleArgs(r Rule) network.SecurityRuleTypeArgs {
	dst := r.DestinationAddressPrefix
	if dst == "" {
		dst = "*"
	}
	args := network.SecurityRuleTypeArgs{
		Name:                     pulumi.String(r.Name),
		Priority:                 pulumi.Int(r.Priority),
		Direction:                pulumi.String(string(r.Direction)),
		Access:                   pulumi.String(string(r.Access)),
		Protocol:                 pulumi.String(string(r.Protocol)),
		SourcePortRange:          pulumi.String("*"),
		DestinationAddressPrefix: pulumi.String(dst),
	}
	if len(r.DestinationPortRanges) > 0 {
		args.DestinationPortRanges = pulumi.ToStringArray(r.DestinationPortRanges)
	} else {
		args.DestinationPortRange = pulumi.String(r.DestinationPortRange)
	}
	if r.Description != "" {
		args.Description = pulumi.String(r.Description)
	}
	if len(r.SourceAddressPrefixes) == 1 {
		args.SourceAddressPrefix = pulumi.String(r.SourceAddressPrefixes[0])
	} else {
		args.SourceAddressPrefixes = pulumi.ToStringArray(r.SourceAddressPrefixes)
	}
	return args
}
