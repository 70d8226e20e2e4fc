// Package servicebus is the MisyBot Service Bus component: a namespace with
// local (SAS) authentication disabled and TLS 1.2, reached through a private
// endpoint when Premium, with the queues, topics and subscriptions the
// platform uses, each dead-lettering what it cannot deliver.
package servicebus

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/misybot/platform/components/azurenative"
	"github.com/misybot/platform/components/crosscut"
)

// Type is the component's Pulumi type token.
const Type = "misybot:servicebus:ServiceBus"

// MinimumTLSVersion is the only TLS version the namespace accepts from clients.
const MinimumTLSVersion = "1.2"

// Args configures the namespace.
type Args struct {
	crosscut.Inputs

	// Name is the namespace name: 6-50 characters, globally unique. Required.
	Name string
	// Sku is SkuStandard or SkuPremium. Default SkuPremium.
	Sku Sku
	// Capacity is the number of Premium messaging units (1, 2, 4, 8, 16).
	Capacity int
	// ZoneRedundant spreads a Premium namespace over availability zones.
	ZoneRedundant bool
	// AllowPublicNetworkAccess keeps the public endpoint (Entra ID auth
	// only). Without it, Inputs.PrivateEndpoint is required, which needs
	// Premium.
	AllowPublicNetworkAccess bool
	// Queues and Topics (and each topic's Subscriptions) are keyed by
	// name: each is the resource "<component>-queue-<name>",
	// "<component>-topic-<name>" or "<component>-topic-<topic>-sub-<name>",
	// so their order does not matter. Names are unique.
	Queues []Queue
	Topics []Topic
}

// Queue is a queue. Durations are ISO 8601; zero values keep service defaults.
type Queue struct {
	Name                     string
	MaxDeliveryCount         int
	LockDuration             string
	DeadLetterOnExpiration   bool
	DuplicateDetectionWindow string // non-empty turns duplicate detection on
	DefaultMessageTTL        string
	RequiresSession          bool
	MaxSizeMB                int
}

// Topic is a topic with its subscriptions.
type Topic struct {
	Name                     string
	DuplicateDetectionWindow string
	DefaultMessageTTL        string
	MaxSizeMB                int
	Subscriptions            []Subscription
}

// Subscription is a topic subscription.
type Subscription struct {
	Name                     string
	MaxDeliveryCount         int
	LockDuration             string
	DeadLetterOnExpiration   bool
	DeadLetterOnFilterErrors bool
	DefaultMessageTTL        string
	RequiresSession          bool
}

// ServiceBus is the component's state and outputs.
type ServiceBus struct {
	pulumi.ResourceState

	NamespaceID   pulumi.StringOutput
	NamespaceName pulumi.StringOutput
	// Endpoint is https://<name>.servicebus.windows.net:443/.
	Endpoint pulumi.StringOutput
	// FullyQualifiedNamespace is <name>.servicebus.windows.net, what SDK
	// clients and KEDA's scaler take.
	FullyQualifiedNamespace pulumi.StringOutput
	QueueNames              []string
	TopicNames              []string
	// QueueIDs maps each queue name to its resource ID, the scope of
	// roles granted on one queue.
	QueueIDs map[string]pulumi.StringOutput
	// PrivateAccess are the private endpoint and its DNS zone group, when
	// Inputs.PrivateEndpoint is set: clients in the network reach the
	// namespace privately once both exist.
	PrivateAccess []pulumi.Resource
}

// Sku is a Service Bus pricing tier, as Azure spells it.
// https://learn.microsoft.com/azure/service-bus-messaging/service-bus-premium-messaging
type Sku string

// The Service Bus tiers. The component takes Standard and Premium: Basic
// has no topics.
const (
	SkuBasic    Sku = "Basic"
	SkuStandard Sku = "Standard"
	SkuPremium  Sku = "Premium"
)

// Skus are the tiers the component accepts.
func Skus() []Sku { return []Sku{SkuStandard, SkuPremium} }

// PremiumCapacities are the messaging-unit counts a Premium namespace takes.
// https://learn.microsoft.com/azure/service-bus-messaging/service-bus-premium-messaging
func PremiumCapacities() []int { return []int{1, 2, 4, 8, 16} }

