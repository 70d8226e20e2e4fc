package stacks

import (
	"errors"
	"fmt"
	"math"
	"net/mail"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/misybot/platform/components/keyvault"
	"github.com/misybot/platform/components/network"
	"github.com/misybot/platform/components/servicebus"
	"github.com/misybot/platform/naming"
)

// maxEntityName is the longest Service Bus queue or topic name.
const maxEntityName = 260

// Naming rules Azure enforces on what the stack file names.
var (
	// NSG rule names: start with a letter or digit, end with a letter, digit
	// or underscore, at most 80 characters.
	ruleNamePattern = regexp.MustCompile(`^[a-zA-Z0-9]([-\w.]{0,78}\w)?$`)
	// Service Bus queue and topic names (a path may hold slashes in Azure,
	// but the platform does not use nested entities).
	// (Its length, at most maxEntityName, is checked apart: a counted
	// repetition compiles into a large program at every start.)
	entityNamePattern = regexp.MustCompile(`^[a-zA-Z0-9]([-._a-zA-Z0-9]*[a-zA-Z0-9])?$`)
	// Service Bus subscription names.
	subscriptionNamePattern = regexp.MustCompile(`^[a-zA-Z0-9]([-._a-zA-Z0-9]{0,48}[a-zA-Z0-9])?$`)
)

// Service tags accepted as NSG sources, besides CIDRs.
const (
	tagVirtualNetwork    = "VirtualNetwork"
	tagAzureLoadBalancer = "AzureLoadBalancer"
	tagAzureFrontDoor    = "AzureFrontDoor.Backend"
	tagInternet          = "Internet"
)

func serviceTags() []string {
	return []string{tagAzureFrontDoor, tagAzureLoadBalancer, tagInternet, tagVirtualNetwork}
}

// anywhere reports whether an NSG source means every address. Case is
// ignored: a misspelt "internet" must not slip past the checks that use it.
func anywhere(s string) bool {
	return strings.EqualFold(s, tagInternet) || s == "*" || s == "0.0.0.0/0"
}

// reservedTagKeys are set on every resource by the platform.
func reservedTagKeys() []string {
	return []string{"application", "cost-center", "environment", "managed-by", "owner"}
}

// Validate checks the configuration against Azure's rules and the
// platform's policies and returns every problem found, sorted by key (nil
// when there is none). It expects entity defaults to be applied: Load does
// that; on a Config built in code, call ApplyEntityDefaults first.
func (c Config) Validate() Problems {
	v := &validator{env: c.Environment}
	v.general(c)
	v.bootstrap(c.Bootstrap)
	v.tags(c.Tags)
	v.network(c.Network)
	v.loadTestSubnet(c)
	v.keyVault(c.KeyVault)
	v.keyVaultSecrets(c.KeyVaultSecrets)
	v.serviceBus(c.ServiceBus, c.Location)
	v.observability(c.Observability)
	v.app(c)
	v.alerts(c.Alerts)
	sortProblems(v.problems)
	return v.problems
}

type validator struct {
	env      Environment
	problems Problems
}

func (v *validator) add(key, value, expected string) {
	v.problems = append(v.problems, Problem{Key: key, Value: value, Expected: expected})
}

// restricted reports whether the environment is one where the dev-only
// exceptions (public endpoints, the Internet as a source) are refused. An
// unknown environment is reported on its own; its checks are not guessed.
func (v *validator) restricted() bool { return v.env == Staging || v.env == Prod }

func (v *validator) general(c Config) {
	envs := make([]string, len(Environments))
	for i, e := range Environments {
		envs[i] = string(e)
	}
	switch {
	case c.Environment == "":
		v.add("environment", "", oneOf(envs))
	case !slices.Contains(Environments, c.Environment):
		v.add("environment", string(c.Environment), oneOf(envs)+didYouMean(string(c.Environment), envs))
	}

	regions := naming.Regions()
	switch {
	case c.Location == "":
		v.add("location", "", "an Azure region such as westeurope")
	case !slices.Contains(regions, c.Location):
		if hint := didYouMean(c.Location, regions); hint != "" {
			v.add("location", c.Location, "an Azure region the platform supports"+hint)
		} else {
			v.add("location", c.Location, "an Azure region the platform supports: "+oneOf(regions))
		}
	}

	v.tagValue("owner", c.Owner, "the owning team, such as platform-team")
	v.tagValue("costCenter", c.CostCenter, "the cost center charged, such as cc-misybot-1001")
}

