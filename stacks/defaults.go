package stacks

import (
	"fmt"
	"strings"

	"github.com/misybot/platform/components/keyvault"
	"github.com/misybot/platform/components/servicebus"
	"github.com/misybot/platform/stacks/configkeys"
)

// Per-entity defaults, applied by ApplyEntityDefaults to every queue,
// topic and subscription that does not set them.
const (
	DefaultMaxDeliveryCount = 10
	DefaultLockDuration     = "PT1M"
	DefaultMessageTTL       = "P14D"
	DefaultMaxSizeMB        = 1024
	DefaultIngressSource    = "VirtualNetwork"
)

// SKU names, from the components that own them (Key Vault lower case,
// Service Bus not), as the string config fields hold them.
const (
	keyVaultStandard   = string(keyvault.SkuStandard)
	keyVaultPremium    = string(keyvault.SkuPremium)
	serviceBusBasic    = string(servicebus.SkuBasic)
	serviceBusStandard = string(servicebus.SkuStandard)
	serviceBusPremium  = string(servicebus.SkuPremium)
)

// A Default is one environment-dependent default: the config key it sets,
// its value in each environment and why. DefaultsTable is the one list of
// them; Defaults applies it and docs/configuration.md prints it.
type Default struct {
	// Key is the config key path (a configkeys constant).
	Key string
	// Why the values differ, for the reader of the docs.
	Why string
	// values are the values for dev, staging and prod, as the docs show them.
	values [3]string
	// set writes the environment's value into a Config.
	set func(c *Config, env int)
}

// Value returns the default of env as the docs show it; an unknown
// environment gets prod's.
func (d Default) Value(env Environment) string { return d.values[envIndex(env)] }

// envIndex is an environment's column in the table: an unknown environment
// gets prod's defaults, the strictest (Validate reports the environment).
func envIndex(env Environment) int {
	switch env {
	case Dev:
		return 0
	case Staging:
		return 1
	}
	return 2
}

// row declares a default of type T: field returns the setting in a Config.
func row[T any](key string, field func(*Config) *T, dev, staging, prod T, why string) Default {
	vals := [3]T{dev, staging, prod}
	return Default{
		Key:    key,
		Why:    why,
		values: [3]string{fmt.Sprint(dev), fmt.Sprint(staging), fmt.Sprint(prod)},
		set:    func(c *Config, env int) { *field(c) = vals[env] },
	}
}

