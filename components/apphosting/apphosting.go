// Package apphosting is the MisyBot app hosting component: a Container Apps
// managed environment injected into the apps subnet, a user-assigned
// managed identity, and the container app in multiple revision mode with a
// stable and an optional canary revision splitting traffic by weight. The
// app reaches Key Vault, Service Bus, the registry and Application Insights
// with its managed identity only: secrets are Key Vault references, the
// Service Bus scaler authenticates with the identity, images are pulled with
// it, and no password, key or connection string is ever stored.
//
// The resources use the azure-native app API 2025-01-01 (package
// app/v2/v20250101): the provider's default app API (2022-10-01) has no
// peer traffic encryption, no named workload profiles and no identity on
// custom scale rules.
package apphosting

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	app "github.com/misybot/platform/sdk/azurenative/app/v20250101"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/misybot/platform/components/azurenative"
	"github.com/misybot/platform/components/crosscut"
)

// Type is the component's Pulumi type token.
const Type = "misybot:apphosting:AppHosting"

// RoleMonitoringMetricsPublisher is the built-in role "Monitoring Metrics
// Publisher", which lets the app send telemetry to an Application Insights
// resource that only accepts Entra ID-authenticated ingestion.
const RoleMonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb"

// AssignedRoles returns the roles this component assigns to the app's
// identity. Whoever deploys the component must be allowed to assign them
// (see the identity component's AssignableRoles).
func AssignedRoles() []string {
	return []string{
		crosscut.RoleKeyVaultSecretsUser,
		crosscut.RoleServiceBusDataSender,
		crosscut.RoleServiceBusDataReceiver,
		crosscut.RoleServiceBusDataOwner,
		crosscut.RoleAcrPull,
		RoleMonitoringMetricsPublisher,
	}
}

// Environment variables the container always gets.
const (
	EnvServiceBusNamespace   = "SERVICEBUS_FULLY_QUALIFIED_NAMESPACE"
	EnvKeyVaultURI           = "KEYVAULT_URI"
	EnvAzureClientID         = "AZURE_CLIENT_ID"
	EnvAppInsightsConnection = "APPLICATIONINSIGHTS_CONNECTION_STRING"
	// EnvAppInsightsAuth makes the Application Insights SDKs and the Azure
	// Monitor OpenTelemetry distro authenticate with the managed identity.
	EnvAppInsightsAuth = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING"
	EnvRelease         = "MISYBOT_RELEASE"
)

// workloadProfile is the serverless profile every environment with
// workload profiles has.
const workloadProfile = "Consumption"

// maxSecretName is the longest Container Apps secret name.
const maxSecretName = 253

