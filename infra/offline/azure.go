package offline

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// locationKind says whether a resource type has a location.
type locationKind int

const (
	noLocation locationKind = iota
	regional                // the input, else the resource group's, else azure-native:location
	global                  // "global" unless the input says otherwise
)

// armSpec describes where an azure-native resource type lives in ARM.
type armSpec struct {
	namespace string // resource provider namespace, e.g. Microsoft.Network
	// types are the ARM type segments, outermost first; "{prop}" takes the
	// segment from an input (a record set's type).
	types []string
	// names are the inputs naming each level; the last names the resource
	// itself. "=literal" is a fixed name (a storage account's "default"
	// blob service).
	names []string
	// scope, when set, makes an extension resource: the input holding the
	// ID of the resource it extends.
	scope string
	// subscription puts the resource at subscription level rather than in
	// a resource group.
	subscription bool
	location     locationKind
	// guidName: the provider auto-names with a GUID (role assignments).
	guidName bool
	// known: the spec is from the table below, so missing required inputs
	// are errors as the provider's Check would make them; derived specs are
	// best effort.
	known bool
}

func child(namespace string, types, names []string) armSpec {
	return armSpec{namespace: namespace, types: types, names: names, known: true}
}

func top(namespace, typ, name string, loc locationKind) armSpec {
	return armSpec{namespace: namespace, types: []string{typ}, names: []string{name}, location: loc, known: true}
}

