package azuremodel_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/components/crosscut"
	"github.com/misybot/platform/infra/azuremodel"
	"github.com/misybot/platform/infra/offline"
)

// res is any azure-native resource registered by its type token, with the
// outputs the tests read.
type res struct {
	pulumi.CustomResourceState

	Name        pulumi.StringOutput `pulumi:"name"`
	PrincipalID pulumi.StringOutput `pulumi:"principalId"`
}

func reg(ctx *pulumi.Context, token, name string, props pulumi.Map, opts ...pulumi.ResourceOption) (*res, error) {
	var r res
	if err := ctx.RegisterResource(token, name, props, &r, opts...); err != nil {
		return nil, fmt.Errorf("%s %s: %w", token, name, err)
	}
	return &r, nil
}

const (
	rgName   = "rg-app"
	registry = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-shared/providers/Microsoft.ContainerRegistry/registries/crshared"
)

// world is a small platform: a VNet-injected workload-profiles environment
// with a container app that reads a Key Vault secret through a private
// endpoint, pulls from a shared registry and scales on a Service Bus queue.
// Its fields break one thing at a time, as a user's change would.
type world struct {
	release, canary string // revision suffixes; canary "" for none
	canaryWeight    int
	cpu             float64
	subnetPrefix    string
	noDelegation    bool
	nsgDenies31443  bool
	vaultPublic     bool // public access with a deny-by-default ACL, no private endpoint
	noSecret        bool
	noSecretsUser   bool
	noAcrPull       bool
	scaleRole       string // role on the queue for KEDA; "" → Data Owner
	purgeProtection bool
	sbSku           string
	sbCapacity      int
	queueMaxSize    int
	dupWindow       string
	protect         bool
	lockRG          bool
	raRole          string // the app identity's role on the vault; "" → Secrets User
	empty           bool   // a destroy: the program registers nothing
	nsgName         string
}

func defaultWorld() world {
	return world{nsgName: "nsg-apps", release: "v1", cpu: 0.5, subnetPrefix: "10.0.0.0/23", sbSku: "Premium", sbCapacity: 1, queueMaxSize: 1024, dupWindow: "PT10M"}
}