// DefaultsTable lists every default that depends on the environment. dev
// is small and cheap, staging has prod's shape at lower capacity, prod is
// zone redundant and locked down. No environment opens anything to public
// networks by default: the stack file has to say so.
func DefaultsTable() []Default {
	return []Default{
		row(configkeys.Protect, func(c *Config) *bool { return &c.Protect }, false, false, true,
			"stateful resources of prod refuse deletion and replacement"),
		row(configkeys.LoadTesting, func(c *Config) *bool { return &c.LoadTesting }, false, true, false,
			"the deploy gate load-tests staging before prod"),
		row(configkeys.KeyVaultSku, func(c *Config) *string { return &c.KeyVault.Sku }, keyVaultStandard, keyVaultStandard, keyVaultPremium,
			"HSM-protected keys in prod"),
		row(configkeys.KeyVaultSoftDeleteRetentionDays, func(c *Config) *int { return &c.KeyVault.SoftDeleteRetentionDays }, 7, 90, 90,
			"a deleted vault is recoverable for the longest time Azure allows outside dev"),
		row(configkeys.KeyVaultPurgeProtection, func(c *Config) *bool { return &c.KeyVault.PurgeProtection }, false, true, true,
			"required in staging and prod; it cannot be turned off once on"),
		row(configkeys.ServiceBusSku, func(c *Config) *string { return &c.ServiceBus.Sku }, serviceBusStandard, serviceBusPremium, serviceBusPremium,
			"Premium has private endpoints and zone redundancy; Standard is cheap for dev"),
		row(configkeys.ServiceBusCapacity, func(c *Config) *int { return &c.ServiceBus.Capacity }, 0, 1, 2,
			"Premium messaging units (Standard has none)"),
		row(configkeys.ServiceBusZoneRedundant, func(c *Config) *bool { return &c.ServiceBus.ZoneRedundant }, false, true, true,
			"Premium namespaces spread over availability zones"),
		row(configkeys.ObservabilityRetentionDays, func(c *Config) *int { return &c.Observability.RetentionDays }, 30, 60, 90,
			"logs kept longer where incidents are investigated"),
		row(configkeys.ObservabilityDailyQuotaGb, func(c *Config) *float64 { return &c.Observability.DailyQuotaGB }, 1, 5, -1,
			"ingestion capped per day outside prod (-1: no cap)"),
		row(configkeys.AppCpu, func(c *Config) *float64 { return &c.App.CPU }, 0.25, 0.5, 1,
			"CPU cores per replica; memory follows at twice the CPU in Gi"),
		row(configkeys.AppMinReplicas, func(c *Config) *int { return &c.App.MinReplicas }, 0, 1, 2,
			"dev scales to zero; staging and prod never cold-start a canary"),
		row(configkeys.AppMaxReplicas, func(c *Config) *int { return &c.App.MaxReplicas }, 2, 5, 10,
			"scale-out bound"),
		row(configkeys.AppZoneRedundant, func(c *Config) *bool { return &c.App.ZoneRedundant }, false, false, true,
			"prod's Container Apps environment spreads over availability zones"),
		row(configkeys.AlertsSeverity, func(c *Config) *int { return &c.Alerts.Severity }, 3, 2, 1,
			"how loudly alerts ring: 0 critical to 4 verbose"),
		row(configkeys.AlertsHttp5xx, func(c *Config) *float64 { return &c.Alerts.HTTP5xx }, 50, 20, 10,
			"5xx responses in 5 minutes"),
		row(configkeys.AlertsHttp5xxRatioPercent, func(c *Config) *float64 { return &c.Alerts.HTTP5xxRatioPercent }, 10, 5, 2,
			"share of 5xx responses in 15 minutes, percent"),
		row(configkeys.AlertsLatencyMs, func(c *Config) *float64 { return &c.Alerts.LatencyMs }, 2000, 1000, 800,
			"average response time in 5 minutes, ms"),
		row(configkeys.AlertsRestarts, func(c *Config) *float64 { return &c.Alerts.Restarts }, 5, 3, 3,
			"restarts of one replica"),
		row(configkeys.AlertsDeadLetters, func(c *Config) *float64 { return &c.Alerts.DeadLetters }, 10, 1, 0,
			"dead-lettered messages left in any entity"),
		row(configkeys.AlertsThrottled, func(c *Config) *float64 { return &c.Alerts.Throttled }, 50, 20, 10,
			"throttled Service Bus requests in 5 minutes"),
	}
}

// Defaults returns the configuration an environment starts from before the
// stack file is overlaid: DefaultsTable applied for env. An unknown
// environment gets prod's defaults, the strictest; Validate reports the
// environment itself.
func Defaults(env Environment) Config {
	c := Config{Environment: env}
	for _, d := range DefaultsTable() {
		d.set(&c, envIndex(env))
	}
	return c
}

// DefaultsMarkdown renders DefaultsTable as the Markdown table of
// docs/configuration.md.
func DefaultsMarkdown() string {
	var b strings.Builder
	b.WriteString("| key | dev | staging | prod | why |\n|---|---|---|---|---|\n")
	for _, d := range DefaultsTable() {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", d.Key, d.Value(Dev), d.Value(Staging), d.Value(Prod), d.Why)
	}
	return b.String()
}

// ApplyEntityDefaults fills in what the stack file left out of each queue,
// topic and subscription, and the default ingress source. Load calls it
// before Validate; call it yourself on a Config built in code.
func (c *Config) ApplyEntityDefaults() {
	if c.Bootstrap == "" {
		c.Bootstrap = DefaultBootstrap
	}
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
