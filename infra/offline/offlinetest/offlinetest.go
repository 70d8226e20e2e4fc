// Package offlinetest holds small Pulumi programs that exercise the offline
// engine with real azure-native resources. Tests of the engine and of the
// misyinfra command run them; they are not the platform.
package offlinetest

import (
	"fmt"

	"github.com/misybot/platform/sdk/azurenative/app"
	"github.com/misybot/platform/sdk/azurenative/authorization"
	"github.com/misybot/platform/sdk/azurenative/insights"
	"github.com/misybot/platform/sdk/azurenative/keyvault"
	"github.com/misybot/platform/sdk/azurenative/network"
	"github.com/misybot/platform/sdk/azurenative/operationalinsights"
	"github.com/misybot/platform/sdk/azurenative/resources"
	"github.com/pulumi/pulumi-azure-native-sdk/v2/utilities"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Project is the project name the sample programs expect.
const Project = "misybot-platform"

// SecretPlaintext is a secret the sample program creates in code; it must
// never appear in any output.
const SecretPlaintext = "s3cr3t-plaintext-never-printed"

// ServiceBusNamespace is an azure-native:servicebus:Namespace registered by
// its type token, as the platform does for lack of the SDK module.
type ServiceBusNamespace struct {
	pulumi.CustomResourceState

	Name               pulumi.StringOutput `pulumi:"name"`
	ServiceBusEndpoint pulumi.StringOutput `pulumi:"serviceBusEndpoint"`
}

// ServiceBusEntity is a queue.
type ServiceBusEntity struct {
	pulumi.CustomResourceState

	Name pulumi.StringOutput `pulumi:"name"`
}

// UserAssignedIdentity is an azure-native:managedidentity:UserAssignedIdentity.
type UserAssignedIdentity struct {
	pulumi.CustomResourceState

	PrincipalID pulumi.StringOutput `pulumi:"principalId"`
	ClientID    pulumi.StringOutput `pulumi:"clientId"`
}

// Network is a component resource grouping the network.
type Network struct {
	pulumi.ResourceState
}

// Program is a small platform: a resource group, a network component with
// a virtual network and subnets, a Key Vault with secrets and a private
// endpoint, monitoring, Service Bus, a Container Apps environment and app,
// an identity with a role assignment and a lock. It reads the config keys
// location (default westeurope) and apiKey (secret, optional).
func Program(ctx *pulumi.Context) (map[string]pulumi.Output, error) {
	location, ok := ctx.GetConfig(Project + ":location")
	if !ok {
		location = "westeurope"
	}
	// The config package needs a module this build does not have; read the
	// key directly and keep it secret as config.GetSecret would.
	apiKeyValue, _ := ctx.GetConfig(Project + ":apiKey")
	apiKey := pulumi.ToSecret(pulumi.String(apiKeyValue)).(pulumi.StringOutput)

	client, err := authorization.GetClientConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("client config: %w", err)
	}
	rg, err := resources.NewResourceGroup(ctx, "rg", &resources.ResourceGroupArgs{
		ResourceGroupName: pulumi.String("rg-misybot-dev"),
		Location:          pulumi.String(location),
	})
	if err != nil {
		return nil, err
	}

	net := &Network{}
	if err := ctx.RegisterComponentResource("misybot:platform:Network", "network", net); err != nil {
		return nil, err
	}
	vnet, err := network.NewVirtualNetwork(ctx, "vnet", &network.VirtualNetworkArgs{
		ResourceGroupName:  rg.Name,
		VirtualNetworkName: pulumi.String("vnet-misybot-dev"),
		AddressSpace:       &network.AddressSpaceArgs{AddressPrefixes: pulumi.StringArray{pulumi.String("10.20.0.0/16")}},
	}, pulumi.Parent(net))
	if err != nil {
		return nil, err
	}
	appsSubnet, err := network.NewSubnet(ctx, "apps", &network.SubnetArgs{
		ResourceGroupName:  rg.Name,
		VirtualNetworkName: vnet.Name,
		SubnetName:         pulumi.String("snet-apps"),
		AddressPrefix:      pulumi.String("10.20.0.0/23"),
		Delegations: network.DelegationArray{&network.DelegationArgs{
			Name: pulumi.String("apps"), ServiceName: pulumi.String("Microsoft.App/environments"),
		}},
	}, pulumi.Parent(net))
	if err != nil {
		return nil, err
	}
	endpointsSubnet, err := network.NewSubnet(ctx, "endpoints", &network.SubnetArgs{
		ResourceGroupName:  rg.Name,
		VirtualNetworkName: vnet.Name,
		SubnetName:         pulumi.String("snet-endpoints"),
		AddressPrefix:      pulumi.String("10.20.2.0/27"),
	}, pulumi.Parent(net), pulumi.DependsOn([]pulumi.Resource{appsSubnet}))
	if err != nil {
		return nil, err
	}
	nsg, err := network.NewNetworkSecurityGroup(ctx, "nsg", &network.NetworkSecurityGroupArgs{
		ResourceGroupName: rg.Name,
		SecurityRules: network.SecurityRuleTypeArray{&network.SecurityRuleTypeArgs{
			Name: pulumi.String("allow-https"), Priority: pulumi.Int(100), Direction: pulumi.String("Inbound"),
			Access: pulumi.String("Allow"), Protocol: pulumi.String("Tcp"), SourceAddressPrefix: pulumi.String("VirtualNetwork"),
			SourcePortRange: pulumi.String("*"), DestinationAddressPrefix: pulumi.String("*"), DestinationPortRange: pulumi.String("443"),
		}},
	}, pulumi.Parent(net))
	if err != nil {
		return nil, err
	}
	if err := ctx.RegisterResourceOutputs(net, pulumi.Map{"vnetId": vnet.ID()}); err != nil {
		return nil, err
	}

	vault, err := keyvault.NewVault(ctx, "kv", &keyvault.VaultArgs{
		ResourceGroupName: rg.Name,
		VaultName:         pulumi.String("kv-misybot-dev"),
		Properties: &keyvault.VaultPropertiesArgs{
			TenantId:                pulumi.String(client.TenantId),
			Sku:                     &keyvault.SkuArgs{Family: pulumi.String("A"), Name: keyvault.SkuNameStandard},
			EnableRbacAuthorization: pulumi.Bool(true),
			PublicNetworkAccess:     pulumi.String("Disabled"),
		},
	}, pulumi.Protect(true))
	if err != nil {
		return nil, err
	}
	apiKeySecret, err := keyvault.NewSecret(ctx, "api-key", &keyvault.SecretArgs{
		ResourceGroupName: rg.Name,
		VaultName:         vault.Name,
		SecretName:        pulumi.String("api-key"),
		Properties:        &keyvault.SecretPropertiesArgs{Value: apiKey},
	}, pulumi.Parent(vault))
	if err != nil {
		return nil, err
	}
	password := pulumi.ToSecret(pulumi.String(SecretPlaintext)).(pulumi.StringOutput)
	if _, err := keyvault.NewSecret(ctx, "db-password", &keyvault.SecretArgs{
		ResourceGroupName: rg.Name,
		VaultName:         vault.Name,
		Properties:        &keyvault.SecretPropertiesArgs{Value: password},
	}, pulumi.Parent(vault)); err != nil {
		return nil, err
	}

	zone, err := network.NewPrivateZone(ctx, "kv-zone", &network.PrivateZoneArgs{
		ResourceGroupName: rg.Name,
		PrivateZoneName:   pulumi.String("privatelink.vaultcore.azure.net"),
		Location:          pulumi.String("global"),
	})
	if err != nil {
		return nil, err
	}
	if _, err := network.NewVirtualNetworkLink(ctx, "kv-zone-link", &network.VirtualNetworkLinkArgs{
		ResourceGroupName:   rg.Name,
		PrivateZoneName:     zone.Name,
		VirtualNetwork:      &network.SubResourceArgs{Id: vnet.ID()},
		RegistrationEnabled: pulumi.Bool(false),
		Location:            pulumi.String("global"),
	}, pulumi.Parent(zone)); err != nil {
		return nil, err
	}
	pe, err := network.NewPrivateEndpoint(ctx, "kv-pe", &network.PrivateEndpointArgs{
		ResourceGroupName:   rg.Name,
		PrivateEndpointName: pulumi.String("pe-kv-misybot-dev"),
		Subnet:              &network.SubnetTypeArgs{Id: endpointsSubnet.ID()},
		PrivateLinkServiceConnections: network.PrivateLinkServiceConnectionArray{&network.PrivateLinkServiceConnectionArgs{
			Name: pulumi.String("kv"), PrivateLinkServiceId: vault.ID(), GroupIds: pulumi.StringArray{pulumi.String("vault")},
		}},
	})
	if err != nil {
		return nil, err
	}
	if _, err := network.NewPrivateDnsZoneGroup(ctx, "kv-pe-dns", &network.PrivateDnsZoneGroupArgs{
		ResourceGroupName:       rg.Name,
		PrivateEndpointName:     pe.Name,
		PrivateDnsZoneGroupName: pulumi.String("default"),
		PrivateDnsZoneConfigs: network.PrivateDnsZoneConfigArray{&network.PrivateDnsZoneConfigArgs{
			Name: pulumi.String("vault"), PrivateDnsZoneId: zone.ID(),
		}},
	}, pulumi.Parent(pe)); err != nil {
		return nil, err
	}

	logs, err := operationalinsights.NewWorkspace(ctx, "logs", &operationalinsights.WorkspaceArgs{
		ResourceGroupName: rg.Name,
		WorkspaceName:     pulumi.String("log-misybot-dev"),
		RetentionInDays:   pulumi.Int(30),
		Sku:               &operationalinsights.WorkspaceSkuArgs{Name: pulumi.String("PerGB2018")},
	})
	if err != nil {
		return nil, err
	}
	appi, err := insights.NewComponent(ctx, "appi", &insights.ComponentArgs{
		ResourceGroupName:   rg.Name,
		ResourceName:        pulumi.String("appi-misybot-dev"),
		Kind:                pulumi.String("web"),
		ApplicationType:     pulumi.String("web"),
		WorkspaceResourceId: logs.ID(),
	})
	if err != nil {
		return nil, err
	}
	if _, err := insights.NewDiagnosticSetting(ctx, "kv-diag", &insights.DiagnosticSettingArgs{
		ResourceUri: vault.ID(),
		Name:        pulumi.String("to-logs"),
		WorkspaceId: logs.ID(),
		Logs: insights.LogSettingsArray{&insights.LogSettingsArgs{
			CategoryGroup: pulumi.String("allLogs"), Enabled: pulumi.Bool(true),
		}},
	}, pulumi.Parent(vault)); err != nil {
		return nil, err
	}

	var sb ServiceBusNamespace
	if err := ctx.RegisterResource("azure-native:servicebus:Namespace", "sb", pulumi.Map{
		"resourceGroupName": rg.Name,
		"namespaceName":     pulumi.String("sb-misybot-dev"),
		"sku":               pulumi.Map{"name": pulumi.String("Standard"), "tier": pulumi.String("Standard")},
	}, &sb, utilities.PkgResourceDefaultOpts(nil)...); err != nil {
		return nil, err
	}
	var queue ServiceBusEntity
	if err := ctx.RegisterResource("azure-native:servicebus:Queue", "orders", pulumi.Map{
		"resourceGroupName": rg.Name,
		"namespaceName":     sb.Name,
		"queueName":         pulumi.String("orders"),
	}, &queue, utilities.PkgResourceDefaultOpts([]pulumi.ResourceOption{pulumi.Parent(&sb)})...); err != nil {
		return nil, err
	}

	env, err := app.NewManagedEnvironment(ctx, "cae", &app.ManagedEnvironmentArgs{
		ResourceGroupName: rg.Name,
		EnvironmentName:   pulumi.String("cae-misybot-dev"),
		VnetConfiguration: &app.VnetConfigurationArgs{
			InfrastructureSubnetId: appsSubnet.ID(),
			Internal:               pulumi.Bool(true),
		},
	})
	if err != nil {
		return nil, err
	}
	var identity UserAssignedIdentity
	if err := ctx.RegisterResource("azure-native:managedidentity:UserAssignedIdentity", "bot-id", pulumi.Map{
		"resourceGroupName": rg.Name,
		"resourceName":      pulumi.String("id-bot-misybot-dev"),
	}, &identity, utilities.PkgResourceDefaultOpts(nil)...); err != nil {
		return nil, err
	}
	bot, err := app.NewContainerApp(ctx, "bot", &app.ContainerAppArgs{
		ResourceGroupName:    rg.Name,
		ContainerAppName:     pulumi.String("ca-bot"),
		ManagedEnvironmentId: env.ID(),
		Configuration: &app.ConfigurationArgs{
			Ingress: &app.IngressArgs{External: pulumi.Bool(false), TargetPort: pulumi.Int(8080)},
		},
		Template: &app.TemplateArgs{Containers: app.ContainerArray{&app.ContainerArgs{
			Name: pulumi.String("bot"), Image: pulumi.String("mcr.microsoft.com/k8se/quickstart:latest"),
		}}},
	})
	if err != nil {
		return nil, err
	}
	if _, err := authorization.NewRoleAssignment(ctx, "bot-kv-secrets", &authorization.RoleAssignmentArgs{
		Scope:            vault.ID(),
		PrincipalId:      identity.PrincipalID,
		PrincipalType:    pulumi.String("ServicePrincipal"),
		RoleDefinitionId: pulumi.String("/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6"),
	}); err != nil {
		return nil, err
	}
	if _, err := authorization.NewManagementLockByScope(ctx, "rg-lock", &authorization.ManagementLockByScopeArgs{
		Scope:    rg.ID(),
		LockName: pulumi.String("do-not-delete"),
		Level:    pulumi.String("CanNotDelete"),
	}); err != nil {
		return nil, err
	}

	return map[string]pulumi.Output{
		"resourceGroupName":  rg.Name,
		"keyVaultUri":        vault.Properties.VaultUri(),
		"apiKeySecretUri":    apiKeySecret.Properties.SecretUri(),
		"dbPassword":         password,
		"appInsights":        pulumi.ToSecret(appi.ConnectionString),
		"serviceBusEndpoint": sb.ServiceBusEndpoint,
		"botFqdn":            bot.Configuration.Ingress().Fqdn(),
		"environmentIp":      env.StaticIp,
		"nsgId":              nsg.ID(),
		"tenantId":           pulumi.String(client.TenantId).ToStringOutput(),
		"queues":             pulumi.StringArray{queue.Name}.ToStringArrayOutput(),
	}, nil
}