// armSpecs are the azure-native types the platform uses, and some near them.
var armSpecs = map[string]armSpec{
	"azure-native:network:VirtualNetwork":        top("Microsoft.Network", "virtualNetworks", "virtualNetworkName", regional),
	"azure-native:network:Subnet":                child("Microsoft.Network", []string{"virtualNetworks", "subnets"}, []string{"virtualNetworkName", "subnetName"}),
	"azure-native:network:VirtualNetworkPeering": child("Microsoft.Network", []string{"virtualNetworks", "virtualNetworkPeerings"}, []string{"virtualNetworkName", "virtualNetworkPeeringName"}),
	"azure-native:network:NetworkSecurityGroup":  top("Microsoft.Network", "networkSecurityGroups", "networkSecurityGroupName", regional),
	"azure-native:network:SecurityRule":          child("Microsoft.Network", []string{"networkSecurityGroups", "securityRules"}, []string{"networkSecurityGroupName", "securityRuleName"}),
	"azure-native:network:PrivateEndpoint":       top("Microsoft.Network", "privateEndpoints", "privateEndpointName", regional),
	"azure-native:network:PrivateDnsZoneGroup":   child("Microsoft.Network", []string{"privateEndpoints", "privateDnsZoneGroups"}, []string{"privateEndpointName", "privateDnsZoneGroupName"}),
	"azure-native:network:PrivateZone":           top("Microsoft.Network", "privateDnsZones", "privateZoneName", global),
	"azure-native:network:VirtualNetworkLink": withLocation(child("Microsoft.Network",
		[]string{"privateDnsZones", "virtualNetworkLinks"}, []string{"privateZoneName", "virtualNetworkLinkName"}), global),
	"azure-native:network:PrivateRecordSet": child("Microsoft.Network", []string{"privateDnsZones", "{recordType}"}, []string{"privateZoneName", "relativeRecordSetName"}),
	"azure-native:network:PublicIPAddress":  top("Microsoft.Network", "publicIPAddresses", "publicIpAddressName", regional),
	"azure-native:network:NatGateway":       top("Microsoft.Network", "natGateways", "natGatewayName", regional),
	"azure-native:network:RouteTable":       top("Microsoft.Network", "routeTables", "routeTableName", regional),

	"azure-native:keyvault:Vault":  top("Microsoft.KeyVault", "vaults", "vaultName", regional),
	"azure-native:keyvault:Secret": child("Microsoft.KeyVault", []string{"vaults", "secrets"}, []string{"vaultName", "secretName"}),
	"azure-native:keyvault:Key":    child("Microsoft.KeyVault", []string{"vaults", "keys"}, []string{"vaultName", "keyName"}),

	"azure-native:servicebus:Namespace":                  top("Microsoft.ServiceBus", "namespaces", "namespaceName", regional),
	"azure-native:servicebus:Queue":                      child("Microsoft.ServiceBus", []string{"namespaces", "queues"}, []string{"namespaceName", "queueName"}),
	"azure-native:servicebus:Topic":                      child("Microsoft.ServiceBus", []string{"namespaces", "topics"}, []string{"namespaceName", "topicName"}),
	"azure-native:servicebus:Subscription":               child("Microsoft.ServiceBus", []string{"namespaces", "topics", "subscriptions"}, []string{"namespaceName", "topicName", "subscriptionName"}),
	"azure-native:servicebus:Rule":                       child("Microsoft.ServiceBus", []string{"namespaces", "topics", "subscriptions", "rules"}, []string{"namespaceName", "topicName", "subscriptionName", "ruleName"}),
	"azure-native:servicebus:NamespaceAuthorizationRule": child("Microsoft.ServiceBus", []string{"namespaces", "authorizationRules"}, []string{"namespaceName", "authorizationRuleName"}),
	"azure-native:servicebus:QueueAuthorizationRule":     child("Microsoft.ServiceBus", []string{"namespaces", "queues", "authorizationRules"}, []string{"namespaceName", "queueName", "authorizationRuleName"}),

	"azure-native:operationalinsights:Workspace": top("Microsoft.OperationalInsights", "workspaces", "workspaceName", regional),

	"azure-native:insights:Component":          top("Microsoft.Insights", "components", "resourceName", regional),
	"azure-native:insights:ActionGroup":        top("Microsoft.Insights", "actionGroups", "actionGroupName", global),
	"azure-native:insights:MetricAlert":        top("Microsoft.Insights", "metricAlerts", "ruleName", global),
	"azure-native:insights:ScheduledQueryRule": top("Microsoft.Insights", "scheduledQueryRules", "ruleName", regional),
	"azure-native:insights:DiagnosticSetting":  extension("resourceUri", "Microsoft.Insights", "diagnosticSettings", "name"),

	"azure-native:authorization:RoleAssignment":                     withGUIDName(extension("scope", "Microsoft.Authorization", "roleAssignments", "roleAssignmentName")),
	"azure-native:authorization:ManagementLockByScope":              extension("scope", "Microsoft.Authorization", "locks", "lockName"),
	"azure-native:authorization:ManagementLockAtResourceGroupLevel": top("Microsoft.Authorization", "locks", "lockName", noLocation),
	"azure-native:authorization:ManagementLockAtSubscriptionLevel":  atSubscription(top("Microsoft.Authorization", "locks", "lockName", noLocation)),
	"azure-native:authorization:PolicyAssignment":                   extension("scope", "Microsoft.Authorization", "policyAssignments", "policyAssignmentName"),

	"azure-native:app:ManagedEnvironment": top("Microsoft.App", "managedEnvironments", "environmentName", regional),
	"azure-native:app:ContainerApp":       top("Microsoft.App", "containerApps", "containerAppName", regional),
	"azure-native:app:Job":                top("Microsoft.App", "jobs", "jobName", regional),

	"azure-native:loadtestservice:LoadTest":             top("Microsoft.LoadTestService", "loadTests", "loadTestName", regional),
	"azure-native:managedidentity:UserAssignedIdentity": top("Microsoft.ManagedIdentity", "userAssignedIdentities", "resourceName", regional),
	"azure-native:managedidentity:FederatedIdentityCredential": child("Microsoft.ManagedIdentity",
		[]string{"userAssignedIdentities", "federatedIdentityCredentials"}, []string{"resourceName", "federatedIdentityCredentialResourceName"}),

	"azure-native:containerregistry:Registry": top("Microsoft.ContainerRegistry", "registries", "registryName", regional),

	"azure-native:storage:StorageAccount": top("Microsoft.Storage", "storageAccounts", "accountName", regional),
	"azure-native:storage:BlobContainer": child("Microsoft.Storage",
		[]string{"storageAccounts", "blobServices", "containers"}, []string{"accountName", "=default", "containerName"}),
}

