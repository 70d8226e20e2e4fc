package apphosting

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Azure's naming rules for container apps and their revisions.
//
// A revision is named <app>--<suffix>. The suffix must consist of lowercase
// letters, digits and '-', start with a letter, end with a letter or digit and
// not contain "--"; the whole revision name may be at most 54 characters
// (ARM error ContainerAppInvalidRevisionName: "The length of the revision
// name must not be more than a combined 54 characters with the container app
// name"). We count the "--" separator in the 54, the stricter reading.
const (
	// MaxRevisionNameLength bounds len(<app>--<suffix>).
	MaxRevisionNameLength = 54
	// MaxAppNameLength is Azure's limit on container app names.
	MaxAppNameLength = 32
	// revisionSeparator joins the app name and the suffix.
	revisionSeparator = "--"
	// minAppNameLength is Azure's lower limit on container app names.
	minAppNameLength = 2
	// MaxRevisionSuffixLength is the longest suffix any app name leaves room
	// for (the shortest app name has 2 characters).
	MaxRevisionSuffixLength = MaxRevisionNameLength - len(revisionSeparator) - minAppNameLength
	// FingerprintLength is the number of hex digits of the revision scope's
	// hash that end every suffix.
	FingerprintLength = 6
	// MaxReleaseSlugLength is the longest release part of a suffix: the
	// suffix ends with "-" and the fingerprint.
	MaxReleaseSlugLength = MaxRevisionSuffixLength - 1 - FingerprintLength
)

// templateGeneration changes the fingerprint of every revision scope. Bump
// it when a code change alters the template beyond what RevisionScope
// holds (such as probe timings), so the next deployment gets new suffixes.
const templateGeneration = 1

var (
	appNamePattern = regexp.MustCompile(`^[a-z][a-z0-9-]*[a-z0-9]$`)
	notAllowed     = regexp.MustCompile(`[^a-z0-9]+`)
)

// ReleaseSlug derives the release part of a revision suffix from a release
// string (an image tag or a version): lowercased, every run of other
// characters turned into a single '-', trimmed of leading and trailing '-',
// and prefixed with "v" when it would start with a digit ("1.4.2" gives
// "v1-4-2", "Sha-3F2A" gives "sha-3f2a"). It fails when nothing usable is
// left or the slug is longer than MaxReleaseSlugLength: truncating could
// map two releases to the same revision.
func ReleaseSlug(release string) (string, error) {
	s := strings.Trim(notAllowed.ReplaceAllString(strings.ToLower(release), "-"), "-")
	if s == "" {
		return "", fmt.Errorf("release %q: no letters or digits to derive a revision suffix from", release)
	}
	if s[0] >= '0' && s[0] <= '9' {
		s = "v" + s // Azure wants a letter first
	}
	if len(s) > MaxReleaseSlugLength {
		return "", fmt.Errorf("release %q: revision suffix part %q has %d characters, more than %d", release, s, len(s), MaxReleaseSlugLength)
	}
	return s, nil
}

// RevisionScope is what the app's revisions are made of: every input of
// the container app's template (containers' image, env, resources and
// probes, the secrets the env refers to, scale and its rules; the app has
// no volumes) that is known before deployment. Azure creates a revision
// whenever one of them changes, and rejects a revision suffix that an
// earlier revision of the app already has
// (https://learn.microsoft.com/azure/container-apps/revisions#revision-scope-changes,
// https://github.com/microsoft/azure-container-apps/issues/650), so the
// suffix carries a hash of them (Fingerprint).
//
// Values computed by Azure (the identity's client ID, the vault's URI)
// are represented by what decides them: a new IdentityName means a new
// identity and so a new client ID.
type RevisionScope struct {
	Image        string            `json:"image"`
	Container    string            `json:"container"`
	CPU          float64           `json:"cpu"`
	Memory       string            `json:"memory"`
	TargetPort   int               `json:"targetPort"`
	Probes       Probes            `json:"probes"`
	Env          map[string]string `json:"env,omitempty"`
	SecretEnv    map[string]string `json:"secretEnv,omitempty"` // env var -> app secret name
	IdentityName string            `json:"identity"`
	// AppInsights is "", "env" or "keyvault": how the connection string
	// reaches the container.
	AppInsights     string `json:"appInsights,omitempty"`
	MinReplicas     int    `json:"minReplicas"`
	MaxReplicas     int    `json:"maxReplicas"`
	HTTPConcurrency int    `json:"httpConcurrency"`
	ScaleQueue      string `json:"scaleQueue,omitempty"`
	MessageCount    int    `json:"messageCount,omitempty"`
}

// Fingerprint is a short, stable hash of the scope: FingerprintLength hex
// digits of SHA-256 over its JSON (map keys sorted) and templateGeneration.
func (s RevisionScope) Fingerprint() string {
	b, err := json.Marshal(struct {
		Generation int           `json:"generation"`
		Scope      RevisionScope `json:"scope"`
	}{templateGeneration, s})
	if err != nil {
		panic(fmt.Sprintf("revision scope: %v", err)) // plain strings and numbers always marshal
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:FingerprintLength]
}

