package observability_test

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/components/observability"
	"github.com/misybot/platform/infra/offline"
)

const (
	alertRG       = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-test"
	actionGroupID = alertRG + "/providers/Microsoft.Insights/actionGroups/ag-misybot-test"
	containerApp  = alertRG + "/providers/Microsoft.App/containerApps/ca-misybot-bot-test"
	sbNamespace   = alertRG + "/providers/Microsoft.ServiceBus/namespaces/sb-misybot-test"
	appInsights   = alertRG + "/providers/Microsoft.Insights/components/appi-misybot-test"
	workspace     = alertRG + "/providers/Microsoft.OperationalInsights/workspaces/log-misybot-test"
	metricAlert   = "azure-native:insights:MetricAlert"
	queryRule     = "azure-native:insights:ScheduledQueryRule"
)

func alertArgs() observability.AlertsArgs {
	return observability.AlertsArgs{
		ResourceGroupName:     pulumi.String("rg-test"),
		Location:              "westeurope",
		Tags:                  map[string]string{"environment": "test"},
		NamePrefix:            "misybot-test",
		ActionGroupID:         pulumi.String(actionGroupID),
		ContainerAppID:        pulumi.String(containerApp),
		ContainerAppName:      "ca-misybot-bot-test",
		WorkspaceID:           pulumi.String(workspace),
		ServiceBusNamespaceID: pulumi.String(sbNamespace),
		AppInsightsID:         pulumi.String(appInsights),
	}
}

func runAlerts(args observability.AlertsArgs) (*offline.Plan, error) {
	return offline.RunProgram(func(ctx *pulumi.Context) error {
		_, err := observability.NewAlerts(ctx, "alerts", args)
		return err
	})
}

func alertInput(t *testing.T, r offline.Resource, path string) any {
	t.Helper()
	v, ok := r.Input(path)
	require.True(t, ok, "%s %s has no %s", r.Type, r.Name, path)
	return v
}

func byRuleName(t *testing.T, p *offline.Plan) map[string]offline.Resource {
	t.Helper()
	out := map[string]offline.Resource{}
	for _, r := range p.Find(metricAlert) {
		out[alertInput(t, r, "ruleName").(string)] = r
	}
	return out
}

func TestMetricAlertsWithDefaults(t *testing.T) {
	p, err := runAlerts(alertArgs())
	require.NoError(t, err)
	rules := byRuleName(t, p)
	type want struct {
		scope, namespace, metric, aggregation string
		threshold                             float64
		severity                              float64
		window, frequency                     string
		dimension                             map[string]any
	}
	for name, w := range map[string]want{
		"misybot-test-http-5xx": {containerApp, "Microsoft.App/containerApps", "Requests", "Total", 10, 1, "PT5M", "PT1M",
			map[string]any{"name": "statusCodeCategory", "operator": "Include", "values": []any{"5xx"}}},
		"misybot-test-latency": {containerApp, "Microsoft.App/containerApps", "ResponseTime", "Average", 1000, 2, "PT5M", "PT1M", nil},
		"misybot-test-sb-deadletters": {sbNamespace, "Microsoft.ServiceBus/namespaces", "DeadletteredMessages", "Average", 0, 2, "PT15M", "PT5M",
			map[string]any{"name": "EntityName", "operator": "Include", "values": []any{"*"}}},
		"misybot-test-sb-throttled": {sbNamespace, "Microsoft.ServiceBus/namespaces", "ThrottledRequests", "Total", 10, 2, "PT5M", "PT1M", nil},
	} {
		t.Run(name, func(t *testing.T) {
			r, ok := rules[name]
			require.True(t, ok)
			assert.Equal(t, "global", alertInput(t, r, "location"))
			assert.Equal(t, []any{w.scope}, alertInput(t, r, "scopes"))
			assert.Equal(t, w.severity, alertInput(t, r, "severity"))
			assert.Equal(t, w.window, alertInput(t, r, "windowSize"))
			assert.Equal(t, w.frequency, alertInput(t, r, "evaluationFrequency"))
			assert.Equal(t, true, alertInput(t, r, "enabled"))
			assert.Equal(t, actionGroupID, alertInput(t, r, "actions[0].actionGroupId"))
			assert.Equal(t, "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria", alertInput(t, r, "criteria.odataType"))
			assert.Equal(t, "StaticThresholdCriterion", alertInput(t, r, "criteria.allOf[0].criterionType"))
			assert.Equal(t, w.metric, alertInput(t, r, "criteria.allOf[0].metricName"))
			assert.Equal(t, w.namespace, alertInput(t, r, "criteria.allOf[0].metricNamespace"))
			assert.Equal(t, w.aggregation, alertInput(t, r, "criteria.allOf[0].timeAggregation"))
			assert.Equal(t, "GreaterThan", alertInput(t, r, "criteria.allOf[0].operator"))
			assert.Equal(t, w.threshold, alertInput(t, r, "criteria.allOf[0].threshold"))
			dims, hasDims := r.Input("criteria.allOf[0].dimensions")
			if w.dimension == nil {
				assert.False(t, hasDims)
			} else {
				assert.Equal(t, []any{w.dimension}, dims)
			}
		})
	}
	assert.Len(t, rules, 4)
}

