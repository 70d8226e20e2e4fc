package stacks

// Per-entity defaults, applied by ApplyEntityDefaults to every queue,
// topic and subscription that does not set them.
const (
	DefaultMaxDeliveryCount = 10
	DefaultLockDuration     = "PT1M"
	DefaultMessageTTL       = "P14D"
	DefaultMaxSizeMB        = 1024
	DefaultIngressSource    = "VirtualNetwork"
)

// SKU names as Azure spells them (Key Vault lower case, Service Bus not).
const (
	keyVaultStandard   = "standard"
	keyVaultPremium    = "premium"
	serviceBusBasic    = "Basic"
	serviceBusStandard = "Standard"
	serviceBusPremium  = "Premium"
)

// Defaults returns the configuration an environment starts from before the
// stack file is overlaid: dev is small and cheap, staging has prod's shape at
// lower capacity, prod is zone redundant and locked down. No environment opens
// anything to public networks by default; the stack file has to say so.
//
// An unknown environment gets prod's defaults, the strictest; Validate
// reports the environment itself.
func Defaults(env Environment) Config {
	switch env {
	case Dev:
		return Config{
			Environment:   env,
			KeyVault:      KeyVaultConfig{Sku: keyVaultStandard, SoftDeleteRetentionDays: 7},
			ServiceBus:    ServiceBusConfig{Sku: serviceBusStandard, Capacity: 0},
			Observability: ObservabilityConfig{RetentionDays: 30, DailyQuotaGB: 1},
			App:           AppConfig{CPU: 0.25, MinReplicas: 0, MaxReplicas: 2},
			Alerts:        AlertsConfig{HTTP5xx: 50, HTTP5xxRatioPercent: 10, LatencyMs: 2000, Restarts: 5, DeadLetters: 10, Throttled: 50},
		}
	case Staging:
		return Config{
			Environment:   env,
			LoadTesting:   true,
			KeyVault:      KeyVaultConfig{Sku: keyVaultStandard, SoftDeleteRetentionDays: 90, PurgeProtection: true},
			ServiceBus:    ServiceBusConfig{Sku: serviceBusPremium, Capacity: 1, ZoneRedundant: true},
			Observability: ObservabilityConfig{RetentionDays: 60, DailyQuotaGB: 5},
			App:           AppConfig{CPU: 0.5, MinReplicas: 1, MaxReplicas: 5},
			Alerts:        AlertsConfig{HTTP5xx: 20, HTTP5xxRatioPercent: 5, LatencyMs: 1000, Restarts: 3, DeadLetters: 1, Throttled: 20},
		}
	default:
		return Config{
			Environment:   env,
			Protect:       true,
			KeyVault:      KeyVaultConfig{Sku: keyVaultPremium, SoftDeleteRetentionDays: 90, PurgeProtection: true},
			ServiceBus:    ServiceBusConfig{Sku: serviceBusPremium, Capacity: 2, ZoneRedundant: true},
			Observability: ObservabilityConfig{RetentionDays: 90, DailyQuotaGB: -1}, // -1: no daily cap
			App:           AppConfig{CPU: 1, MinReplicas: 2, MaxReplicas: 10},
			Alerts:        AlertsConfig{HTTP5xx: 10, HTTP5xxRatioPercent: 2, LatencyMs: 800, Restarts: 3, DeadLetters: 0, Throttled: 10},
		}
	}
}

// ApplyEntityDefaults fills in what the stack file left out of each queue,
// topic and subscription, and the default ingress source. Load calls it
// before Validate; call it yourself on a Config built in code.
func (c *Config) ApplyEntityDefaults() {
	c.App.applyDefaults()
	if len(c.Network.IngressSources) == 0 {
		c.Network.IngressSources = []string{DefaultIngressSource}
	}
	for i := range c.ServiceBus.Queues {
		q := &c.ServiceBus.Queues[i]
		if q.MaxDeliveryCount == 0 {
			q.MaxDeliveryCount = DefaultMaxDeliveryCount
		}
		if q.LockDuration == "" {
			q.LockDuration = DefaultLockDuration
		}
		if q.DeadLetterOnExpiration == nil {
			q.DeadLetterOnExpiration = boolPtr(true)
		}
		if q.DefaultMessageTTL == "" {
			q.DefaultMessageTTL = DefaultMessageTTL
		}
		if q.MaxSizeMB == 0 {
			q.MaxSizeMB = DefaultMaxSizeMB
		}
	}
	for i := range c.ServiceBus.Topics {
		t := &c.ServiceBus.Topics[i]
		if t.MaxSizeMB == 0 {
			t.MaxSizeMB = DefaultMaxSizeMB
		}
		for j := range t.Subscriptions {
			s := &t.Subscriptions[j]
			if s.MaxDeliveryCount == 0 {
				s.MaxDeliveryCount = DefaultMaxDeliveryCount
			}
			if s.LockDuration == "" {
				s.LockDuration = DefaultLockDuration
			}
			if s.DeadLetterOnExpiration == nil {
				s.DeadLetterOnExpiration = boolPtr(true)
			}
			if s.DeadLetterOnFilterErrors == nil {
				s.DeadLetterOnFilterErrors = boolPtr(true)
			}
			if s.DefaultMessageTTL == "" {
				s.DefaultMessageTTL = DefaultMessageTTL
			}
		}
	}
}

// boolPtr returns a new pointer each call, so entities never share one.
func boolPtr(b bool) *bool { return &b }
