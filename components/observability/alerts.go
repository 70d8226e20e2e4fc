package observability

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/misybot/platform/sdk/azurenative/insights"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// AlertsType is the alerts component's Pulumi type token.
const AlertsType = "misybot:observability:Alerts"

// AlertsArgs configures the alert rules of one environment. Every rule
// notifies ActionGroupID. Unset (nil or empty) threshold fields take the
// documented defaults (see DefaultAlertThresholds); set Disabled to turn a
// rule off.
type AlertsArgs struct {
	// ResourceGroupName holds the alert rules. Required.
	ResourceGroupName pulumi.StringInput
	// Location is where log alert rules run (metric alerts are global).
	// Required when the error ratio alert is on.
	Location string
	Tags     map[string]string
	// NamePrefix starts each rule name, such as "misybot-prod". Required.
	NamePrefix string
	// ActionGroupID is notified by every rule. Required.
	ActionGroupID pulumi.StringInput
	// ContainerAppID is the app watched for 5xx and latency. Required.
	ContainerAppID pulumi.StringInput
	// ContainerAppName is the app whose restarts are counted in the
	// environment's system logs. Required unless Restarts is disabled.
	ContainerAppName string
	// WorkspaceID is the Log Analytics workspace that receives the
	// environment's system logs, the scope of the restart rule. Required
	// unless Restarts is disabled.
	WorkspaceID pulumi.StringInput
	// ServiceBusNamespaceID is watched for dead letters and throttling. Required.
	ServiceBusNamespaceID pulumi.StringInput
	// AppInsightsID, when set, adds the 5xx ratio rule over the app's
	// request telemetry.
	AppInsightsID pulumi.StringInput
	// AppInsightsRoleName, when set, restricts the ratio to requests whose
	// cloud_RoleName is this (several apps reporting to one resource).
	AppInsightsRoleName string

	// HTTP5xx fires on more 5xx responses than Threshold in Window.
	HTTP5xx MetricThreshold
	// HTTP5xxRatio fires when the percentage of 5xx responses exceeds
	// Threshold in Window, given at least MinRequests requests.
	HTTP5xxRatio RatioThreshold
	// Latency fires on an average response time above Threshold ms.
	Latency MetricThreshold
	// Restarts fires when the app's containers restarted more than
	// Threshold times in Window, in any revision (RestartQuery).
	Restarts MetricThreshold
	// DeadLetters fires on more than Threshold dead-lettered messages in
	// any queue or subscription.
	DeadLetters MetricThreshold
	// Throttled fires on more than Threshold throttled Service Bus requests.
	Throttled MetricThreshold
}

// MetricThreshold is one alert rule's settings.
type MetricThreshold struct {
	// Threshold the metric must exceed (GreaterThan). Nil takes the default.
	Threshold *float64
	// Severity 0 (critical) to 4 (verbose). Nil takes the default.
	Severity *int
	// Window is the period evaluated: PT1M, PT5M, PT15M, PT30M, PT1H, PT6H,
	// PT12H or PT24H.
	Window string
	// Frequency is how often it is evaluated: PT1M, PT5M, PT15M, PT30M or
	// PT1H, and not longer than Window.
	Frequency string
	// Disabled leaves the rule out.
	Disabled bool
}

// RatioThreshold is the 5xx ratio rule's settings.
type RatioThreshold struct {
	MetricThreshold
	// MinRequests keeps a handful of failures in a quiet window from
	// paging anyone. Default 20.
	MinRequests int
}

// AlertThresholds are the settings of every rule.
type AlertThresholds struct {
	HTTP5xx, Latency, Restarts, DeadLetters, Throttled MetricThreshold
	HTTP5xxRatio                                       RatioThreshold
}

