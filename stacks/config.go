package stacks

// Config is the typed configuration of one stack, read from the stack's
// Pulumi config under the project namespace. Each top-level field is one
// config key (`misybot-platform:<key>`). Defaults come from the environment
// (see defaults.go); the stack file states only what differs.
type Config struct {
	// Environment is dev, staging or prod. Required.
	Environment Environment `json:"environment"`
	// Location is the Azure region name, such as "westeurope". Required.
	Location string `json:"location"`
	// Owner is the team that owns the stack; it becomes the owner tag. Required.
	Owner string `json:"owner"`
	// CostCenter is charged for the stack; it becomes the cost-center tag. Required.
	CostCenter string `json:"costCenter"`
	// NameSeed changes the suffix of globally unique names (Key Vault,
	// Service Bus) when a name is taken or held by a soft-deleted vault.
	NameSeed string `json:"nameSeed,omitempty"`
	// Tags are added to the standard tags on every taggable resource.
	Tags map[string]string `json:"tags,omitempty"`
	// Bootstrap is the bootstrap stack the stack reads its resource group,
	// app identity and registry from (a StackReference), as
	// organization/project/stack. Default DefaultBootstrap.
	Bootstrap string `json:"bootstrap,omitempty"`
	// Protect marks stateful resources protected. Default: prod only.
	Protect bool `json:"protect"`
	// LoadTesting provisions an Azure Load Testing resource for the
	// repository's test plan. Default: staging only.
	LoadTesting bool `json:"loadTesting"`

	Network       NetworkConfig       `json:"network"`
	KeyVault      KeyVaultConfig      `json:"keyVault"`
	ServiceBus    ServiceBusConfig    `json:"serviceBus"`
	Observability ObservabilityConfig `json:"observability"`
	App           AppConfig           `json:"app"`
	Alerts        AlertsConfig        `json:"alerts"`

	// KeyVaultSecrets maps secret names to values. It is read from the
	// secret config key `keyVaultSecrets` (SecretsKey) and never printed
	// (json "-"; the config tag names the key and marks it secret).
	KeyVaultSecrets map[string]string `json:"-" config:"keyVaultSecrets,secret"`
}

// Environment is a deployment environment.
type Environment string

// The environments the platform knows.
const (
	Dev     Environment = "dev"
	Staging Environment = "staging"
	Prod    Environment = "prod"
)

// Environments lists the known environments in promotion order.
var Environments = []Environment{Dev, Staging, Prod}

// NetworkConfig describes the virtual network.
type NetworkConfig struct {
	// AddressSpace is the VNet's CIDR. Required; the stacks use
	// non-overlapping ranges so they can be peered to a hub later.
	AddressSpace string `json:"addressSpace"`
	// AppsSubnet is the CIDR of the Container Apps environment subnet
	// (delegated to Microsoft.App/environments, /27 or larger). Required.
	AppsSubnet string `json:"appsSubnet"`
	// EndpointsSubnet is the CIDR of the private-endpoint subnet. Required.
	EndpointsSubnet string `json:"endpointsSubnet"`
	// LoadTestSubnet is the CIDR of the subnet Azure Load Testing injects
	// its engines into (not delegated, /27 or larger). Required with
	// loadTesting, refused without it.
	LoadTestSubnet string `json:"loadTestSubnet,omitempty"`
	// IngressSources are the source address prefixes or service tags allowed
	// to reach HTTPS (443) on the apps subnet. Default: VirtualNetwork.
	IngressSources []string `json:"ingressSources,omitempty"`
	// ExtraRules are further NSG rules; each is validated.
	ExtraRules []RuleConfig `json:"extraRules,omitempty"`
}

// RuleConfig is an extra network security rule.
type RuleConfig struct {
	Name                 string `json:"name"`
	Subnet               string `json:"subnet"`    // apps or endpoints
	Priority             int    `json:"priority"`  // 100-4000; 4001-4096 are the platform's
	Direction            string `json:"direction"` // Inbound or Outbound
	Access               string `json:"access"`    // Allow or Deny
	Protocol             string `json:"protocol"`  // Tcp, Udp, Icmp or *
	SourceAddressPrefix  string `json:"sourceAddressPrefix"`
	DestinationPortRange string `json:"destinationPortRange"`
	Description          string `json:"description,omitempty"`
}

// KeyVaultConfig describes the Key Vault.
type KeyVaultConfig struct {
	// Sku is standard or premium (HSM-backed keys).
	Sku string `json:"sku"`
	// SoftDeleteRetentionDays is 7-90.
	SoftDeleteRetentionDays int `json:"softDeleteRetentionDays"`
	// PurgeProtection stops a deleted vault from being purged before its
	// retention ends. Required in staging and prod; it cannot be turned off
	// once on.
	PurgeProtection bool `json:"purgeProtection"`
	// AllowPublicNetworkAccess replaces the private endpoint by a public
	// endpoint restricted to AllowedIPs. Dev only, and only when stated.
	AllowPublicNetworkAccess bool `json:"allowPublicNetworkAccess"`
	// AllowedIPs are the IPv4 addresses or CIDRs that may reach a public vault.
	AllowedIPs []string `json:"allowedIps,omitempty"`
}

