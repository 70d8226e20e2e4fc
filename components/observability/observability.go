// Package observability is the MisyBot observability component: a Log
// Analytics workspace that every diagnostic setting writes to, a
// workspace-based Application Insights, and the action group alerts notify.
package observability

import (
	"cmp"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"slices"

	"github.com/misybot/platform/sdk/azurenative/insights"
	"github.com/misybot/platform/sdk/azurenative/operationalinsights"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/misybot/platform/components/crosscut"
)

// Type is the component's Pulumi type token.
const Type = "misybot:observability:Observability"

// Args configures the component. Inputs.Diagnostics is ignored: the
// workspace is the diagnostics target of everything else.
type Args struct {
	crosscut.Inputs

	// WorkspaceName is the Log Analytics workspace name. Required.
	WorkspaceName string
	// AppInsightsName is the Application Insights name. Required.
	AppInsightsName string
	// ActionGroupName and ActionGroupShortName (at most 12 characters,
	// shown in notifications) name the action group. Required.
	ActionGroupName      string
	ActionGroupShortName string
	// RetentionDays of the workspace: 30-730. Default 30.
	RetentionDays int
	// DailyQuotaGB caps ingestion per day; 0 or -1 means no cap.
	DailyQuotaGB float64
	// Emails and Webhooks receive alerts; each is keyed by its name, and
	// their order does not matter.
	Emails   []EmailReceiver
	Webhooks []WebhookReceiver
}

// EmailReceiver is an e-mail address notified by alerts.
type EmailReceiver struct{ Name, Address string }

// WebhookReceiver is an HTTPS endpoint called by alerts.
type WebhookReceiver struct{ Name, URI string }

// Observability is the component's state and outputs.
type Observability struct {
	pulumi.ResourceState

	WorkspaceID           pulumi.StringOutput
	WorkspaceCustomerID   pulumi.StringOutput
	AppInsightsID         pulumi.StringOutput
	AppInsightsConnection pulumi.StringOutput
	ActionGroupID         pulumi.StringOutput
}

func (a *Args) defaults() {
	if a.RetentionDays == 0 {
		a.RetentionDays = 30
	}
	// Receivers are keyed by their names, unique in the action group: the
	// group lists them by name, so their order in Args is no change.
	a.Emails = slices.SortedFunc(slices.Values(a.Emails), func(x, y EmailReceiver) int { return cmp.Compare(x.Name, y.Name) })
	a.Webhooks = slices.SortedFunc(slices.Values(a.Webhooks), func(x, y WebhookReceiver) int { return cmp.Compare(x.Name, y.Name) })
}

func (a *Args) validate() error {
	errs := []error{a.Inputs.Validate()}
	if a.WorkspaceName == "" || a.AppInsightsName == "" || a.ActionGroupName == "" {
		errs = append(errs, errors.New("args.WorkspaceName, AppInsightsName and ActionGroupName are required"))
	}
	if n := len(a.ActionGroupShortName); n < 1 || n > 12 {
		errs = append(errs, fmt.Errorf("args.ActionGroupShortName %q: want 1-12 characters", a.ActionGroupShortName))
	}
	if a.RetentionDays < 30 || a.RetentionDays > 730 {
		errs = append(errs, fmt.Errorf("args.RetentionDays %d: want 30-730", a.RetentionDays))
	}
	for _, e := range a.Emails {
		if _, err := mail.ParseAddress(e.Address); err != nil || e.Name == "" {
			errs = append(errs, fmt.Errorf("email receiver %q <%s>: want a name and a valid address", e.Name, e.Address))
		}
	}
	for _, w := range a.Webhooks {
		if u, err := url.Parse(w.URI); err != nil || u.Scheme != "https" || u.Host == "" || w.Name == "" {
			errs = append(errs, fmt.Errorf("webhook receiver %q: want a name and an https URI", w.Name))
		}
	}
	return errors.Join(errs...)
}