// DefaultAlertThresholds are what unset fields of AlertsArgs take.
func DefaultAlertThresholds() AlertThresholds {
	return AlertThresholds{
		// More than 10 server errors in 5 minutes.
		HTTP5xx: threshold(10, 1, "PT5M", "PT1M"),
		// More than 5% server errors in 15 minutes, over at least 20 requests.
		HTTP5xxRatio: RatioThreshold{MetricThreshold: threshold(5, 1, "PT15M", "PT5M"), MinRequests: 20},
		// Average response time above 1000 ms over 5 minutes.
		Latency: threshold(1000, 2, "PT5M", "PT1M"),
		// More than 3 container restarts of one revision in 15 minutes,
		// counted in the system logs: the RestartCount metric counts since
		// each replica started, so a threshold on it never clears.
		Restarts: threshold(3, 2, "PT15M", "PT5M"),
		// Any dead-lettered message left in an entity, averaged over 15 minutes.
		DeadLetters: threshold(0, 2, "PT15M", "PT5M"),
		// More than 10 throttled requests in 5 minutes.
		Throttled: threshold(10, 2, "PT5M", "PT1M"),
	}
}

func threshold(value float64, severity int, window, frequency string) MetricThreshold {
	return MetricThreshold{Threshold: &value, Severity: &severity, Window: window, Frequency: frequency}
}

// Alerts is the component's state and outputs.
type Alerts struct {
	pulumi.ResourceState

	// RuleIDs maps each rule's key (http5xx, http5xxRatio, latency,
	// restarts, deadLetters, throttled) to its resource ID.
	RuleIDs map[string]pulumi.StringOutput
}

func (t *MetricThreshold) defaults(d MetricThreshold) {
	if t.Threshold == nil {
		t.Threshold = d.Threshold
	}
	if t.Severity == nil {
		t.Severity = d.Severity
	}
	if t.Window == "" {
		t.Window = d.Window
	}
	if t.Frequency == "" {
		t.Frequency = d.Frequency
	}
}

func (a *AlertsArgs) defaults() {
	d := DefaultAlertThresholds()
	a.HTTP5xx.defaults(d.HTTP5xx)
	a.HTTP5xxRatio.defaults(d.HTTP5xxRatio.MetricThreshold)
	if a.HTTP5xxRatio.MinRequests == 0 {
		a.HTTP5xxRatio.MinRequests = d.HTTP5xxRatio.MinRequests
	}
	a.Latency.defaults(d.Latency)
	a.Restarts.defaults(d.Restarts)
	a.DeadLetters.defaults(d.DeadLetters)
	a.Throttled.defaults(d.Throttled)
}

// metric alert windows and frequencies Azure Monitor accepts, in minutes.
var (
	alertWindows     = map[string]int{"PT1M": 1, "PT5M": 5, "PT15M": 15, "PT30M": 30, "PT1H": 60, "PT6H": 360, "PT12H": 720, "PT24H": 1440}
	alertFrequencies = map[string]int{"PT1M": 1, "PT5M": 5, "PT15M": 15, "PT30M": 30, "PT1H": 60}
)

func (t MetricThreshold) validate(field string) error {
	if t.Disabled {
		return nil
	}
	var errs []error
	if *t.Threshold < 0 {
		errs = append(errs, fmt.Errorf("args.%s.Threshold %g: want 0 or more", field, *t.Threshold))
	}
	if *t.Severity < 0 || *t.Severity > 4 {
		errs = append(errs, fmt.Errorf("args.%s.Severity %d: want 0-4", field, *t.Severity))
	}
	w, okW := alertWindows[t.Window]
	f, okF := alertFrequencies[t.Frequency]
	switch {
	case !okW:
		errs = append(errs, fmt.Errorf("args.%s.Window %q: want one of PT1M, PT5M, PT15M, PT30M, PT1H, PT6H, PT12H, PT24H", field, t.Window))
	case !okF:
		errs = append(errs, fmt.Errorf("args.%s.Frequency %q: want one of PT1M, PT5M, PT15M, PT30M, PT1H", field, t.Frequency))
	case f > w:
		errs = append(errs, fmt.Errorf("args.%s: Frequency %s is longer than Window %s", field, t.Frequency, t.Window))
	}
	return errors.Join(errs...)
}

