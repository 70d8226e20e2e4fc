package azurenative

import (
	"fmt"

	"github.com/pulumi/pulumi-azure-native-sdk/v2/utilities"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// GetUserAssignedIdentity reads a user-assigned identity that exists
// outside the stack (the bootstrap creates the app's) by its resource ID;
// args name it as it was created.
func GetUserAssignedIdentity(ctx *pulumi.Context, name string, id pulumi.IDInput, args UserAssignedIdentityArgs, opts ...pulumi.ResourceOption) (*UserAssignedIdentity, error) {
	var res UserAssignedIdentity
	if err := ctx.ReadResource(UserAssignedIdentityType, name, id, args.props(), &res, utilities.PkgResourceDefaultOpts(opts)...); err != nil {
		return nil, fmt.Errorf("%s %q: %w", UserAssignedIdentityType, name, err)
	}
	return &res, nil
}
