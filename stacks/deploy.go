// Package stacks holds the typed, validated stack configuration and the
// composition of the components into the MisyBot platform. Every stack runs
// the same composition; environments differ only by configuration.
package stacks

import (
	"fmt"

	"github.com/misybot/platform/sdk/azurenative/authorization"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/misybot/platform/components/apphosting"
	"github.com/misybot/platform/components/azurenative"
	"github.com/misybot/platform/components/crosscut"
	"github.com/misybot/platform/components/keyvault"
	"github.com/misybot/platform/components/loadtesting"
	"github.com/misybot/platform/components/network"
	"github.com/misybot/platform/components/observability"
	"github.com/misybot/platform/components/servicebus"
	"github.com/misybot/platform/naming"
	"github.com/misybot/platform/stacks/configkeys"
)

// Project is the Pulumi project name, the namespace of the configuration.
const Project = "misybot-platform"

// Application names the platform in resource names and tags.
const Application = "misybot"

// Deploy is the Pulumi program: it builds the platform and exports its outputs.
func Deploy(ctx *pulumi.Context) error { return ExportAll(ctx, Build) }

// ExportAll runs a program's build and exports every output it returns:
// the shape of both of the repository's programs (this one and the
// bootstrap's).
func ExportAll(ctx *pulumi.Context, build func(*pulumi.Context) (map[string]pulumi.Output, error)) error {
	outs, err := build(ctx)
	if err != nil {
		return err
	}
	for k, v := range outs {
		ctx.Export(k, v)
	}
	return nil
}

// Build reads and validates the stack configuration, then composes the
// platform. It returns the stack outputs by name.
func Build(ctx *pulumi.Context) (map[string]pulumi.Output, error) {
	cfg, err := loadContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("stack %s: invalid configuration:\n%w", ctx.Stack(), err)
	}
	if err := CheckStackName(ctx.Stack(), cfg); err != nil {
		return nil, fmt.Errorf("stack %s: invalid configuration:\n%w", ctx.Stack(), err)
	}
	client, err := authorization.GetClientConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("stack %s: reading the Azure client configuration: %w", ctx.Stack(), err)
	}
	return compose(ctx, ctx.Stack(), cfg, client.TenantId, client.SubscriptionId)
}

// CheckStackName reports a stack name that cannot name an environment
// stack, or whose environment family (naming.EnvironmentOf) is not the
// stack's environment key: the name drives the resource names, the
// identities and the GitHub environments, the key the defaults and the
// guard-rails, and the two must agree (prod-eu2 is a prod stack).
func CheckStackName(stack string, cfg Config) error {
	if err := naming.CheckStack(stack); err != nil {
		return Problems{{Key: configkeys.Environment, Value: string(cfg.Environment), Expected: "a stack whose name says its environment: " + err.Error()}}
	}
	if env := naming.EnvironmentOf(stack); env != string(cfg.Environment) {
		return Problems{{Key: configkeys.Environment, Value: string(cfg.Environment), Expected: fmt.Sprintf("%s, the environment stack %q belongs to by its name", env, stack)}}
	}
	return nil
}

// names are the physical names of one stack's resources.
type names struct {
	resourceGroup, vnet, appsSubnet, endpointsSubnet, appsNSG, endpointsNSG string
	loadTestSubnet, loadTestNSG                                             string
	keyVault, serviceBus, workspace, appInsights, actionGroup, actionShort  string
	appsEnvironment, app, appIdentity, loadTest                             string
}

// resourceNames names a stack's resources after the stack (naming.Token):
// prod-eu2 is rg-misybot-prodeu2-eus2, never a second rg-misybot-prod-....
func resourceNames(stack string, cfg Config) (names, error) {
	n, err := naming.New(Application, naming.Token(stack), cfg.Location, cfg.NameSeed)
	if err != nil {
		return names{}, err
	}
	var out names
	for _, f := range []struct {
		dst       *string
		rule      naming.Rule
		qualifier string
	}{
		{&out.resourceGroup, naming.ResourceGroup, ""},
		{&out.vnet, naming.VirtualNetwork, ""},
		{&out.appsSubnet, naming.Subnet, "apps"},
		{&out.endpointsSubnet, naming.Subnet, "endpoints"},
		{&out.appsNSG, naming.SecurityGroup, "apps"},
		{&out.endpointsNSG, naming.SecurityGroup, "endpoints"},
		{&out.loadTestSubnet, naming.Subnet, "loadtest"},
		{&out.loadTestNSG, naming.SecurityGroup, "loadtest"},
		{&out.keyVault, naming.KeyVault, ""},
		{&out.serviceBus, naming.ServiceBus, ""},
		{&out.workspace, naming.LogAnalytics, ""},
		{&out.appInsights, naming.AppInsights, ""},
		{&out.actionGroup, naming.ActionGroup, ""},
		{&out.appsEnvironment, naming.ContainerAppsEnv, ""},
		{&out.app, naming.ContainerApp, ""},
		{&out.appIdentity, naming.ManagedIdentity, "app"},
		{&out.loadTest, naming.LoadTest, ""},
	} {
		if *f.dst, err = n.Name(f.rule, f.qualifier); err != nil {
			return names{}, err
		}
	}
	if out.actionShort, err = n.Short(naming.ActionGroupShort); err != nil {
		return names{}, err
	}
	return out, nil
}

