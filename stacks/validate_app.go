package stacks

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"

	"github.com/misybot/platform/components/apphosting"
	"github.com/misybot/platform/components/keyvault"
	"github.com/misybot/platform/components/network"
	"github.com/misybot/platform/naming"
)

var (
	// Environment variable names.
	envVarPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	// Image repositories.
	repositoryPattern = regexp.MustCompile(`^[a-z0-9]+([._/-][a-z0-9]+)*$`)
	// HTTP paths for probes.
	probePathPattern = regexp.MustCompile(`^/[\x21-\x7e]*$`)
)

// AppName is the container app's name for the configuration, or "" when
// the environment or location is too broken to tell (Validate reports why).
func (c Config) AppName() string {
	n, err := naming.New(Application, string(c.Environment), c.Location, c.NameSeed)
	if err != nil {
		return ""
	}
	name, err := n.Name(naming.ContainerApp, "")
	if err != nil {
		return ""
	}
	return name
}

func (v *validator) app(c Config) {
	a := c.App
	if !repositoryPattern.MatchString(a.Repository) {
		v.add("app.repository", a.Repository, "an image repository such as misybot/bot (lowercase)")
	}

	app := c.AppName()
	v.release("app.release", a.Release, app)
	if a.Canary != nil {
		v.release("app.canary.release", a.Canary.Release, app)
		if a.Canary.Release != "" && a.Canary.Release == a.Release {
			v.add("app.canary.release", a.Canary.Release, "a release other than app.release (the canary is the new release)")
		}
		if apphosting.CheckCanaryWeight(a.Canary.Weight) != nil {
			v.add("app.canary.weight", fmt.Sprint(a.Canary.Weight), fmt.Sprintf("a percentage from %d to %d (the stable revision gets the rest)",
				apphosting.MinCanaryWeight, apphosting.MaxCanaryWeight))
		}
		if a.MinReplicas < 1 {
			v.add("app.minReplicas", fmt.Sprint(a.MinReplicas), "at least 1 while a canary runs, so its share of traffic never waits for a cold start")
		}
	}

	if a.TargetPort < 1 || a.TargetPort > 65535 {
		v.add("app.targetPort", fmt.Sprint(a.TargetPort), "a port from 1 to 65535")
	}
	if a.Internal != nil && !*a.Internal && v.restricted() {
		v.add("app.internal", "false", "true: staging and prod environments take traffic only from the virtual network")
	}
	for i, r := range a.AllowedIPRanges {
		key := joinIndex("app.allowedIpRanges", i)
		if p, ok := v.addressOrCIDR(key, r); ok && p.Bits() == 0 {
			v.add(key, r, "a narrower range: 0.0.0.0/0 allows everyone")
		}
	}
	for key, path := range map[string]string{"app.probes.liveness": a.Probes.Liveness, "app.probes.readiness": a.Probes.Readiness, "app.probes.startup": a.Probes.Startup} {
		if path != "" && !probePathPattern.MatchString(path) {
			v.add(key, path, "an HTTP path starting with /")
		}
	}
	if a.CPU < 0.25 || a.CPU > 4 || a.CPU*4 != float64(int(a.CPU*4)) {
		v.add("app.cpu", fmt.Sprint(a.CPU), "0.25 to 4 cores in steps of 0.25")
	}
	if a.Memory != "" && a.CPU > 0 && a.Memory != fmt.Sprintf("%gGi", 2*a.CPU) {
		v.add("app.memory", a.Memory, fmt.Sprintf("%gGi: the Consumption profile pairs %g cores with twice as many Gi", 2*a.CPU, a.CPU))
	}
	if a.MinReplicas < 0 || a.MinReplicas > 300 {
		v.add("app.minReplicas", fmt.Sprint(a.MinReplicas), "0 to 300")
	}
	if v.restricted() && a.MinReplicas < 1 {
		v.add("app.minReplicas", fmt.Sprint(a.MinReplicas), "at least 1 in staging and prod, so the app (and a canary at 10%) never scales to zero")
	}
	if a.MaxReplicas < max(a.MinReplicas, 1) || a.MaxReplicas > 300 {
		v.add("app.maxReplicas", fmt.Sprint(a.MaxReplicas), fmt.Sprintf("from %d (app.minReplicas) to 300", max(a.MinReplicas, 1)))
	}
	if a.HTTPConcurrency < 1 || a.HTTPConcurrency > 1000 {
		v.add("app.httpConcurrency", fmt.Sprint(a.HTTPConcurrency), "1 to 1000 concurrent requests per replica")
	}
	if a.ScaleQueue != "" {
		var queues []string
		for _, q := range c.ServiceBus.Queues {
			queues = append(queues, q.Name)
		}
		if !slices.Contains(queues, a.ScaleQueue) {
			v.add("app.scaleQueue", a.ScaleQueue, "one of serviceBus.queues: "+oneOf(queues)+didYouMean(a.ScaleQueue, queues))
		}
		if a.ScaleMessageCount < 1 {
			v.add("app.scaleMessageCount", fmt.Sprint(a.ScaleMessageCount), "at least 1 message per replica")
		}
	}
	envVars := map[string]string{}
	declared := sortedKeys(c.KeyVaultSecrets)
	for i, s := range a.Secrets {
		base := joinIndex("app.secrets", i)
		switch {
		case !keyvault.ValidSecretName(s.Name):
			v.add(base+".name", s.Name, "a Key Vault secret name: "+keyvault.SecretNameRule)
		case !slices.Contains(declared, s.Name):
			// The app's Key Vault reference must resolve when its revision
			// starts, or the revision fails to provision: the secret is
			// created by this stack, from keyVaultSecrets.
			v.add(base+".name", s.Name, appSecretExpected(s.Name, declared))
		}
		v.envVar(base+".envVar", s.EnvVar, envVars)
	}
	names := make([]string, 0, len(a.Env))
	for k := range a.Env {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		v.envVar(fmt.Sprintf("app.env[%q]", k), k, envVars)
	}
}

