package azurenative

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// RegistryType is the type token of an Azure Container Registry.
const RegistryType = "azure-native:containerregistry:Registry"

// Registry is an azure-native:containerregistry:Registry.
type Registry struct {
	pulumi.CustomResourceState

	Name        pulumi.StringOutput `pulumi:"name"`
	LoginServer pulumi.StringOutput `pulumi:"loginServer"`
}

// RegistryArgs are the inputs of a registry pulled from with Entra ID only:
// no admin user, no anonymous pull. Anonymous pull is off unless a
// registry turns it on, and the registry's default API version in
// azure-native 2.90.0 (2022-12-01) has no anonymousPullEnabled property
// (only the preview versions from 2023-01-01-preview do), so it is not sent.
// https://learn.microsoft.com/azure/container-registry/container-registry-authentication#admin-account
// https://learn.microsoft.com/azure/container-registry/anonymous-pull-access
// RegistrySku is a container registry's service tier.
// https://learn.microsoft.com/azure/container-registry/container-registry-skus
type RegistrySku string

// The registry tiers. Premium is the one with private endpoints and zone
// redundancy.
const (
	RegistrySkuBasic    RegistrySku = "Basic"
	RegistrySkuStandard RegistrySku = "Standard"
	RegistrySkuPremium  RegistrySku = "Premium"
)

// RegistrySkus lists the registry tiers, cheapest first.
func RegistrySkus() []RegistrySku {
	return []RegistrySku{RegistrySkuBasic, RegistrySkuStandard, RegistrySkuPremium}
}

type RegistryArgs struct {
	// RegistryName is 5-50 letters and digits, unique in Azure. Required.
	RegistryName      string
	ResourceGroupName pulumi.StringInput
	Location          string
	// Sku is one of RegistrySkus. Required.
	Sku RegistrySku
	// ZoneRedundant spreads a Premium registry over availability zones;
	// it is set only when the registry is created.
	// https://learn.microsoft.com/azure/container-registry/zone-redundancy
	ZoneRedundant bool
	Tags          map[string]string
}

func (args RegistryArgs) props() pulumi.Map {
	m := pulumi.Map{
		"registryName":      pulumi.String(args.RegistryName),
		"resourceGroupName": args.ResourceGroupName,
		"location":          pulumi.String(args.Location),
		"sku":               pulumi.Map{"name": pulumi.String(string(args.Sku))},
		"adminUserEnabled":  pulumi.Bool(false),
		"tags":              pulumi.ToStringMap(args.Tags),
	}
	if args.ZoneRedundant {
		m["zoneRedundancy"] = pulumi.String("Enabled")
	}
	return m
}

// NewRegistry registers a container registry.
func NewRegistry(ctx *pulumi.Context, name string, args RegistryArgs, opts ...pulumi.ResourceOption) (*Registry, error) {
	var res Registry
	if err := register(ctx, RegistryType, name, args.props(), &res, opts); err != nil {
		return nil, err
	}
	return &res, nil
}
