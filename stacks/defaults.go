package stacks

import (
	"fmt"
	"strings"

	"github.com/misybot/platform/components/apphosting"
	"github.com/misybot/platform/components/keyvault"
	"github.com/misybot/platform/components/network"
	"github.com/misybot/platform/components/servicebus"
	"github.com/misybot/platform/stacks/configkeys"
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

// An EntityDefault is a default that does not depend on the environment:
// one that applies to each entry of a list (every queue, topic,
// subscription), or a setting that is the same in every environment. Key
// is its config key path, "[]" standing for every entry of a list.
// EntityDefaultsTable is the one list of them; ApplyEntityDefaults applies
// it after the stack file is read (an entry exists only then), and
// docs/configuration.md prints it.
type EntityDefault struct {
	Key   string
	Value string
	Why   string
	// apply sets the default wherever the stack file left the setting out.
	apply func(c *Config)
}

// each makes an entity row: the value as the docs show it and what
// applies it.
func each(key string, value any, why string, apply func(c *Config)) EntityDefault {
	return EntityDefault{Key: key, Value: fmt.Sprint(value), Why: why, apply: apply}
}

// orDefault sets *p to v when the stack file left it out (the zero value).
func orDefault[T comparable](p *T, v T) {
	var zero T
	if *p == zero {
		*p = v
	}
}

// orTrue sets an unset optional flag to true.
func orTrue(p **bool) {
	if *p == nil {
		*p = boolPtr(true)
	}
}

func eachQueue(f func(q *QueueConfig)) func(*Config) {
	return func(c *Config) {
		for i := range c.ServiceBus.Queues {
			f(&c.ServiceBus.Queues[i])
		}
	}
}

func eachTopic(f func(t *TopicConfig)) func(*Config) {
	return func(c *Config) {
		for i := range c.ServiceBus.Topics {
			f(&c.ServiceBus.Topics[i])
		}
	}
}

func eachSubscription(f func(s *SubscriptionConfig)) func(*Config) {
	return eachTopic(func(t *TopicConfig) {
		for i := range t.Subscriptions {
			f(&t.Subscriptions[i])
		}
	})
}

// Values shared by several rows.
const (
	maxDeliveryCount = 10
	lockDuration     = "PT1M"
	messageTTL       = "P14D"
	maxSizeMB        = 1024
)

// EntityDefaultsTable lists every default that is the same in every
// environment. The Service Bus values are the service's own defaults
// (delivery count 10, lock 1 minute, 1024 MB, as the azure-native SDK
// documents them) except the time to live, whose service default is
// unbounded (TimeSpan.MaxValue): a message nobody reads expires after two
// weeks here, into the dead-letter queue.
// https://learn.microsoft.com/dotnet/api/azure.messaging.servicebus.administration.createqueueoptions.defaultmessagetimetolive
// https://learn.microsoft.com/azure/service-bus-messaging/message-expiration
func EntityDefaultsTable() []EntityDefault {
	queues, topics := configkeys.ServiceBusQueues+"[]", configkeys.ServiceBusTopics+"[]"
	subs := topics + ".subscriptions[]"
	return []EntityDefault{
		each(configkeys.Bootstrap, DefaultBootstrap, "the bootstrap stack whose outputs the environment stack reads",
			func(c *Config) { orDefault(&c.Bootstrap, DefaultBootstrap) }),
		each(configkeys.NetworkIngressSources, "["+network.DefaultIngressSource+"]", "only callers inside the virtual network reach the apps",
			func(c *Config) {
				if len(c.Network.IngressSources) == 0 {
					c.Network.IngressSources = []string{network.DefaultIngressSource}
				}
			}),
		each(configkeys.AppRepository, "misybot/bot", "the image repository in the registry",
			func(c *Config) { orDefault(&c.App.Repository, "misybot/bot") }),
		each(configkeys.AppTargetPort, 8080, "the port the bot listens on",
			func(c *Config) { orDefault(&c.App.TargetPort, 8080) }),
		each(configkeys.AppInternal, true, "the environment has an internal load balancer only; false is allowed in dev",
			func(c *Config) { orTrue(&c.App.Internal) }),
		each(configkeys.AppHttpConcurrency, apphosting.DefaultHTTPConcurrency, "concurrent requests per replica that scale out",
			func(c *Config) { orDefault(&c.App.HTTPConcurrency, apphosting.DefaultHTTPConcurrency) }),
		each(configkeys.AppScaleMessageCount, apphosting.DefaultScaleMessageCount, "messages in app.scaleQueue per replica; only with a scale queue",
			func(c *Config) {
				if c.App.ScaleQueue != "" {
					orDefault(&c.App.ScaleMessageCount, apphosting.DefaultScaleMessageCount)
				}
			}),
		each(queues+".maxDeliveryCount", maxDeliveryCount, "deliveries before a message is dead-lettered",
			eachQueue(func(q *QueueConfig) { orDefault(&q.MaxDeliveryCount, maxDeliveryCount) })),
		each(queues+".lockDuration", lockDuration, "how long a receiver holds a message",
			eachQueue(func(q *QueueConfig) { orDefault(&q.LockDuration, lockDuration) })),
		each(queues+".deadLetterOnExpiration", true, "expired messages are kept for inspection, not dropped",
			eachQueue(func(q *QueueConfig) { orTrue(&q.DeadLetterOnExpiration) })),
		each(queues+".defaultMessageTtl", messageTTL, "unread messages expire after two weeks",
			eachQueue(func(q *QueueConfig) { orDefault(&q.DefaultMessageTTL, messageTTL) })),
		each(queues+".maxSizeMb", maxSizeMB, "queue size",
			eachQueue(func(q *QueueConfig) { orDefault(&q.MaxSizeMB, maxSizeMB) })),
		each(topics+".maxSizeMb", maxSizeMB, "topic size",
			eachTopic(func(t *TopicConfig) { orDefault(&t.MaxSizeMB, maxSizeMB) })),
		each(subs+".maxDeliveryCount", maxDeliveryCount, "deliveries before a message is dead-lettered",
			eachSubscription(func(s *SubscriptionConfig) { orDefault(&s.MaxDeliveryCount, maxDeliveryCount) })),
		each(subs+".lockDuration", lockDuration, "how long a receiver holds a message",
			eachSubscription(func(s *SubscriptionConfig) { orDefault(&s.LockDuration, lockDuration) })),
		each(subs+".deadLetterOnExpiration", true, "expired messages are kept for inspection, not dropped",
			eachSubscription(func(s *SubscriptionConfig) { orTrue(&s.DeadLetterOnExpiration) })),
		each(subs+".deadLetterOnFilterErrors", true, "a message whose filter fails is kept, not dropped",
			eachSubscription(func(s *SubscriptionConfig) { orTrue(&s.DeadLetterOnFilterErrors) })),
		each(subs+".defaultMessageTtl", messageTTL, "unread messages expire after two weeks",
			eachSubscription(func(s *SubscriptionConfig) { orDefault(&s.DefaultMessageTTL, messageTTL) })),
	}
}

// ApplyEntityDefaults fills in what the stack file left out
// (EntityDefaultsTable). Load calls it before Validate; call it yourself on
// a Config built in code.
func (c *Config) ApplyEntityDefaults() {
	for _, d := range EntityDefaultsTable() {
		d.apply(c)
	}
}

// EntityDefaultsMarkdown renders EntityDefaultsTable as the Markdown table
// of docs/configuration.md.
func EntityDefaultsMarkdown() string {
	var b strings.Builder
	b.WriteString("| key | default | why |\n|---|---|---|\n")
	for _, d := range EntityDefaultsTable() {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", d.Key, d.Value, d.Why)
	}
	return b.String()
}

// boolPtr returns a new pointer each call, so entities never share one.
func boolPtr(b bool) *bool { return &b }
