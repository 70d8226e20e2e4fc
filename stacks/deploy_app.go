package stacks

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/misybot/platform/components/apphosting"
	"github.com/misybot/platform/components/crosscut"
	"github.com/misybot/platform/components/keyvault"
	"github.com/misybot/platform/components/network"
	"github.com/misybot/platform/components/observability"
	"github.com/misybot/platform/components/servicebus"
	"github.com/misybot/platform/naming"
)

func appSpec(cfg Config, n names, loginServer string) apphosting.Args {
	a := cfg.App
	args := apphosting.Args{
		EnvironmentName: n.appsEnvironment,
		Internal:        a.Internal == nil || *a.Internal,
		ZoneRedundant:   a.ZoneRedundant,
		IdentityName:    n.appIdentity,
		AppName:         n.app,
		Registry:        apphosting.Registry{Server: loginServer},
		Repository:      a.Repository,
		StableRelease:   a.Release,
		ExternalIngress: true, // reachable from the VNet; the environment decides how far beyond
		TargetPort:      a.TargetPort,
		AllowedIPRanges: a.AllowedIPRanges,
		Probes:          apphosting.Probes{Liveness: a.Probes.Liveness, Readiness: a.Probes.Readiness, Startup: a.Probes.Startup},
		CPU:             a.CPU,
		Memory:          a.Memory,
		MinReplicas:     a.MinReplicas,
		MaxReplicas:     a.MaxReplicas,
		HTTPConcurrency: a.HTTPConcurrency,
		ServiceBus:      apphosting.ServiceBus{ScaleQueue: a.ScaleQueue, MessageCount: a.ScaleMessageCount},
		// The connection string is passed as a plain variable (appArgs).
		AppInsights: &apphosting.AppInsights{},
		Env:         a.Env,
	}
	if a.Canary != nil {
		args.Canary = &apphosting.Canary{Release: a.Canary.Release, Weight: a.Canary.Weight}
	}
	for _, s := range a.Secrets {
		args.Secrets = append(args.Secrets, apphosting.Secret{
			// Container app secret names are lowercase; Key Vault's are not.
			Name:   strings.ToLower(s.Name),
			EnvVar: s.EnvVar,
		})
	}
	return args
}

// RevisionScope is the revision scope of the app of stack running release,
// as the program builds it (apphosting.RevisionName takes it), with the
// images pulled from the registry loginServer (the bootstrap's
// registryLoginServer). The stack name matters: it names the resources
// (naming.Token).
func (c Config) RevisionScope(stack, release, loginServer string) (apphosting.RevisionScope, error) {
	n, err := resourceNames(stack, c)
	if err != nil {
		return apphosting.RevisionScope{}, err
	}
	return appSpec(c, n, loginServer).RevisionScope(release), nil
}

// RevisionName is the name of the revision that runs release in the app
// of stack, as the program names it: the rollout tool analyses the
// revisions the stack deploys.
func (c Config) RevisionName(stack, release, loginServer string) (string, error) {
	n, err := resourceNames(stack, c)
	if err != nil {
		return "", err
	}
	return apphosting.RevisionName(n.app, release, appSpec(c, n, loginServer).RevisionScope(release))
}

func appArgs(cfg Config, n names, in crosscut.Inputs, boot BootstrapStack,
	net *network.Network, kv *keyvault.KeyVault, sb *servicebus.ServiceBus, obs *observability.Observability,
) (apphosting.Args, error) {
	args := appSpec(cfg, n, boot.RegistryLoginServer)
	// The environment's only private endpoint-like surface is its internal
	// load balancer; the component refuses a PrivateEndpoint input.
	in.PrivateEndpoint = nil
	args.Inputs = in
	args.InfrastructureSubnetID = net.AppsSubnetID
	args.Registry.ID = pulumi.String(boot.RegistryID)
	args.KeyVault = apphosting.KeyVault{ID: kv.VaultID, URI: kv.VaultURI}
	args.ServiceBus.ID, args.ServiceBus.Name = sb.NamespaceID, sb.NamespaceName
	args.ServiceBus.FullyQualifiedNamespace = sb.FullyQualifiedNamespace
	if q := cfg.App.ScaleQueue; q != "" {
		args.ServiceBus.ScaleQueueID = sb.QueueIDs[q]
	}
	args.AppInsights = &apphosting.AppInsights{ID: obs.AppInsightsID, ConnectionString: obs.AppInsightsConnection}
	for i, s := range cfg.App.Secrets {
		// The Secret resource's own URI: the app waits for the secret.
		uri, ok := kv.SecretURIs[s.Name]
		if !ok {
			return apphosting.Args{}, fmt.Errorf("app secret %s: not in keyVaultSecrets", s.Name) // Validate reports it first
		}
		args.Secrets[i].KeyVaultSecretURI = uri
	}
	// What the first revision needs that no input refers to: the private
	// DNS zones' links to the network and the private endpoints' DNS
	// registrations, without which the vault and the namespace resolve to
	// their public (denied) endpoints.
	args.DependsOn = append(append(append([]pulumi.Resource{}, net.DNSLinks...), kv.PrivateAccess...), sb.PrivateAccess...)
	return args, nil
}

func alertsArgs(cfg Config, n names, stack string, in crosscut.Inputs, obs *observability.Observability, apps *apphosting.AppHosting, sb *servicebus.ServiceBus) observability.AlertsArgs {
	defaults := observability.DefaultAlertThresholds()
	severity := cfg.Alerts.Severity
	with := func(t observability.MetricThreshold, value float64) observability.MetricThreshold {
		t.Threshold, t.Severity = &value, &severity
		return t
	}
	a := cfg.Alerts
	ratio := defaults.HTTP5xxRatio
	ratio.MetricThreshold = with(ratio.MetricThreshold, a.HTTP5xxRatioPercent)
	return observability.AlertsArgs{
		ResourceGroupName:     in.ResourceGroupName,
		Location:              in.Location,
		Tags:                  in.Tags,
		NamePrefix:            Application + "-" + naming.Token(stack),
		ActionGroupID:         obs.ActionGroupID,
		ContainerAppID:        apps.AppID,
		ContainerAppName:      n.app,
		WorkspaceID:           obs.WorkspaceID,
		ServiceBusNamespaceID: sb.NamespaceID,
		AppInsightsID:         obs.AppInsightsID,
		HTTP5xx:               with(defaults.HTTP5xx, a.HTTP5xx),
		HTTP5xxRatio:          ratio,
		Latency:               with(defaults.Latency, a.LatencyMs),
		Restarts:              with(defaults.Restarts, a.Restarts),
		DeadLetters:           with(defaults.DeadLetters, a.DeadLetters),
		Throttled:             with(defaults.Throttled, a.Throttled),
	}
}
