package offlinetest

import (
	"fmt"

	"github.com/misybot/platform/sdk/azurenative/keyvault"
	"github.com/misybot/platform/sdk/azurenative/network"
	"github.com/misybot/platform/sdk/azurenative/resources"
	"github.com/pulumi/pulumi-azure-native-sdk/v2/utilities"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Fleet returns a program of 5+9*n resources: a resource group, a virtual
// network, a Key Vault, a Service Bus namespace, a component, and per
// index a subnet, an NSG, a queue, a topic with two subscriptions, a vault
// secret, a private endpoint and its DNS zone group. Fleet(5) has 50.
func Fleet(n int) func(*pulumi.Context) (map[string]pulumi.Output, error) {
	return func(ctx *pulumi.Context) (map[string]pulumi.Output, error) {
		rg, err := resources.NewResourceGroup(ctx, "rg", &resources.ResourceGroupArgs{
			ResourceGroupName: pulumi.String("rg-fleet"), Location: pulumi.String("westeurope"),
		})
		if err != nil {
			return nil, err
		}
		group := &Network{}
		if err := ctx.RegisterComponentResource("misybot:platform:Fleet", "fleet", group); err != nil {
			return nil, err
		}
		vnet, err := network.NewVirtualNetwork(ctx, "vnet", &network.VirtualNetworkArgs{
			ResourceGroupName: rg.Name,
			AddressSpace:      &network.AddressSpaceArgs{AddressPrefixes: pulumi.StringArray{pulumi.String("10.30.0.0/16")}},
		}, pulumi.Parent(group))
		if err != nil {
			return nil, err
		}
		vault, err := keyvault.NewVault(ctx, "kv", &keyvault.VaultArgs{
			ResourceGroupName: rg.Name,
			Properties: &keyvault.VaultPropertiesArgs{
				TenantId: pulumi.String(PlaceholderTenant),
				Sku:      &keyvault.SkuArgs{Family: pulumi.String("A"), Name: keyvault.SkuNameStandard},
			},
		}, pulumi.Parent(group))
		if err != nil {
			return nil, err
		}
		var sb ServiceBusNamespace
		if err := ctx.RegisterResource("azure-native:servicebus:Namespace", "sb", pulumi.Map{
			"resourceGroupName": rg.Name,
			"sku":               pulumi.Map{"name": pulumi.String("Premium"), "capacity": pulumi.Int(1)},
		}, &sb, utilities.PkgResourceDefaultOpts([]pulumi.ResourceOption{pulumi.Parent(group)})...); err != nil {
			return nil, err
		}
		for i := range n {
			if err := fleetMember(ctx, i, rg, vnet, vault, &sb, group); err != nil {
				return nil, err
			}
		}
		return map[string]pulumi.Output{"vaultUri": vault.Properties.VaultUri()}, nil
	}
}

// PlaceholderTenant is the tenant the fleet's vault names.
const PlaceholderTenant = "00000000-0000-0000-0000-000000000001"

func fleetMember(ctx *pulumi.Context, i int, rg *resources.ResourceGroup, vnet *network.VirtualNetwork,
	vault *keyvault.Vault, sb *ServiceBusNamespace, group pulumi.Resource,
) error {
	name := func(kind string) string { return fmt.Sprintf("%s-%d", kind, i) }
	in := pulumi.Parent(group)
	subnet, err := network.NewSubnet(ctx, name("snet"), &network.SubnetArgs{
		ResourceGroupName:  rg.Name,
		VirtualNetworkName: vnet.Name,
		AddressPrefix:      pulumi.Sprintf("10.30.%d.0/24", i),
	}, in)
	if err != nil {
		return err
	}
	if _, err := network.NewNetworkSecurityGroup(ctx, name("nsg"), &network.NetworkSecurityGroupArgs{
		ResourceGroupName: rg.Name,
	}, in); err != nil {
		return err
	}
	entity := func(token, logical string, props pulumi.Map) (*ServiceBusEntity, error) {
		var e ServiceBusEntity
		props["resourceGroupName"] = rg.Name
		props["namespaceName"] = sb.Name
		err := ctx.RegisterResource(token, logical, props, &e, utilities.PkgResourceDefaultOpts([]pulumi.ResourceOption{pulumi.Parent(sb)})...)
		return &e, err
	}
	if _, err := entity("azure-native:servicebus:Queue", name("queue"), pulumi.Map{"queueName": pulumi.String(name("queue"))}); err != nil {
		return err
	}
	topic, err := entity("azure-native:servicebus:Topic", name("topic"), pulumi.Map{"topicName": pulumi.String(name("topic"))})
	if err != nil {
		return err
	}
	for _, sub := range []string{"audit", "worker"} {
		if _, err := entity("azure-native:servicebus:Subscription", name("topic")+"-"+sub, pulumi.Map{
			"topicName": topic.Name, "subscriptionName": pulumi.String(sub),
		}); err != nil {
			return err
		}
	}
	if _, err := keyvault.NewSecret(ctx, name("secret"), &keyvault.SecretArgs{
		ResourceGroupName: rg.Name,
		VaultName:         vault.Name,
		Properties:        &keyvault.SecretPropertiesArgs{Value: pulumi.ToSecret(pulumi.String(SecretPlaintext)).(pulumi.StringOutput)},
	}, pulumi.Parent(vault)); err != nil {
		return err
	}
	pe, err := network.NewPrivateEndpoint(ctx, name("pe"), &network.PrivateEndpointArgs{
		ResourceGroupName: rg.Name,
		Subnet:            &network.SubnetTypeArgs{Id: subnet.ID()},
		PrivateLinkServiceConnections: network.PrivateLinkServiceConnectionArray{&network.PrivateLinkServiceConnectionArgs{
			Name: pulumi.String("vault"), PrivateLinkServiceId: vault.ID(), GroupIds: pulumi.StringArray{pulumi.String("vault")},
		}},
	}, in)
	if err != nil {
		return err
	}
	_, err = network.NewPrivateDnsZoneGroup(ctx, name("pe-dns"), &network.PrivateDnsZoneGroupArgs{
		ResourceGroupName:   rg.Name,
		PrivateEndpointName: pe.Name,
	}, pulumi.Parent(pe))
	return err
}