func (a *AlertsArgs) validate() error {
	var errs []error
	if a.ResourceGroupName == nil || a.ActionGroupID == nil || a.ContainerAppID == nil || a.ServiceBusNamespaceID == nil {
		errs = append(errs, errors.New("args.ResourceGroupName, ActionGroupID, ContainerAppID and ServiceBusNamespaceID are required"))
	}
	if a.NamePrefix == "" {
		errs = append(errs, errors.New("args.NamePrefix is required"))
	}
	if !a.Restarts.Disabled {
		if a.WorkspaceID == nil || a.ContainerAppName == "" || a.Location == "" {
			errs = append(errs, errors.New("args.WorkspaceID, ContainerAppName and Location are required for the restart rule"))
		}
		if strings.ContainsAny(a.ContainerAppName, `"'\`) {
			errs = append(errs, fmt.Errorf("args.ContainerAppName %q: no quotes or backslashes", a.ContainerAppName))
		}
	}
	if a.AppInsightsID != nil && !a.HTTP5xxRatio.Disabled {
		if a.Location == "" {
			errs = append(errs, errors.New("args.Location is required for the 5xx ratio rule"))
		}
		if *a.HTTP5xxRatio.Threshold > 100 {
			errs = append(errs, fmt.Errorf("args.HTTP5xxRatio.Threshold %g: want a percentage, 0-100", *a.HTTP5xxRatio.Threshold))
		}
		if a.HTTP5xxRatio.MinRequests < 1 {
			errs = append(errs, fmt.Errorf("args.HTTP5xxRatio.MinRequests %d: want at least 1", a.HTTP5xxRatio.MinRequests))
		}
		if strings.ContainsAny(a.AppInsightsRoleName, `"'\`) {
			errs = append(errs, fmt.Errorf("args.AppInsightsRoleName %q: no quotes or backslashes", a.AppInsightsRoleName))
		}
		errs = append(errs, a.HTTP5xxRatio.validate("HTTP5xxRatio"))
	}
	for _, t := range []struct {
		field string
		t     MetricThreshold
	}{{"HTTP5xx", a.HTTP5xx}, {"Latency", a.Latency}, {"Restarts", a.Restarts}, {"DeadLetters", a.DeadLetters}, {"Throttled", a.Throttled}} {
		errs = append(errs, t.t.validate(t.field))
	}
	return errors.Join(errs...)
}

// metricRule is one metric alert rule.
type metricRule struct {
	key, suffix, description string
	scope                    pulumi.StringInput
	namespace, metric        string
	aggregation              string
	dimensions               insights.MetricDimensionArray
	t                        MetricThreshold
}

// NewAlerts creates the alert rules.
func NewAlerts(ctx *pulumi.Context, name string, args AlertsArgs, opts ...pulumi.ResourceOption) (*Alerts, error) {
	args.defaults()
	if err := args.validate(); err != nil {
		return nil, fmt.Errorf("alerts %q: %w", name, err)
	}
	c := &Alerts{RuleIDs: map[string]pulumi.StringOutput{}}
	if err := ctx.RegisterComponentResource(AlertsType, name, c, opts...); err != nil {
		return nil, fmt.Errorf("alerts %q: %w", name, err)
	}
	child := pulumi.Parent(c)
	dim := func(name string, values ...string) insights.MetricDimensionArray {
		return insights.MetricDimensionArray{insights.MetricDimensionArgs{
			Name: pulumi.String(name), Operator: pulumi.String("Include"), Values: pulumi.ToStringArray(values),
		}}
	}
	const apps, serviceBus = "Microsoft.App/containerApps", "Microsoft.ServiceBus/namespaces"
	rules := []metricRule{
		{"http5xx", "http-5xx", "The container app answers with server errors (5xx).",
			args.ContainerAppID, apps, "Requests", "Total", dim("statusCodeCategory", "5xx"), args.HTTP5xx},
		{"latency", "latency", "The container app's average response time (ms) is high.",
			args.ContainerAppID, apps, "ResponseTime", "Average", nil, args.Latency},
		// "*" splits by entity, so each queue or subscription is its own
		// time series and one quiet entity does not hide another.
		{"deadLetters", "sb-deadletters", "Service Bus messages are being dead-lettered.",
			args.ServiceBusNamespaceID, serviceBus, "DeadletteredMessages", "Average", dim("EntityName", "*"), args.DeadLetters},
		{"throttled", "sb-throttled", "Service Bus is throttling requests.",
			args.ServiceBusNamespaceID, serviceBus, "ThrottledRequests", "Total", nil, args.Throttled},
	}
	for _, r := range rules {
		if r.t.Disabled {
			continue
		}
		id, err := newMetricAlert(ctx, name, args, r, child)
		if err != nil {
			return nil, fmt.Errorf("alerts %q: %w", name, err)
		}
		c.RuleIDs[r.key] = id
	}
	if !args.Restarts.Disabled {
		t := args.Restarts
		id, err := newLogAlert(ctx, name, args, logRule{
			suffix: "restarts", description: "Containers of the container app are restarting.",
			scope: args.WorkspaceID, query: RestartQuery(args.ContainerAppName, *t.Threshold), t: t,
		}, child)
		if err != nil {
			return nil, fmt.Errorf("alerts %q: %w", name, err)
		}
		c.RuleIDs["restarts"] = id
	}
	if args.AppInsightsID != nil && !args.HTTP5xxRatio.Disabled {
		id, err := newErrorRatioAlert(ctx, name, args, child)
		if err != nil {
			return nil, fmt.Errorf("alerts %q: %w", name, err)
		}
		c.RuleIDs["http5xxRatio"] = id
	}

	ids := pulumi.StringMap{}
	for k, v := range c.RuleIDs {
		ids[k] = v
	}
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{"ruleIds": ids}); err != nil {
		return nil, fmt.Errorf("alerts %q: %w", name, err)
	}
	return c, nil
}

