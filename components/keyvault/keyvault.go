// Package keyvault is the MisyBot Key Vault component: an RBAC-authorized
// vault with soft delete, optional purge protection, network ACLs that deny
// by default, a private endpoint (or, where allowed, a public endpoint
// restricted to listed addresses), diagnostics, and secrets created from
// Pulumi secret values.
package keyvault

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"sort"

	"github.com/misybot/platform/sdk/azurenative/keyvault"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/misybot/platform/components/crosscut"
)

// SecretContentType labels the secrets this component stores: plain text
// values from the stack's configuration. A content type tells readers what
// a secret holds and how it rotates
// (https://learn.microsoft.com/azure/key-vault/secrets/about-secrets).
const SecretContentType = "text/plain"

// Type is the component's Pulumi type token.
const Type = "misybot:keyvault:KeyVault"

// secretName is Key Vault's rule for secret names, SecretNameRule in words.
// https://learn.microsoft.com/azure/key-vault/general/about-keys-secrets-certificates#objects-identifiers-and-versioning
var secretName = regexp.MustCompile(`^[0-9a-zA-Z-]{1,127}$`)

// SecretNameRule says in words what a Key Vault secret name may be.
const SecretNameRule = "1 to 127 letters, digits and hyphens"

// ValidSecretName reports whether Key Vault accepts name as a secret name.
func ValidSecretName(name string) bool { return secretName.MatchString(name) }

// Args configures the vault.
type Args struct {
	crosscut.Inputs

	// Name is the vault name: 3-24 characters, globally unique. Required.
	Name string
	// TenantID is the Entra tenant that authorizes access. Required.
	TenantID pulumi.StringInput
	// Sku is SkuStandard (default) or SkuPremium (HSM-backed keys).
	Sku Sku
	// SoftDeleteRetentionDays is 7-90; default 90.
	SoftDeleteRetentionDays int
	// PurgeProtection forbids purging a deleted vault before its retention
	// ends. It cannot be turned off once on.
	PurgeProtection bool
	// AllowPublicNetworkAccess also opens the public endpoint, to AllowedIPs
	// only (developers managing secrets from an office network). The
	// private endpoint (Inputs.PrivateEndpoint, required) stays: Container
	// Apps is not a trusted service that may bypass the firewall, so an
	// environment reaches the vault only through it
	// (https://learn.microsoft.com/azure/key-vault/general/overview-vnet-service-endpoints#trusted-services,
	// https://github.com/microsoft/azure-container-apps/issues/1287).
	AllowPublicNetworkAccess bool
	// AllowedIPs are IPv4 addresses or CIDRs allowed through the firewall,
	// in any order (the vault lists them sorted)
	// when the public endpoint is on.
	AllowedIPs []string
	// Secrets to create, by name. Values are stored as Pulumi secrets.
	Secrets map[string]pulumi.StringInput
}

// KeyVault is the component's state and outputs.
type KeyVault struct {
	pulumi.ResourceState

	VaultID   pulumi.StringOutput
	VaultName pulumi.StringOutput
	VaultURI  pulumi.StringOutput
	// SecretURIs maps each secret name to its versionless URI, the form
	// Key Vault references use to follow rotations. Each is the Secret
	// resource's own output, so whatever refers to it waits for the secret.
	SecretURIs map[string]pulumi.StringOutput
	// PrivateAccess are the private endpoint and its DNS zone group:
	// clients in the network reach the vault once both exist.
	PrivateAccess []pulumi.Resource
}

// Sku is a Key Vault pricing tier, as Azure spells it (lower case).
// https://learn.microsoft.com/azure/key-vault/keys/about-keys
type Sku string

// The Key Vault tiers: premium adds HSM-protected keys.
const (
	SkuStandard Sku = "standard"
	SkuPremium  Sku = "premium"
)

// Skus are the tiers the component accepts.
func Skus() []Sku { return []Sku{SkuStandard, SkuPremium} }

// defaults fills what a caller without a stack left out; stacks set every
// field from their defaults table (stacks.DefaultsTable).
func (a *Args) defaults() {
	if a.Sku == "" {
		a.Sku = SkuStandard
	}
	if a.SoftDeleteRetentionDays == 0 {
		a.SoftDeleteRetentionDays = 90
	}
	// The firewall's IP rules are a set: listed in order, the same
	// addresses in another order would be a change.
	a.AllowedIPs = slices.Sorted(slices.Values(a.AllowedIPs))
}

func (a *Args) validate() error {
	errs := []error{a.Inputs.Validate()}
	if a.Name == "" {
		errs = append(errs, errors.New("args.Name is required"))
	}
	if a.TenantID == nil {
		errs = append(errs, errors.New("args.TenantID is required"))
	}
	if !slices.Contains(Skus(), a.Sku) {
		errs = append(errs, fmt.Errorf("args.Sku %q: want standard or premium", a.Sku))
	}
	if a.SoftDeleteRetentionDays < 7 || a.SoftDeleteRetentionDays > 90 {
		errs = append(errs, fmt.Errorf("args.SoftDeleteRetentionDays %d: want 7-90", a.SoftDeleteRetentionDays))
	}
	switch {
	case a.PrivateEndpoint == nil:
		errs = append(errs, errors.New("args.PrivateEndpoint is required: Container Apps and other clients in the network reach the vault only through it"))
	case !a.AllowPublicNetworkAccess && len(a.AllowedIPs) > 0:
		errs = append(errs, errors.New("args.AllowedIPs needs AllowPublicNetworkAccess"))
	}
	for _, ip := range a.AllowedIPs {
		if _, err := parseIPOrPrefix(ip); err != nil {
			errs = append(errs, fmt.Errorf("args.AllowedIPs %q: %w", ip, err))
		}
	}
	for name := range a.Secrets {
		if !ValidSecretName(name) {
			errs = append(errs, fmt.Errorf("secret name %q: want %s", name, SecretNameRule))
		}
	}
	return errors.Join(errs...)
}