// tagValue checks a required setting that becomes a tag value.
func (v *validator) tagValue(key, value, what string) {
	switch {
	case strings.TrimSpace(value) == "":
		v.add(key, value, what)
	case utf8.RuneCountInString(value) > 256:
		v.add(key, value, what+" in at most 256 characters (it becomes a tag value)")
	}
}

func (v *validator) tags(tags map[string]string) {
	for _, k := range sortedKeys(tags) {
		key := joinKey("tags", k)
		switch {
		case k == "" || utf8.RuneCountInString(k) > 512:
			v.add(key, k, "a tag name of 1 to 512 characters")
		case strings.ContainsAny(k, `<>%&\?/`):
			v.add(key, k, `a tag name without any of < > % & \ ? /`)
		case slices.Contains(reservedTagKeys(), strings.ToLower(k)):
			v.add(key, k, "a tag name other than "+oneOf(reservedTagKeys())+
				": the platform sets those (from environment, owner and costCenter)")
		}
		if utf8.RuneCountInString(tags[k]) > 256 {
			v.add(key, tags[k], "a tag value of at most 256 characters")
		}
	}
}

func (v *validator) network(n NetworkConfig) {
	space, spaceOK := v.cidr("network.addressSpace", n.AddressSpace)
	if spaceOK {
		switch {
		case space.Bits() < 8 || space.Bits() > 24:
			v.add("network.addressSpace", n.AddressSpace, "an address space from /8 to /24")
		case !private(space):
			v.add("network.addressSpace", n.AddressSpace,
				"a private range (RFC 1918: inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16)")
		}
	}

	apps, appsOK := v.cidr("network.appsSubnet", n.AppsSubnet)
	if appsOK && apps.Bits() > 27 {
		v.add("network.appsSubnet", n.AppsSubnet,
			"a /27 or larger subnet (a Container Apps environment with workload profiles needs at least /27)")
	}
	endpoints, endpointsOK := v.cidr("network.endpointsSubnet", n.EndpointsSubnet)
	if endpointsOK && endpoints.Bits() > 28 {
		v.add("network.endpointsSubnet", n.EndpointsSubnet, "a /28 or larger subnet for the private endpoints")
	}
	if spaceOK {
		if appsOK && !contains(space, apps) {
			v.add("network.appsSubnet", n.AppsSubnet, "a subnet inside network.addressSpace "+space.String())
		}
		if endpointsOK && !contains(space, endpoints) {
			v.add("network.endpointsSubnet", n.EndpointsSubnet, "a subnet inside network.addressSpace "+space.String())
		}
	}
	if appsOK && endpointsOK && apps.Overlaps(endpoints) {
		v.add("network.endpointsSubnet", n.EndpointsSubnet,
			"a range that does not overlap network.appsSubnet "+apps.String())
	}

	if len(n.IngressSources) > network.MaxIngressSources {
		v.add("network.ingressSources", fmt.Sprintf("%d sources", len(n.IngressSources)),
			fmt.Sprintf("at most %d sources (one NSG rule each); group callers into CIDRs", network.MaxIngressSources))
	}
	seen := map[string]bool{}
	for i, s := range n.IngressSources {
		key := joinIndex("network.ingressSources", i)
		v.source(key, s)
		if anywhere(s) && v.restricted() {
			v.add(key, s, "a narrower source: Internet, * and 0.0.0.0/0 are allowed only in dev; "+
				"use AzureFrontDoor.Backend or the callers' CIDRs")
		}
		if seen[s] {
			v.add(key, s, "each source once")
		}
		seen[s] = true
	}

	v.rules(n.ExtraRules)
}