// RevisionSuffix is the suffix of the revision that runs release with
// scope: the release slug, '-', and the scope's fingerprint
// ("1.4.2" gives "v1-4-2-3fa9c1"). Deterministic, so revision names are
// known before deployment; a change to the scope without a release bump
// still gets a suffix of its own.
func RevisionSuffix(release string, scope RevisionScope) (string, error) {
	slug, err := ReleaseSlug(release)
	if err != nil {
		return "", err
	}
	return slug + "-" + scope.Fingerprint(), nil
}

// ValidateAppName checks Azure's rules for container app names: 2-32
// lowercase letters, digits and '-', starting with a letter, ending with a
// letter or digit, without "--" (which separates the revision suffix).
func ValidateAppName(app string) error {
	switch {
	case len(app) < minAppNameLength || len(app) > MaxAppNameLength:
		return fmt.Errorf("app name %q: want %d-%d characters", app, minAppNameLength, MaxAppNameLength)
	case !appNamePattern.MatchString(app):
		return fmt.Errorf("app name %q: want lowercase letters, digits and '-', starting with a letter and ending with a letter or digit", app)
	case strings.Contains(app, revisionSeparator):
		return fmt.Errorf("app name %q: must not contain %q", app, revisionSeparator)
	}
	return nil
}

// RevisionName returns the name Azure gives the revision of app created
// for release with scope: <app>--<suffix>. It fails when the app name is
// invalid or the name would be longer than MaxRevisionNameLength. The
// component and the rollout tool (infra/rollout) both name revisions with
// it.
func RevisionName(app, release string, scope RevisionScope) (string, error) {
	if err := ValidateAppName(app); err != nil {
		return "", err
	}
	suffix, err := RevisionSuffix(release, scope)
	if err != nil {
		return "", err
	}
	name := app + revisionSeparator + suffix
	if len(name) > MaxRevisionNameLength {
		return "", fmt.Errorf("release %q: revision name %q has %d characters, more than %d (shorten the release or the app name)",
			release, name, len(name), MaxRevisionNameLength)
	}
	return name, nil
}

// TrafficSplit is one entry of the ingress traffic table.
type TrafficSplit struct {
	RevisionName string
	Weight       int
	// Label, when set, gives the revision its own URL
	// (https://<app>---<label>.<environment domain>).
	Label string
}

// The range of a canary's share of traffic, in percent. Azure requires the
// weights of a container app's traffic entries to sum to 100; the stable
// revision gets 100 minus the canary's weight.
// https://learn.microsoft.com/azure/container-apps/traffic-splitting
const (
	MinCanaryWeight = 0
	MaxCanaryWeight = 100
)

// CheckCanaryWeight is the one check of a canary weight, used by the
// component, Traffic and the stack validation.
func CheckCanaryWeight(weight int) error {
	if weight < MinCanaryWeight || weight > MaxCanaryWeight {
		return fmt.Errorf("canary weight %d: want %d-%d", weight, MinCanaryWeight, MaxCanaryWeight)
	}
	return nil
}

// CanaryLabel is the traffic label of the canary revision.
const CanaryLabel = "canary"

// Traffic splits traffic between the stable revision and, when canary is
// not empty, the canary revision: the canary gets weight, the stable
// revision the rest. Without a canary the stable revision gets everything.
// The weights always sum to 100, which Azure requires.
func Traffic(stableRevision, canaryRevision string, weight int) ([]TrafficSplit, error) {
	if stableRevision == "" {
		return nil, errors.New("traffic: no stable revision")
	}
	if canaryRevision == "" {
		if weight != 0 {
			return nil, fmt.Errorf("traffic: canary weight %d without a canary revision", weight)
		}
		return []TrafficSplit{{RevisionName: stableRevision, Weight: 100}}, nil
	}
	if err := CheckCanaryWeight(weight); err != nil {
		return nil, fmt.Errorf("traffic: %w", err)
	}
	if canaryRevision == stableRevision {
		return nil, fmt.Errorf("traffic: canary and stable are the same revision %q", stableRevision)
	}
	return []TrafficSplit{
		{RevisionName: stableRevision, Weight: 100 - weight},
		// A weight of 0 still deploys the canary and keeps it reachable on
		// its label URL, so it can be tested before it takes traffic.
		{RevisionName: canaryRevision, Weight: weight, Label: CanaryLabel},
	}, nil
}

// LabelURL is the URL of a traffic label: Container Apps serves a labelled
// revision at <app>---<label> (three hyphens) under the environment's
// domain, below "internal." when the ingress is not external.
func LabelURL(app, label, defaultDomain string, external bool) string {
	host := app + "---" + label + "."
	if !external {
		host += "internal."
	}
	return "https://" + host + defaultDomain
}