// ServiceBusConfig describes the Service Bus namespace and its entities.
type ServiceBusConfig struct {
	// Sku is Standard or Premium. Premium is required in prod.
	Sku string `json:"sku"`
	// Capacity is the number of Premium messaging units: 1, 2, 4, 8 or 16.
	Capacity int `json:"capacity"`
	// ZoneRedundant spreads a Premium namespace over availability zones.
	ZoneRedundant bool `json:"zoneRedundant"`
	// AllowPublicNetworkAccess must be stated for a Standard namespace, which
	// has no private endpoints. Dev only.
	AllowPublicNetworkAccess bool `json:"allowPublicNetworkAccess"`
	// Queues to create.
	Queues []QueueConfig `json:"queues,omitempty"`
	// Topics to create, with their subscriptions.
	Topics []TopicConfig `json:"topics,omitempty"`
}

// QueueConfig is a Service Bus queue. Durations are ISO 8601 (PT1M, P14D).
type QueueConfig struct {
	Name string `json:"name"`
	// MaxDeliveryCount is 1-2000 (default 10); after it a message is dead-lettered.
	MaxDeliveryCount int `json:"maxDeliveryCount,omitempty"`
	// LockDuration is PT5S-PT5M (default PT1M).
	LockDuration string `json:"lockDuration,omitempty"`
	// DeadLetterOnExpiration moves expired messages to the dead-letter queue (default true).
	DeadLetterOnExpiration *bool `json:"deadLetterOnExpiration,omitempty"`
	// DuplicateDetectionWindow, when set (PT20S-P7D), turns on duplicate detection.
	DuplicateDetectionWindow string `json:"duplicateDetectionWindow,omitempty"`
	// DefaultMessageTTL is the message time to live (default P14D).
	DefaultMessageTTL string `json:"defaultMessageTtl,omitempty"`
	// RequiresSession turns on FIFO sessions.
	RequiresSession bool `json:"requiresSession,omitempty"`
	// MaxSizeMB is 1024-81920 (default 1024).
	MaxSizeMB int `json:"maxSizeMb,omitempty"`
}

// TopicConfig is a Service Bus topic.
type TopicConfig struct {
	Name                     string               `json:"name"`
	DuplicateDetectionWindow string               `json:"duplicateDetectionWindow,omitempty"`
	DefaultMessageTTL        string               `json:"defaultMessageTtl,omitempty"`
	MaxSizeMB                int                  `json:"maxSizeMb,omitempty"`
	Subscriptions            []SubscriptionConfig `json:"subscriptions,omitempty"`
}

// SubscriptionConfig is a topic subscription.
type SubscriptionConfig struct {
	Name                   string `json:"name"`
	MaxDeliveryCount       int    `json:"maxDeliveryCount,omitempty"`
	LockDuration           string `json:"lockDuration,omitempty"`
	DeadLetterOnExpiration *bool  `json:"deadLetterOnExpiration,omitempty"`
	// DeadLetterOnFilterErrors dead-letters messages whose filter fails (default true).
	DeadLetterOnFilterErrors *bool  `json:"deadLetterOnFilterErrors,omitempty"`
	DefaultMessageTTL        string `json:"defaultMessageTtl,omitempty"`
	RequiresSession          bool   `json:"requiresSession,omitempty"`
}

// ObservabilityConfig describes logs, telemetry and alert routing.
type ObservabilityConfig struct {
	// RetentionDays of the Log Analytics workspace: 30-730.
	RetentionDays int `json:"retentionDays"`
	// DailyQuotaGB caps ingestion per day; -1 means no cap.
	DailyQuotaGB float64 `json:"dailyQuotaGb"`
	// AlertReceivers are who the action group notifies. At least one in prod.
	AlertReceivers AlertReceivers `json:"alertReceivers"`
}

// AlertReceivers are the action group's receivers.
type AlertReceivers struct {
	Emails   []EmailReceiver   `json:"emails,omitempty"`
	Webhooks []WebhookReceiver `json:"webhooks,omitempty"`
}

// EmailReceiver is an e-mail address notified by alerts.
type EmailReceiver struct {
	Name    string `json:"name"`
	Address string `json:"address"`
}

// WebhookReceiver is an HTTPS endpoint called by alerts.
type WebhookReceiver struct {
	Name string `json:"name"`
	URI  string `json:"uri"`
}
