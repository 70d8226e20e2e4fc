// Package crosscut holds the inputs that every component takes in the same
// form (placement, tags, diagnostics, private endpoint, role assignments,
// lock, protect) and the child resources built from them, so that each
// component wires them the same way.
package crosscut

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/misybot/platform/sdk/azurenative/authorization"
	"github.com/misybot/platform/sdk/azurenative/insights"
	"github.com/misybot/platform/sdk/azurenative/network"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Inputs are the cross-cutting inputs of every component. Components embed
// them in their Args.
type Inputs struct {
	// ResourceGroupName is the resource group the component's resources go to. Required.
	ResourceGroupName pulumi.StringInput
	// Location is the Azure region, such as "westeurope". Required.
	Location string
	// Tags are applied to every taggable child resource.
	Tags map[string]string
	// Diagnostics, when set, sends the resource's logs and metrics to a Log
	// Analytics workspace.
	Diagnostics *Diagnostics
	// PrivateEndpoint, when set, reaches the service through a private
	// endpoint in the given subnet, registered in the given private DNS zone.
	// Components whose service supports private endpoints then disable public
	// network access.
	PrivateEndpoint *PrivateEndpoint
	// RoleAssignments are granted on the component's main resource, by a
	// key the caller chooses (lower-case letters, digits and '-'): the key
	// names the resource, so adding or removing one assignment never
	// replaces another (Azure Verified Modules key such collections the
	// same way).
	RoleAssignments map[string]RoleAssignment
	// Lock puts a CanNotDelete management lock on the component's main resource.
	Lock bool
	// Protect marks stateful children as protected, so `pulumi destroy` and
	// replacements fail instead of deleting data.
	Protect bool
}

// Diagnostics is where diagnostic settings send logs and metrics.
type Diagnostics struct {
	// WorkspaceID is the resource ID of the Log Analytics workspace.
	WorkspaceID pulumi.StringInput
}

// PrivateEndpoint places a private endpoint for a service.
type PrivateEndpoint struct {
	// SubnetID is the resource ID of the subnet holding the endpoint's NIC.
	SubnetID pulumi.StringInput
	// DNSZoneID is the resource ID of the privatelink DNS zone the endpoint
	// registers its address in.
	DNSZoneID pulumi.StringInput
}

// RoleAssignment grants a role to a principal on the component's main resource.
type RoleAssignment struct {
	// PrincipalID is the object ID of the user, group or service principal.
	PrincipalID pulumi.StringInput
	// PrincipalType is User, Group or ServicePrincipal. Setting it avoids a
	// replication race for principals created in the same deployment.
	PrincipalType string
	// RoleDefinitionID is a built-in role GUID (see roles.go) or a full role
	// definition resource ID.
	RoleDefinitionID string
	// Description says why the assignment exists.
	Description string
	// Condition, when set, is an ABAC condition (version 2.0) narrowing
	// the assignment, such as which roles a role administrator may assign.
	Condition string
	// ListIndex, when set, is the assignment's position from when
	// RoleAssignments was a list and its resource was named by position
	// ("<name>-ra-<index>"): that name becomes an alias of the keyed one, so
	// a stack deployed before the change sees no replacement.
	ListIndex *int
}

// Index returns a ListIndex.
func Index(i int) *int { return &i }

