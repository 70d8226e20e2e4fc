// Package naming derives Azure resource names from project, environment and
// region, following each resource type's naming rules (length, characters and,
// where Azure requires it, global uniqueness).
package naming

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
)

// Rule is Azure's naming rule for one resource type.
type Rule struct {
	Kind    string         // resource kind, for error messages
	Prefix  string         // abbreviation from the Cloud Adoption Framework
	Min     int            // minimum length
	Max     int            // maximum length
	Pattern *regexp.Regexp // the whole name must match
	// Global is true where the name becomes part of a public DNS name and so
	// must be unique across Azure.
	Global bool
	// Compact names have no separators: the type allows letters and digits only.
	Compact bool
}

// The rules this program uses. Patterns follow
// https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules.
var (
	ResourceGroup   = Rule{Kind: "resource group", Prefix: "rg", Min: 1, Max: 90, Pattern: regexp.MustCompile(`^[-\w.()]*[-\w()]$`)}
	VirtualNetwork  = Rule{Kind: "virtual network", Prefix: "vnet", Min: 2, Max: 64, Pattern: regexp.MustCompile(`^[a-zA-Z0-9][-\w.]*\w$`)}
	Subnet          = Rule{Kind: "subnet", Prefix: "snet", Min: 1, Max: 80, Pattern: regexp.MustCompile(`^[a-zA-Z0-9]([-\w.]*\w)?$`)}
	SecurityGroup   = Rule{Kind: "network security group", Prefix: "nsg", Min: 1, Max: 80, Pattern: regexp.MustCompile(`^[a-zA-Z0-9]([-\w.]*\w)?$`)}
	PrivateEndpoint = Rule{Kind: "private endpoint", Prefix: "pep", Min: 2, Max: 64, Pattern: regexp.MustCompile(`^[a-zA-Z0-9][-\w.]*\w$`)}
	KeyVault        = Rule{Kind: "key vault", Prefix: "kv", Min: 3, Max: 24, Pattern: regexp.MustCompile(`^[a-zA-Z](-?[a-zA-Z0-9])*$`), Global: true}
	ServiceBus      = Rule{Kind: "service bus namespace", Prefix: "sbns", Min: 6, Max: 50, Pattern: regexp.MustCompile(`^[a-zA-Z][-a-zA-Z0-9]*[a-zA-Z0-9]$`), Global: true}
	LogAnalytics    = Rule{Kind: "log analytics workspace", Prefix: "log", Min: 4, Max: 63, Pattern: regexp.MustCompile(`^[a-zA-Z0-9][-a-zA-Z0-9]*[a-zA-Z0-9]$`)}
	AppInsights     = Rule{Kind: "application insights", Prefix: "appi", Min: 1, Max: 255, Pattern: regexp.MustCompile(`^[^%&\\?/]*[^%&\\?/. ]$`)}
	ActionGroup     = Rule{Kind: "action group", Prefix: "ag", Min: 1, Max: 260, Pattern: regexp.MustCompile(`^[^%&\\?/]*[^%&\\?/. ]$`)}
	// ActionGroupShort is the short name shown in SMS and e-mail notifications.
	ActionGroupShort = Rule{Kind: "action group short name", Prefix: "", Min: 1, Max: 12, Pattern: regexp.MustCompile(`^[a-zA-Z0-9][-a-zA-Z0-9]*$`)}
	// ContainerApp names also prefix revision names (<app>--<suffix>).
	ContainerApp     = Rule{Kind: "container app", Prefix: "ca", Min: 2, Max: 32, Pattern: regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)}
	ContainerAppsEnv = Rule{Kind: "container apps environment", Prefix: "cae", Min: 2, Max: 60, Pattern: regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)}
	ManagedIdentity  = Rule{Kind: "managed identity", Prefix: "id", Min: 3, Max: 128, Pattern: regexp.MustCompile(`^[a-zA-Z0-9][-\w]*$`)}
	LoadTest         = Rule{Kind: "load testing resource", Prefix: "lt", Min: 1, Max: 64, Pattern: regexp.MustCompile(`^[a-zA-Z0-9][-\w]*$`)}
	// StorageAccount and ContainerRegistry allow letters and digits only.
	StorageAccount    = Rule{Kind: "storage account", Prefix: "st", Min: 3, Max: 24, Pattern: regexp.MustCompile(`^[a-z0-9]+$`), Global: true, Compact: true}
	ContainerRegistry = Rule{Kind: "container registry", Prefix: "cr", Min: 5, Max: 50, Pattern: regexp.MustCompile(`^[a-zA-Z0-9]+$`), Global: true, Compact: true}
	Lock              = Rule{Kind: "management lock", Prefix: "lock", Min: 1, Max: 90, Pattern: regexp.MustCompile(`^[^<>*%&:?.+/\\]*[^<>*%&:?.+/\\ ]$`)}
)

