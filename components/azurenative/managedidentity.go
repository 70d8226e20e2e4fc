package azurenative

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// UserAssignedIdentityType is the type token of a user-assigned managed
// identity, as in the azure-native schema.
const UserAssignedIdentityType = "azure-native:managedidentity:UserAssignedIdentity"

// UserAssignedIdentity is an azure-native:managedidentity:UserAssignedIdentity.
type UserAssignedIdentity struct {
	pulumi.CustomResourceState

	Name pulumi.StringOutput `pulumi:"name"`
	// PrincipalID is the object ID of the identity's service principal: what
	// role assignments grant roles to.
	PrincipalID pulumi.StringOutput `pulumi:"principalId"`
	// ClientID is what workloads pass to Entra ID (AZURE_CLIENT_ID) to pick
	// this identity when several are attached.
	ClientID pulumi.StringOutput `pulumi:"clientId"`
	TenantID pulumi.StringOutput `pulumi:"tenantId"`
}

// UserAssignedIdentityArgs are the identity inputs the program sets.
type UserAssignedIdentityArgs struct {
	// ResourceName is the identity's name: 3-128 characters. Required.
	ResourceName      string
	ResourceGroupName pulumi.StringInput
	Location          string
	Tags              map[string]string
}

func (a UserAssignedIdentityArgs) props() pulumi.Map {
	return pulumi.Map{
		"resourceName":      pulumi.String(a.ResourceName),
		"resourceGroupName": a.ResourceGroupName,
		"location":          pulumi.String(a.Location),
		"tags":              pulumi.ToStringMap(a.Tags),
	}
}

// NewUserAssignedIdentity registers a user-assigned managed identity.
func NewUserAssignedIdentity(ctx *pulumi.Context, name string, args UserAssignedIdentityArgs, opts ...pulumi.ResourceOption) (*UserAssignedIdentity, error) {
	var res UserAssignedIdentity
	if err := register(ctx, UserAssignedIdentityType, name, args.props(), &res, opts); err != nil {
		return nil, err
	}
	return &res, nil
}