// Finding 8: RestartCount counts since each replica started, so the rule
// counts restart events of the window in the environment's system logs.
func TestRestartRuleCountsRestartsInItsWindow(t *testing.T) {
	p, err := runAlerts(alertArgs())
	require.NoError(t, err)
	var rule offline.Resource
	for _, r := range p.Find(queryRule) {
		if alertInput(t, r, "ruleName") == "misybot-test-restarts" {
			rule = r
		}
	}
	require.NotEmpty(t, rule.URN)
	assert.Equal(t, []any{workspace}, alertInput(t, rule, "scopes"))
	assert.Equal(t, "PT15M", alertInput(t, rule, "windowSize"))
	assert.Equal(t, "PT5M", alertInput(t, rule, "evaluationFrequency"))
	assert.Equal(t, 2.0, alertInput(t, rule, "severity"))
	assert.Equal(t, observability.RestartQuery("ca-misybot-bot-test", 3), alertInput(t, rule, "criteria.allOf[0].query"))
	assert.Equal(t, "GreaterThan", alertInput(t, rule, "criteria.allOf[0].operator"))
	assert.Equal(t, 0.0, alertInput(t, rule, "criteria.allOf[0].threshold"))
	assert.Equal(t, "ContainerAppSystemLogs\n"+
		"| where ContainerAppName == \"ca-misybot-bot-test\"\n"+
		"| where Reason in (\"ContainerTerminated\", \"BackOff\")\n"+
		"| summarize restarts = count() by RevisionName\n"+
		"| where restarts > 3", observability.RestartQuery("ca-misybot-bot-test", 3))

	args := alertArgs()
	args.WorkspaceID = nil
	_, err = runAlerts(args)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "WorkspaceID, ContainerAppName and Location are required for the restart rule")
	args.Restarts.Disabled = true
	_, err = runAlerts(args)
	require.NoError(t, err, "no restart rule, no workspace needed")
}

func TestErrorRatioRule(t *testing.T) {
	args := alertArgs()
	args.AppInsightsRoleName = "bot"
	args.Restarts.Disabled = true
	p, err := runAlerts(args)
	require.NoError(t, err)
	rules := p.Find(queryRule)
	require.Len(t, rules, 1)
	r := rules[0]
	assert.Equal(t, "westeurope", alertInput(t, r, "location"))
	assert.Equal(t, []any{appInsights}, alertInput(t, r, "scopes"))
	assert.Equal(t, []any{actionGroupID}, alertInput(t, r, "actions.actionGroups"))
	assert.Equal(t, 1.0, alertInput(t, r, "severity"))
	assert.Equal(t, "PT15M", alertInput(t, r, "windowSize"))
	assert.Equal(t, "Count", alertInput(t, r, "criteria.allOf[0].timeAggregation"))
	assert.Equal(t, 0.0, alertInput(t, r, "criteria.allOf[0].threshold"))
	assert.Equal(t, observability.ErrorRatioQuery("bot", 20, 5), alertInput(t, r, "criteria.allOf[0].query"))
	assert.Contains(t, observability.ErrorRatioQuery("bot", 20, 5), `| where cloud_RoleName == "bot"`)
	assert.Contains(t, observability.ErrorRatioQuery("", 20, 2.5), "| where failedPercent > 2.5")

	args.AppInsightsID = nil
	p, err = runAlerts(args)
	require.NoError(t, err)
	assert.Empty(t, p.Find(queryRule), "no App Insights, no ratio rule")
}