// roleKeyPattern is what a role assignment key may be: it goes into a
// logical name.
var roleKeyPattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$`)

// Validate checks the inputs every component requires.
func (in Inputs) Validate() error {
	var errs []error
	if in.ResourceGroupName == nil {
		errs = append(errs, errors.New("args.ResourceGroupName is required"))
	}
	if in.Location == "" {
		errs = append(errs, errors.New("args.Location is required"))
	}
	if in.Diagnostics != nil && in.Diagnostics.WorkspaceID == nil {
		errs = append(errs, errors.New("args.Diagnostics.WorkspaceID is required when Diagnostics is set"))
	}
	if pe := in.PrivateEndpoint; pe != nil && (pe.SubnetID == nil || pe.DNSZoneID == nil) {
		errs = append(errs, errors.New("args.PrivateEndpoint needs SubnetID and DNSZoneID"))
	}
	indices := map[int]string{}
	for _, key := range slices.Sorted(maps.Keys(in.RoleAssignments)) {
		ra := in.RoleAssignments[key]
		if !roleKeyPattern.MatchString(key) {
			errs = append(errs, fmt.Errorf("args.RoleAssignments[%q]: a key of 1-64 lower-case letters, digits and '-'", key))
		}
		if ra.PrincipalID == nil || ra.RoleDefinitionID == "" {
			errs = append(errs, fmt.Errorf("args.RoleAssignments[%q] needs PrincipalID and RoleDefinitionID", key))
		}
		switch ra.PrincipalType {
		case "", "User", "Group", "ServicePrincipal":
		default:
			errs = append(errs, fmt.Errorf("args.RoleAssignments[%q].PrincipalType %q: want User, Group or ServicePrincipal", key, ra.PrincipalType))
		}
		if ra.ListIndex != nil {
			if other, dup := indices[*ra.ListIndex]; dup {
				errs = append(errs, fmt.Errorf("args.RoleAssignments[%q].ListIndex %d: already the index of %q", key, *ra.ListIndex, other))
			}
			indices[*ra.ListIndex] = key
		}
	}
	return errors.Join(errs...)
}

// TagMap returns the tags as a Pulumi input.
func (in Inputs) TagMap() pulumi.StringMap { return pulumi.ToStringMap(in.Tags) }

// StatefulOptions returns the options for a resource that holds data:
// protected when Protect is set.
func (in Inputs) StatefulOptions(opts ...pulumi.ResourceOption) []pulumi.ResourceOption {
	if in.Protect {
		opts = append(opts, pulumi.Protect(true))
	}
	return opts
}

// Attach creates the cross-cutting children of a component's main resource:
// the diagnostic setting, the role assignments and the lock, each as
// requested by the inputs. name prefixes their logical names.
func (in Inputs) Attach(ctx *pulumi.Context, name string, resourceID pulumi.StringInput, opts ...pulumi.ResourceOption) error {
	if in.Diagnostics != nil {
		if _, err := NewDiagnosticSetting(ctx, name, resourceID, *in.Diagnostics, true, opts...); err != nil {
			return err
		}
	}
	if err := AssignRoles(ctx, name+"-ra", resourceID, in.RoleAssignments, opts...); err != nil {
		return err
	}
	if in.Lock {
		if _, err := NewLock(ctx, name, resourceID, opts...); err != nil {
			return err
		}
	}
	return nil
}

// AssignRoles grants each keyed assignment on scope, as "<prefix>-<key>".
// An assignment with a ListIndex also answers to its former name
// "<prefix>-<index>" (an alias), so it is not replaced.
func AssignRoles(ctx *pulumi.Context, prefix string, scope pulumi.StringInput, ras map[string]RoleAssignment, opts ...pulumi.ResourceOption) error {
	for _, key := range slices.Sorted(maps.Keys(ras)) {
		ra := ras[key]
		o := opts
		if ra.ListIndex != nil {
			o = append(slices.Clone(opts), pulumi.Aliases([]pulumi.Alias{{Name: pulumi.String(fmt.Sprintf("%s-%d", prefix, *ra.ListIndex))}}))
		}
		if _, err := NewRoleAssignment(ctx, prefix+"-"+key, scope, ra, o...); err != nil {
			return err
		}
	}
	return nil
}

// NewDiagnosticSetting sends all logs of a resource, and its metrics when
// metrics is true, to the workspace. Some types (network security groups)
// have logs but no metrics, and Azure rejects a setting that asks for them.
func NewDiagnosticSetting(ctx *pulumi.Context, name string, resourceID pulumi.StringInput, d Diagnostics, metrics bool, opts ...pulumi.ResourceOption) (*insights.DiagnosticSetting, error) {
	args := &insights.DiagnosticSettingArgs{
		Name:        pulumi.String("to-log-analytics"),
		ResourceUri: resourceID,
		WorkspaceId: d.WorkspaceID,
		Logs: insights.LogSettingsArray{
			insights.LogSettingsArgs{CategoryGroup: pulumi.String("allLogs"), Enabled: pulumi.Bool(true)},
		},
	}
	if metrics {
		args.Metrics = insights.MetricSettingsArray{
			insights.MetricSettingsArgs{Category: pulumi.String("AllMetrics"), Enabled: pulumi.Bool(true)},
		}
	}
	ds, err := insights.NewDiagnosticSetting(ctx, name+"-diag", args, opts...)
	if err != nil {
		return nil, fmt.Errorf("diagnostic setting %q: %w", name, err)
	}
	return ds, nil
}

// NewRoleAssignment grants ra on scope.
func NewRoleAssignment(ctx *pulumi.Context, name string, scope pulumi.StringInput, ra RoleAssignment, opts ...pulumi.ResourceOption) (*authorization.RoleAssignment, error) {
	args := &authorization.RoleAssignmentArgs{
		Scope:            scope,
		PrincipalId:      ra.PrincipalID,
		RoleDefinitionId: RoleDefinitionID(scope, ra.RoleDefinitionID),
	}
	if ra.PrincipalType != "" {
		args.PrincipalType = pulumi.StringPtr(ra.PrincipalType)
	}
	if ra.Description != "" {
		args.Description = pulumi.StringPtr(ra.Description)
	}
	if ra.Condition != "" {
		args.Condition = pulumi.StringPtr(ra.Condition)
		args.ConditionVersion = pulumi.StringPtr("2.0")
	}
	res, err := authorization.NewRoleAssignment(ctx, name, args, opts...)
	if err != nil {
		return nil, fmt.Errorf("role assignment %q: %w", name, err)
	}
	return res, nil
}

// RoleDefinitionID returns the subscription-scoped resource ID of a role
// definition, taking the subscription from the scope it is assigned on.
// A role that is already a full resource ID is returned unchanged.
func RoleDefinitionID(scope pulumi.StringInput, role string) pulumi.StringOutput {
	return scope.ToStringOutput().ApplyT(func(s string) string {
		if strings.HasPrefix(role, "/") {
			return role
		}
		return SubscriptionScope(s) + "/providers/Microsoft.Authorization/roleDefinitions/" + role
	}).(pulumi.StringOutput)
}

// SubscriptionScope returns the "/subscriptions/<id>" prefix of a resource ID,
// or "" when the ID is not below a subscription.
func SubscriptionScope(resourceID string) string {
	parts := strings.Split(resourceID, "/")
	if len(parts) >= 3 && strings.EqualFold(parts[1], "subscriptions") {
		return "/subscriptions/" + parts[2]
	}
	return ""
}

// NewLock puts a CanNotDelete lock on scope.
func NewLock(ctx *pulumi.Context, name string, scope pulumi.StringInput, opts ...pulumi.ResourceOption) (*authorization.ManagementLockByScope, error) {
	lock, err := authorization.NewManagementLockByScope(ctx, name+"-lock", &authorization.ManagementLockByScopeArgs{
		Scope:    scope,
		Level:    pulumi.String("CanNotDelete"),
		LockName: pulumi.String("do-not-delete"),
		Notes:    pulumi.String("Managed by Pulumi (misybot-platform). Remove through the program, not by hand."),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("lock %q: %w", name, err)
	}
	return lock, nil
}

// NewPrivateEndpoint connects a private endpoint to target's sub-resource
// groupID (such as "vault" or "namespace") and registers it in the DNS zone.
// It returns the endpoint and its DNS zone group: clients resolve the
// service to the endpoint only once the group has registered it, so they
// depend on both.
func NewPrivateEndpoint(ctx *pulumi.Context, name, endpointName string, in Inputs, targetID pulumi.StringInput, groupID string, opts ...pulumi.ResourceOption) ([]pulumi.Resource, error) {
	pe := in.PrivateEndpoint
	if pe == nil {
		return nil, fmt.Errorf("private endpoint %q: no PrivateEndpoint inputs", name)
	}
	ep, err := network.NewPrivateEndpoint(ctx, name+"-pep", &network.PrivateEndpointArgs{
		PrivateEndpointName: pulumi.String(endpointName),
		ResourceGroupName:   in.ResourceGroupName,
		Location:            pulumi.String(in.Location),
		Subnet:              &network.SubnetTypeArgs{Id: pe.SubnetID},
		PrivateLinkServiceConnections: network.PrivateLinkServiceConnectionArray{
			network.PrivateLinkServiceConnectionArgs{
				Name:                 pulumi.String(endpointName),
				PrivateLinkServiceId: targetID,
				GroupIds:             pulumi.StringArray{pulumi.String(groupID)},
			},
		},
		Tags: in.TagMap(),
	}, opts...)
	if err != nil {
		return nil, fmt.Errorf("private endpoint %q: %w", name, err)
	}
	group, err := network.NewPrivateDnsZoneGroup(ctx, name+"-pep-dns", &network.PrivateDnsZoneGroupArgs{
		PrivateDnsZoneGroupName: pulumi.String("default"),
		PrivateEndpointName:     ep.Name,
		ResourceGroupName:       in.ResourceGroupName,
		PrivateDnsZoneConfigs: network.PrivateDnsZoneConfigArray{
			network.PrivateDnsZoneConfigArgs{Name: pulumi.String(groupID), PrivateDnsZoneId: pe.DNSZoneID},
		},
	}, append(opts, pulumi.Parent(ep))...)
	if err != nil {
		return nil, fmt.Errorf("private endpoint %q: dns zone group: %w", name, err)
	}
	return []pulumi.Resource{ep, group}, nil
}
