// Package stacks holds the typed, validated stack configuration and the
// composition of the components into the MisyBot platform. Every stack runs
// the same composition; environments differ only by configuration.
package stacks

import (
	"fmt"

	"github.com/misybot/platform/sdk/azurenative/authorization"
	"github.com/misybot/platform/sdk/azurenative/resources"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/misybot/platform/components/apphosting"
	"github.com/misybot/platform/components/crosscut"
	"github.com/misybot/platform/components/identity"
	"github.com/misybot/platform/components/keyvault"
	"github.com/misybot/platform/components/loadtesting"
	"github.com/misybot/platform/components/network"
	"github.com/misybot/platform/components/observability"
	"github.com/misybot/platform/components/servicebus"
	"github.com/misybot/platform/naming"
)

// Project is the Pulumi project name, the namespace of the configuration.
const Project = "misybot-platform"

// Application names the platform in resource names and tags.
const Application = "misybot"

// Deploy is the Pulumi program: it builds the platform and exports its outputs.
func Deploy(ctx *pulumi.Context) error {
	outs, err := Build(ctx)
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
	client, err := authorization.GetClientConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("stack %s: reading the Azure client configuration: %w", ctx.Stack(), err)
	}
	return compose(ctx, cfg, client.TenantId, client.SubscriptionId)
}

// names are the physical names of one stack's resources.
type names struct {
	resourceGroup, vnet, appsSubnet, endpointsSubnet, appsNSG, endpointsNSG string
	loadTestSubnet, loadTestNSG                                             string
	keyVault, serviceBus, workspace, appInsights, actionGroup, actionShort  string
	appsEnvironment, app, appIdentity, loadTest                             string
}

func resourceNames(cfg Config) (names, error) {
	n, err := naming.New(Application, string(cfg.Environment), cfg.Location, cfg.NameSeed)
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
func compose(ctx *pulumi.Context, cfg Config, tenantID, subscriptionID string) (map[string]pulumi.Output, error) {
	n, err := resourceNames(cfg)
	if err != nil {
		return nil, err
	}
	tags := Tags(cfg)

	var rgOpts []pulumi.ResourceOption
	if cfg.Protect {
		rgOpts = append(rgOpts, pulumi.Protect(true))
	}
	rg, err := resources.NewResourceGroup(ctx, "rg", &resources.ResourceGroupArgs{
		ResourceGroupName: pulumi.String(n.resourceGroup),
		Location:          pulumi.String(cfg.Location),
		Tags:              pulumi.ToStringMap(tags),
	}, rgOpts...)
	if err != nil {
		return nil, fmt.Errorf("resource group: %w", err)
	}
	if cfg.Lock {
		if _, err := crosscut.NewLock(ctx, "rg", rg.ID().ToStringOutput(), pulumi.Parent(rg)); err != nil {
			return nil, err
		}
	}
	base := crosscut.Inputs{
		ResourceGroupName: rg.Name,
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

	hosting, err := appArgs(cfg, n, base, subscriptionID, net, kv, sb, obs)
	if err != nil {
		return nil, err
	}
	hosting.Live = apphosting.LookupLive(ctx, n.resourceGroup, n.app)
	apps, err := apphosting.New(ctx, "apphosting", hosting)
	if err != nil {
		return nil, err
	}
	ci, err := identity.New(ctx, "identity", identityArgs(cfg, rg.ID().ToStringOutput()))
	if err != nil {
		return nil, err
	}
	if _, err := observability.NewAlerts(ctx, "alerts", alertsArgs(cfg, n, base, obs, apps, sb)); err != nil {
		return nil, err
	}

	outputs := map[string]pulumi.Output{
		"environment":                 pulumi.String(string(cfg.Environment)).ToStringOutput(),
		"resourceGroupName":           rg.Name,
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
		"ciDeployClientId":            ci.DeployClientID,
		"ciPreviewClientId":           ci.PreviewClientID,
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
			Inputs: crosscut.Inputs{
				ResourceGroupName: base.ResourceGroupName, Location: base.Location, Tags: base.Tags,
				// The deploy workflow runs the staging test plan as the deploy identity.
				RoleAssignments: map[string]crosscut.RoleAssignment{"ci-deploy": {
					PrincipalID: ci.DeployPrincipalID, PrincipalType: "ServicePrincipal",
					RoleDefinitionID: loadtesting.RoleLoadTestContributor,
					Description:      "CI runs loadtest/plan.yaml",
					ListIndex:        crosscut.Index(0), // its name when role assignments were a list
				}},
			},
			Name: n.loadTest,
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
			Direction:             r.Direction,
			Access:                r.Access,
			Protocol:              r.Protocol,
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