func (v *validator) rules(rules []RuleConfig) {
	names := map[string]string{}      // subnet and lower-case name -> path
	priorities := map[string]string{} // subnet, direction and priority -> path
	for i, r := range rules {
		base := joinIndex("network.extraRules", i)

		if !ruleNamePattern.MatchString(r.Name) {
			v.add(base+".name", r.Name, "a rule name of 1 to 80 letters, digits, '_', '-' or '.', "+
				"starting with a letter or digit and ending with a letter, digit or '_'")
		} else if other, dup := names[r.Subnet+"/"+strings.ToLower(r.Name)]; dup {
			v.add(base+".name", r.Name, "a name not used by "+other+" on the same subnet")
		} else {
			names[r.Subnet+"/"+strings.ToLower(r.Name)] = base
		}

		v.enum(base+".subnet", r.Subnet, []string{"apps", "endpoints"})

		switch {
		case r.Priority > 4000 && r.Priority <= 4096:
			v.add(base+".priority", strconv.Itoa(r.Priority), "a priority from 100 to 4000: "+
				"4001-4096 are reserved for the platform's rules, including the deny-all at 4096")
		case r.Priority < 100 || r.Priority > 4000:
			v.add(base+".priority", strconv.Itoa(r.Priority), "a priority from 100 to 4000")
		default:
			slot := fmt.Sprintf("%s/%s/%d", r.Subnet, r.Direction, r.Priority)
			if other, dup := priorities[slot]; dup {
				v.add(base+".priority", strconv.Itoa(r.Priority),
					"a priority not used by "+other+" (same subnet and direction)")
			} else {
				priorities[slot] = base
			}
		}

		v.enum(base+".direction", r.Direction, values(network.Directions()))
		v.enum(base+".access", r.Access, values(network.Accesses()))
		v.enum(base+".protocol", r.Protocol, values(network.Protocols()))

		if !portRange(r.DestinationPortRange) {
			v.add(base+".destinationPortRange", r.DestinationPortRange,
				"*, a port from 1 to 65535, or a range such as 8000-8099 (low end first)")
		}

		src := base + ".sourceAddressPrefix"
		v.source(src, r.SourceAddressPrefix)
		if strings.EqualFold(r.Access, string(network.AccessAllow)) && strings.EqualFold(r.Direction, string(network.DirectionInbound)) && anywhere(r.SourceAddressPrefix) {
			v.add(src, r.SourceAddressPrefix, "a specific source: NSG rules never allow inbound traffic from the "+
				"Internet; public endpoints go through the Container Apps ingress (network.ingressSources), "+
				"which terminates TLS, instead of open ports on the subnets")
		}

		if utf8.RuneCountInString(r.Description) > 140 {
			v.add(base+".description", r.Description, "a description of at most 140 characters")
		}
	}
}

// source checks an NSG source: a service tag, *, an IPv4 address or a CIDR.
func (v *validator) source(key, s string) {
	tags := serviceTags()
	switch {
	case s == "":
		v.add(key, s, "a CIDR or one of the service tags "+oneOf(tags))
	case s == "*" || slices.Contains(tags, s):
	case s[0] >= '0' && s[0] <= '9':
		v.addressOrCIDR(key, s)
	default:
		v.add(key, s, "a CIDR or one of the service tags "+oneOf(tags)+didYouMean(s, tags))
	}
}

// cidr checks a required IPv4 CIDR with no host bits set.
func (v *validator) cidr(key, s string) (netip.Prefix, bool) {
	if s == "" {
		v.add(key, s, "an IPv4 CIDR such as 10.20.0.0/16")
		return netip.Prefix{}, false
	}
	p, err := netip.ParsePrefix(s)
	switch {
	case err != nil:
		v.add(key, s, "an IPv4 CIDR such as 10.20.0.0/16 (a.b.c.d/n with n from 0 to 32)")
		return netip.Prefix{}, false
	case !p.Addr().Is4():
		v.add(key, s, "an IPv4 CIDR such as 10.20.0.0/16 (IPv6 is not supported)")
		return netip.Prefix{}, false
	case p.Masked() != p:
		v.add(key, s, fmt.Sprintf("the network address %s (%s has host bits set)", p.Masked(), s))
		return netip.Prefix{}, false
	}
	return p, true
}

