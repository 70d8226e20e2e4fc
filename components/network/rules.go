package network

import (
	"fmt"

	"github.com/misybot/platform/sdk/azurenative/network"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// platformAppsRules are the inbound rules the Container Apps environment
// needs: HTTPS from the allowed sources, Azure's load balancer probes, and
// traffic between the environment's own nodes; then deny everything else.
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
			Name: name, Description: "HTTPS to the Container Apps ingress",
			Priority: priorityPlatformFirst + i, Direction: "Inbound", Access: "Allow", Protocol: "Tcp",
			SourceAddressPrefixes: []string{src}, DestinationAddressPrefix: a.Apps.Prefix, DestinationPortRange: "443",
		}))
	}
	return append(rules,
		ruleArgs(Rule{
			Name: "AllowAzureLoadBalancer", Description: "Health probes of the environment's load balancer",
			Priority: priorityInfraFirst, Direction: "Inbound", Access: "Allow", Protocol: "*",
			SourceAddressPrefixes: []string{"AzureLoadBalancer"}, DestinationAddressPrefix: a.Apps.Prefix, DestinationPortRange: "*",
		}),
		ruleArgs(Rule{
			Name: "AllowIntraSubnet", Description: "Traffic between the environment's nodes",
			Priority: priorityInfraFirst + 1, Direction: "Inbound", Access: "Allow", Protocol: "*",
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
			Priority: priorityPlatformFirst, Direction: "Inbound", Access: "Allow", Protocol: "Tcp",
			SourceAddressPrefixes: []string{a.Apps.Prefix}, DestinationAddressPrefix: a.Endpoints.Prefix, DestinationPortRange: "443",
		}),
		ruleArgs(Rule{
			Name: "AllowAmqpFromApps", Description: "Apps to Service Bus over AMQP",
			Priority: priorityPlatformFirst + 1, Direction: "Inbound", Access: "Allow", Protocol: "Tcp",
			SourceAddressPrefixes: []string{a.Apps.Prefix}, DestinationAddressPrefix: a.Endpoints.Prefix, DestinationPortRange: "5671-5672",
		}),
		denyAllInbound(),
	}
}

func denyAllInbound() network.SecurityRuleTypeArgs {
	return ruleArgs(Rule{
		Name: DenyAllRuleName, Description: "Deny everything not allowed above",
		Priority: PriorityDenyAll, Direction: "Inbound", Access: "Deny", Protocol: "*",
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
		Direction:                pulumi.String(r.Direction),
		Access:                   pulumi.String(r.Access),
		Protocol:                 pulumi.String(r.Protocol),
		SourcePortRange:          pulumi.String("*"),
		DestinationAddressPrefix: pulumi.String(dst),
		DestinationPortRange:     pulumi.String(r.DestinationPortRange),
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