var (
	// secretNamePattern is a Container Apps secret name; its length (at
	// most maxSecretName) is checked apart, as a counted repetition would
	// compile into a large program at every start.
	secretNamePattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$`)
	envNamePattern    = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	// keyVaultHosts are the Key Vault DNS suffixes of the Azure clouds.
	keyVaultHosts = []string{".vault.azure.net", ".vault.azure.cn", ".vault.usgovcloudapi.net"}
)

// Args configures the environment and the app.
//
// From the cross-cutting inputs: Diagnostics is required (the environment
// sends its logs to Azure Monitor, and the diagnostic setting takes them to
// the workspace); Lock locks the environment and the app; RoleAssignments
// are granted on the container app. PrivateEndpoint is not supported: an
// internal environment is already reachable only from the virtual network.
type Args struct {
	crosscut.Inputs

	// EnvironmentName names the managed environment. Required.
	EnvironmentName string
	// InfrastructureSubnetID is the subnet the environment is injected into:
	// delegated to Microsoft.App/environments, /27 or larger. Required.
	InfrastructureSubnetID pulumi.StringInput
	// Internal gives the environment an internal load balancer only, so
	// nothing in it is reachable from the internet.
	Internal bool
	// ZoneRedundant spreads the environment over availability zones (prod).
	ZoneRedundant bool

	// IdentityName names the app's user-assigned identity. Required
	// unless Identity is set.
	IdentityName string
	// Identity, when set, is a user-assigned identity created outside the
	// stack (the bootstrap creates it, with AcrPull on the registry, before
	// the stack's first deploy): the component then creates no identity and
	// grants no AcrPull, which the deploy identity could not do on a
	// registry outside its resource group.
	Identity *ExistingIdentity

	// AppName is the container app name: 2-32 lowercase letters, digits
	// and '-'. Required.
	AppName string
	// ContainerName is the container's name inside the app. Default "app".
	ContainerName string
	// Registry the images are pulled from, with the identity. Required.
	Registry Registry
	// Repository is the image repository in the registry, such as
	// "misybot/bot". Required.
	Repository string
	// StableRelease is the release (image tag) serving traffic. Required.
	StableRelease string
	// Canary, when set, deploys a second release next to the stable one,
	// once the stable revision exists (see Live).
	Canary *Canary
	// Live is what Azure reports about the app before this update
	// (LookupLive). Its zero value, a new app, deploys the stable release
	// alone: traffic may only go to revisions that exist or that the
	// update creates.
	Live Live
	// DependsOn are resources the app's first revision needs that none of
	// its inputs refer to, such as the private endpoints' DNS zone groups
	// and the private DNS zones' links to the network through which the
	// environment reaches Key Vault and Service Bus.
	DependsOn []pulumi.Resource

	// ExternalIngress accepts traffic from outside the environment. With
	// an Internal environment, "outside" is the virtual network.
	ExternalIngress bool
	// TargetPort is the port the container listens on. Required.
	TargetPort int
	// AllowedIPRanges, when set, restrict the ingress to these IPv4
	// addresses or CIDRs, in any order; everything else is denied.
	AllowedIPRanges []string
	// Probes are the health endpoints. Defaults: Default*Path.
	Probes Probes

	// CPU cores per replica: 0.25-4 in steps of 0.25. Default 0.5.
	CPU float64
	// Memory per replica; the Consumption profile requires twice the CPU in
	// Gi ("1Gi" for 0.5 cores), which is also the default.
	Memory string
	// MinReplicas and MaxReplicas bound the scale-out. MinReplicas 0
	// scales to zero when idle; a canary needs at least 1, or its share of
	// traffic would hit a cold start. MaxReplicas defaults to 10.
	MinReplicas int
	MaxReplicas int
	// HTTPConcurrency is the concurrent requests per replica that trigger a
	// scale-out. Default 50.
	HTTPConcurrency int

	// KeyVault is the vault the app reads secrets from. Required.
	KeyVault KeyVault
	// ServiceBus is the namespace the app sends to and receives from. Required.
	ServiceBus ServiceBus
	// AppInsights is where the app sends telemetry. Optional.
	AppInsights *AppInsights

	// Secrets are Key Vault secrets exposed to the container as
	// environment variables, keyed by Name; their order does not matter.
	Secrets []Secret
	// Env are plain (non-secret) environment variables.
	Env map[string]string
}

// ExistingIdentity is a user-assigned identity the component attaches.
type ExistingIdentity struct {
	ID, PrincipalID, ClientID pulumi.StringInput
}

// Registry is a container registry pulled from with the app's identity.
type Registry struct {
	// Server is the login server, such as crmisybotprodweu.azurecr.io.
	Server string
	// ID is the registry's resource ID, the scope of the AcrPull assignment.
	ID pulumi.StringInput
}

// Canary is a release deployed next to the stable one.
type Canary struct {
	// Release is the canary's release (image tag). Required.
	Release string
	// Weight is the percentage of traffic the canary gets: 0-100. At 0 it
	// is reachable only on its label URL.
	Weight int
}

// Probes are the HTTP paths of the health probes, on TargetPort.
type Probes struct {
	Liveness  string
	Readiness string
	Startup   string
}

// Default probe paths, used when Args.Probes leaves them empty.
const (
	DefaultLivenessPath  = "/healthz/live"
	DefaultReadinessPath = "/healthz/ready"
	DefaultStartupPath   = "/healthz/startup"
)

// Defaults of the scale rules when a caller sets none.
const (
	// DefaultHTTPConcurrency is the concurrent requests per replica that
	// scale out.
	DefaultHTTPConcurrency = 50
	// DefaultScaleMessageCount is the messages in the scale queue per replica.
	DefaultScaleMessageCount = 5
)

// KeyVault is the vault the app reads secrets from.
type KeyVault struct {
	// ID is the vault's resource ID, the scope of Key Vault Secrets User.
	ID pulumi.StringInput
	// URI is https://<vault>.vault.azure.net/, passed as KEYVAULT_URI.
	URI pulumi.StringInput
}

// ServiceBus is the namespace the app uses.
type ServiceBus struct {
	// ID is the namespace's resource ID, the scope of the data roles.
	ID pulumi.StringInput
	// Name is the namespace name, what the KEDA scaler takes.
	Name pulumi.StringInput
	// FullyQualifiedNamespace is <name>.servicebus.windows.net, passed as
	// SERVICEBUS_FULLY_QUALIFIED_NAMESPACE.
	FullyQualifiedNamespace pulumi.StringInput
	// ScaleQueue, when set, scales the app on this queue's length.
	ScaleQueue string
	// ScaleQueueID is the scale queue's resource ID: the scope of the Azure
	// Service Bus Data Owner assignment the KEDA scaler needs. Required
	// with ScaleQueue.
	ScaleQueueID pulumi.StringInput
	// MessageCount is the queue length per replica that triggers a
	// scale-out. Default 5.
	MessageCount int
}

// AppInsights is the Application Insights resource the app reports to.
type AppInsights struct {
	// ID is the component's resource ID, the scope of Monitoring Metrics
	// Publisher (ingestion is Entra ID only).
	ID pulumi.StringInput
	// ConnectionString is passed as a plain environment variable when
	// ConnectionStringSecretURI is not set. It is not a credential: the
	// component only accepts Entra ID-authenticated telemetry.
	ConnectionString pulumi.StringInput
	// ConnectionStringSecretURI, when set, passes the connection string as
	// a Key Vault reference instead.
	ConnectionStringSecretURI pulumi.StringInput
}

// Secret is a Key Vault secret exposed as an environment variable. There
// is deliberately no field for a value: the app only ever gets references.
type Secret struct {
	// Name is the container app secret name: lowercase letters, digits,
	// '-' and '.'.
	Name string
	// KeyVaultSecretURI is https://<vault>.vault.azure.net/secrets/<name>,
	// versionless so rotations are picked up.
	KeyVaultSecretURI pulumi.StringInput
	// EnvVar is the environment variable the container reads it from.
	EnvVar string
}

// AppHosting is the component's state and outputs.
type AppHosting struct {
	pulumi.ResourceState

	EnvironmentID            pulumi.StringOutput
	EnvironmentDefaultDomain pulumi.StringOutput
	EnvironmentStaticIP      pulumi.StringOutput
	AppID                    pulumi.StringOutput
	AppName                  pulumi.StringOutput
	// URL is https://<fqdn of the app's ingress>.
	URL pulumi.StringOutput
	// CanaryURL is the canary label's URL; empty without a canary.
	CanaryURL pulumi.StringOutput
	// Revision names and weights are known before deployment.
	StableRevision string
	StableWeight   int
	CanaryRevision string
	CanaryWeight   int
	Traffic        []TrafficSplit
	// CanaryDeferred is true when Args.Canary was set but not deployed,
	// because the stable revision does not exist yet.
	CanaryDeferred bool

	IdentityID          pulumi.StringOutput
	IdentityPrincipalID pulumi.StringOutput
	IdentityClientID    pulumi.StringOutput
}

func (a *Args) defaults() {
	if a.ContainerName == "" {
		a.ContainerName = "app"
	}
	if a.Probes.Liveness == "" {
		a.Probes.Liveness = DefaultLivenessPath
	}
	if a.Probes.Readiness == "" {
		a.Probes.Readiness = DefaultReadinessPath
	}
	if a.Probes.Startup == "" {
		a.Probes.Startup = DefaultStartupPath
	}
	if a.CPU == 0 {
		a.CPU = 0.5
	}
	if a.Memory == "" {
		a.Memory = memoryFor(a.CPU)
	}
	if a.MaxReplicas == 0 {
		a.MaxReplicas = 10
	}
	if a.HTTPConcurrency == 0 {
		a.HTTPConcurrency = DefaultHTTPConcurrency
	}
	if a.ServiceBus.MessageCount == 0 {
		a.ServiceBus.MessageCount = DefaultScaleMessageCount
	}
	// Secrets are keyed by name and IP ranges by value: the app lists them
	// sorted, so a caller's order is no change (and no new revision).
	a.Secrets = slices.SortedFunc(slices.Values(a.Secrets), func(x, y Secret) int { return cmp.Compare(x.Name, y.Name) })
	a.AllowedIPRanges = slices.Sorted(slices.Values(a.AllowedIPRanges))
}

// memoryFor is the memory the Consumption profile pairs with cpu cores.
func memoryFor(cpu float64) string {
	return strconv.FormatFloat(cpu*2, 'f', -1, 64) + "Gi"
}

func (a *Args) validate() error {
	errs := []error{a.Inputs.Validate()}
	req := func(ok bool, field string) {
		if !ok {
			errs = append(errs, fmt.Errorf("args.%s is required", field))
		}
	}
	req(a.Diagnostics != nil, "Diagnostics (the environment's logs go to the workspace through it)")
	req(a.EnvironmentName != "", "EnvironmentName")
	req(a.InfrastructureSubnetID != nil, "InfrastructureSubnetID")
	req(a.IdentityName != "" || (a.Identity != nil && a.Identity.ID != nil && a.Identity.PrincipalID != nil && a.Identity.ClientID != nil),
		"IdentityName, or Identity (ID, PrincipalID and ClientID)")
	req(a.Registry.Server != "" && a.Registry.ID != nil, "Registry (Server and ID)")
	req(a.Repository != "", "Repository")
	req(a.KeyVault.ID != nil && a.KeyVault.URI != nil, "KeyVault (ID and URI)")
	req(a.ServiceBus.ID != nil && a.ServiceBus.Name != nil && a.ServiceBus.FullyQualifiedNamespace != nil,
		"ServiceBus (ID, Name and FullyQualifiedNamespace)")
	req(a.ServiceBus.ScaleQueue == "" || a.ServiceBus.ScaleQueueID != nil,
		"ServiceBus.ScaleQueueID with ScaleQueue (the scaler's Data Owner role is scoped to the queue)")
	if a.PrivateEndpoint != nil {
		errs = append(errs, errors.New("args.PrivateEndpoint is not supported: use Internal"))
	}
	if err := ValidateAppName(a.AppName); err != nil {
		errs = append(errs, fmt.Errorf("args.AppName: %w", err))
	}
	if strings.ContainsAny(a.Registry.Server, "/:") {
		errs = append(errs, fmt.Errorf("args.Registry.Server %q: want a login server host name", a.Registry.Server))
	}
	if strings.ContainsAny(a.Repository, ":@") {
		errs = append(errs, fmt.Errorf("args.Repository %q: want a repository without tag or digest", a.Repository))
	}
	errs = append(errs, a.validateReleases()...)
	if a.TargetPort < 1 || a.TargetPort > 65535 {
		errs = append(errs, fmt.Errorf("args.TargetPort %d: want 1-65535", a.TargetPort))
	}
	for _, r := range a.AllowedIPRanges {
		if err := checkIPRange(r); err != nil {
			errs = append(errs, fmt.Errorf("args.AllowedIPRanges %q: %w", r, err))
		}
	}
	for _, p := range []struct{ name, path string }{
		{"Liveness", a.Probes.Liveness}, {"Readiness", a.Probes.Readiness}, {"Startup", a.Probes.Startup},
	} {
		if !strings.HasPrefix(p.path, "/") {
			errs = append(errs, fmt.Errorf("args.Probes.%s %q: want an absolute path", p.name, p.path))
		}
	}
	if quarters := a.CPU * 4; a.CPU < 0.25 || a.CPU > 4 || quarters != float64(int(quarters)) {
		errs = append(errs, fmt.Errorf("args.CPU %g: want 0.25-4 in steps of 0.25", a.CPU))
	} else if want := memoryFor(a.CPU); a.Memory != want {
		errs = append(errs, fmt.Errorf("args.Memory %q: the Consumption profile pairs %g cores with %s", a.Memory, a.CPU, want))
	}
	if a.MinReplicas < 0 || a.MaxReplicas < 1 || a.MaxReplicas > 1000 || a.MinReplicas > a.MaxReplicas {
		errs = append(errs, fmt.Errorf("args.MinReplicas %d, MaxReplicas %d: want 0 <= min <= max, 1 <= max <= 1000", a.MinReplicas, a.MaxReplicas))
	}
	if a.Canary != nil && a.MinReplicas < 1 {
		errs = append(errs, errors.New("args.MinReplicas must be at least 1 with a canary: a revision scaled to zero answers its share of traffic with cold starts"))
	}
	if a.HTTPConcurrency < 1 {
		errs = append(errs, fmt.Errorf("args.HTTPConcurrency %d: want at least 1", a.HTTPConcurrency))
	}
	if a.ServiceBus.MessageCount < 1 {
		errs = append(errs, fmt.Errorf("args.ServiceBus.MessageCount %d: want at least 1", a.ServiceBus.MessageCount))
	}
	if ai := a.AppInsights; ai != nil {
		req(ai.ID != nil, "AppInsights.ID")
		if (ai.ConnectionString == nil) == (ai.ConnectionStringSecretURI == nil) {
			errs = append(errs, errors.New("args.AppInsights: set exactly one of ConnectionString and ConnectionStringSecretURI"))
		}
	}
	errs = append(errs, a.validateSecretsAndEnv()...)
	return errors.Join(errs...)
}

func (a *Args) validateReleases() []error {
	var errs []error
	if a.StableRelease == "" {
		return append(errs, errors.New("args.StableRelease is required"))
	}
	if _, err := RevisionName(a.AppName, a.StableRelease, a.RevisionScope(a.StableRelease)); err != nil {
		errs = append(errs, fmt.Errorf("args.StableRelease: %w", err))
	}
	if a.Canary == nil {
		return errs
	}
	if a.Canary.Release == "" {
		errs = append(errs, errors.New("args.Canary.Release is required with a canary"))
	}
	if err := CheckCanaryWeight(a.Canary.Weight); err != nil {
		errs = append(errs, fmt.Errorf("args.Canary.Weight: %w", err))
	}
	if a.Canary.Release == "" {
		return errs
	}
	_, err := RevisionName(a.AppName, a.Canary.Release, a.RevisionScope(a.Canary.Release))
	stableSlug, _ := ReleaseSlug(a.StableRelease)
	canarySlug, _ := ReleaseSlug(a.Canary.Release)
	switch {
	case err != nil:
		errs = append(errs, fmt.Errorf("args.Canary.Release: %w", err))
	case canarySlug == stableSlug:
		errs = append(errs, fmt.Errorf("args.Canary.Release %q: same revision suffix %q as the stable release", a.Canary.Release, canarySlug))
	}
	return errs
}

// RevisionScope is the revision scope of the app's template running
// release, from the arguments (defaults applied).
func (a Args) RevisionScope(release string) RevisionScope {
	a.defaults()
	s := RevisionScope{
		Image:           a.Registry.Server + "/" + a.Repository + ":" + release,
		Container:       a.ContainerName,
		CPU:             a.CPU,
		Memory:          a.Memory,
		TargetPort:      a.TargetPort,
		Probes:          a.Probes,
		Env:             a.Env,
		IdentityName:    a.IdentityName,
		MinReplicas:     a.MinReplicas,
		MaxReplicas:     a.MaxReplicas,
		HTTPConcurrency: a.HTTPConcurrency,
	}
	if a.ServiceBus.ScaleQueue != "" {
		s.ScaleQueue, s.MessageCount = a.ServiceBus.ScaleQueue, a.ServiceBus.MessageCount
	}
	if len(a.Secrets) > 0 {
		s.SecretEnv = map[string]string{}
		for _, sec := range a.Secrets {
			s.SecretEnv[sec.EnvVar] = sec.Name
		}
	}
	switch {
	case a.AppInsights == nil:
	case a.AppInsights.ConnectionStringSecretURI != nil:
		s.AppInsights = "keyvault"
	default:
		s.AppInsights = "env"
	}
	return s
}

func (a *Args) validateSecretsAndEnv() []error {
	var errs []error
	envNames := map[string]bool{}
	for _, n := range []string{EnvServiceBusNamespace, EnvKeyVaultURI, EnvAzureClientID, EnvAppInsightsConnection, EnvAppInsightsAuth, EnvRelease} {
		envNames[n] = true
	}
	secretNames := map[string]bool{}
	if a.AppInsights != nil && a.AppInsights.ConnectionStringSecretURI != nil {
		secretNames[appInsightsSecret] = true
	}
	for i, s := range a.Secrets {
		if len(s.Name) > maxSecretName || !secretNamePattern.MatchString(s.Name) || secretNames[s.Name] {
			errs = append(errs, fmt.Errorf("args.Secrets[%d].Name %q: want a unique name of lowercase letters, digits, '-' and '.'", i, s.Name))
		}
		secretNames[s.Name] = true
		if s.KeyVaultSecretURI == nil {
			errs = append(errs, fmt.Errorf("args.Secrets[%d] (%s): KeyVaultSecretURI is required", i, s.Name))
		} else if uri, known := knownString(s.KeyVaultSecretURI); known {
			if err := ValidateKeyVaultSecretURI(uri); err != nil {
				errs = append(errs, fmt.Errorf("args.Secrets[%d] (%s): %w", i, s.Name, err))
			}
		}
		if !envNamePattern.MatchString(s.EnvVar) || envNames[s.EnvVar] {
			errs = append(errs, fmt.Errorf("args.Secrets[%d].EnvVar %q: want a unique environment variable name", i, s.EnvVar))
		}
		envNames[s.EnvVar] = true
	}
	for n := range a.Env {
		if !envNamePattern.MatchString(n) || envNames[n] {
			errs = append(errs, fmt.Errorf("args.Env %q: want a unique environment variable name", n))
		}
	}
	return errs
}

// knownString returns the value of an input that is a plain string, so that
// values known when the program runs are checked before anything is created.
func knownString(in pulumi.StringInput) (string, bool) {
	if s, ok := in.(pulumi.String); ok {
		return string(s), true
	}
	return "", false
}

// ValidateKeyVaultSecretURI checks that uri is an https Key Vault secret
// URI: https://<vault>.vault.azure.net/secrets/<name>[/<version>].
func ValidateKeyVaultSecretURI(uri string) error {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "https" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("key vault secret URI %q: want https://<vault>.vault.azure.net/secrets/<name>", uri)
	}
	host := strings.ToLower(u.Hostname())
	cloud := false
	for _, suffix := range keyVaultHosts {
		if strings.HasSuffix(host, suffix) && len(host) > len(suffix) {
			cloud = true
		}
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if !cloud || u.Port() != "" || len(parts) < 2 || len(parts) > 3 || parts[0] != "secrets" || parts[1] == "" {
		return fmt.Errorf("key vault secret URI %q: want https://<vault>.vault.azure.net/secrets/<name>", uri)
	}
	return nil
}

// checkedURI validates a secret URI once its value is known (the keyvault
// component's URIs are outputs); the error fails the deployment before the
// app is created.
func checkedURI(what string, in pulumi.StringInput) pulumi.StringOutput {
	return in.ToStringOutput().ApplyT(func(uri string) (string, error) {
		if err := ValidateKeyVaultSecretURI(uri); err != nil {
			return "", fmt.Errorf("%s: %w", what, err)
		}
		return uri, nil
	}).(pulumi.StringOutput)
}

func checkIPRange(s string) error {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		a, aerr := netip.ParseAddr(s)
		if aerr != nil {
			return errors.New("not an IP address or CIDR")
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	if !p.Addr().Is4() {
		return errors.New("only IPv4 is accepted by Container Apps IP restrictions")
	}
	if p.Bits() == 0 {
		return errors.New("an allow-list open to every address is no allow-list")
	}
	return nil
}

// appInsightsSecret is the container app secret holding the Application
// Insights connection string when it comes from Key Vault.
const appInsightsSecret = "appinsights-connection-string"

// New creates the app hosting component.
func New(ctx *pulumi.Context, name string, args Args, opts ...pulumi.ResourceOption) (*AppHosting, error) {
	args.defaults()
	if err := args.validate(); err != nil {
		return nil, fmt.Errorf("apphosting %q: %w", name, err)
	}
	c := &AppHosting{}
	if err := ctx.RegisterComponentResource(Type, name, c, opts...); err != nil {
		return nil, fmt.Errorf("apphosting %q: %w", name, err)
	}
	child := pulumi.Parent(c)
	wrap := func(err error) error { return fmt.Errorf("apphosting %q: %w", name, err) }

	env, err := newEnvironment(ctx, name, args, child)
	if err != nil {
		return nil, wrap(err)
	}
	envID := env.ID().ToStringOutput()

	var idID, principalID, clientID pulumi.StringOutput
	if e := args.Identity; e != nil {
		idID, principalID, clientID = e.ID.ToStringOutput(), e.PrincipalID.ToStringOutput(), e.ClientID.ToStringOutput()
	} else {
		id, err := azurenative.NewUserAssignedIdentity(ctx, name+"-identity", azurenative.UserAssignedIdentityArgs{
			ResourceName:      args.IdentityName,
			ResourceGroupName: args.ResourceGroupName,
			Location:          args.Location,
			Tags:              args.Tags,
		}, child)
		if err != nil {
			return nil, wrap(err)
		}
		idID, principalID, clientID = id.ID().ToStringOutput(), id.PrincipalID, id.ClientID
	}

	// The identity needs its roles before the first revision starts: it
	// pulls the image and reads the Key Vault references at startup.
	grants, err := grantIdentity(ctx, name, args, principalID, child)
	if err != nil {
		return nil, wrap(err)
	}

	deployment, err := args.plan()
	if err != nil {
		return nil, wrap(err)
	}
	for _, note := range deployment.Notes {
		_ = ctx.Log.Warn(note, &pulumi.LogArgs{Resource: c})
	}
	release, traffic := deployment.Release, deployment.Traffic
	canary := ""
	if len(traffic) > 1 {
		canary = traffic[1].RevisionName
	}
	var suffix pulumi.StringPtrInput
	if deployment.Suffix != "" {
		suffix = pulumi.String(deployment.Suffix)
	}
	appDeps := append(append([]pulumi.Resource{}, grants...), args.DependsOn...)

	containerApp, err := app.NewContainerApp(ctx, name+"-app", &app.ContainerAppArgs{
		ContainerAppName:     pulumi.String(args.AppName),
		ResourceGroupName:    args.ResourceGroupName,
		Location:             pulumi.String(args.Location),
		ManagedEnvironmentId: envID,
		WorkloadProfileName:  pulumi.String(workloadProfile),
		Identity: &app.ManagedServiceIdentityArgs{
			Type:                   pulumi.String("UserAssigned"),
			UserAssignedIdentities: pulumi.StringArray{idID},
		},
		Configuration: &app.ConfigurationArgs{
			ActiveRevisionsMode: pulumi.String("Multiple"),
			// Old revisions stay around for a rollback by configuration.
			MaxInactiveRevisions: pulumi.Int(10),
			Ingress:              ingress(args, traffic),
			Registries: app.RegistryCredentialsArray{
				app.RegistryCredentialsArgs{Server: pulumi.String(args.Registry.Server), Identity: idID},
			},
			Secrets: secrets(args, idID),
		},
		Template: &app.TemplateArgs{
			RevisionSuffix: suffix,
			Containers: app.ContainerArray{
				app.ContainerArgs{
					Name:  pulumi.String(args.ContainerName),
					Image: pulumi.String(args.Registry.Server + "/" + args.Repository + ":" + release),
					Resources: &app.ContainerResourcesArgs{
						Cpu:    pulumi.Float64(args.CPU),
						Memory: pulumi.String(args.Memory),
					},
					Env:    envVars(args, release, clientID),
					Probes: probes(args),
				},
			},
			Scale: scale(args, idID),
		},
		Tags: args.TagMap(),
	}, child, pulumi.DependsOn(appDeps))
	if err != nil {
		return nil, wrap(fmt.Errorf("container app: %w", err))
	}
	appID := containerApp.ID().ToStringOutput()
	if err := crosscut.AssignRoles(ctx, name+"-app-ra", appID, args.RoleAssignments, child); err != nil {
		return nil, wrap(err)
	}
	if args.Lock {
		if _, err := crosscut.NewLock(ctx, name+"-app", appID, child); err != nil {
			return nil, wrap(err)
		}
	}

	c.EnvironmentID, c.EnvironmentDefaultDomain, c.EnvironmentStaticIP = envID, env.DefaultDomain, env.StaticIp
	c.AppID, c.AppName = appID, containerApp.Name
	c.URL = containerApp.Configuration.Ingress().Fqdn().ApplyT(func(fqdn *string) string {
		if fqdn == nil || *fqdn == "" {
			return ""
		}
		return "https://" + *fqdn
	}).(pulumi.StringOutput)
	c.CanaryURL = pulumi.String("").ToStringOutput()
	if canary != "" {
		appName, external := args.AppName, args.ExternalIngress
		c.CanaryURL = env.DefaultDomain.ApplyT(func(domain string) string {
			return LabelURL(appName, CanaryLabel, domain, external)
		}).(pulumi.StringOutput)
	}
	c.Traffic, c.CanaryDeferred = traffic, deployment.CanaryDeferred
	c.StableRevision, c.StableWeight = traffic[0].RevisionName, traffic[0].Weight
	if len(traffic) > 1 {
		c.CanaryRevision, c.CanaryWeight = traffic[1].RevisionName, traffic[1].Weight
	}
	c.IdentityID, c.IdentityPrincipalID, c.IdentityClientID = idID, principalID, clientID

	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{
		"environmentId":            c.EnvironmentID,
		"environmentDefaultDomain": c.EnvironmentDefaultDomain,
		"environmentStaticIp":      c.EnvironmentStaticIP,
		"appId":                    c.AppID,
		"appName":                  c.AppName,
		"url":                      c.URL,
		"canaryUrl":                c.CanaryURL,
		"stableRevision":           pulumi.String(c.StableRevision),
		"stableWeight":             pulumi.Int(c.StableWeight),
		"canaryRevision":           pulumi.String(c.CanaryRevision),
		"canaryWeight":             pulumi.Int(c.CanaryWeight),
		"canaryDeferred":           pulumi.Bool(c.CanaryDeferred),
		"identityId":               c.IdentityID,
		"identityPrincipalId":      c.IdentityPrincipalID,
		"identityClientId":         c.IdentityClientID,
	}); err != nil {
		return nil, wrap(err)
	}
	return c, nil
}

func newEnvironment(ctx *pulumi.Context, name string, args Args, child pulumi.ResourceOption) (*app.ManagedEnvironment, error) {
	env, err := app.NewManagedEnvironment(ctx, name+"-environment", &app.ManagedEnvironmentArgs{
		EnvironmentName:   pulumi.String(args.EnvironmentName),
		ResourceGroupName: args.ResourceGroupName,
		Location:          pulumi.String(args.Location),
		// Logs go to Azure Monitor and from there through the diagnostic
		// setting to the workspace: no workspace shared key is needed.
		AppLogsConfiguration: &app.AppLogsConfigurationArgs{Destination: pulumi.String("azure-monitor")},
		VnetConfiguration: &app.VnetConfigurationArgs{
			InfrastructureSubnetId: args.InfrastructureSubnetID,
			Internal:               pulumi.Bool(args.Internal),
		},
		WorkloadProfiles: app.WorkloadProfileArray{
			app.WorkloadProfileArgs{Name: pulumi.String(workloadProfile), WorkloadProfileType: pulumi.String(workloadProfile)},
		},
		ZoneRedundant: pulumi.Bool(args.ZoneRedundant),
		// Traffic between apps inside the environment is encrypted too.
		PeerTrafficConfiguration: &app.ManagedEnvironmentPeerTrafficConfigurationArgs{
			Encryption: &app.ManagedEnvironmentEncryptionArgs{Enabled: pulumi.Bool(true)},
		},
		Tags: args.TagMap(),
	}, child)
	if err != nil {
		return nil, fmt.Errorf("managed environment: %w", err)
	}
	envID := env.ID().ToStringOutput()
	// Environments have log categories but no exportable metrics; metric
	// alerts read the metrics from Azure Monitor directly.
	if _, err := crosscut.NewDiagnosticSetting(ctx, name+"-environment", envID, *args.Diagnostics, false, child); err != nil {
		return nil, err
	}
	if args.Lock {
		if _, err := crosscut.NewLock(ctx, name+"-environment", envID, child); err != nil {
			return nil, err
		}
	}
	return env, nil
}

// grantIdentity gives the app's identity its roles, each on the single
// resource it needs.
func grantIdentity(ctx *pulumi.Context, name string, args Args, principalID pulumi.StringInput, child pulumi.ResourceOption) ([]pulumi.Resource, error) {
	type grant struct {
		key, role, why string
		scope          pulumi.StringInput
	}
	grants := []grant{
		{"kv-secrets-user", crosscut.RoleKeyVaultSecretsUser, "read the app's Key Vault references", args.KeyVault.ID},
		{"sb-sender", crosscut.RoleServiceBusDataSender, "send to the platform's queues and topics", args.ServiceBus.ID},
		{"sb-receiver", crosscut.RoleServiceBusDataReceiver, "receive from the platform's queues and subscriptions", args.ServiceBus.ID},
	}
	if args.Identity == nil {
		// An existing identity got AcrPull from whoever created it.
		grants = append(grants, grant{"acr-pull", crosscut.RoleAcrPull, "pull the app's images", args.Registry.ID})
	}
	if args.ServiceBus.ScaleQueue != "" {
		// KEDA's azure-servicebus scaler reads the queue's message count,
		// which needs the Manage right; with Entra ID that is Azure Service
		// Bus Data Owner, granted on the scale queue only.
		// https://keda.sh/docs/2.17/scalers/azure-service-bus/ ("Manage" claim),
		// https://github.com/microsoft/azure-container-apps/issues/1138,
		// https://learn.microsoft.com/azure/service-bus-messaging/service-bus-managed-service-identity#azure-built-in-roles-for-azure-service-bus
		grants = append(grants, grant{"sb-scaler", crosscut.RoleServiceBusDataOwner,
			"let the KEDA scaler read the length of queue " + args.ServiceBus.ScaleQueue, args.ServiceBus.ScaleQueueID})
	}
	if args.AppInsights != nil {
		grants = append(grants, grant{"appi-publisher", RoleMonitoringMetricsPublisher, "send telemetry with Entra ID authentication", args.AppInsights.ID})
	}
	var out []pulumi.Resource
	for _, g := range grants {
		ra, err := crosscut.NewRoleAssignment(ctx, name+"-identity-"+g.key, g.scope, crosscut.RoleAssignment{
			PrincipalID:      principalID,
			PrincipalType:    "ServicePrincipal",
			RoleDefinitionID: g.role,
			Description:      "MisyBot app identity: " + g.why,
		}, child)
		if err != nil {
			return nil, err
		}
		out = append(out, ra)
	}
	return out, nil
}

func ingress(args Args, traffic []TrafficSplit) *app.IngressArgs {
	weights := app.TrafficWeightArray{}
	for _, t := range traffic {
		w := app.TrafficWeightArgs{RevisionName: pulumi.String(t.RevisionName), Weight: pulumi.Int(t.Weight)}
		if t.Label != "" {
			w.Label = pulumi.String(t.Label)
		}
		weights = append(weights, w)
	}
	in := &app.IngressArgs{
		External:      pulumi.Bool(args.ExternalIngress),
		TargetPort:    pulumi.Int(args.TargetPort),
		AllowInsecure: pulumi.Bool(false), // HTTP is redirected to HTTPS
		Transport:     pulumi.String("auto"),
		Traffic:       weights,
	}
	if len(args.AllowedIPRanges) > 0 {
		rules := app.IpSecurityRestrictionRuleArray{}
		for i, r := range args.AllowedIPRanges {
			rules = append(rules, app.IpSecurityRestrictionRuleArgs{
				Name:           pulumi.String(fmt.Sprintf("allow-%d", i)),
				Action:         pulumi.String("Allow"), // any Allow rule denies everything else
				IpAddressRange: pulumi.String(r),
			})
		}
		in.IpSecurityRestrictions = rules
	}
	return in
}

func secrets(args Args, identityID pulumi.StringInput) app.SecretArray {
	out := app.SecretArray{}
	add := func(name string, uri pulumi.StringInput) {
		out = append(out, app.SecretArgs{
			Name:        pulumi.String(name),
			KeyVaultUrl: checkedURI("secret "+name, uri),
			Identity:    identityID,
		})
	}
	if ai := args.AppInsights; ai != nil && ai.ConnectionStringSecretURI != nil {
		add(appInsightsSecret, ai.ConnectionStringSecretURI)
	}
	for _, s := range args.Secrets {
		add(s.Name, s.KeyVaultSecretURI)
	}
	return out
}

func envVars(args Args, release string, clientID pulumi.StringOutput) app.EnvironmentVarArray {
	env := app.EnvironmentVarArray{
		app.EnvironmentVarArgs{Name: pulumi.String(EnvAzureClientID), Value: clientID},
		app.EnvironmentVarArgs{Name: pulumi.String(EnvKeyVaultURI), Value: args.KeyVault.URI},
		app.EnvironmentVarArgs{Name: pulumi.String(EnvServiceBusNamespace), Value: args.ServiceBus.FullyQualifiedNamespace},
		app.EnvironmentVarArgs{Name: pulumi.String(EnvRelease), Value: pulumi.String(release)},
	}
	if ai := args.AppInsights; ai != nil {
		if ai.ConnectionStringSecretURI != nil {
			env = append(env, app.EnvironmentVarArgs{Name: pulumi.String(EnvAppInsightsConnection), SecretRef: pulumi.String(appInsightsSecret)})
		} else {
			env = append(env, app.EnvironmentVarArgs{Name: pulumi.String(EnvAppInsightsConnection), Value: ai.ConnectionString})
		}
		auth := clientID.ApplyT(func(id string) string { return "Authorization=AAD;ClientId=" + id }).(pulumi.StringOutput)
		env = append(env, app.EnvironmentVarArgs{Name: pulumi.String(EnvAppInsightsAuth), Value: auth})
	}
	for _, s := range args.Secrets {
		env = append(env, app.EnvironmentVarArgs{Name: pulumi.String(s.EnvVar), SecretRef: pulumi.String(s.Name)})
	}
	for _, n := range sortedKeys(args.Env) {
		env = append(env, app.EnvironmentVarArgs{Name: pulumi.String(n), Value: pulumi.String(args.Env[n])})
	}
	return env
}

func probes(args Args) app.ContainerAppProbeArray {
	probe := func(typ, path string, initialDelay, period, failures int) app.ContainerAppProbeArgs {
		return app.ContainerAppProbeArgs{
			Type: pulumi.String(typ),
			HttpGet: &app.ContainerAppProbeHttpGetArgs{
				Path:   pulumi.String(path),
				Port:   pulumi.Int(args.TargetPort),
				Scheme: pulumi.String("HTTP"), // inside the replica; TLS ends at the ingress
			},
			InitialDelaySeconds: pulumi.Int(initialDelay),
			PeriodSeconds:       pulumi.Int(period),
			FailureThreshold:    pulumi.Int(failures),
		}
	}
	return app.ContainerAppProbeArray{
		// Startup allows up to 1+30*2 s before liveness takes over.
		probe("Startup", args.Probes.Startup, 1, 2, 30),
		probe("Liveness", args.Probes.Liveness, 0, 10, 3),
		probe("Readiness", args.Probes.Readiness, 0, 5, 3),
	}
}

func scale(args Args, identityID pulumi.StringInput) *app.ScaleArgs {
	rules := app.ScaleRuleArray{
		app.ScaleRuleArgs{
			Name: pulumi.String("http-concurrency"),
			Http: &app.HttpScaleRuleArgs{Metadata: pulumi.StringMap{
				"concurrentRequests": pulumi.String(strconv.Itoa(args.HTTPConcurrency)),
			}},
		},
	}
	if q := args.ServiceBus.ScaleQueue; q != "" {
		rules = append(rules, app.ScaleRuleArgs{
			Name: pulumi.String("servicebus-" + strings.Trim(notAllowed.ReplaceAllString(strings.ToLower(q), "-"), "-")),
			Custom: &app.CustomScaleRuleArgs{
				Type: pulumi.String("azure-servicebus"),
				Metadata: pulumi.StringMap{
					"namespace":    args.ServiceBus.Name,
					"queueName":    pulumi.String(q),
					"messageCount": pulumi.String(strconv.Itoa(args.ServiceBus.MessageCount)),
				},
				// KEDA authenticates with the app's identity: no
				// connection string, no secretRef.
				Identity: identityID,
			},
		})
	}
	return &app.ScaleArgs{
		MinReplicas: pulumi.Int(args.MinReplicas),
		MaxReplicas: pulumi.Int(args.MaxReplicas),
		Rules:       rules,
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