// defaults fills what a caller without a stack left out; stacks set every
// field from their defaults table (stacks.DefaultsTable).
func (a *Args) defaults() {
	if a.Sku == "" {
		a.Sku = SkuPremium
	}
	a.sortEntities()
}

// sortEntities orders queues, topics and subscriptions by name, their keys:
// each becomes a resource named after its entity, so a caller's order
// changes nothing, and the outputs list them sorted.
func (a *Args) sortEntities() {
	a.Queues = slices.SortedFunc(slices.Values(a.Queues), func(x, y Queue) int { return cmp.Compare(x.Name, y.Name) })
	a.Topics = slices.SortedFunc(slices.Values(a.Topics), func(x, y Topic) int { return cmp.Compare(x.Name, y.Name) })
	for i := range a.Topics {
		a.Topics[i].Subscriptions = slices.SortedFunc(slices.Values(a.Topics[i].Subscriptions),
			func(x, y Subscription) int { return cmp.Compare(x.Name, y.Name) })
	}
}

func (a *Args) validate() error {
	errs := []error{a.Inputs.Validate()}
	if a.Name == "" {
		errs = append(errs, errors.New("args.Name is required"))
	}
	switch a.Sku {
	case SkuPremium:
		if !slices.Contains(PremiumCapacities(), a.Capacity) {
			errs = append(errs, fmt.Errorf("args.Capacity %d: Premium takes 1, 2, 4, 8 or 16 messaging units", a.Capacity))
		}
	case SkuStandard:
		if a.Capacity != 0 || a.ZoneRedundant {
			errs = append(errs, errors.New("args.Capacity and ZoneRedundant need Premium"))
		}
		if a.PrivateEndpoint != nil {
			errs = append(errs, errors.New("args.PrivateEndpoint needs Premium"))
		}
	default:
		errs = append(errs, fmt.Errorf("args.Sku %q: want Standard or Premium (Basic has no topics)", a.Sku))
	}
	if !a.AllowPublicNetworkAccess && a.PrivateEndpoint == nil {
		errs = append(errs, errors.New("args.PrivateEndpoint is required unless AllowPublicNetworkAccess is set"))
	}
	seen := map[string]bool{}
	for _, n := range a.entityNames() {
		if n == "" || seen[n] {
			errs = append(errs, fmt.Errorf("entity name %q: empty or used twice", n))
		}
		seen[n] = true
	}
	return errors.Join(errs...)
}

func (a *Args) entityNames() []string {
	var names []string
	for _, q := range a.Queues {
		names = append(names, q.Name)
	}
	for _, t := range a.Topics {
		names = append(names, t.Name)
	}
	return names
}