func newMetricAlert(ctx *pulumi.Context, name string, args AlertsArgs, r metricRule, child pulumi.ResourceOption) (pulumi.StringOutput, error) {
	criterion := insights.MetricCriteriaArgs{
		CriterionType:   pulumi.String("StaticThresholdCriterion"),
		Name:            pulumi.String(r.metric),
		MetricName:      pulumi.String(r.metric),
		MetricNamespace: pulumi.String(r.namespace),
		Operator:        pulumi.String("GreaterThan"),
		Threshold:       pulumi.Float64(*r.t.Threshold),
		TimeAggregation: pulumi.String(r.aggregation),
	}
	if r.dimensions != nil {
		criterion.Dimensions = r.dimensions
	}
	alert, err := insights.NewMetricAlert(ctx, name+"-"+r.suffix, &insights.MetricAlertArgs{
		RuleName:            pulumi.String(args.NamePrefix + "-" + r.suffix),
		ResourceGroupName:   args.ResourceGroupName,
		Location:            pulumi.String("global"),
		Description:         pulumi.String(r.description),
		Enabled:             pulumi.Bool(true),
		AutoMitigate:        pulumi.Bool(true),
		Severity:            pulumi.Int(*r.t.Severity),
		EvaluationFrequency: pulumi.String(r.t.Frequency),
		WindowSize:          pulumi.String(r.t.Window),
		Scopes:              pulumi.StringArray{r.scope},
		Criteria: insights.MetricAlertSingleResourceMultipleMetricCriteriaArgs{
			OdataType: pulumi.String("Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria"),
			AllOf:     insights.MetricCriteriaArray{criterion},
		},
		Actions: insights.MetricAlertActionArray{insights.MetricAlertActionArgs{ActionGroupId: args.ActionGroupID}},
		Tags:    pulumi.ToStringMap(args.Tags),
	}, child)
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("metric alert %q: %w", r.suffix, err)
	}
	return alert.ID().ToStringOutput(), nil
}

// ErrorRatioQuery is the log query of the 5xx ratio rule: it returns a row
// only when more than thresholdPercent of at least minRequests requests
// failed with a server error, and the rule fires on any row.
func ErrorRatioQuery(roleName string, minRequests int, thresholdPercent float64) string {
	var b strings.Builder
	b.WriteString("requests\n")
	if roleName != "" {
		b.WriteString("| where cloud_RoleName == \"" + roleName + "\"\n")
	}
	b.WriteString("| summarize total = count(), failed = countif(toint(resultCode) >= 500)\n")
	b.WriteString("| where total >= " + strconv.Itoa(minRequests) + "\n")
	b.WriteString("| extend failedPercent = 100.0 * failed / total\n")
	b.WriteString("| where failedPercent > " + strconv.FormatFloat(thresholdPercent, 'f', -1, 64))
	return b.String()
}