func (w world) program(ctx *pulumi.Context) (map[string]pulumi.Output, error) {
	if w.empty {
		return nil, nil
	}
	protect := pulumi.Protect(w.protect)
	rg, err := reg(ctx, "azure-native:resources:ResourceGroup", "rg", pulumi.Map{"resourceGroupName": pulumi.String(rgName), "location": pulumi.String("westeurope")}, protect)
	if err != nil {
		return nil, err
	}
	if w.lockRG {
		if _, err := reg(ctx, "azure-native:authorization:ManagementLockByScope", "rg-lock", pulumi.Map{
			"scope": rg.ID(), "lockName": pulumi.String("do-not-delete"), "level": pulumi.String("CanNotDelete"),
		}); err != nil {
			return nil, err
		}
	}
	rgn := pulumi.String(rgName)
	nsgRules := pulumi.Array{
		pulumi.Map{"name": pulumi.String("allow-https"), "priority": pulumi.Int(100), "direction": pulumi.String("Inbound"), "access": pulumi.String("Allow"),
			"protocol": pulumi.String("Tcp"), "destinationPortRanges": pulumi.ToStringArray([]string{"443", "31443"})},
		pulumi.Map{"name": pulumi.String("deny-all"), "priority": pulumi.Int(4096), "direction": pulumi.String("Inbound"), "access": pulumi.String("Deny"),
			"protocol": pulumi.String("*"), "destinationPortRange": pulumi.String("*")},
	}
	if w.nsgDenies31443 {
		nsgRules[0] = pulumi.Map{"name": pulumi.String("allow-https"), "priority": pulumi.Int(100), "direction": pulumi.String("Inbound"), "access": pulumi.String("Allow"),
			"protocol": pulumi.String("Tcp"), "destinationPortRange": pulumi.String("443")}
	}
	nsg, err := reg(ctx, "azure-native:network:NetworkSecurityGroup", "nsg", pulumi.Map{
		"resourceGroupName": rgn, "networkSecurityGroupName": pulumi.String(w.nsgName), "securityRules": nsgRules,
	})
	if err != nil {
		return nil, err
	}
	delegations := pulumi.Array{pulumi.Map{"name": pulumi.String("apps"), "serviceName": pulumi.String("Microsoft.App/environments")}}
	if w.noDelegation {
		delegations = pulumi.Array{}
	}
	vnet, err := reg(ctx, "azure-native:network:VirtualNetwork", "vnet", pulumi.Map{
		"resourceGroupName": rgn, "virtualNetworkName": pulumi.String("vnet"),
		"addressSpace": pulumi.Map{"addressPrefixes": pulumi.ToStringArray([]string{"10.0.0.0/16"})},
		"subnets": pulumi.Array{
			pulumi.Map{"name": pulumi.String("apps"), "addressPrefix": pulumi.String(w.subnetPrefix), "delegations": delegations,
				"networkSecurityGroup": pulumi.Map{"id": nsg.ID()}},
			pulumi.Map{"name": pulumi.String("endpoints"), "addressPrefix": pulumi.String("10.0.2.0/24")},
		},
	})
	if err != nil {
		return nil, err
	}
	vnetID := vnet.ID().ToStringOutput()
	appsSubnet := vnetID.ApplyT(func(id string) string { return id + "/subnets/apps" }).(pulumi.StringOutput)
	endpointsSubnet := vnetID.ApplyT(func(id string) string { return id + "/subnets/endpoints" }).(pulumi.StringOutput)

	env, err := reg(ctx, "azure-native:app:ManagedEnvironment", "env", pulumi.Map{
		"resourceGroupName": rgn, "environmentName": pulumi.String("cae"),
		"vnetConfiguration": pulumi.Map{"infrastructureSubnetId": appsSubnet, "internal": pulumi.Bool(true)},
		"workloadProfiles":  pulumi.Array{pulumi.Map{"name": pulumi.String("Consumption"), "workloadProfileType": pulumi.String("Consumption")}},
	})
	if err != nil {
		return nil, err
	}
	identity, err := reg(ctx, "azure-native:managedidentity:UserAssignedIdentity", "id", pulumi.Map{"resourceGroupName": rgn, "resourceName": pulumi.String("id-app")})
	if err != nil {
		return nil, err
	}
	vaultProps := pulumi.Map{
		"tenantId": pulumi.String(offline.PlaceholderTenantID), "enableRbacAuthorization": pulumi.Bool(true),
		"publicNetworkAccess": pulumi.String("Disabled"), "sku": pulumi.Map{"family": pulumi.String("A"), "name": pulumi.String("standard")},
	}
	if w.purgeProtection {
		vaultProps["enablePurgeProtection"] = pulumi.Bool(true)
	}
	if w.vaultPublic {
		vaultProps["publicNetworkAccess"] = pulumi.String("Enabled")
		vaultProps["networkAcls"] = pulumi.Map{"defaultAction": pulumi.String("Deny"), "bypass": pulumi.String("AzureServices"),
			"ipRules": pulumi.Array{pulumi.Map{"value": pulumi.String("203.0.113.0/24")}}}
	}
	vault, err := reg(ctx, "azure-native:keyvault:Vault", "kv", pulumi.Map{"resourceGroupName": rgn, "vaultName": pulumi.String("kv-app"), "properties": vaultProps}, protect)
	if err != nil {
		return nil, err
	}
	if !w.noSecret {
		if _, err := reg(ctx, "azure-native:keyvault:Secret", "bot-token", pulumi.Map{
			"resourceGroupName": rgn, "vaultName": pulumi.String("kv-app"), "secretName": pulumi.String("bot-token"),
			"properties": pulumi.Map{"value": pulumi.ToSecret(pulumi.String("s3cret"))},
		}, pulumi.DependsOn([]pulumi.Resource{vault})); err != nil {
			return nil, err
		}
	}
	if !w.vaultPublic {
		zone, err := reg(ctx, "azure-native:network:PrivateZone", "kv-zone", pulumi.Map{"resourceGroupName": rgn, "privateZoneName": pulumi.String("privatelink.vaultcore.azure.net")})
		if err != nil {
			return nil, err
		}
		if _, err := reg(ctx, "azure-native:network:VirtualNetworkLink", "kv-link", pulumi.Map{
			"resourceGroupName": rgn, "privateZoneName": pulumi.String("privatelink.vaultcore.azure.net"), "virtualNetworkLinkName": pulumi.String("vnet"),
			"virtualNetwork": pulumi.Map{"id": vnetID}, "registrationEnabled": pulumi.Bool(false),
		}, pulumi.DependsOn([]pulumi.Resource{zone})); err != nil {
			return nil, err
		}
		pe, err := reg(ctx, "azure-native:network:PrivateEndpoint", "kv-pe", pulumi.Map{
			"resourceGroupName": rgn, "privateEndpointName": pulumi.String("pe-kv"), "subnet": pulumi.Map{"id": endpointsSubnet},
			"privateLinkServiceConnections": pulumi.Array{pulumi.Map{"name": pulumi.String("kv"), "privateLinkServiceId": vault.ID(), "groupIds": pulumi.ToStringArray([]string{"vault"})}},
		})
		if err != nil {
			return nil, err
		}
		if _, err := reg(ctx, "azure-native:network:PrivateDnsZoneGroup", "kv-pe-dns", pulumi.Map{
			"resourceGroupName": rgn, "privateEndpointName": pulumi.String("pe-kv"), "privateDnsZoneGroupName": pulumi.String("default"),
			"privateDnsZoneConfigs": pulumi.Array{pulumi.Map{"name": pulumi.String("kv"), "privateDnsZoneId": zone.ID()}},
		}, pulumi.DependsOn([]pulumi.Resource{pe})); err != nil {
			return nil, err
		}
	}
	kvRole := w.raRole
	if kvRole == "" {
		kvRole = crosscut.RoleKeyVaultSecretsUser
	}
	if !w.noSecretsUser {
		if _, err := reg(ctx, "azure-native:authorization:RoleAssignment", "id-kv", pulumi.Map{
			"scope": vault.ID(), "principalId": identity.PrincipalID, "roleDefinitionId": pulumi.String(kvRole), "principalType": pulumi.String("ServicePrincipal"),
		}); err != nil {
			return nil, err
		}
	}
	if !w.noAcrPull {
		if _, err := reg(ctx, "azure-native:authorization:RoleAssignment", "id-acr", pulumi.Map{
			"scope": pulumi.String(registry), "principalId": identity.PrincipalID, "roleDefinitionId": pulumi.String(crosscut.RoleAcrPull),
		}); err != nil {
			return nil, err
		}
	}
	ns, err := reg(ctx, "azure-native:servicebus:Namespace", "sb", pulumi.Map{
		"resourceGroupName": rgn, "namespaceName": pulumi.String("sb-misy-app"), "sku": pulumi.Map{"name": pulumi.String(w.sbSku), "capacity": pulumi.Int(w.sbCapacity)},
	})
	if err != nil {
		return nil, err
	}
	queue, err := reg(ctx, "azure-native:servicebus:Queue", "queue", pulumi.Map{
		"resourceGroupName": rgn, "namespaceName": pulumi.String("sb-misy-app"), "queueName": pulumi.String("inbound"),
		"maxSizeInMegabytes": pulumi.Int(w.queueMaxSize), "duplicateDetectionHistoryTimeWindow": pulumi.String(w.dupWindow),
	}, pulumi.DependsOn([]pulumi.Resource{ns}))
	if err != nil {
		return nil, err
	}
	scaleRole := w.scaleRole
	if scaleRole == "" {
		scaleRole = crosscut.RoleServiceBusDataOwner
	}
	if _, err := reg(ctx, "azure-native:authorization:RoleAssignment", "id-sb", pulumi.Map{
		"scope": queue.ID(), "principalId": identity.PrincipalID, "roleDefinitionId": pulumi.String(scaleRole),
	}); err != nil {
		return nil, err
	}

	traffic := pulumi.Array{pulumi.Map{"revisionName": pulumi.String("app--" + w.release), "weight": pulumi.Int(100 - w.canaryWeight)}}
	suffix := w.release
	if w.canary != "" {
		suffix = w.canary
		traffic = append(traffic, pulumi.Map{"revisionName": pulumi.String("app--" + w.canary), "weight": pulumi.Int(w.canaryWeight), "label": pulumi.String("canary")})
	}
	idID := identity.ID()
	app, err := reg(ctx, "azure-native:app:ContainerApp", "app", pulumi.Map{
		"resourceGroupName": rgn, "containerAppName": pulumi.String("app"), "managedEnvironmentId": env.ID(),
		"identity": pulumi.Map{"type": pulumi.String("UserAssigned"), "userAssignedIdentities": pulumi.Array{idID}},
		"configuration": pulumi.Map{
			"activeRevisionsMode": pulumi.String("Multiple"),
			"ingress":             pulumi.Map{"external": pulumi.Bool(false), "targetPort": pulumi.Int(8080), "traffic": traffic},
			"registries":          pulumi.Array{pulumi.Map{"server": pulumi.String("crshared.azurecr.io"), "identity": idID}},
			"secrets": pulumi.Array{pulumi.Map{"name": pulumi.String("bot-token"), "identity": idID,
				"keyVaultUrl": pulumi.String("https://kv-app.vault.azure.net/secrets/bot-token")}},
		},
		"template": pulumi.Map{
			"revisionSuffix": pulumi.String(suffix),
			"containers":     pulumi.Array{pulumi.Map{"name": pulumi.String("app"), "image": pulumi.String("crshared.azurecr.io/app:" + suffix), "resources": pulumi.Map{"cpu": pulumi.Float64(w.cpu)}}},
			"scale": pulumi.Map{"rules": pulumi.Array{pulumi.Map{"name": pulumi.String("queue"), "custom": pulumi.Map{
				"type": pulumi.String("azure-servicebus"), "identity": idID,
				"metadata": pulumi.Map{"namespace": pulumi.String("sb-misy-app"), "queueName": pulumi.String("inbound"), "messageCount": pulumi.String("5")},
			}}}},
		},
	})
	if err != nil {
		return nil, err
	}
	return map[string]pulumi.Output{"latestRevision": app.URN()}, nil
}

// step runs the world from a prior state (nil for the first deploy) and
// returns the plan; the state for the next step is the plan's saved state.
func step(t *testing.T, w world, prior *offline.State, opts azuremodel.Options) *offline.Plan {
	t.Helper()
	plan, err := offline.Run(context.Background(), offline.Options{
		Project: "proj", Stack: "dev", Program: w.program, Prior: prior, Model: azuremodel.New(opts),
	})
	require.NoError(t, err)
	return plan
}

// saved round-trips the plan's state through its file format.
func saved(t *testing.T, plan *offline.Plan) *offline.State {
	t.Helper()
	require.Empty(t, problemLines(plan), "a plan with problems leaves no state")
	data, err := plan.SaveState()
	require.NoError(t, err)
	st, err := offline.ParseState(data)
	require.NoError(t, err)
	return st
}

func problemLines(plan *offline.Plan) []string {
	var out []string
	for _, p := range plan.Problems {
		out = append(out, p.String())
	}
	return out
}

func rules(plan *offline.Plan) []string {
	var out []string
	for _, p := range plan.Problems {
		out = append(out, p.Rule)
	}
	return out
}
