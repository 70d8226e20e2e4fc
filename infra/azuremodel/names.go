package azuremodel

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/misybot/platform/infra/offline"
)

// srcNames is Azure's table of naming rules, per resource provider
// namespace; each rule below cites its section.
const srcNames = "https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules"

const ruleName = "NM001"

// nameRule is one row of the naming rules page.
type nameRule struct {
	min, max int
	// pattern is the valid characters, start and end.
	pattern *regexp.Regexp
	// noDoubleHyphen: "can't contain consecutive hyphens".
	noDoubleHyphen bool
	// says is the page's wording, anchor its section.
	says, anchor string
}

var (
	networkName = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9_.-]*[A-Za-z0-9_])?$`)
	networkSays = "alphanumerics, underscores, periods and hyphens; start with alphanumeric, end alphanumeric or underscore"
)

// nameRules are the naming rules of the types the platform deploys, by
// canonical type token (Service Bus names: rule SB005).
var nameRules = map[string]nameRule{
	"azure-native:keyvault:Vault": {min: 3, max: 24, pattern: regexp.MustCompile(`^[A-Za-z]([A-Za-z0-9-]*[A-Za-z0-9])?$`), noDoubleHyphen: true,
		says: "alphanumerics and hyphens; start with letter, end with letter or digit; no consecutive hyphens", anchor: "#microsoftkeyvault"},
	"azure-native:keyvault:Secret": {min: 1, max: 127, pattern: regexp.MustCompile(`^[A-Za-z0-9-]+$`),
		says: "alphanumerics and hyphens", anchor: "#microsoftkeyvault"},
	"azure-native:containerregistry:Registry": {min: 5, max: 50, pattern: regexp.MustCompile(`^[A-Za-z0-9]+$`),
		says: "alphanumerics", anchor: "#microsoftcontainerregistry"},
	"azure-native:storage:StorageAccount": {min: 3, max: 24, pattern: regexp.MustCompile(`^[a-z0-9]+$`),
		says: "lowercase letters and numbers", anchor: "#microsoftstorage"},
	"azure-native:storage:BlobContainer": {min: 3, max: 63, pattern: regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`), noDoubleHyphen: true,
		says: "lowercase letters, numbers and hyphens; start with lowercase letter or number; no consecutive hyphens", anchor: "#microsoftstorage"},
	"azure-native:app:ContainerApp": {min: 2, max: 32, pattern: regexp.MustCompile(`^[a-z]([a-z0-9-]*[a-z0-9])?$`),
		says: "lowercase letters, numbers and hyphens; start with letter, end with alphanumeric", anchor: "#microsoftapp"},
	"azure-native:operationalinsights:Workspace": {min: 4, max: 63, pattern: regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$`),
		says: "alphanumerics and hyphens; start and end with alphanumeric", anchor: "#microsoftoperationalinsights"},
	"azure-native:network:NetworkSecurityGroup": {min: 1, max: 80, pattern: networkName, says: networkSays, anchor: "#microsoftnetwork"},
	"azure-native:network:SecurityRule":         {min: 1, max: 80, pattern: networkName, says: networkSays, anchor: "#microsoftnetwork"},
	"azure-native:network:Subnet":               {min: 1, max: 80, pattern: networkName, says: networkSays, anchor: "#microsoftnetwork"},
	"azure-native:network:VirtualNetworkLink":   {min: 1, max: 80, pattern: networkName, says: networkSays, anchor: "#microsoftnetwork"},
	"azure-native:network:VirtualNetwork":       {min: 2, max: 64, pattern: networkName, says: networkSays, anchor: "#microsoftnetwork"},
	"azure-native:network:PrivateEndpoint":      {min: 2, max: 64, pattern: networkName, says: networkSays, anchor: "#microsoftnetwork"},
}

// NamingType documents the naming rule (one rule over many types).
var NamingType = &Type{
	Token: "(named types)",
	Rules: []Rule{{ID: ruleName, Code: "InvalidResourceName", Source: srcNames, Summary: namingSummary()}},
}

func namingSummary() string {
	tokens := make([]string, 0, len(nameRules))
	for t := range nameRules {
		tokens = append(tokens, t)
	}
	sort.Strings(tokens)
	parts := make([]string, len(tokens))
	for i, t := range tokens {
		r := nameRules[t]
		parts[i] = fmt.Sprintf("`%s` %d-%d characters, %s", t[strings.LastIndex(t, ":")+1:], r.min, r.max, r.says)
	}
	return "a name Azure refuses is refused at creation (a name change replaces the resource): " + strings.Join(parts, "; ")
}

// checkName judges the Azure name of a resource created or replaced.
func (c *checker) checkName(r offline.Resource, ch offline.Change) {
	rule, ok := nameRules[canonical(r.Type)]
	if !ok || (ch.Op != offline.OpCreate && ch.Op != offline.OpReplace) {
		return
	}
	name := sval(r, "name")
	var why string
	switch n := len(name); {
	case n < rule.min || n > rule.max:
		why = fmt.Sprintf("has %d characters, not %d-%d", n, rule.min, rule.max)
	case !rule.pattern.MatchString(name):
		why = "does not follow: " + rule.says
	case rule.noDoubleHyphen && strings.Contains(name, "--"):
		why = "contains consecutive hyphens"
	default:
		return
	}
	c.problems = append(c.problems, offline.Problem{
		Code: "InvalidResourceName", URN: r.URN, Type: r.Type, Name: name, Op: ch.Op, Property: "name",
		Message: fmt.Sprintf("the name %q %s", name, why),
		Rule:    ruleName, Source: srcNames + rule.anchor,
	})
}