// addressOrCIDR checks an IPv4 address or CIDR.
func (v *validator) addressOrCIDR(key, s string) (netip.Prefix, bool) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil || !a.Is4() {
			v.add(key, s, "an IPv4 address or CIDR such as 203.0.113.0/24")
			return netip.Prefix{}, false
		}
		return netip.PrefixFrom(a, 32), true
	}
	return v.cidr(key, s)
}

// enum checks a required value that must be one of a fixed, case-sensitive set.
func (v *validator) enum(key, s string, allowed []string) {
	if !slices.Contains(allowed, s) {
		v.add(key, s, oneOf(allowed)+didYouMean(s, allowed))
	}
}

func (v *validator) keyVault(kv KeyVaultConfig) {
	v.enum("keyVault.sku", kv.Sku, values(keyvault.Skus()))
	if kv.SoftDeleteRetentionDays < 7 || kv.SoftDeleteRetentionDays > 90 {
		v.add("keyVault.softDeleteRetentionDays", strconv.Itoa(kv.SoftDeleteRetentionDays), "7 to 90 days")
	}
	if !kv.PurgeProtection && v.restricted() {
		v.add("keyVault.purgeProtection", "false",
			"true in staging and prod, so that deleted secrets cannot be purged before the retention ends")
	}
	if kv.AllowPublicNetworkAccess && v.restricted() {
		v.add("keyVault.allowPublicNetworkAccess", "true",
			"false outside dev: staging and prod reach the vault only through its private endpoint")
	}
	if len(kv.AllowedIPs) > 0 && !kv.AllowPublicNetworkAccess {
		v.add("keyVault.allowedIps", strings.Join(kv.AllowedIPs, ", "),
			"no allowedIps unless keyVault.allowPublicNetworkAccess is true: they restrict a public vault")
	}
	for i, ip := range kv.AllowedIPs {
		key := joinIndex("keyVault.allowedIps", i)
		if p, ok := v.addressOrCIDR(key, ip); ok && p.Bits() == 0 {
			v.add(key, ip, "a specific address or range, not all of the Internet")
		}
	}
}

func (v *validator) keyVaultSecrets(secrets map[string]string) {
	seen := map[string]string{}
	for _, name := range sortedKeys(secrets) {
		key := joinKey(SecretsKey, name)
		if !keyvault.ValidSecretName(name) {
			// The name is shown, never the value.
			v.add(key, name, "a secret name of "+keyvault.SecretNameRule)
			continue
		}
		if other, dup := seen[strings.ToLower(name)]; dup {
			v.add(key, name, "a name that differs from "+other+" by more than case (Key Vault names ignore case)")
		}
		seen[strings.ToLower(name)] = name
	}
}