func parseIPOrPrefix(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil {
		if p.Bits() == 0 {
			return p, errors.New("a firewall open to every address is no firewall")
		}
		return p, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, errors.New("not an IP address or CIDR")
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// New creates the Key Vault component.
func New(ctx *pulumi.Context, name string, args Args, opts ...pulumi.ResourceOption) (*KeyVault, error) {
	args.defaults()
	if err := args.validate(); err != nil {
		return nil, fmt.Errorf("keyvault %q: %w", name, err)
	}
	c := &KeyVault{SecretURIs: map[string]pulumi.StringOutput{}}
	if err := ctx.RegisterComponentResource(Type, name, c, opts...); err != nil {
		return nil, fmt.Errorf("keyvault %q: %w", name, err)
	}
	child := pulumi.Parent(c)

	publicAccess := "Disabled"
	ipRules := keyvault.IPRuleArray{}
	if args.AllowPublicNetworkAccess && len(args.AllowedIPs) > 0 {
		publicAccess = "Enabled"
		for _, ip := range args.AllowedIPs {
			ipRules = append(ipRules, keyvault.IPRuleArgs{Value: pulumi.String(ip)})
		}
	}
	vault, err := keyvault.NewVault(ctx, name+"-vault", &keyvault.VaultArgs{
		VaultName:         pulumi.String(args.Name),
		ResourceGroupName: args.ResourceGroupName,
		Location:          pulumi.String(args.Location),
		Properties: &keyvault.VaultPropertiesArgs{
			TenantId:                  args.TenantID,
			Sku:                       &keyvault.SkuArgs{Family: pulumi.String("A"), Name: keyvault.SkuName(string(args.Sku))},
			EnableRbacAuthorization:   pulumi.Bool(true),
			EnableSoftDelete:          pulumi.Bool(true),
			SoftDeleteRetentionInDays: pulumi.Int(args.SoftDeleteRetentionDays),
			// Azure rejects an explicit false: purge protection is either on or absent.
			EnablePurgeProtection: purgeProtection(args.PurgeProtection),
			PublicNetworkAccess:   pulumi.String(publicAccess),
			NetworkAcls: &keyvault.NetworkRuleSetArgs{
				DefaultAction: pulumi.String("Deny"),
				// No trusted-service bypass: nothing this platform runs needs it.
				Bypass:  pulumi.String("None"),
				IpRules: ipRules,
			},
			EnabledForDeployment:         pulumi.Bool(false),
			EnabledForDiskEncryption:     pulumi.Bool(false),
			EnabledForTemplateDeployment: pulumi.Bool(false),
		},
		Tags: args.TagMap(),
	}, args.StatefulOptions(child)...)
	if err != nil {
		return nil, fmt.Errorf("keyvault %q: vault: %w", name, err)
	}
	vaultID := vault.ID().ToStringOutput()
	if err := args.Attach(ctx, name, vaultID, child); err != nil {
		return nil, fmt.Errorf("keyvault %q: %w", name, err)
	}
	c.PrivateAccess, err = crosscut.NewPrivateEndpoint(ctx, name, "pep-"+args.Name, args.Inputs, vaultID, "vault", child)
	if err != nil {
		return nil, fmt.Errorf("keyvault %q: %w", name, err)
	}

	vaultURI := vault.Properties.VaultUri()
	names := make([]string, 0, len(args.Secrets))
	for n := range args.Secrets {
		names = append(names, n)
	}
	sort.Strings(names) // stable registration order, stable plans
	for _, n := range names {
		secret, err := keyvault.NewSecret(ctx, name+"-secret-"+n, &keyvault.SecretArgs{
			SecretName:        pulumi.String(n),
			VaultName:         vault.Name,
			ResourceGroupName: args.ResourceGroupName,
			Properties: &keyvault.SecretPropertiesArgs{
				Value:       pulumi.ToSecret(args.Secrets[n]).(pulumi.StringOutput),
				ContentType: pulumi.String(SecretContentType),
			},
			Tags: args.TagMap(),
		}, child)
		if err != nil {
			return nil, fmt.Errorf("keyvault %q: secret %q: %w", name, n, err)
		}
		// The URI is not secret, though the engine may mark the secret's
		// whole properties output so because its value input is.
		c.SecretURIs[n] = pulumi.Unsecret(secret.Properties.SecretUri()).(pulumi.StringOutput)
	}

	c.VaultID, c.VaultName, c.VaultURI = vaultID, vault.Name, vaultURI
	uris := pulumi.StringMap{}
	for n, u := range c.SecretURIs {
		uris[n] = u
	}
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"vaultId": c.VaultID, "vaultName": c.VaultName, "vaultUri": c.VaultURI, "secretUris": uris,
	}); err != nil {
		return nil, fmt.Errorf("keyvault %q: %w", name, err)
	}
	return c, nil
}

func purgeProtection(on bool) pulumi.BoolPtrInput {
	if on {
		return pulumi.Bool(true)
	}
	return nil
}