// Tags returns the tags every taggable resource of the stack carries.
func Tags(cfg Config) map[string]string {
	tags := map[string]string{}
	for k, v := range cfg.Tags {
		tags[k] = v
	}
	tags["environment"] = string(cfg.Environment)
	tags["application"] = Application
	tags["owner"] = cfg.Owner
	tags["cost-center"] = cfg.CostCenter
	tags["managed-by"] = "pulumi"
	return tags
}

// compose builds the platform from a validated configuration.
func compose(ctx *pulumi.Context, stack string, cfg Config, tenantID, subscriptionID string) (map[string]pulumi.Output, error) {
	n, err := resourceNames(stack, cfg)
	if err != nil {
		return nil, err
	}
	tags := Tags(cfg)

	// The bootstrap (bootstrap/) creates the resource group, the app's
	// identity with AcrPull on the registry, and the CI identities: they
	// need rights the deploy identity does not have (creating resource
	// groups, assigning roles outside the group, Microsoft Graph). The
	// stack reads them from the bootstrap's outputs (a StackReference).
	// The resource group carries no lock: a CanNotDelete lock on it would
	// block every replace in the stack, and the deploy identity cannot
	// manage locks. Stateful resources are protected (`protect`) instead.
	boot, err := readBootstrap(ctx, stack, cfg)
	if err != nil {
		return nil, err
	}
	n.resourceGroup = boot.ResourceGroupName
	rgName := pulumi.String(n.resourceGroup).ToStringOutput()
	appIdentity, err := azurenative.GetUserAssignedIdentity(ctx, "app-identity",
		pulumi.ID(boot.AppIdentityID),
		azurenative.UserAssignedIdentityArgs{ResourceName: n.appIdentity, ResourceGroupName: rgName, Location: cfg.Location})
	if err != nil {
		return nil, err
	}
	base := crosscut.Inputs{
		ResourceGroupName: rgName,
		Location:          cfg.Location,
		Tags:              tags,
		Protect:           cfg.Protect,
	}

	obs, err := observability.New(ctx, "observability", observabilityArgs(cfg, n, base))
	if err != nil {
		return nil, err
	}
	base.Diagnostics = &crosscut.Diagnostics{WorkspaceID: obs.WorkspaceID}

	net, err := network.New(ctx, "network", networkArgs(cfg, n, base))
	if err != nil {
		return nil, err
	}
	endpoint := func(zone string) *crosscut.PrivateEndpoint {
		return &crosscut.PrivateEndpoint{SubnetID: net.EndpointsSubnetID, DNSZoneID: net.DNSZoneIDs[zone]}
	}

	// The vault always has its private endpoint, dev included: Container
	// Apps is not a trusted service, so the environment reaches the vault
	// only through it. Dev's public access adds the allowed IPs for people.
	kvIn := base
	kvIn.PrivateEndpoint = endpoint(network.ZoneKeyVault)
	secrets := map[string]pulumi.StringInput{}
	for name, value := range cfg.KeyVaultSecrets {
		secrets[name] = pulumi.ToSecret(pulumi.String(value)).(pulumi.StringOutput)
	}
	kv, err := keyvault.New(ctx, "keyvault", keyvault.Args{
		Inputs:                   kvIn,
		Name:                     n.keyVault,
		TenantID:                 pulumi.String(tenantID),
		Sku:                      keyvault.Sku(cfg.KeyVault.Sku),
		SoftDeleteRetentionDays:  cfg.KeyVault.SoftDeleteRetentionDays,
		PurgeProtection:          cfg.KeyVault.PurgeProtection,
		AllowPublicNetworkAccess: cfg.KeyVault.AllowPublicNetworkAccess,
		AllowedIPs:               cfg.KeyVault.AllowedIPs,
		Secrets:                  secrets,
	})
	if err != nil {
		return nil, err
	}

	sbIn := base
	if !cfg.ServiceBus.AllowPublicNetworkAccess {
		sbIn.PrivateEndpoint = endpoint(network.ZoneServiceBus)
	}
	sb, err := servicebus.New(ctx, "servicebus", serviceBusArgs(cfg, n, sbIn))
	if err != nil {
		return nil, err
	}

	hosting, err := appArgs(cfg, n, base, boot, net, kv, sb, obs)
	if err != nil {
		return nil, err
	}
	hosting.Identity = &apphosting.ExistingIdentity{ID: appIdentity.ID().ToStringOutput(), PrincipalID: appIdentity.PrincipalID, ClientID: appIdentity.ClientID}
	hosting.Live = apphosting.LookupLive(ctx, n.resourceGroup, n.app)
	apps, err := apphosting.New(ctx, "apphosting", hosting)
	if err != nil {
		return nil, err
	}
	if _, err := observability.NewAlerts(ctx, "alerts", alertsArgs(cfg, n, stack, base, obs, apps, sb)); err != nil {
		return nil, err
	}

	outputs := map[string]pulumi.Output{
		"environment":                 pulumi.String(string(cfg.Environment)).ToStringOutput(),
		"resourceGroupName":           rgName,
		"vnetId":                      net.VNetID,
		"keyVaultName":                kv.VaultName,
		"keyVaultUri":                 kv.VaultURI,
		"serviceBusNamespace":         sb.FullyQualifiedNamespace,
		"serviceBusEndpoint":          sb.Endpoint,
		"logAnalyticsWorkspaceId":     obs.WorkspaceID,
		"appInsightsConnectionString": pulumi.ToSecret(obs.AppInsightsConnection),
		"actionGroupId":               obs.ActionGroupID,
		"appName":                     apps.AppName,
		"appUrl":                      apps.URL,
		"canaryUrl":                   apps.CanaryURL,
		"stableRevision":              pulumi.String(apps.StableRevision).ToStringOutput(),
		"stableWeight":                pulumi.Int(apps.StableWeight).ToIntOutput(),
		"canaryRevision":              pulumi.String(apps.CanaryRevision).ToStringOutput(),
		"canaryWeight":                pulumi.Int(apps.CanaryWeight).ToIntOutput(),
		"appIdentityClientId":         apps.IdentityClientID,
	}
	// What the canary controller (misyinfra rollout) and the deploy
	// workflow read.
	outputs["appResourceId"] = apps.AppID
	outputs["logAnalyticsWorkspaceCustomerId"] = obs.WorkspaceCustomerID
	outputs["appInsightsId"] = obs.AppInsightsID
	outputs["stableRelease"] = pulumi.String(cfg.App.Release).ToStringOutput()
	outputs["canaryRelease"] = pulumi.String(canaryRelease(cfg)).ToStringOutput()
	if cfg.LoadTesting {
		lt, err := loadtesting.New(ctx, "loadtesting", loadtesting.Args{
			// The deploy workflow runs the staging test plan as the deploy
			// identity: the bootstrap gives it Load Test Contributor on the
			// resource group.
			Inputs: crosscut.Inputs{ResourceGroupName: base.ResourceGroupName, Location: base.Location, Tags: base.Tags},
			Name:   n.loadTest,
		})
		if err != nil {
			return nil, err
		}
		outputs["loadTestingName"] = lt.Name
		outputs["loadTestingDataPlaneUri"] = lt.DataPlaneURI
		// The engines run in the load test subnet and must resolve the
		// internal environment's domain to its static IP.
		// https://learn.microsoft.com/azure/load-testing/how-to-test-private-endpoint
		if _, err := network.NewDomain(ctx, "apps-domain", network.DomainArgs{
			Inputs:   crosscut.Inputs{ResourceGroupName: base.ResourceGroupName, Location: base.Location, Tags: base.Tags},
			Domain:   apps.EnvironmentDefaultDomain,
			IP:       apps.EnvironmentStaticIP,
			VNetID:   net.VNetID,
			LinkName: n.vnet,
		}); err != nil {
			return nil, err
		}
		outputs["loadTestSubnetId"] = net.LoadTestSubnetID
	}
	return outputs, nil
}