func (v *validator) serviceBus(sb ServiceBusConfig, location string) {
	switch sb.Sku {
	case serviceBusPremium:
		if !slices.Contains(servicebus.PremiumCapacities(), sb.Capacity) {
			v.add("serviceBus.capacity", strconv.Itoa(sb.Capacity), "1, 2, 4, 8 or 16 messaging units for Premium")
		}
	case serviceBusStandard:
		if sb.Capacity != 0 {
			v.add("serviceBus.capacity", strconv.Itoa(sb.Capacity), "0 for Standard (messaging units are a Premium setting)")
		}
		switch {
		case v.restricted():
			v.add("serviceBus.sku", sb.Sku, "Premium outside dev: Standard has no private endpoints, "+
				"and public network access is allowed only in dev")
		case !sb.AllowPublicNetworkAccess:
			v.add("serviceBus.allowPublicNetworkAccess", "false", "true, stated in the stack file: "+
				"a Standard namespace has no private endpoints, so it is reachable only over public networks "+
				"(or use Premium)")
		}
	case serviceBusBasic:
		v.add("serviceBus.sku", sb.Sku, "Standard or Premium: Basic has no topics")
	default:
		v.add("serviceBus.sku", sb.Sku, "Standard or Premium"+didYouMean(sb.Sku, values(servicebus.Skus())))
	}

	if sb.ZoneRedundant {
		switch {
		case sb.Sku != serviceBusPremium:
			v.add("serviceBus.zoneRedundant", "true", "false unless serviceBus.sku is Premium")
		case slices.Contains(naming.Regions(), location) && !naming.HasZones(location):
			v.add("serviceBus.zoneRedundant", "true", "false: "+location+" has no availability zones")
		}
	}
	if sb.AllowPublicNetworkAccess && v.restricted() {
		v.add("serviceBus.allowPublicNetworkAccess", "true",
			"false outside dev: staging and prod reach Service Bus only through its private endpoint")
	}

	entities := map[string]string{} // lower-case name -> path; queues and topics share a namespace
	for i, q := range sb.Queues {
		base := joinIndex("serviceBus.queues", i)
		v.entityName(base+".name", q.Name, entities)
		v.deliveryCount(base+".maxDeliveryCount", q.MaxDeliveryCount)
		v.duration(base+".lockDuration", q.LockDuration, 5*time.Second, 5*time.Minute, "PT5S", "PT5M")
		if q.DuplicateDetectionWindow != "" {
			v.duration(base+".duplicateDetectionWindow", q.DuplicateDetectionWindow, 20*time.Second, 7*24*time.Hour, "PT20S", "P7D")
		}
		v.ttl(base+".defaultMessageTtl", q.DefaultMessageTTL)
		v.maxSize(base+".maxSizeMb", q.MaxSizeMB, sb.Sku)
	}
	for i, t := range sb.Topics {
		base := joinIndex("serviceBus.topics", i)
		v.entityName(base+".name", t.Name, entities)
		if t.DuplicateDetectionWindow != "" {
			v.duration(base+".duplicateDetectionWindow", t.DuplicateDetectionWindow, 20*time.Second, 7*24*time.Hour, "PT20S", "P7D")
		}
		if t.DefaultMessageTTL != "" {
			v.ttl(base+".defaultMessageTtl", t.DefaultMessageTTL)
		}
		v.maxSize(base+".maxSizeMb", t.MaxSizeMB, sb.Sku)

		subs := map[string]string{}
		for j, s := range t.Subscriptions {
			sbase := joinIndex(base+".subscriptions", j)
			if !subscriptionNamePattern.MatchString(s.Name) {
				v.add(sbase+".name", s.Name, "a subscription name of 1 to 50 letters, digits, '.', '-' or '_', "+
					"starting and ending with a letter or digit")
			} else if other, dup := subs[strings.ToLower(s.Name)]; dup {
				v.add(sbase+".name", s.Name, "a name not used by "+other+" of the same topic")
			} else {
				subs[strings.ToLower(s.Name)] = sbase
			}
			v.deliveryCount(sbase+".maxDeliveryCount", s.MaxDeliveryCount)
			v.duration(sbase+".lockDuration", s.LockDuration, 5*time.Second, 5*time.Minute, "PT5S", "PT5M")
			v.ttl(sbase+".defaultMessageTtl", s.DefaultMessageTTL)
		}
	}
}

// entityName checks a queue or topic name, unique across both.
func (v *validator) entityName(key, name string, seen map[string]string) {
	if len(name) > maxEntityName || !entityNamePattern.MatchString(name) {
		v.add(key, name, "a name of 1 to "+strconv.Itoa(maxEntityName)+" letters, digits, '.', '-' or '_', starting and ending with a letter or digit")
		return
	}
	if other, dup := seen[strings.ToLower(name)]; dup {
		v.add(key, name, "a name not used by "+other+" (queues and topics share one namespace)")
		return
	}
	seen[strings.ToLower(name)] = key
}

