package observability_test

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/components/crosscut"
	"github.com/misybot/platform/components/observability"
	"github.com/misybot/platform/infra/offline"
	"github.com/misybot/platform/infra/offline/offlinetest"
)

func baseArgs() observability.Args {
	return observability.Args{
		Inputs: crosscut.Inputs{
			ResourceGroupName: pulumi.String("rg-test"),
			Location:          "westeurope",
			Protect:           true,
			Lock:              true,
		},
		WorkspaceName:        "log-misybot-prod-weu",
		AppInsightsName:      "appi-misybot-prod-weu",
		ActionGroupName:      "ag-misybot-prod-weu",
		ActionGroupShortName: "misybotprod",
		RetentionDays:        90,
		DailyQuotaGB:         5,
		Emails:               []observability.EmailReceiver{{Name: "oncall", Address: "platform-oncall@misybot.example"}},
		Webhooks:             []observability.WebhookReceiver{{Name: "chatops", URI: "https://hooks.misybot.example/alerts"}},
	}
}

func plan(t *testing.T, args observability.Args) *offline.Plan {
	t.Helper()
	p, err := offline.RunProgram(func(ctx *pulumi.Context) error {
		_, err := observability.New(ctx, "observability", args)
		return err
	})
	require.NoError(t, err)
	return p
}

func TestWorkspace(t *testing.T) {
	p := plan(t, baseArgs())
	ws := offlinetest.One(t, p, "azure-native:operationalinsights:Workspace")
	assert.Equal(t, 90.0, offlinetest.Input(t, ws, "retentionInDays"))
	assert.Equal(t, "PerGB2018", offlinetest.Input(t, ws, "sku.name"))
	assert.Equal(t, 5.0, offlinetest.Input(t, ws, "workspaceCapping.dailyQuotaGb"))
	assert.Equal(t, true, offlinetest.Input(t, ws, "features.disableLocalAuth"))
	assert.True(t, ws.Protect)
	lock := offlinetest.One(t, p, "azure-native:authorization:ManagementLockByScope")
	assert.Equal(t, ws.ID, offlinetest.Input(t, lock, "scope"))
	assert.Empty(t, p.Find("azure-native:insights:DiagnosticSetting"), "the workspace does not report to itself")
}

func TestUncappedWorkspace(t *testing.T) {
	args := baseArgs()
	args.DailyQuotaGB = -1
	_, capped := offlinetest.One(t, plan(t, args), "azure-native:operationalinsights:Workspace").Input("workspaceCapping")
	assert.False(t, capped)
}

func TestWorkspaceBasedAppInsights(t *testing.T) {
	p := plan(t, baseArgs())
	ws := offlinetest.One(t, p, "azure-native:operationalinsights:Workspace")
	appi := offlinetest.One(t, p, "azure-native:insights:Component")
	assert.Equal(t, ws.ID, offlinetest.Input(t, appi, "workspaceResourceId"))
	assert.Equal(t, "LogAnalytics", offlinetest.Input(t, appi, "ingestionMode"))
	assert.Equal(t, true, offlinetest.Input(t, appi, "disableLocalAuth"))
}

func TestActionGroupReceivers(t *testing.T) {
	ag := offlinetest.One(t, plan(t, baseArgs()), "azure-native:insights:ActionGroup")
	assert.Equal(t, "misybotprod", offlinetest.Input(t, ag, "groupShortName"))
	assert.Equal(t, true, offlinetest.Input(t, ag, "enabled"))
	assert.Equal(t, "platform-oncall@misybot.example", offlinetest.Input(t, ag, "emailReceivers[0].emailAddress"))
	assert.Equal(t, "https://hooks.misybot.example/alerts", offlinetest.Input(t, ag, "webhookReceivers[0].serviceUri"))
	assert.Equal(t, true, offlinetest.Input(t, ag, "webhookReceivers[0].useCommonAlertSchema"))
}

func TestInvalidArgs(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*observability.Args)
		want   string
	}{
		{"retention", func(a *observability.Args) { a.RetentionDays = 7 }, "RetentionDays 7"},
		{"short name", func(a *observability.Args) { a.ActionGroupShortName = "misybotstaging" }, "ActionGroupShortName"},
		{"bad email", func(a *observability.Args) { a.Emails[0].Address = "oncall@" }, "email receiver"},
		{"http webhook", func(a *observability.Args) { a.Webhooks[0].URI = "http://hooks.misybot.example" }, "https URI"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := baseArgs()
			tc.mutate(&args)
			_, err := offline.RunProgram(func(ctx *pulumi.Context) error {
				_, err := observability.New(ctx, "observability", args)
				return err
			})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