// Namer builds names for one deployment (project, environment, region).
type Namer struct {
	project string
	env     string
	region  string
	unique  string
}

// New returns a Namer. location is an Azure region name such as "westeurope";
// seed, when set, changes the suffix of globally unique names (use it when a
// name is already taken by someone else, or held by a soft-deleted vault).
func New(project, env, location, seed string) (Namer, error) {
	project = strings.ToLower(project)
	if !regexp.MustCompile(`^[a-z][a-z0-9]{1,11}$`).MatchString(project) {
		return Namer{}, fmt.Errorf("naming: project %q: want 2-12 lowercase letters and digits, starting with a letter", project)
	}
	if !regexp.MustCompile(`^[a-z][a-z0-9]{1,9}$`).MatchString(env) {
		return Namer{}, fmt.Errorf("naming: environment %q: want 2-10 lowercase letters and digits, starting with a letter", env)
	}
	region, ok := RegionAbbreviation(location)
	if !ok {
		return Namer{}, fmt.Errorf("naming: location %q: not a known Azure region", location)
	}
	sum := sha256.Sum256([]byte(strings.Join([]string{project, env, location, seed}, "/")))
	return Namer{project: project, env: env, region: region, unique: hex.EncodeToString(sum[:])[:4]}, nil
}

// Name returns the name of a resource of the given rule; qualifier (may be
// empty) distinguishes several resources of one kind, such as two subnets.
// Globally unique kinds get a 4-character suffix derived from the project,
// environment, region and seed, so the name is stable across runs.
func (n Namer) Name(r Rule, qualifier string) (string, error) {
	project, qualifier := n.project, strings.ToLower(qualifier)
	build := func(sep string) string {
		parts := []string{}
		for _, p := range []string{r.Prefix, project, qualifier, n.env, n.region} {
			if p != "" {
				parts = append(parts, p)
			}
		}
		if r.Global {
			parts = append(parts, n.unique)
		}
		return strings.Join(parts, sep)
	}
	// Shorten what carries no information first: the separators, then the
	// project, then the qualifier. Only when that is not enough is a word
	// cut (kv-misybot-staging-weu-1a2b becomes kvmisybotstagingweu1a2b, not
	// kv-misy-staging-weu-1a2b). The environment, region and unique suffix
	// must survive.
	sep := "-"
	if r.Compact {
		sep = ""
	}
	for len(build(sep)) > r.Max {
		switch {
		case sep != "":
			sep = ""
		case len(project) > 3:
			project = project[:len(project)-1]
		case len(qualifier) > 3:
			qualifier = qualifier[:len(qualifier)-1]
		case len(project) > 1:
			project = project[:len(project)-1]
		default:
			return "", fmt.Errorf("%s name %q: cannot fit in %d characters", r.Kind, build(sep), r.Max)
		}
	}
	name := build(sep)
	if err := r.Check(name); err != nil {
		return "", err
	}
	return name, nil
}

// Short returns a compact name without separators, for fields such as an
// action group's short name.
func (n Namer) Short(r Rule) (string, error) {
	name := n.project + n.env
	if len(name) > r.Max {
		name = name[:r.Max]
	}
	if err := r.Check(name); err != nil {
		return "", err
	}
	return name, nil
}

// Check reports whether name follows the rule.
func (r Rule) Check(name string) error {
	switch {
	case len(name) < r.Min || len(name) > r.Max:
		return fmt.Errorf("%s name %q: length %d, want %d-%d characters", r.Kind, name, len(name), r.Min, r.Max)
	case !r.Pattern.MatchString(name):
		return fmt.Errorf("%s name %q: does not match %s", r.Kind, name, r.Pattern)
	}
	return nil
}