func TestThresholdOverridesAndDisabling(t *testing.T) {
	args := alertArgs()
	zero, sev0 := 0.0, 0
	args.HTTP5xx = observability.MetricThreshold{Threshold: &zero, Severity: &sev0, Window: "PT15M", Frequency: "PT5M"}
	args.Throttled.Disabled = true
	args.HTTP5xxRatio.Disabled = true
	args.Restarts.Disabled = true
	p, err := runAlerts(args)
	require.NoError(t, err)
	rules := byRuleName(t, p)
	r := rules["misybot-test-http-5xx"]
	assert.Equal(t, 0.0, alertInput(t, r, "criteria.allOf[0].threshold"), "an explicit 0 is kept, not defaulted")
	assert.Equal(t, 0.0, alertInput(t, r, "severity"))
	assert.Equal(t, "PT15M", alertInput(t, r, "windowSize"))
	assert.NotContains(t, rules, "misybot-test-sb-throttled")
	assert.Empty(t, p.Find(queryRule))
}

func TestAlertsUnderTheComponent(t *testing.T) {
	p, err := runAlerts(alertArgs())
	require.NoError(t, err)
	comps := p.Find(observability.AlertsType)
	require.Len(t, comps, 1)
	assert.Len(t, p.Resources, 7)
	for _, r := range p.Resources {
		if r.URN != comps[0].URN {
			assert.Equal(t, comps[0].URN, r.Parent, r.Name)
		}
	}
}

func TestInvalidAlertArgs(t *testing.T) {
	sev5, negative, ratio := 5, -1.0, 150.0
	for _, tc := range []struct {
		name   string
		mutate func(*observability.AlertsArgs)
		want   string
	}{
		{"severity out of range", func(a *observability.AlertsArgs) { a.Latency.Severity = &sev5 }, "args.Latency.Severity 5: want 0-4"},
		{"negative threshold", func(a *observability.AlertsArgs) { a.Restarts.Threshold = &negative }, "args.Restarts.Threshold -1"},
		{"bad window", func(a *observability.AlertsArgs) { a.DeadLetters.Window = "PT10M" }, `args.DeadLetters.Window "PT10M"`},
		{"frequency longer than window", func(a *observability.AlertsArgs) {
			a.HTTP5xx.Window, a.HTTP5xx.Frequency = "PT5M", "PT15M"
		}, "Frequency PT15M is longer than Window PT5M"},
		{"ratio over 100", func(a *observability.AlertsArgs) { a.HTTP5xxRatio.Threshold = &ratio }, "want a percentage"},
		{"no action group", func(a *observability.AlertsArgs) { a.ActionGroupID = nil }, "ActionGroupID"},
		{"ratio without location", func(a *observability.AlertsArgs) { a.Location = "" }, "args.Location is required"},
		{"quote in role name", func(a *observability.AlertsArgs) { a.AppInsightsRoleName = `bot" or 1==1` }, "no quotes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := alertArgs()
			tc.mutate(&args)
			_, err := runAlerts(args)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Contains(t, err.Error(), `alerts "alerts"`)
		})
	}
}

func TestDefaultsAreFreshCopies(t *testing.T) {
	d := observability.DefaultAlertThresholds()
	*d.HTTP5xx.Threshold = 999
	assert.Equal(t, 10.0, *observability.DefaultAlertThresholds().HTTP5xx.Threshold)
}