func observabilityArgs(cfg Config, n names, in crosscut.Inputs) observability.Args {
	args := observability.Args{
		Inputs:               in,
		WorkspaceName:        n.workspace,
		AppInsightsName:      n.appInsights,
		ActionGroupName:      n.actionGroup,
		ActionGroupShortName: n.actionShort,
		RetentionDays:        cfg.Observability.RetentionDays,
		DailyQuotaGB:         cfg.Observability.DailyQuotaGB,
	}
	for _, e := range cfg.Observability.AlertReceivers.Emails {
		args.Emails = append(args.Emails, observability.EmailReceiver{Name: e.Name, Address: e.Address})
	}
	for _, w := range cfg.Observability.AlertReceivers.Webhooks {
		args.Webhooks = append(args.Webhooks, observability.WebhookReceiver{Name: w.Name, URI: w.URI})
	}
	return args
}

func networkArgs(cfg Config, n names, in crosscut.Inputs) network.Args {
	rules := map[string][]network.Rule{}
	for _, r := range cfg.Network.ExtraRules {
		rules[r.Subnet] = append(rules[r.Subnet], network.Rule{
			Name:                  r.Name,
			Description:           r.Description,
			Priority:              r.Priority,
			Direction:             network.Direction(r.Direction),
			Access:                network.Access(r.Access),
			Protocol:              network.Protocol(r.Protocol),
			SourceAddressPrefixes: []string{r.SourceAddressPrefix},
			DestinationPortRange:  r.DestinationPortRange,
		})
	}
	args := network.Args{
		Inputs:       in,
		Name:         n.vnet,
		AddressSpace: cfg.Network.AddressSpace,
		Apps: network.SubnetArgs{
			Name: n.appsSubnet, Prefix: cfg.Network.AppsSubnet, SecurityGroupName: n.appsNSG, ExtraRules: rules["apps"],
		},
		Endpoints: network.SubnetArgs{
			Name: n.endpointsSubnet, Prefix: cfg.Network.EndpointsSubnet, SecurityGroupName: n.endpointsNSG, ExtraRules: rules["endpoints"],
		},
		IngressSources: cfg.Network.IngressSources,
	}
	if cfg.LoadTesting {
		args.LoadTest = &network.SubnetArgs{Name: n.loadTestSubnet, Prefix: cfg.Network.LoadTestSubnet, SecurityGroupName: n.loadTestNSG}
	}
	return args
}

