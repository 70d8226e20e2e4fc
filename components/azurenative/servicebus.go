package azurenative

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// Type tokens of the Service Bus resources, as in the azure-native schema.
const (
	ServiceBusNamespaceType    = "azure-native:servicebus:Namespace"
	ServiceBusQueueType        = "azure-native:servicebus:Queue"
	ServiceBusTopicType        = "azure-native:servicebus:Topic"
	ServiceBusSubscriptionType = "azure-native:servicebus:Subscription"
)

// ServiceBusNamespace is an azure-native:servicebus:Namespace.
type ServiceBusNamespace struct {
	pulumi.CustomResourceState

	Name               pulumi.StringOutput `pulumi:"name"`
	ServiceBusEndpoint pulumi.StringOutput `pulumi:"serviceBusEndpoint"`
	MetricID           pulumi.StringOutput `pulumi:"metricId"`
}

// ServiceBusSku is the namespace SKU. Capacity is the number of messaging
// units and applies to Premium only.
type ServiceBusSku struct {
	Name     string // Basic, Standard or Premium
	Capacity int
}

// ServiceBusNamespaceArgs are the namespace inputs the program sets.
type ServiceBusNamespaceArgs struct {
	NamespaceName       string
	ResourceGroupName   pulumi.StringInput
	Location            string
	Sku                 ServiceBusSku
	DisableLocalAuth    bool
	MinimumTLSVersion   string // "1.2"
	PublicNetworkAccess string // Enabled, Disabled or SecuredByPerimeter
	ZoneRedundant       bool
	Tags                map[string]string
}

func (a ServiceBusNamespaceArgs) props() pulumi.Map {
	sku := pulumi.Map{"name": pulumi.String(a.Sku.Name), "tier": pulumi.String(a.Sku.Name)}
	optional(sku, "capacity", a.Sku.Capacity, num)
	m := pulumi.Map{
		"namespaceName":     pulumi.String(a.NamespaceName),
		"resourceGroupName": a.ResourceGroupName,
		"location":          pulumi.String(a.Location),
		"sku":               sku,
		"disableLocalAuth":  pulumi.Bool(a.DisableLocalAuth),
		"zoneRedundant":     pulumi.Bool(a.ZoneRedundant),
		"tags":              pulumi.ToStringMap(a.Tags),
	}
	optional(m, "minimumTlsVersion", a.MinimumTLSVersion, str)
	optional(m, "publicNetworkAccess", a.PublicNetworkAccess, str)
	return m
}

// NewServiceBusNamespace registers a Service Bus namespace.
func NewServiceBusNamespace(ctx *pulumi.Context, name string, args ServiceBusNamespaceArgs, opts ...pulumi.ResourceOption) (*ServiceBusNamespace, error) {
	var res ServiceBusNamespace
	if err := register(ctx, ServiceBusNamespaceType, name, args.props(), &res, opts); err != nil {
		return nil, err
	}
	return &res, nil
}

// ServiceBusEntity is a queue, topic or subscription.
type ServiceBusEntity struct {
	pulumi.CustomResourceState

	Name pulumi.StringOutput `pulumi:"name"`
}

// ServiceBusQueueArgs are the queue inputs the program sets. Durations are
// ISO 8601 (PT1M); zero values leave the service default.
type ServiceBusQueueArgs struct {
	QueueName                           string
	NamespaceName                       pulumi.StringInput
	ResourceGroupName                   pulumi.StringInput
	MaxDeliveryCount                    int
	LockDuration                        string
	DeadLetteringOnMessageExpiration    bool
	RequiresDuplicateDetection          bool
	DuplicateDetectionHistoryTimeWindow string
	DefaultMessageTimeToLive            string
	MaxSizeInMegabytes                  int
	RequiresSession                     bool
}

func (a ServiceBusQueueArgs) props() pulumi.Map {
	m := pulumi.Map{
		"queueName":                        pulumi.String(a.QueueName),
		"namespaceName":                    a.NamespaceName,
		"resourceGroupName":                a.ResourceGroupName,
		"deadLetteringOnMessageExpiration": pulumi.Bool(a.DeadLetteringOnMessageExpiration),
		"requiresDuplicateDetection":       pulumi.Bool(a.RequiresDuplicateDetection),
		"requiresSession":                  pulumi.Bool(a.RequiresSession),
	}
	optional(m, "maxDeliveryCount", a.MaxDeliveryCount, num)
	optional(m, "lockDuration", a.LockDuration, str)
	optional(m, "duplicateDetectionHistoryTimeWindow", a.DuplicateDetectionHistoryTimeWindow, str)
	optional(m, "defaultMessageTimeToLive", a.DefaultMessageTimeToLive, str)
	optional(m, "maxSizeInMegabytes", a.MaxSizeInMegabytes, num)
	return m
}