func extension(scope, namespace, typ, name string) armSpec {
	s := top(namespace, typ, name, noLocation)
	s.scope = scope
	return s
}

func withLocation(s armSpec, loc locationKind) armSpec { s.location = loc; return s }
func withGUIDName(s armSpec) armSpec                   { s.guidName = true; return s }
func atSubscription(s armSpec) armSpec                 { s.subscription = true; return s }

// specFor returns the table's spec, or one derived from the type token by
// the azure-native naming convention for other types:
// azure-native:<module>:<Type> is Microsoft.<Module>/<type>s, named by the
// input <type>Name.
func specFor(token string, inputs resource.PropertyMap) armSpec {
	if s, ok := armSpecs[token]; ok {
		return s
	}
	parts := strings.Split(token, ":")
	module, typ := "resources", "resource"
	if len(parts) == 3 {
		module, typ = parts[1], parts[2]
	}
	name := lowerFirst(typ)
	s := armSpec{
		namespace: "Microsoft." + upperFirst(module),
		types:     []string{name + "s"},
		names:     []string{name + "Name"},
	}
	if _, ok := stringAt(inputs, "resourceGroupName"); ok {
		s.location = regional
	} else {
		s.subscription = true
	}
	return s
}

// armType is the ARM resource type, as the provider's `type` output.
func (s armSpec) armType(inputs resource.PropertyMap) string {
	segs := make([]string, len(s.types))
	for i, t := range s.types {
		segs[i] = s.segment(t, inputs)
	}
	return s.namespace + "/" + strings.Join(segs, "/")
}

func (s armSpec) segment(t string, inputs resource.PropertyMap) string {
	if prop, ok := strings.CutPrefix(t, "{"); ok {
		prop = strings.TrimSuffix(prop, "}")
		if v, ok := stringAt(inputs, prop); ok {
			return v
		}
		return prop
	}
	return t
}

// armID builds the resource ID from the inputs and the resource's own
// physical name.
func (s armSpec) armID(subscription string, inputs resource.PropertyMap, name string) (string, error) {
	var b strings.Builder
	switch {
	case s.scope != "":
		scope, ok := stringAt(inputs, s.scope)
		if !ok {
			return "", missing(s.scope)
		}
		b.WriteString(strings.TrimSuffix(scope, "/"))
	case s.subscription:
		b.WriteString("/subscriptions/" + subscription)
	default:
		rg, ok := stringAt(inputs, "resourceGroupName")
		if !ok {
			if s.known {
				return "", missing("resourceGroupName")
			}
			rg = "unknown"
		}
		b.WriteString("/subscriptions/" + subscription + "/resourceGroups/" + rg)
	}
	b.WriteString("/providers/" + s.namespace)
	for i, t := range s.types {
		b.WriteString("/" + s.segment(t, inputs) + "/")
		if i == len(s.types)-1 {
			b.WriteString(name)
			continue
		}
		level := s.names[i]
		if lit, ok := strings.CutPrefix(level, "="); ok {
			b.WriteString(lit)
			continue
		}
		v, ok := stringAt(inputs, level)
		if !ok {
			if s.known {
				return "", missing(level)
			}
			v = "unknown"
		}
		b.WriteString(v)
	}
	return b.String(), nil
}

func missing(prop string) error {
	return fmt.Errorf("missing required input %q", prop)
}

// nameInput is the input that names the resource itself.
func (s armSpec) nameInput() string { return s.names[len(s.names)-1] }

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToLower(r[0])
	return string(r)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

// normalizeLocation turns "West Europe" into "westeurope", as ARM returns it.
func normalizeLocation(loc string) string {
	return strings.ToLower(strings.ReplaceAll(loc, " ", ""))
}
