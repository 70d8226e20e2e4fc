package stacks

// AppConfig describes the MisyBot service on Container Apps.
type AppConfig struct {
	// Repository is the image repository in the registry. Default misybot/bot.
	Repository string `json:"repository,omitempty"`
	// Release is the stable release: the image tag serving traffic, which
	// also names the revision (<app>--<release>). Required.
	Release string `json:"release"`
	// Canary, when set, runs a second release beside the stable one and
	// gives it Weight percent of the traffic (0-100; 0 leaves it reachable
	// only on its canary label URL). `misyinfra rollout` steps this weight.
	Canary *CanaryConfig `json:"canary,omitempty"`
	// TargetPort the container listens on. Default 8080.
	TargetPort int `json:"targetPort,omitempty"`
	// ZoneRedundant spreads the Container Apps environment over
	// availability zones; it is set only when the environment is created:
	// https://learn.microsoft.com/azure/reliability/reliability-azure-container-apps
	ZoneRedundant bool `json:"zoneRedundant"`
	// Internal gives the Container Apps environment an internal load
	// balancer only: reachable from the virtual network, not the Internet.
	// Default true; false is allowed in dev only.
	Internal *bool `json:"internal,omitempty"`
	// AllowedIPRanges, when set, restrict the ingress to these addresses.
	AllowedIPRanges []string `json:"allowedIpRanges,omitempty"`
	// Probes are the health endpoints' paths.
	Probes ProbesConfig `json:"probes,omitempty"`
	// CPU cores per replica (0.25-4, in steps of 0.25); Memory defaults to
	// twice the CPU in Gi, as the Consumption profile requires.
	CPU    float64 `json:"cpu,omitempty"`
	Memory string  `json:"memory,omitempty"`
	// MinReplicas and MaxReplicas bound the scale-out. Staging and prod
	// keep at least one replica, so a canary at 10% never cold-starts.
	MinReplicas int `json:"minReplicas"`
	MaxReplicas int `json:"maxReplicas,omitempty"`
	// HTTPConcurrency is the concurrent requests per replica that scale out.
	HTTPConcurrency int `json:"httpConcurrency,omitempty"`
	// ScaleQueue, when set, also scales on that Service Bus queue's length
	// (KEDA azure-servicebus, authenticated by the app's identity), one
	// replica per ScaleMessageCount messages.
	ScaleQueue        string `json:"scaleQueue,omitempty"`
	ScaleMessageCount int    `json:"scaleMessageCount,omitempty"`
	// Secrets are Key Vault secrets given to the container as environment
	// variables, by Key Vault reference: the app never holds a value.
	Secrets []AppSecretConfig `json:"secrets,omitempty"`
	// Env are plain environment variables.
	Env map[string]string `json:"env,omitempty"`
}

// CanaryConfig is the release under test and its share of traffic.
type CanaryConfig struct {
	Release string `json:"release"`
	Weight  int    `json:"weight"`
}

// ProbesConfig are HTTP paths on the target port.
type ProbesConfig struct {
	Liveness  string `json:"liveness,omitempty"`
	Readiness string `json:"readiness,omitempty"`
	Startup   string `json:"startup,omitempty"`
}

// AppSecretConfig exposes the Key Vault secret Name as EnvVar.
type AppSecretConfig struct {
	Name   string `json:"name"`
	EnvVar string `json:"envVar"`
}

// AlertsConfig are the alert thresholds and severity. Each starts from the
// environment's default (DefaultsTable); a stack file overrides any of them.
type AlertsConfig struct {
	// Severity of every alert: 0 (critical) to 4 (verbose).
	Severity int `json:"severity"`
	// HTTP5xx is the number of 5xx responses in 5 minutes that alerts.
	HTTP5xx float64 `json:"http5xx,omitempty"`
	// HTTP5xxRatioPercent is the share of 5xx responses in 15 minutes.
	HTTP5xxRatioPercent float64 `json:"http5xxRatioPercent,omitempty"`
	// LatencyMs is the average response time in 5 minutes.
	LatencyMs float64 `json:"latencyMs,omitempty"`
	// Restarts of one replica.
	Restarts float64 `json:"restarts,omitempty"`
	// DeadLetters is the dead-lettered messages left in any entity.
	DeadLetters float64 `json:"deadLetters,omitempty"`
	// Throttled is the throttled Service Bus requests in 5 minutes.
	Throttled float64 `json:"throttled,omitempty"`
}
