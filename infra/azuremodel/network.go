package azuremodel

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/misybot/platform/infra/offline"
)

const (
	srcEnvNetworking = "https://learn.microsoft.com/azure/container-apps/custom-virtual-networks#subnet"
	srcEnvFirewall   = "https://learn.microsoft.com/azure/container-apps/firewall-integration#nsg-allow-rules"
	srcEnvInternal   = "https://learn.microsoft.com/azure/container-apps/vnet-custom-internal#deploy-with-a-private-dns"
	srcEnvDomain     = "https://learn.microsoft.com/azure/container-apps/environment"
	srcSBPrivate     = "https://learn.microsoft.com/azure/service-bus-messaging/private-link-service"
	srcNSGRules      = "https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview#security-rules"
)

// Rule ids of environments, NSGs and private endpoints.
const (
	ruleSubnetSize      = "ME001"
	ruleDelegation      = "ME002"
	ruleInternalDNS     = "ME003"
	ruleEnvCompute      = "ME101"
	ruleEnvPorts        = "NSG001"
	rulePriority        = "NSG002"
	rulePrivateEndpoint = "PE001"
)

var managedEnvironmentType = &Type{
	Token: "azure-native:app:ManagedEnvironment",
	Rules: []Rule{
		{ID: ruleSubnetSize, Code: "ManagedEnvironmentInvalidNetworkConfiguration", Source: srcEnvNetworking,
			Summary: "the infrastructure subnet is at least /23 for a consumption-only environment and at least /27 for a workload-profiles environment"},
		{ID: ruleDelegation, Code: "ManagedEnvironmentSubnetDelegationError", Source: srcEnvNetworking,
			Summary: "a workload-profiles environment's infrastructure subnet is delegated to Microsoft.App/environments"},
		{ID: ruleInternalDNS, Code: "ManagedEnvironmentUnreachable", Source: srcEnvInternal,
			Summary: "an internal environment is reached from outside its environment (a VNet-injected load test) only through a private DNS zone named its default domain, with `*` and `@` A records to its static IP, linked to a VNet"},
		{ID: ruleEnvCompute, Computes: true, Source: srcEnvDomain,
			Summary: "`defaultDomain` (`<name>.<region>.azurecontainerapps.io`) and `staticIp` (an address of the infrastructure subnet for a VNet-injected environment)"},
	},
	// The infrastructure subnet cannot be changed after creation.
	ForceNew: []string{"vnetConfiguration"},
}

var nsgType = &Type{
	Token: "azure-native:network:NetworkSecurityGroup",
	Rules: []Rule{
		{ID: ruleEnvPorts, Code: "ManagedEnvironmentIngressBlocked", Source: srcEnvFirewall,
			Summary: "an NSG on a workload-profiles environment's subnet allows inbound TCP 443 and 31443 (80 and 31080 when the apps accept HTTP) before any deny: the edge proxy behind the internal load balancer listens there"},
		{ID: rulePriority, Code: "SecurityRuleInvalidPriority", Source: srcNSGRules,
			Summary: "a security rule's `priority` is a number between 100 and 4096 (inline `securityRules` or a SecurityRule resource)"},
	},
}

// checkPriorities judges the priorities of an NSG's inline rules, or of
// one SecurityRule resource (rule is nil for the NSG).
func (c *checker) checkPriorities(t *Type, r offline.Resource, ch offline.Change, rules []any, property string) {
	for i, sr := range rules {
		m, _ := sr.(map[string]any)
		p, ok := m["priority"].(float64)
		if !ok {
			if props, isMap := m["properties"].(map[string]any); isMap {
				p, ok = props["priority"].(float64)
			}
		}
		if ok && (p < 100 || p > 4096) {
			prop := property
			if property == "securityRules" {
				prop = fmt.Sprintf("securityRules[%d].priority", i)
			}
			c.failRes(t, rulePriority, r, ch.Op, prop, "priority %g of rule %v is not between 100 and 4096", p, m["name"])
		}
	}
}

var securityRuleType = &Type{
	Token: "azure-native:network:SecurityRule",
	Rules: nsgType.Rules,
}

var privateEndpointType = &Type{
	Token: "azure-native:network:PrivateEndpoint",
	Rules: []Rule{
		{ID: rulePrivateEndpoint, Code: "PrivateEndpointCreationNotAllowedAsPrivateLinkNotSupported", Source: srcSBPrivate,
			Summary: "a private endpoint to a Service Bus namespace needs the Premium tier"},
	},
}

// subnet returns a subnet of the plan by ID, declared as a resource or
// inline in its virtual network.
func (c *checker) subnet(id string) (map[string]any, bool) {
	if r, ok := c.resource(id); ok {
		return r.Plain(), true
	}
	if vnet, ok := c.resource(subnetVNet(id)); ok {
		for _, s := range list(vnet, "subnets") {
			if strings.EqualFold(field(s, "name"), lastSegment(id)) {
				m, _ := s.(map[string]any)
				return m, true
			}
		}
	}
	return nil, false
}