func (v *validator) deliveryCount(key string, n int) {
	if n < 1 || n > 2000 {
		v.add(key, strconv.Itoa(n), "1 to 2000 deliveries")
	}
}

// duration checks an ISO 8601 duration between lo and hi, inclusive.
func (v *validator) duration(key, s string, lo, hi time.Duration, loText, hiText string) {
	expected := fmt.Sprintf("an ISO 8601 duration from %s to %s", loText, hiText)
	d, err := parseDuration(s)
	switch {
	case s == "":
		v.add(key, s, expected)
	case err != nil:
		v.add(key, s, fmt.Sprintf("%s (%v)", expected, err))
	case d < lo || d > hi:
		v.add(key, s, expected)
	}
}

// ttl checks a message time to live.
func (v *validator) ttl(key, s string) {
	const expected = "an ISO 8601 duration of at least PT5S"
	d, err := parseDuration(s)
	switch {
	case s == "":
		v.add(key, s, expected)
	case err != nil:
		v.add(key, s, fmt.Sprintf("%s (%v)", expected, err))
	case d < 5*time.Second:
		v.add(key, s, expected)
	}
}

// maxSize checks a queue or topic size in megabytes for the namespace's SKU.
func (v *validator) maxSize(key string, mb int, sku string) {
	small := mb%1024 == 0 && mb >= 1024 && mb <= 5120
	large := mb%1024 == 0 && mb >= 10240 && mb <= 81920
	switch {
	case sku == serviceBusPremium && !small && !large:
		v.add(key, strconv.Itoa(mb), "1024 to 5120 or 10240 to 81920 MB in multiples of 1024")
	case sku != serviceBusPremium && !small:
		v.add(key, strconv.Itoa(mb), "1024, 2048, 3072, 4096 or 5120 MB (larger sizes need Premium)")
	}
}

func (v *validator) observability(o ObservabilityConfig) {
	if o.RetentionDays < 30 || o.RetentionDays > 730 {
		v.add("observability.retentionDays", strconv.Itoa(o.RetentionDays), "30 to 730 days")
	}
	if o.DailyQuotaGB != -1 && !(o.DailyQuotaGB > 0) {
		v.add("observability.dailyQuotaGb", strconv.FormatFloat(o.DailyQuotaGB, 'g', -1, 64),
			"-1 (no daily cap) or a positive number of GB")
	}

	r := o.AlertReceivers
	names := map[string]string{} // lower-case name -> path; one namespace per action group
	receiverName := func(key, name string) {
		switch other, dup := names[strings.ToLower(name)]; {
		case strings.TrimSpace(name) == "":
			v.add(key, name, "a receiver name")
		case dup:
			v.add(key, name, "a name not used by "+other+" (receiver names are unique in the action group)")
		default:
			names[strings.ToLower(name)] = key
		}
	}
	for i, e := range r.Emails {
		base := joinIndex("observability.alertReceivers.emails", i)
		receiverName(base+".name", e.Name)
		if !emailAddress(e.Address) {
			v.add(base+".address", e.Address, "an e-mail address such as platform-oncall@misybot.example")
		}
	}
	for i, w := range r.Webhooks {
		base := joinIndex("observability.alertReceivers.webhooks", i)
		receiverName(base+".name", w.Name)
		u, err := url.Parse(w.URI)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			v.add(base+".uri", w.URI, "an https:// URI (alerts are not sent in clear text)")
		}
	}
	if v.env == Prod && len(r.Emails)+len(r.Webhooks) == 0 {
		v.add("observability.alertReceivers", "", "at least one e-mail or webhook receiver in prod")
	}
}

// emailAddress reports whether s is a bare address with a dotted domain.
func emailAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	_, domain, _ := strings.Cut(s, "@")
	return strings.Contains(domain, ".") && !strings.HasSuffix(domain, ".")
}

// portRange reports whether s is *, a port, or a range low-high.
func portRange(s string) bool {
	if s == "*" {
		return true
	}
	lo, hi, isRange := strings.Cut(s, "-")
	if !isRange {
		hi = lo
	}
	a, errA := port(lo)
	b, errB := port(hi)
	return errA == nil && errB == nil && a <= b
}