func serviceBusArgs(cfg Config, n names, in crosscut.Inputs) servicebus.Args {
	sbc := cfg.ServiceBus
	args := servicebus.Args{
		Inputs:                   in,
		Name:                     n.serviceBus,
		Sku:                      servicebus.Sku(sbc.Sku),
		Capacity:                 sbc.Capacity,
		ZoneRedundant:            sbc.ZoneRedundant,
		AllowPublicNetworkAccess: sbc.AllowPublicNetworkAccess,
	}
	for _, q := range sbc.Queues {
		args.Queues = append(args.Queues, servicebus.Queue{
			Name:                     q.Name,
			MaxDeliveryCount:         q.MaxDeliveryCount,
			LockDuration:             q.LockDuration,
			DeadLetterOnExpiration:   isTrue(q.DeadLetterOnExpiration),
			DuplicateDetectionWindow: q.DuplicateDetectionWindow,
			DefaultMessageTTL:        q.DefaultMessageTTL,
			RequiresSession:          q.RequiresSession,
			MaxSizeMB:                q.MaxSizeMB,
		})
	}
	for _, t := range sbc.Topics {
		topic := servicebus.Topic{
			Name:                     t.Name,
			DuplicateDetectionWindow: t.DuplicateDetectionWindow,
			DefaultMessageTTL:        t.DefaultMessageTTL,
			MaxSizeMB:                t.MaxSizeMB,
		}
		for _, s := range t.Subscriptions {
			topic.Subscriptions = append(topic.Subscriptions, servicebus.Subscription{
				Name:                     s.Name,
				MaxDeliveryCount:         s.MaxDeliveryCount,
				LockDuration:             s.LockDuration,
				DeadLetterOnExpiration:   isTrue(s.DeadLetterOnExpiration),
				DeadLetterOnFilterErrors: isTrue(s.DeadLetterOnFilterErrors),
				DefaultMessageTTL:        s.DefaultMessageTTL,
				RequiresSession:          s.RequiresSession,
			})
		}
		args.Topics = append(args.Topics, topic)
	}
	return args
}

func isTrue(b *bool) bool { return b != nil && *b }

// canaryRelease is the canary's release, "" without a canary.
func canaryRelease(cfg Config) string {
	if cfg.App.Canary == nil {
		return ""
	}
	return cfg.App.Canary.Release
}