// subnetPrefixBits is the prefix length of a subnet's first IPv4 prefix.
func subnetPrefixBits(s map[string]any) (int, bool) {
	prefix := field(s, "addressPrefix")
	if prefix == "" {
		if arr, ok := s["addressPrefixes"].([]any); ok && len(arr) > 0 {
			prefix, _ = arr[0].(string)
		}
	}
	p, err := netip.ParsePrefix(prefix)
	if err != nil {
		return 0, false
	}
	return p.Bits(), true
}

func checkEnvironment(c *checker, env offline.Resource, ch offline.Change) {
	t := managedEnvironmentType
	subnetID := sval(env, "vnetConfiguration.infrastructureSubnetId")
	if subnetID == "" {
		return
	}
	workloadProfiles := len(list(env, "workloadProfiles")) > 0
	if s, ok := c.subnet(subnetID); ok {
		limit, kind := 23, "consumption-only"
		if workloadProfiles {
			limit, kind = 27, "workload-profiles"
		}
		if bits, ok := subnetPrefixBits(s); ok && bits > limit {
			c.failRes(t, ruleSubnetSize, env, ch.Op, "vnetConfiguration.infrastructureSubnetId",
				"subnet %s is a /%d: a %s environment needs /%d or larger", lastSegment(subnetID), bits, kind, limit)
		}
		if workloadProfiles && !delegatedTo(s, "Microsoft.App/environments") {
			c.failRes(t, ruleDelegation, env, ch.Op, "vnetConfiguration.infrastructureSubnetId",
				"subnet %s is not delegated to Microsoft.App/environments", lastSegment(subnetID))
		}
	}
	if internal, _ := bval(env, "vnetConfiguration.internal"); internal && len(c.of("azure-native:loadtestservice:LoadTest")) > 0 {
		if why := c.internalDNSMissing(env); why != "" {
			c.failRes(t, ruleInternalDNS, env, ch.Op, "vnetConfiguration.internal",
				"the stack's load test cannot reach the internal environment: %s", why)
		}
	}
	c.checkEnvPortsFor(c.subnetNSG(subnetID))
}

func delegatedTo(subnet map[string]any, service string) bool {
	delegations, _ := subnet["delegations"].([]any)
	for _, d := range delegations {
		if strings.EqualFold(field(d, "serviceName"), service) {
			return true
		}
	}
	return false
}

// internalDNSMissing says what the private DNS of an internal environment
// lacks ("" when complete).
func (c *checker) internalDNSMissing(env offline.Resource) string {
	domain, ip := sval(env, "defaultDomain"), sval(env, "staticIp")
	var zone *offline.Resource
	for _, z := range c.of("azure-native:network:PrivateZone") {
		if strings.EqualFold(sval(z, "name"), domain) {
			z := z
			zone = &z
		}
	}
	if zone == nil {
		return fmt.Sprintf("no private DNS zone %s", domain)
	}
	for _, name := range []string{"*", "@"} {
		if !c.aRecordTo(zone.ID, name, ip) {
			return fmt.Sprintf("zone %s has no %q A record to the static IP %s", domain, name, ip)
		}
	}
	for _, link := range c.of("azure-native:network:VirtualNetworkLink") {
		if strings.EqualFold(parentID(link.ID), zone.ID) {
			return ""
		}
	}
	return fmt.Sprintf("zone %s is linked to no VNet", domain)
}

func (c *checker) aRecordTo(zoneID, name, ip string) bool {
	for _, rs := range c.of("azure-native:network:PrivateRecordSet") {
		if !strings.EqualFold(sval(rs, "recordType"), "A") || sval(rs, "relativeRecordSetName") != name ||
			!strings.HasPrefix(strings.ToLower(rs.ID), strings.ToLower(zoneID)+"/") {
			continue
		}
		for _, a := range list(rs, "aRecords") {
			if field(a, "ipv4Address") == ip {
				return true
			}
		}
	}
	return false
}

// subnetNSG is the ID of the NSG attached to a subnet ("" when none).
func (c *checker) subnetNSG(subnetID string) string {
	s, ok := c.subnet(subnetID)
	if !ok {
		return ""
	}
	return field(s, "networkSecurityGroup", "id")
}

// nsgRule is an NSG rule as the check needs it.
type nsgRule struct {
	name      string
	priority  float64
	allow     bool
	protocol  string
	portsSpec []string
}

