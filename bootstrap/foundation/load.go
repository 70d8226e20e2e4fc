package foundation

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/misybot/platform/components/azurenative"
	"github.com/misybot/platform/components/identity"
	"github.com/misybot/platform/naming"
	"github.com/misybot/platform/stacks"
	"github.com/misybot/platform/stacks/configdecode"
)

var (
	defaultRetain = 30
	isoDuration   = regexp.MustCompile(`^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?$`)
)

// Key lifecycle defaults and limits.
const (
	DefaultRotateAfter = "P1Y"
	DefaultExpireAfter = "P2Y"
	// maxRotateDays is the longest rotation period: the lifetime
	// Microsoft recommends for keys (2 years).
	maxRotateDays = 730
	// minExpiryGapDays: Key Vault wants a rotated version to live at
	// least 28 days beyond its rotation.
	minExpiryGapDays = 28
)

// GitHubTokenKey is the GitHub provider's token in a stack's
// configuration. The bootstrap refuses it: the provider reads GITHUB_TOKEN
// from the environment instead, so the token never reaches the bootstrap's
// configuration or state.
// https://www.pulumi.com/registry/packages/github/installation-configuration/
const GitHubTokenKey = "github:token"

// ProviderConfigKeys are the provider configuration keys the program
// checks for secure values itself (Build), besides its own: the GitHub
// provider's (pulumi-github v6 config package). misyinfra checks every key
// of the stack file.
var ProviderConfigKeys = []string{
	"github:appAuth", "github:baseUrl", "github:insecure", "github:maxRetries", "github:organization",
	"github:owner", "github:parallelRequests", "github:readDelayMs", "github:retryDelayMs",
	"github:retryableErrors", GitHubTokenKey, "github:writeDelayMs",
}