// appSecretExpected says what an app secret that names no declared Key
// Vault secret should be.
func appSecretExpected(name string, declared []string) string {
	want := "a secret declared in keyVaultSecrets (declared: none)"
	if len(declared) > 0 {
		want = "a secret declared in keyVaultSecrets: " + oneOf(declared) + didYouMean(name, declared)
	}
	return want + "; to declare it, run pulumi config set --secret --path '" + SecretsKey + "." + name + "' <value>"
}

// loadTestSubnet checks network.loadTestSubnet, which exists only with
// loadTesting.
func (v *validator) loadTestSubnet(c Config) {
	const key = "network.loadTestSubnet"
	n := c.Network
	if !c.LoadTesting {
		if n.LoadTestSubnet != "" {
			v.add(key, n.LoadTestSubnet, "no load test subnet: it is used only with loadTesting: true")
		}
		return
	}
	if n.LoadTestSubnet == "" {
		v.add(key, "", "the CIDR of the subnet Azure Load Testing injects its engines into (loadTesting is on), such as 10.21.3.0/24")
		return
	}
	p, ok := v.cidr(key, n.LoadTestSubnet)
	if !ok {
		return
	}
	if p.Bits() > network.MaxLoadTestPrefixBits {
		v.add(key, n.LoadTestSubnet, fmt.Sprintf("a /%d or larger subnet: every engine instance takes an address", network.MaxLoadTestPrefixBits))
	}
	if space, err := netip.ParsePrefix(n.AddressSpace); err == nil && !contains(space.Masked(), p) {
		v.add(key, n.LoadTestSubnet, "a subnet inside network.addressSpace "+space.String())
	}
	for _, other := range []struct{ key, cidr string }{{"network.appsSubnet", n.AppsSubnet}, {"network.endpointsSubnet", n.EndpointsSubnet}} {
		if o, err := netip.ParsePrefix(other.cidr); err == nil && o.Overlaps(p) {
			v.add(key, n.LoadTestSubnet, "a range that does not overlap "+other.key+" "+o.String())
		}
	}
}

// release checks a release string the revision name is derived from.
func (v *validator) release(key, release, app string) {
	if release == "" {
		v.add(key, "", "the release to run: an image tag such as 1.4.2 or sha-3f2a9c1")
		return
	}
	var err error
	if app != "" {
		// The fingerprint has a fixed length: any scope gives the same length.
		_, err = apphosting.RevisionName(app, release, apphosting.RevisionScope{})
	} else {
		_, err = apphosting.ReleaseSlug(release)
	}
	if err != nil {
		v.add(key, release, "a release that gives a valid revision name: "+err.Error())
	}
}

func (v *validator) envVar(key, name string, seen map[string]string) {
	switch {
	case !envVarPattern.MatchString(name):
		v.add(key, name, "an environment variable name: letters, digits and _, not starting with a digit")
	case seen[name] != "":
		v.add(key, name, "a name not already set by "+seen[name])
	default:
		seen[name] = key
	}
}

func (v *validator) alerts(a AlertsConfig) {
	for key, value := range map[string]float64{
		"alerts.http5xx": a.HTTP5xx, "alerts.latencyMs": a.LatencyMs, "alerts.restarts": a.Restarts,
		"alerts.deadLetters": a.DeadLetters, "alerts.throttled": a.Throttled,
	} {
		if value < 0 {
			v.add(key, fmt.Sprint(value), "a threshold of 0 or more")
		}
	}
	if a.Severity < 0 || a.Severity > 4 {
		v.add("alerts.severity", fmt.Sprint(a.Severity), "a severity from 0 (critical) to 4 (verbose)")
	}
	if a.HTTP5xxRatioPercent <= 0 || a.HTTP5xxRatioPercent > 100 {
		v.add("alerts.http5xxRatioPercent", fmt.Sprint(a.HTTP5xxRatioPercent), "a percentage above 0 and at most 100")
	}
}