// New creates the observability component.
func New(ctx *pulumi.Context, name string, args Args, opts ...pulumi.ResourceOption) (*Observability, error) {
	args.defaults()
	if err := args.validate(); err != nil {
		return nil, fmt.Errorf("observability %q: %w", name, err)
	}
	c := &Observability{}
	if err := ctx.RegisterComponentResource(Type, name, c, opts...); err != nil {
		return nil, fmt.Errorf("observability %q: %w", name, err)
	}
	child := pulumi.Parent(c)

	wsArgs := &operationalinsights.WorkspaceArgs{
		WorkspaceName:     pulumi.String(args.WorkspaceName),
		ResourceGroupName: args.ResourceGroupName,
		Location:          pulumi.String(args.Location),
		Sku:               &operationalinsights.WorkspaceSkuArgs{Name: pulumi.String("PerGB2018")},
		RetentionInDays:   pulumi.Int(args.RetentionDays),
		Features: &operationalinsights.WorkspaceFeaturesArgs{
			// Only Entra ID-authenticated agents and queries; no shared keys.
			DisableLocalAuth: pulumi.Bool(true),
			EnableLogAccessUsingOnlyResourcePermissions: pulumi.Bool(true),
		},
		Tags: args.TagMap(),
	}
	if args.DailyQuotaGB > 0 {
		wsArgs.WorkspaceCapping = &operationalinsights.WorkspaceCappingArgs{DailyQuotaGb: pulumi.Float64(args.DailyQuotaGB)}
	}
	ws, err := operationalinsights.NewWorkspace(ctx, name+"-workspace", wsArgs, args.StatefulOptions(child)...)
	if err != nil {
		return nil, fmt.Errorf("observability %q: workspace: %w", name, err)
	}
	wsID := ws.ID().ToStringOutput()
	inputs := args.Inputs
	inputs.Diagnostics = nil // the workspace does not report to itself
	if err := inputs.Attach(ctx, name+"-workspace", wsID, child); err != nil {
		return nil, fmt.Errorf("observability %q: %w", name, err)
	}

	appi, err := insights.NewComponent(ctx, name+"-appinsights", &insights.ComponentArgs{
		ResourceName:        pulumi.String(args.AppInsightsName),
		ResourceGroupName:   args.ResourceGroupName,
		Location:            pulumi.String(args.Location),
		Kind:                pulumi.String("web"),
		ApplicationType:     pulumi.String("web"),
		WorkspaceResourceId: wsID,
		IngestionMode:       pulumi.String("LogAnalytics"),
		// Telemetry must be sent with an Entra token (the app's managed
		// identity), so a leaked connection string cannot inject data.
		DisableLocalAuth: pulumi.Bool(true),
		Tags:             args.TagMap(),
	}, child)
	if err != nil {
		return nil, fmt.Errorf("observability %q: application insights: %w", name, err)
	}

	emails := insights.EmailReceiverArray{}
	for _, e := range args.Emails {
		emails = append(emails, insights.EmailReceiverArgs{
			Name: pulumi.String(e.Name), EmailAddress: pulumi.String(e.Address), UseCommonAlertSchema: pulumi.Bool(true),
		})
	}
	hooks := insights.WebhookReceiverArray{}
	for _, w := range args.Webhooks {
		hooks = append(hooks, insights.WebhookReceiverArgs{
			Name: pulumi.String(w.Name), ServiceUri: pulumi.String(w.URI), UseCommonAlertSchema: pulumi.Bool(true),
		})
	}
	ag, err := insights.NewActionGroup(ctx, name+"-actiongroup", &insights.ActionGroupArgs{
		ActionGroupName:   pulumi.String(args.ActionGroupName),
		GroupShortName:    pulumi.String(args.ActionGroupShortName),
		ResourceGroupName: args.ResourceGroupName,
		Location:          pulumi.String("Global"),
		Enabled:           pulumi.Bool(true),
		EmailReceivers:    emails,
		WebhookReceivers:  hooks,
		Tags:              args.TagMap(),
	}, child)
	if err != nil {
		return nil, fmt.Errorf("observability %q: action group: %w", name, err)
	}

	c.WorkspaceID, c.WorkspaceCustomerID = wsID, ws.CustomerId
	c.AppInsightsID, c.AppInsightsConnection = appi.ID().ToStringOutput(), appi.ConnectionString
	c.ActionGroupID = ag.ID().ToStringOutput()
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"workspaceId":                 c.WorkspaceID,
		"workspaceCustomerId":         c.WorkspaceCustomerID,
		"appInsightsId":               c.AppInsightsID,
		"appInsightsConnectionString": c.AppInsightsConnection,
		"actionGroupId":               c.ActionGroupID,
	}); err != nil {
		return nil, fmt.Errorf("observability %q: %w", name, err)
	}
	return c, nil
}