// New creates the Service Bus component.
func New(ctx *pulumi.Context, name string, args Args, opts ...pulumi.ResourceOption) (*ServiceBus, error) {
	args.defaults()
	if err := args.validate(); err != nil {
		return nil, fmt.Errorf("servicebus %q: %w", name, err)
	}
	c := &ServiceBus{QueueIDs: map[string]pulumi.StringOutput{}}
	if err := ctx.RegisterComponentResource(Type, name, c, opts...); err != nil {
		return nil, fmt.Errorf("servicebus %q: %w", name, err)
	}
	child := pulumi.Parent(c)

	publicAccess := "Disabled"
	if args.AllowPublicNetworkAccess {
		publicAccess = "Enabled"
	}
	ns, err := azurenative.NewServiceBusNamespace(ctx, name+"-namespace", azurenative.ServiceBusNamespaceArgs{
		NamespaceName:       args.Name,
		ResourceGroupName:   args.ResourceGroupName,
		Location:            args.Location,
		Sku:                 azurenative.ServiceBusSku{Name: string(args.Sku), Capacity: args.Capacity},
		DisableLocalAuth:    true, // Entra ID only: no SAS keys to leak or rotate
		MinimumTLSVersion:   MinimumTLSVersion,
		PublicNetworkAccess: publicAccess,
		ZoneRedundant:       args.ZoneRedundant,
		Tags:                args.Tags,
	}, args.StatefulOptions(child)...)
	if err != nil {
		return nil, fmt.Errorf("servicebus %q: %w", name, err)
	}
	nsID := ns.ID().ToStringOutput()
	if err := args.Attach(ctx, name, nsID, child); err != nil {
		return nil, fmt.Errorf("servicebus %q: %w", name, err)
	}
	if args.PrivateEndpoint != nil {
		if c.PrivateAccess, err = crosscut.NewPrivateEndpoint(ctx, name, "pep-"+args.Name, args.Inputs, nsID, "namespace", child); err != nil {
			return nil, fmt.Errorf("servicebus %q: %w", name, err)
		}
	}

	for _, q := range args.Queues {
		queue, err := azurenative.NewServiceBusQueue(ctx, name+"-queue-"+q.Name, azurenative.ServiceBusQueueArgs{
			QueueName:                           q.Name,
			NamespaceName:                       ns.Name,
			ResourceGroupName:                   args.ResourceGroupName,
			MaxDeliveryCount:                    q.MaxDeliveryCount,
			LockDuration:                        q.LockDuration,
			DeadLetteringOnMessageExpiration:    q.DeadLetterOnExpiration,
			RequiresDuplicateDetection:          q.DuplicateDetectionWindow != "",
			DuplicateDetectionHistoryTimeWindow: q.DuplicateDetectionWindow,
			DefaultMessageTimeToLive:            q.DefaultMessageTTL,
			MaxSizeInMegabytes:                  q.MaxSizeMB,
			RequiresSession:                     q.RequiresSession,
		}, pulumi.Parent(ns))
		if err != nil {
			return nil, fmt.Errorf("servicebus %q: %w", name, err)
		}
		c.QueueNames = append(c.QueueNames, q.Name)
		c.QueueIDs[q.Name] = queue.ID().ToStringOutput()
	}
	for _, t := range args.Topics {
		topic, err := azurenative.NewServiceBusTopic(ctx, name+"-topic-"+t.Name, azurenative.ServiceBusTopicArgs{
			TopicName:                           t.Name,
			NamespaceName:                       ns.Name,
			ResourceGroupName:                   args.ResourceGroupName,
			RequiresDuplicateDetection:          t.DuplicateDetectionWindow != "",
			DuplicateDetectionHistoryTimeWindow: t.DuplicateDetectionWindow,
			DefaultMessageTimeToLive:            t.DefaultMessageTTL,
			MaxSizeInMegabytes:                  t.MaxSizeMB,
		}, pulumi.Parent(ns))
		if err != nil {
			return nil, fmt.Errorf("servicebus %q: %w", name, err)
		}
		c.TopicNames = append(c.TopicNames, t.Name)
		for _, s := range t.Subscriptions {
			_, err := azurenative.NewServiceBusSubscription(ctx, name+"-topic-"+t.Name+"-sub-"+s.Name, azurenative.ServiceBusSubscriptionArgs{
				SubscriptionName:                 s.Name,
				TopicName:                        topic.Name,
				NamespaceName:                    ns.Name,
				ResourceGroupName:                args.ResourceGroupName,
				MaxDeliveryCount:                 s.MaxDeliveryCount,
				LockDuration:                     s.LockDuration,
				DeadLetteringOnMessageExpiration: s.DeadLetterOnExpiration,
				DeadLetteringOnFilterEvaluationExceptions: s.DeadLetterOnFilterErrors,
				DefaultMessageTimeToLive:                  s.DefaultMessageTTL,
				RequiresSession:                           s.RequiresSession,
			}, pulumi.Parent(topic))
			if err != nil {
				return nil, fmt.Errorf("servicebus %q: %w", name, err)
			}
		}
	}

	c.NamespaceID, c.NamespaceName, c.Endpoint = nsID, ns.Name, ns.ServiceBusEndpoint
	c.FullyQualifiedNamespace = ns.Name.ApplyT(func(n string) string { return n + ".servicebus.windows.net" }).(pulumi.StringOutput)
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"namespaceId":             c.NamespaceID,
		"namespaceName":           c.NamespaceName,
		"endpoint":                c.Endpoint,
		"fullyQualifiedNamespace": c.FullyQualifiedNamespace,
		"queues":                  pulumi.ToStringArray(c.QueueNames),
		"topics":                  pulumi.ToStringArray(c.TopicNames),
	}); err != nil {
		return nil, fmt.Errorf("servicebus %q: %w", name, err)
	}
	return c, nil
}