// NewServiceBusQueue registers a queue.
func NewServiceBusQueue(ctx *pulumi.Context, name string, a ServiceBusQueueArgs, opts ...pulumi.ResourceOption) (*ServiceBusEntity, error) {
	var res ServiceBusEntity
	if err := register(ctx, ServiceBusQueueType, name, a.props(), &res, opts); err != nil {
		return nil, err
	}
	return &res, nil
}

// ServiceBusTopicArgs are the topic inputs the program sets.
type ServiceBusTopicArgs struct {
	TopicName                           string
	NamespaceName                       pulumi.StringInput
	ResourceGroupName                   pulumi.StringInput
	RequiresDuplicateDetection          bool
	DuplicateDetectionHistoryTimeWindow string
	DefaultMessageTimeToLive            string
	MaxSizeInMegabytes                  int
}

func (a ServiceBusTopicArgs) props() pulumi.Map {
	m := pulumi.Map{
		"topicName":                  pulumi.String(a.TopicName),
		"namespaceName":              a.NamespaceName,
		"resourceGroupName":          a.ResourceGroupName,
		"requiresDuplicateDetection": pulumi.Bool(a.RequiresDuplicateDetection),
	}
	optional(m, "duplicateDetectionHistoryTimeWindow", a.DuplicateDetectionHistoryTimeWindow, str)
	optional(m, "defaultMessageTimeToLive", a.DefaultMessageTimeToLive, str)
	optional(m, "maxSizeInMegabytes", a.MaxSizeInMegabytes, num)
	return m
}

// NewServiceBusTopic registers a topic.
func NewServiceBusTopic(ctx *pulumi.Context, name string, a ServiceBusTopicArgs, opts ...pulumi.ResourceOption) (*ServiceBusEntity, error) {
	var res ServiceBusEntity
	if err := register(ctx, ServiceBusTopicType, name, a.props(), &res, opts); err != nil {
		return nil, err
	}
	return &res, nil
}

// ServiceBusSubscriptionArgs are the topic subscription inputs the program sets.
type ServiceBusSubscriptionArgs struct {
	SubscriptionName                          string
	TopicName                                 pulumi.StringInput
	NamespaceName                             pulumi.StringInput
	ResourceGroupName                         pulumi.StringInput
	MaxDeliveryCount                          int
	LockDuration                              string
	DeadLetteringOnMessageExpiration          bool
	DeadLetteringOnFilterEvaluationExceptions bool
	DefaultMessageTimeToLive                  string
	RequiresSession                           bool
}

func (a ServiceBusSubscriptionArgs) props() pulumi.Map {
	m := pulumi.Map{
		"subscriptionName":                          pulumi.String(a.SubscriptionName),
		"topicName":                                 a.TopicName,
		"namespaceName":                             a.NamespaceName,
		"resourceGroupName":                         a.ResourceGroupName,
		"deadLetteringOnMessageExpiration":          pulumi.Bool(a.DeadLetteringOnMessageExpiration),
		"deadLetteringOnFilterEvaluationExceptions": pulumi.Bool(a.DeadLetteringOnFilterEvaluationExceptions),
		"requiresSession":                           pulumi.Bool(a.RequiresSession),
	}
	optional(m, "maxDeliveryCount", a.MaxDeliveryCount, num)
	optional(m, "lockDuration", a.LockDuration, str)
	optional(m, "defaultMessageTimeToLive", a.DefaultMessageTimeToLive, str)
	return m
}

// NewServiceBusSubscription registers a topic subscription.
func NewServiceBusSubscription(ctx *pulumi.Context, name string, a ServiceBusSubscriptionArgs, opts ...pulumi.ResourceOption) (*ServiceBusEntity, error) {
	var res ServiceBusEntity
	if err := register(ctx, ServiceBusSubscriptionType, name, a.props(), &res, opts); err != nil {
		return nil, err
	}
	return &res, nil
}
