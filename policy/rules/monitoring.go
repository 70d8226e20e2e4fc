package rules

const categoryMonitoring = "Monitoring"

// Application Insights and Log Analytics access control:
// https://learn.microsoft.com/azure/azure-monitor/app/azure-ad-authentication
// https://learn.microsoft.com/azure/azure-monitor/logs/azure-ad-authentication-logs
// https://learn.microsoft.com/azure/azure-monitor/logs/private-link-security
// https://learn.microsoft.com/azure/azure-monitor/app/convert-classic-resource
func monitoringRules() []Rule {
	appi := []string{typeAppInsights}
	ws := []string{typeWorkspace}
	return []Rule{
		{
			Name:        "appinsights-local-auth-disabled",
			Category:    categoryMonitoring,
			Description: "Application Insights accepts only Entra ID-authenticated telemetry (disableLocalAuth true), so a leaked connection string cannot inject data.",
			Remediation: "Set disableLocalAuth to true and give the app's identity Monitoring Metrics Publisher on the component.",
			Enforcement: Mandatory,
			AzurePolicy: []string{"199d5677-e4d9-4264-9465-efe1839c06bd"},
			Types:       appi,
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				return requireBool(r, field(r.Properties, "disableLocalAuth"), true, false, "instrumentation-key (local) authentication is accepted")
			},
		},
		{
			Name:        "appinsights-workspace-based",
			Category:    categoryMonitoring,
			Description: "Application Insights is workspace-based (workspaceResourceId set, ingestionMode LogAnalytics), not classic: classic resources are retired.",
			Remediation: `Set workspaceResourceId to the stack's Log Analytics workspace and ingestionMode to "LogAnalytics".`,
			Enforcement: Mandatory,
			AzurePolicy: []string{"d550e854-df1a-4de9-bf44-cd894b39a95e"},
			Types:       appi,
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				if f := requireSet(r, field(r.Properties, "workspaceResourceId"), "the component is classic, not workspace-based"); f != nil {
					return f
				}
				mode := field(r.Properties, "ingestionMode")
				if mode.isSet() && !mode.undecided() && !mode.is("LogAnalytics") {
					got, _ := mode.text()
					return []Finding{violation(r, "ingestionMode is %q, not LogAnalytics", got)}
				}
				return nil
			},
		},
		{
			Name:     "appinsights-no-public-network-access",
			Category: categoryMonitoring,
			Description: "Application Insights blocks ingestion and queries from public networks (publicNetworkAccessForIngestion and " +
				"publicNetworkAccessForQuery Disabled). Advisory: it needs an Azure Monitor Private Link Scope, which the platform does not deploy yet.",
			Remediation: `Connect the component to an Azure Monitor Private Link Scope, then set both properties to "Disabled".`,
			Enforcement: Advisory,
			AzurePolicy: []string{"1bc02227-0cb6-4e11-8f53-eb0b22eab7e8"},
			Types:       appi,
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				return append(publicAccessDisabled(r, field(r.Properties, "publicNetworkAccessForIngestion")),
					publicAccessDisabled(r, field(r.Properties, "publicNetworkAccessForQuery"))...)
			},
		},
		{
			Name:        "loganalytics-local-auth-disabled",
			Category:    categoryMonitoring,
			Description: "Log Analytics workspaces accept only Entra ID-authenticated ingestion and queries (features.disableLocalAuth true): no shared workspace keys.",
			Remediation: "Set features.disableLocalAuth to true; send data with the Azure Monitor Agent or diagnostic settings.",
			Enforcement: Mandatory,
			AzurePolicy: []string{"e15effd4-2278-4c65-a0da-4d6f6d1890e2"},
			Types:       ws,
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				return requireBool(r, field(r.Properties, "features", "disableLocalAuth"), true, false, "shared-key (local) authentication is accepted")
			},
		},
		{
			Name:     "loganalytics-no-public-network-access",
			Category: categoryMonitoring,
			Description: "Log Analytics workspaces block ingestion and queries from public networks (publicNetworkAccessForIngestion and " +
				"publicNetworkAccessForQuery Disabled). Advisory: it needs an Azure Monitor Private Link Scope, which the platform does not deploy yet.",
			Remediation: `Connect the workspace to an Azure Monitor Private Link Scope, then set both properties to "Disabled".`,
			Enforcement: Advisory,
			AzurePolicy: []string{"6c53d030-cc64-46f0-906d-2bc061cd1334"},
			Types:       ws,
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				return append(publicAccessDisabled(r, field(r.Properties, "publicNetworkAccessForIngestion")),
					publicAccessDisabled(r, field(r.Properties, "publicNetworkAccessForQuery"))...)
			},
		},
		{
			Name:         "loganalytics-retention",
			Category:     categoryMonitoring,
			Description:  "Log Analytics workspaces keep data at least 90 days in prod (retentionInDays), long enough to investigate an incident.",
			Remediation:  "Set retentionInDays to 90 or more.",
			Enforcement:  Advisory,
			Environments: []string{"prod"},
			Types:        ws,
			Scope:        PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				return requireMinNumber(r, field(r.Properties, "retentionInDays"), 90, 30, "logs are kept too briefly")
			},
		},
	}
}