// Load builds the bootstrap's Config from its Pulumi configuration (keys
// "misybot-bootstrap:<name>", objects and lists JSON-encoded, as the engine
// hands them to the program; other namespaces' keys are ignored except
// github:token). secretKeys are the keys whose value is secure: the
// bootstrap's configuration holds none (see NoSecretsProblems). On any
// mistake it returns stacks.Problems listing all of them, sorted by key, in
// the form stack configuration uses.
func Load(project string, raw map[string]string, secretKeys []string) (Config, error) {
	prefix := project + ":"
	var cfg Config
	problems := NoSecretsProblems(project, raw, secretKeys)
	root := reflect.ValueOf(&cfg).Elem()
	fields := map[string]int{}
	var known []string
	for i := 0; i < root.NumField(); i++ {
		name, _, _ := strings.Cut(root.Type().Field(i).Tag.Get("json"), ",")
		fields[name] = i
		known = append(known, name)
	}
	sort.Strings(known)
	keys := make([]string, 0, len(raw))
	for k := range raw {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, full := range keys {
		name, value := strings.TrimPrefix(full, prefix), raw[full]
		if slices.Contains(secretKeys, full) {
			value = stacks.RedactedValue
		}
		i, ok := fields[name]
		if !ok {
			problems = append(problems, stacks.Problem{Key: name, Value: value, Expected: "a known key (" + strings.Join(known, ", ") + ")"})
			continue
		}
		dst := root.Field(i)
		if dst.Kind() == reflect.String {
			dst.SetString(value)
			continue
		}
		dec := json.NewDecoder(bytes.NewReader([]byte(value)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(dst.Addr().Interface()); err != nil {
			problems = append(problems, stacks.Problem{Key: name, Value: value, Expected: fmt.Sprintf("%s (%v)", describe(dst.Type()), err)})
		}
	}
	if cfg.StateRetentionDays == 0 {
		cfg.StateRetentionDays = defaultRetain
	}
	if cfg.Registry.Sku == "" && !cfg.Registry.Existing {
		cfg.Registry.Sku = azurenative.RegistrySkuPremium
	}
	if cfg.SecretsKeys.RotateAfter == "" {
		cfg.SecretsKeys.RotateAfter = DefaultRotateAfter
	}
	if cfg.SecretsKeys.ExpireAfter == "" {
		cfg.SecretsKeys.ExpireAfter = DefaultExpireAfter
	}
	for i := range cfg.Stacks {
		if cfg.Stacks[i].Location == "" {
			cfg.Stacks[i].Location = cfg.Location
		}
	}
	problems = append(problems, cfg.validate()...)
	if len(problems) == 0 {
		return cfg, nil
	}
	sort.SliceStable(problems, func(i, j int) bool { return problems[i].Key < problems[j].Key })
	return Config{}, problems
}

// NoSecretsProblems reports what would put a secret in the bootstrap's
// configuration or state: a github:token key (plain or secure) and every
// secure value. The environment stacks' CI identities may decrypt with the
// bootstrap's key, because their StackReference to the bootstrap builds
// its secrets manager before reading any output (pulumi/pulumi#11109,
// #21436); that is safe only while the key protects nothing.
// https://github.com/pulumi/pulumi/issues/11109
// https://github.com/pulumi/pulumi/issues/21436
func NoSecretsProblems(project string, raw map[string]string, secretKeys []string) stacks.Problems {
	var ps stacks.Problems
	short := func(key string) string { return strings.TrimPrefix(key, project+":") }
	if _, ok := raw[GitHubTokenKey]; ok || slices.Contains(secretKeys, GitHubTokenKey) {
		ps = append(ps, stacks.Problem{Key: GitHubTokenKey, Value: stacks.RedactedValue,
			Expected: "no token in the configuration: set GITHUB_TOKEN in the environment of `pulumi up`, so that no token reaches the bootstrap's configuration or state"})
	}
	for _, key := range secretKeys {
		if key == GitHubTokenKey {
			continue
		}
		ps = append(ps, stacks.Problem{Key: short(key), Value: stacks.RedactedValue,
			Expected: "a plain value: the bootstrap's configuration holds no secret, since every environment stack's CI identities may decrypt with its key"})
	}
	return ps
}

func describe(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Slice:
		return "a list"
	case reflect.Int:
		return "a whole number"
	}
	return "an object"
}

// validate reports every problem of a decoded configuration.
func (c Config) validate() stacks.Problems {
	var ps stacks.Problems
	bad := func(key, value, expected string) {
		ps = append(ps, stacks.Problem{Key: key, Value: value, Expected: expected})
	}
	for _, f := range []struct{ key, value string }{{"location", c.Location}, {"owner", c.Owner}, {"costCenter", c.CostCenter}} {
		if f.value == "" {
			bad(f.key, "", "a value: it is required")
		}
	}
	if _, ok := naming.RegionAbbreviation(c.Location); c.Location != "" && !ok {
		bad("location", c.Location, "an Azure region name such as westeurope")
	}
	if !identity.ValidGitHubOwner(c.GitHub.Owner) {
		bad("github.owner", c.GitHub.Owner, "a GitHub user or organization name")
	}
	if !identity.ValidGitHubRepository(c.GitHub.Repository) {
		bad("github.repository", c.GitHub.Repository, "a repository name (letters, digits, '.', '_', '-')")
	}
	if len(c.Owners) == 0 {
		bad("owners", "", "at least one Entra object ID: applications and service principals without an owner can be managed by directory administrators only")
	}
	owners := map[string]bool{}
	for i, o := range c.Owners {
		if !identity.IsGUID(o) {
			bad(fmt.Sprintf("owners[%d]", i), o, "an Entra object ID (GUID)")
		}
		if owners[strings.ToLower(o)] {
			bad(fmt.Sprintf("owners[%d]", i), o, "each owner once (an owner's grants are keyed by its object ID)")
		}
		owners[strings.ToLower(o)] = true
	}
	r := c.Registry
	if naming.ContainerRegistry.Check(r.Name) != nil {
		bad("registry.name", r.Name, fmt.Sprintf("a registry name: %d-%d letters and digits", naming.ContainerRegistry.Min, naming.ContainerRegistry.Max))
	}
	switch {
	case r.Existing && r.ResourceGroup == "":
		bad("registry.resourceGroup", "", "the adopted registry's resource group")
	case r.Existing && r.Sku != "":
		bad("registry.sku", string(r.Sku), "no sku with registry.existing: an adopted registry keeps its own")
	case !r.Existing && r.ResourceGroup != "":
		bad("registry.resourceGroup", r.ResourceGroup, "no resource group: a created registry goes in the shared resource group (set existing: true to adopt one)")
	case !r.Existing && !slices.Contains(azurenative.RegistrySkus(), r.Sku):
		bad("registry.sku", string(r.Sku), "one of "+strings.Join(configdecode.Values(azurenative.RegistrySkus()), ", "))
	}
	k := c.SecretsKeys
	if _, err := time.Parse(time.DateOnly, k.Expires); err != nil {
		bad("secretsKeys.expires", k.Expires, "the date the keys' first versions expire, YYYY-MM-DD")
	}
	rotate, okRotate := isoDays(k.RotateAfter)
	switch {
	case !okRotate:
		bad("secretsKeys.rotateAfter", k.RotateAfter, "an ISO 8601 duration such as P1Y or P90D")
	case rotate < 7 || rotate > maxRotateDays:
		bad("secretsKeys.rotateAfter", k.RotateAfter, fmt.Sprintf("7 days to %d days (2 years, the longest lifetime Microsoft recommends for a key)", maxRotateDays))
	}
	if expire, ok := isoDays(k.ExpireAfter); !ok {
		bad("secretsKeys.expireAfter", k.ExpireAfter, "an ISO 8601 duration such as P2Y")
	} else if okRotate && expire < rotate+minExpiryGapDays {
		bad("secretsKeys.expireAfter", k.ExpireAfter, fmt.Sprintf("at least %d days longer than rotateAfter (%s): a version must outlive its rotation", minExpiryGapDays, k.RotateAfter))
	}
	if c.StateRetentionDays < 1 || c.StateRetentionDays > 365 {
		bad("stateRetentionDays", fmt.Sprint(c.StateRetentionDays), "1 to 365 days")
	}
	if len(c.Stacks) == 0 {
		bad("stacks", "", "at least one environment stack, such as {name: dev}")
	}
	tokens := map[string]string{}
	for i, s := range c.Stacks {
		key := fmt.Sprintf("stacks[%d]", i)
		if err := naming.CheckStack(s.Name); err != nil {
			bad(key+".name", s.Name, strings.TrimPrefix(strings.TrimPrefix(err.Error(), fmt.Sprintf("stack name %q: ", s.Name)), "want "))
		} else if other, ok := tokens[naming.Token(s.Name)]; ok {
			bad(key+".name", s.Name, fmt.Sprintf("a name of its own: it gives the same resource names and identities as %q", other))
		} else {
			tokens[naming.Token(s.Name)] = s.Name
		}
		if _, ok := naming.RegionAbbreviation(s.Location); s.Location != "" && !ok {
			bad(key+".location", s.Location, "an Azure region name such as westeurope")
		}
		if naming.EnvironmentOf(s.Name) == "prod" && (s.Reviewers == nil || len(s.Reviewers.Users)+len(s.Reviewers.Teams) == 0) {
			bad(key+".reviewers", "", "at least one user or team ID: a prod stack deploys only after a review")
		}
		for _, m := range []struct {
			key     string
			members []string
		}{{"operators", s.Operators}, {"readers", s.Readers}} {
			for j, id := range m.members {
				if !identity.IsGUID(id) {
					bad(fmt.Sprintf("%s.%s[%d]", key, m.key, j), id, "an Entra object ID (GUID) of a user or group")
				}
			}
		}
		if r := s.Reviewers; r != nil {
			if len(r.Users)+len(r.Teams) > 6 {
				bad(key+".reviewers", "", "at most 6 users and teams, GitHub's limit")
			}
			for _, id := range append(append([]int(nil), r.Users...), r.Teams...) {
				if id <= 0 {
					bad(key+".reviewers", fmt.Sprint(id), "GitHub user and team IDs, positive numbers")
				}
			}
		}
	}
	return ps
}

// isoDays converts an ISO 8601 date duration (P1Y, P90D, P1Y6M) to days,
// a year as 365 and a month as 30 days.
func isoDays(s string) (int, bool) {
	m := isoDuration.FindStringSubmatch(s)
	if m == nil || s == "P" {
		return 0, false
	}
	days := 0
	for i, mult := range []int{365, 30, 1} {
		if m[i+1] != "" {
			n, err := strconv.Atoi(m[i+1])
			if err != nil {
				return 0, false
			}
			days += n * mult
		}
	}
	return days, true
}