// RestartReasons are the system log reasons that mark a container
// restart: the container was terminated (crashed, failed its liveness
// probe, ran out of memory) or is backing off before the next start.
// ContainerAppSystemLogs documents the Reason column but not its values;
// these are the values the environment writes, as seen in its logs.
var RestartReasons = []string{"ContainerTerminated", "BackOff"}

// RestartQuery is the log query of the restart rule, over the
// environment's system logs in the workspace
// (https://learn.microsoft.com/azure/azure-monitor/reference/tables/containerappsystemlogs):
// it returns a row per revision of the app whose containers restarted more
// than threshold times in the rule's window, and the rule fires on any
// row. Counting events measures restarts in the window, which the
// RestartCount metric cannot: it counts since each replica started
// (https://learn.microsoft.com/azure/azure-monitor/reference/supported-metrics/microsoft-app-containerapps-metrics).
func RestartQuery(app string, threshold float64) string {
	quoted := make([]string, len(RestartReasons))
	for i, r := range RestartReasons {
		quoted[i] = `"` + r + `"`
	}
	var b strings.Builder
	b.WriteString("ContainerAppSystemLogs\n")
	b.WriteString("| where ContainerAppName == \"" + app + "\"\n")
	b.WriteString("| where Reason in (" + strings.Join(quoted, ", ") + ")\n")
	b.WriteString("| summarize restarts = count() by RevisionName\n")
	b.WriteString("| where restarts > " + strconv.FormatFloat(threshold, 'f', -1, 64))
	return b.String()
}

// logRule is one log (scheduled query) alert rule that fires on any row.
type logRule struct {
	suffix, description string
	scope               pulumi.StringInput
	query               string
	t                   MetricThreshold
}

func newErrorRatioAlert(ctx *pulumi.Context, name string, args AlertsArgs, child pulumi.ResourceOption) (pulumi.StringOutput, error) {
	t := args.HTTP5xxRatio
	return newLogAlert(ctx, name, args, logRule{
		suffix: "http-5xx-ratio", description: "The share of server errors (5xx) in the app's requests is high.",
		scope: args.AppInsightsID, query: ErrorRatioQuery(args.AppInsightsRoleName, t.MinRequests, *t.Threshold),
		t: t.MetricThreshold,
	}, child)
}

func newLogAlert(ctx *pulumi.Context, name string, args AlertsArgs, r logRule, child pulumi.ResourceOption) (pulumi.StringOutput, error) {
	t := r.t
	rule, err := insights.NewScheduledQueryRule(ctx, name+"-"+r.suffix, &insights.ScheduledQueryRuleArgs{
		RuleName:            pulumi.String(args.NamePrefix + "-" + r.suffix),
		ResourceGroupName:   args.ResourceGroupName,
		Location:            pulumi.String(args.Location),
		Kind:                pulumi.String("LogAlert"),
		Description:         pulumi.String(r.description),
		Enabled:             pulumi.Bool(true),
		AutoMitigate:        pulumi.Bool(true),
		Severity:            pulumi.Float64(float64(*t.Severity)),
		EvaluationFrequency: pulumi.String(t.Frequency),
		WindowSize:          pulumi.String(t.Window),
		Scopes:              pulumi.StringArray{r.scope},
		Criteria: insights.ScheduledQueryRuleCriteriaArgs{
			AllOf: insights.ConditionArray{insights.ConditionArgs{
				Query:           pulumi.String(r.query),
				TimeAggregation: pulumi.String("Count"),
				Operator:        pulumi.String("GreaterThan"),
				Threshold:       pulumi.Float64(0),
				FailingPeriods: &insights.ConditionFailingPeriodsArgs{
					NumberOfEvaluationPeriods: pulumi.Float64(1),
					MinFailingPeriodsToAlert:  pulumi.Float64(1),
				},
			}},
		},
		Actions: &insights.ActionsArgs{ActionGroups: pulumi.StringArray{args.ActionGroupID}},
		Tags:    pulumi.ToStringMap(args.Tags),
	}, child)
	if err != nil {
		return pulumi.StringOutput{}, fmt.Errorf("scheduled query rule %q: %w", r.suffix, err)
	}
	return rule.ID().ToStringOutput(), nil
}