func port(s string) (int, error) {
	// Atoi alone would accept "+80"; NSG port ranges are digits only.
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("port %q: not a number", s)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("port %q: want 1 to 65535", s)
	}
	return n, nil
}

// private reports whether p lies inside an RFC 1918 range.
func private(p netip.Prefix) bool {
	for _, r := range []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"} {
		if contains(netip.MustParsePrefix(r), p) {
			return true
		}
	}
	return false
}

// contains reports whether inner lies wholly inside outer.
func contains(outer, inner netip.Prefix) bool {
	return outer.Bits() <= inner.Bits() && outer.Contains(inner.Addr())
}

// parseDuration parses the ISO 8601 durations Service Bus settings use:
// PnDTnHnMnS, each part optional but at least one present, seconds possibly
// fractional (P10675199DT2H48M5.4775807S is Azure's "forever", and too long
// for time.Duration: it is reported as too long). Years, months and weeks
// are refused: months have no fixed length.
func parseDuration(s string) (time.Duration, error) {
	rest, ok := strings.CutPrefix(s, "P")
	if !ok || rest == "" {
		return 0, errors.New("write P then days, or T then hours, minutes and seconds, as in P14D or PT1M30S")
	}
	date, clock, hasT := strings.Cut(rest, "T")
	if hasT && clock == "" {
		return 0, errors.New("the time part after T is empty: add hours, minutes or seconds")
	}
	days, err := durationParts(date, "D", 0)
	if err != nil {
		return 0, err
	}
	hms, err := durationParts(clock, "HMS", 'S')
	if err != nil {
		return 0, err
	}
	if days > math.MaxInt64-hms {
		return 0, errors.New("too long")
	}
	return days + hms, nil
}

// durationParts parses number-designator pairs whose designators appear in
// order, each at most once; only the fractional designator takes a fraction.
func durationParts(s, order string, fractional byte) (time.Duration, error) {
	units := map[byte]time.Duration{'D': 24 * time.Hour, 'H': time.Hour, 'M': time.Minute, 'S': time.Second}
	var total time.Duration
	next := 0
	for s != "" {
		i := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
		if i < 0 {
			return 0, fmt.Errorf("%q has no unit", s)
		}
		num, unit := s[:i], s[i]
		pos := strings.IndexByte(order[next:], unit)
		if pos < 0 {
			if strings.IndexByte("YMW", unit) >= 0 && order == "D" {
				return 0, errors.New("years, months and weeks are not supported; use days, as in P30D")
			}
			return 0, fmt.Errorf("unexpected %q", string(unit))
		}
		next += pos + 1
		d, err := durationAmount(num, units[unit], unit == fractional)
		if err != nil {
			return 0, err
		}
		if total > math.MaxInt64-d {
			return 0, errors.New("too long")
		}
		total += d
		s = s[i+1:]
	}
	return total, nil
}

// durationAmount converts "12" or, when fractional, "1.5" units to a duration.
func durationAmount(num string, unit time.Duration, fractional bool) (time.Duration, error) {
	whole, frac, hasDot := strings.Cut(num, ".")
	if whole == "" || strings.Contains(whole, ".") || (hasDot && (!fractional || frac == "" || strings.Contains(frac, "."))) {
		return 0, fmt.Errorf("%q is not a valid amount", num)
	}
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || n > int64(math.MaxInt64/unit) {
		return 0, errors.New("too long")
	}
	d := time.Duration(n) * unit
	if hasDot {
		// Nanoseconds are the finest time.Duration holds; Azure writes at
		// most 7 fractional digits.
		frac = (frac + "000000000")[:9]
		ns, err := strconv.ParseInt(frac, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not a valid amount", num)
		}
		if d > math.MaxInt64-time.Duration(ns) {
			return 0, errors.New("too long")
		}
		d += time.Duration(ns)
	}
	return d, nil
}
