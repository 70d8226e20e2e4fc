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

// registryID is the resource ID of the stack's container registry, in the
// subscription the stack deploys to.
func registryID(subscriptionID string, r RegistryConfig) string {
	return fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.ContainerRegistry/registries/%s",
		subscriptionID, r.ResourceGroup, r.Name)
}

func appArgs(cfg Config, n names, in crosscut.Inputs, subscriptionID string,
	net *network.Network, kv *keyvault.KeyVault, sb *servicebus.ServiceBus, obs *observability.Observability,
) apphosting.Args {
	a := cfg.App
	// The environment's only private endpoint-like surface is its internal
	// load balancer; the component refuses a PrivateEndpoint input.
	in.PrivateEndpoint = nil
	args := apphosting.Args{
		Inputs:                 in,
		EnvironmentName:        n.appsEnvironment,
		InfrastructureSubnetID: net.AppsSubnetID,
		Internal:               a.Internal == nil || *a.Internal,
		ZoneRedundant:          cfg.Environment == Prod,
		IdentityName:           n.appIdentity,
		AppName:                n.app,
		Registry: apphosting.Registry{
			Server: strings.ToLower(a.Registry.Name) + ".azurecr.io",
			ID:     pulumi.String(registryID(subscriptionID, a.Registry)),
		},
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
		KeyVault:        apphosting.KeyVault{ID: kv.VaultID, URI: kv.VaultURI},
		ServiceBus: apphosting.ServiceBus{
			ID:                      sb.NamespaceID,
			Name:                    sb.NamespaceName,
			FullyQualifiedNamespace: sb.FullyQualifiedNamespace,
			ScaleQueue:              a.ScaleQueue,
			MessageCount:            a.ScaleMessageCount,
		},
		AppInsights: &apphosting.AppInsights{ID: obs.AppInsightsID, ConnectionString: obs.AppInsightsConnection},
		Env:         a.Env,
	}
	if a.Canary != nil {
		args.Canary = &apphosting.Canary{Release: a.Canary.Release, Weight: a.Canary.Weight}
	}
	for _, s := range a.Secrets {
		name := s.Name
		args.Secrets = append(args.Secrets, apphosting.Secret{
			// Container app secret names are lowercase; Key Vault's are not.
			Name:              strings.ToLower(name),
			KeyVaultSecretURI: kv.VaultURI.ApplyT(func(u string) string { return u + "secrets/" + name }).(pulumi.StringOutput),
			EnvVar:            s.EnvVar,
		})
	}
	return args
}

// alertSeverity is how loudly an environment's alerts ring.
func alertSeverity(env Environment) int {
	switch env {
	case Prod:
		return 1
	case Staging:
		return 2
	}
	return 3
}

func alertsArgs(cfg Config, stack string, in crosscut.Inputs, obs *observability.Observability, apps *apphosting.AppHosting, sb *servicebus.ServiceBus) observability.AlertsArgs {
	defaults := observability.DefaultAlertThresholds()
	severity := alertSeverity(cfg.Environment)
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