func (r nsgRule) covers(port int) bool {
	if r.protocol != "*" && !strings.EqualFold(r.protocol, "Tcp") {
		return false
	}
	for _, spec := range r.portsSpec {
		if spec == "*" {
			return true
		}
		lo, hi, isRange := strings.Cut(spec, "-")
		a, err1 := strconv.Atoi(strings.TrimSpace(lo))
		if err1 != nil {
			continue
		}
		b := a
		if isRange {
			if v, err := strconv.Atoi(strings.TrimSpace(hi)); err == nil {
				b = v
			}
		}
		if port >= a && port <= b {
			return true
		}
	}
	return false
}

// inboundRules are the inbound rules of an NSG, inline and as resources,
// by priority.
func (c *checker) inboundRules(nsg offline.Resource) []nsgRule {
	var raw []map[string]any
	for _, r := range list(nsg, "securityRules") {
		if m, ok := r.(map[string]any); ok {
			raw = append(raw, m)
		}
	}
	for _, r := range c.of(securityRuleType.Token) {
		if strings.EqualFold(parentID(r.ID), nsg.ID) {
			raw = append(raw, r.Plain())
		}
	}
	var out []nsgRule
	for _, m := range raw {
		if !strings.EqualFold(field(m, "direction"), "Inbound") {
			continue
		}
		r := nsgRule{name: field(m, "name"), allow: strings.EqualFold(field(m, "access"), "Allow"), protocol: field(m, "protocol")}
		if r.name == "" {
			r.name = field(m, "securityRuleName")
		}
		r.priority, _ = m["priority"].(float64)
		if p := field(m, "destinationPortRange"); p != "" {
			r.portsSpec = append(r.portsSpec, p)
		}
		if arr, ok := m["destinationPortRanges"].([]any); ok {
			for _, p := range arr {
				if s, ok := p.(string); ok {
					r.portsSpec = append(r.portsSpec, s)
				}
			}
		}
		out = append(out, r)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].priority < out[j].priority })
	return out
}

// checkEnvPortsFor checks an NSG against the workload-profiles
// environments whose subnet it protects, once per NSG.
func (c *checker) checkEnvPortsFor(nsgID string) {
	if nsgID == "" {
		return
	}
	key := "nsg:" + strings.ToLower(nsgID)
	if c.done(key) {
		return
	}
	nsg, ok := c.resource(nsgID)
	if !ok {
		return
	}
	for _, env := range c.of(managedEnvironmentType.Token) {
		if len(list(env, "workloadProfiles")) == 0 {
			continue
		}
		subnetID := sval(env, "vnetConfiguration.infrastructureSubnetId")
		if subnetID == "" || !strings.EqualFold(c.subnetNSG(subnetID), nsgID) {
			continue
		}
		ports := []int{443, 31443}
		if c.appsAcceptHTTP(env.ID) {
			ports = append(ports, 80, 31080)
		}
		rules := c.inboundRules(nsg)
		for _, port := range ports {
			if verdict := firstMatch(rules, port); verdict != "" {
				c.failRes(nsgType, ruleEnvPorts, nsg, c.changes[nsg.URN].Op, "securityRules",
					"inbound TCP %d to the apps subnet of environment %s is %s: the environment's edge proxy listens there", port, sval(env, "name"), verdict)
			}
		}
	}
}

// firstMatch returns "" when the first rule covering the port allows it,
// else why it is blocked.
func firstMatch(rules []nsgRule, port int) string {
	for _, r := range rules {
		if !r.covers(port) {
			continue
		}
		if r.allow {
			return ""
		}
		return fmt.Sprintf("denied by rule %s (priority %g)", r.name, r.priority)
	}
	// Below the custom rules, AllowVnetInBound (65000) lets VNet callers in.
	return ""
}

// appsAcceptHTTP reports whether an app of the environment allows plain
// HTTP.
func (c *checker) appsAcceptHTTP(envID string) bool {
	for _, app := range c.of(containerAppType.Token) {
		if !strings.EqualFold(sval(app, "managedEnvironmentId"), envID) {
			continue
		}
		if insecure, _ := bval(app, "configuration.ingress.allowInsecure"); insecure {
			return true
		}
	}
	return false
}

func checkPrivateEndpoint(c *checker, pe offline.Resource, ch offline.Change) {
	for i, conn := range list(pe, "privateLinkServiceConnections") {
		target := field(conn, "privateLinkServiceId")
		ns, ok := c.resource(target)
		if !ok || canonical(ns.Type) != namespaceType.Token {
			continue
		}
		if sku := sval(ns, "sku.name"); !strings.EqualFold(sku, "Premium") {
			c.failRes(privateEndpointType, rulePrivateEndpoint, pe, ch.Op, fmt.Sprintf("privateLinkServiceConnections[%d].privateLinkServiceId", i),
				"Service Bus namespace %s is %s: private endpoints need Premium", sval(ns, "name"), sku)
		}
	}
}
