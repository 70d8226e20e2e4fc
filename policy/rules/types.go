package rules

// Canonical type tokens the rules inspect (see CanonicalType).
const (
	typeStack           = "pulumi:pulumi:Stack"
	typeNSG             = "azure-native:network:NetworkSecurityGroup"
	typeSecurityRule    = "azure-native:network:SecurityRule"
	typeVNet            = "azure-native:network:VirtualNetwork"
	typeSubnet          = "azure-native:network:Subnet"
	typePeering         = "azure-native:network:VirtualNetworkPeering"
	typePrivateEndpoint = "azure-native:network:PrivateEndpoint"
	typeVault           = "azure-native:keyvault:Vault"
	typeSBNamespace     = "azure-native:servicebus:Namespace"
	typeSBNamespaceRule = "azure-native:servicebus:NamespaceAuthorizationRule"
	typeSBQueueRule     = "azure-native:servicebus:QueueAuthorizationRule"
	typeSBTopicRule     = "azure-native:servicebus:TopicAuthorizationRule"
	typeContainerApp    = "azure-native:app:ContainerApp"
	typeManagedEnv      = "azure-native:app:ManagedEnvironment"
	typeRoleAssignment  = "azure-native:authorization:RoleAssignment"
	typeDiagnostic      = "azure-native:insights:DiagnosticSetting"
	typeRegistry        = "azure-native:containerregistry:Registry"
	typeStorageAccount  = "azure-native:storage:StorageAccount"
	typeADAppPassword   = "azuread:index:ApplicationPassword"
	typeADSPPassword    = "azuread:index:ServicePrincipalPassword"
	typeADApplication   = "azuread:index:Application"
)

// ARM resource types, as they appear in resource IDs.
const (
	armVault       = "Microsoft.KeyVault/vaults"
	armSBNamespace = "Microsoft.ServiceBus/namespaces"
	armNSG         = "Microsoft.Network/networkSecurityGroups"
	armVNet        = "Microsoft.Network/virtualNetworks"
)

// taggableTypes are the azure-native types whose inputs accept tags. Child
// and extension resources (subnets, security rules, secrets, queues, role
// assignments, diagnostic settings, locks, DNS zone groups) do not.
var taggableTypes = map[string]bool{
	"azure-native:resources:ResourceGroup":                 true,
	typeVNet:                                               true,
	typeNSG:                                                true,
	typePrivateEndpoint:                                    true,
	"azure-native:network:PrivateZone":                     true,
	"azure-native:network:VirtualNetworkLink":              true,
	"azure-native:network:PublicIPAddress":                 true,
	"azure-native:network:NetworkInterface":                true,
	"azure-native:network:ApplicationGateway":              true,
	"azure-native:network:AzureFirewall":                   true,
	"azure-native:network:BastionHost":                     true,
	"azure-native:network:NatGateway":                      true,
	"azure-native:network:RouteTable":                      true,
	"azure-native:network:ApplicationSecurityGroup":        true,
	"azure-native:network:DnsResolver":                     true,
	typeVault:                                              true,
	typeSBNamespace:                                        true,
	"azure-native:operationalinsights:Workspace":           true,
	"azure-native:insights:Component":                      true,
	"azure-native:insights:ActionGroup":                    true,
	"azure-native:insights:MetricAlert":                    true,
	"azure-native:insights:ScheduledQueryRule":             true,
	"azure-native:insights:ActivityLogAlert":               true,
	typeContainerApp:                                       true,
	typeManagedEnv:                                         true,
	"azure-native:app:Job":                                 true,
	typeRegistry:                                           true,
	typeStorageAccount:                                     true,
	"azure-native:managedidentity:UserAssignedIdentity":    true,
	"azure-native:web:WebApp":                              true,
	"azure-native:web:AppServicePlan":                      true,
	"azure-native:sql:Server":                              true,
	"azure-native:dbforpostgresql:Server":                  true,
	"azure-native:documentdb:DatabaseAccount":              true,
	"azure-native:cache:Redis":                             true,
	"azure-native:eventhub:Namespace":                      true,
	"azure-native:loadtestservice:LoadTest":                true,
	"azure-native:alertsmanagement:SmartDetectorAlertRule": true,
	"azure-native:alertsmanagement:ActionRuleByName":       true,
	"azure-native:apimanagement:ApiManagementService":      true,
	"azure-native:containerservice:ManagedCluster":         true,
	"azure-native:compute:VirtualMachine":                  true,
	"azure-native:cognitiveservices:Account":               true,
	"azure-native:signalrservice:SignalR":                  true,
	"azure-native:monitor:AzureMonitorWorkspace":           true,
	"azure-native:dashboard:Grafana":                       true,
	"azure-native:network:FrontDoor":                       true,
	"azure-native:cdn:Profile":                             true,
}

// untaggableTypes are azure-native child and extension types: they never
// need tags even when an input map happens to carry a "tags" key.
var untaggableTypes = map[string]bool{
	typeSubnet:                                         true,
	typeSecurityRule:                                   true,
	typePeering:                                        true,
	typeRoleAssignment:                                 true,
	typeDiagnostic:                                     true,
	typeSBNamespaceRule:                                true,
	typeSBQueueRule:                                    true,
	typeSBTopicRule:                                    true,
	"azure-native:keyvault:Secret":                     true,
	"azure-native:keyvault:Key":                        true,
	"azure-native:servicebus:Queue":                    true,
	"azure-native:servicebus:Topic":                    true,
	"azure-native:servicebus:Subscription":             true,
	"azure-native:servicebus:Rule":                     true,
	"azure-native:authorization:ManagementLockByScope": true,
	"azure-native:authorization:ManagementLockAtResourceGroupLevel": true,
	"azure-native:network:PrivateDnsZoneGroup":                      true,
	"azure-native:network:PrivateRecordSet":                         true,
}

// Canonical type tokens of the rules added for the anchors' catalogues.
const (
	typeKVSecret        = "azure-native:keyvault:Secret"
	typeKVKey           = "azure-native:keyvault:Key"
	typeBlobService     = "azure-native:storage:BlobServiceProperties"
	typeBlobContainer   = "azure-native:storage:BlobContainer"
	typeFlowLog         = "azure-native:network:FlowLog"
	typeAppInsights     = "azure-native:insights:Component"
	typeWorkspace       = "azure-native:operationalinsights:Workspace"
	typeContainerAppJob = "azure-native:app:Job"
	typeRoleDefinition  = "azure-native:authorization:RoleDefinition"
	typeADAppFIC        = "azuread:index:ApplicationFederatedIdentityCredential"
	typeADFIC           = "azuread:index:FederatedIdentityCredential"
	typeMIFIC           = "azure-native:managedidentity:FederatedIdentityCredential"
	armRegistry         = "Microsoft.ContainerRegistry/registries"
	armStorage          = "Microsoft.Storage/storageAccounts"
)
