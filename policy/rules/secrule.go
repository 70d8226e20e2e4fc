package rules

import (
	"iter"
	"net/netip"
	"strconv"
	"strings"
)

// secRule is one network security rule, inline in an NSG's securityRules or
// a standalone SecurityRule resource.
type secRule struct {
	props any // the rule's input map (flat or under "properties")
	// list is the NSG's securityRules and item the rule's place in it,
	// as items() numbers it (val.item); a standalone rule has no list,
	// and its resource name, name.
	list  *val
	item  int
	name  string
	ports *portMemo
}

// where names the rule in messages. It is built only for a finding.
func (s secRule) where() string {
	if s.list == nil {
		return "security rule " + quoteName(lookup(s.props, "name"), s.name)
	}
	place := *s.list
	place.item = s.item
	return place.path() + " " + quoteName(field(s.props, "name"), "")
}

// portMemo keeps a rule's parsed destination ports: the port checks ask
// for them once per well-known port.
type portMemo struct {
	done   bool
	ranges [][2]int
	state  tri
}

// rulesOf returns the security rules a resource carries: the inline ones of
// an NSG, or the standalone rule itself. The val is the securityRules list
// (to report it when unknown).
func rulesOf(r *Resource) ([]secRule, val) {
	switch CanonicalType(r.Type) {
	case typeSecurityRule:
		return []secRule{{props: r.Properties, name: r.Name, ports: &portMemo{}}}, val{state: known}
	case typeNSG:
		list := field(r.Properties, "securityRules")
		l, _ := list.v.([]any)
		out := make([]secRule, 0, len(l))
		memos := make([]portMemo, max(len(l), 1))
		for i, e := range list.items() {
			if e.undecided() {
				return out, e
			}
			out = append(out, secRule{props: e.v, list: &list, item: e.item, ports: &memos[i]})
		}
		return out, list
	}
	return nil, val{}
}

func quoteName(v val, fallback string) string {
	if s, ok := v.text(); ok && s != "" {
		return strconv.Quote(s)
	}
	if fallback != "" {
		return strconv.Quote(fallback)
	}
	return "(unnamed)"
}

func (s secRule) get(key string) val { return field(s.props, key) }

// isAllow: access is Allow.
func (s secRule) isAllow() tri { return enumIs(s.get("access"), "Allow") }

// isDeny: access is Deny.
func (s secRule) isDeny() tri { return enumIs(s.get("access"), "Deny") }

// isInbound: direction is Inbound.
func (s secRule) isInbound() tri { return enumIs(s.get("direction"), "Inbound") }

func enumIs(v val, want string) tri {
	if v.undecided() {
		return maybe(v.describeUnknown())
	}
	return triOf(v.is(want))
}

// protocol reports whether the rule's protocol covers one of protos. A
// missing protocol counts as any: Azure requires one, and a guard rail
// should not be talked out of a finding by an omission.
func (s secRule) protocol(protos ...string) tri {
	v := s.get("protocol")
	if v.undecided() {
		return maybe(v.describeUnknown())
	}
	if !v.isSet() || v.is("*", "Any") {
		return yes
	}
	return triOf(v.is(protos...))
}

// prefixes iterates over a singular and a plural address-prefix property.
func (s secRule) prefixes(one, many string) iter.Seq[val] {
	return func(yield func(val) bool) {
		if v := s.get(one); v.isSet() && !yield(v) {
			return
		}
		for _, v := range s.get(many).items() {
			if !yield(v) {
				return
			}
		}
	}
}

// anyPrefix is true when one of the prefixes matches, unknown when none
// matches but one is unknown.
func anyPrefix(vs iter.Seq[val], match func(string) bool) tri {
	out := no
	for v := range vs {
		if v.undecided() {
			out = or(out, maybe(v.describeUnknown()))
			continue
		}
		s, ok := v.text()
		if ok && match(strings.TrimSpace(s)) {
			return yes
		}
	}
	return out
}

// isInternetPrefix: the Internet tag, any address, or a /0 range.
func isInternetPrefix(p string) bool {
	return isAnyPrefix(p) || strings.EqualFold(p, "Internet")
}

// isAnyPrefix: any address at all.
func isAnyPrefix(p string) bool {
	if p == "*" || p == "0.0.0.0" || p == "::" || strings.EqualFold(p, "any") {
		return true
	}
	if !strings.Contains(p, "/") {
		return false // not a prefix: ParsePrefix would fail (and allocate its error)
	}
	pre, err := netip.ParsePrefix(p)
	return err == nil && pre.Bits() == 0
}

// fromInternet: some source prefix is the Internet or any address.
func (s secRule) fromInternet() tri {
	return anyPrefix(s.prefixes("sourceAddressPrefix", "sourceAddressPrefixes"), isInternetPrefix)
}

// fromAnySource: some source prefix is any address.
func (s secRule) fromAnySource() tri {
	return anyPrefix(s.prefixes("sourceAddressPrefix", "sourceAddressPrefixes"), isAnyPrefix)
}

// toAnyDestination: some destination prefix is any address.
func (s secRule) toAnyDestination() tri {
	return anyPrefix(s.prefixes("destinationAddressPrefix", "destinationAddressPrefixes"), isAnyPrefix)
}

// portRanges returns the destination port ranges; an unknown one makes
// the answer unknown.
func (s secRule) portRanges() ([][2]int, tri) {
	if s.ports != nil && s.ports.done {
		return s.ports.ranges, s.ports.state
	}
	out, state := s.parsePorts()
	if s.ports != nil {
		*s.ports = portMemo{done: true, ranges: out, state: state}
	}
	return out, state
}

func (s secRule) parsePorts() ([][2]int, tri) {
	var out [][2]int
	state := yes
	for v := range s.prefixes("destinationPortRange", "destinationPortRanges") {
		if v.undecided() {
			state = maybe(v.describeUnknown())
			continue
		}
		text, ok := v.text()
		if !ok {
			continue
		}
		for part := range strings.SplitSeq(text, ",") {
			if r, ok := parsePortRange(part); ok {
				out = append(out, r)
			}
		}
	}
	return out, state
}

func parsePortRange(s string) ([2]int, bool) {
	s = strings.TrimSpace(s)
	if s == "*" || strings.EqualFold(s, "any") {
		return [2]int{0, 65535}, true
	}
	lo, hi, isRange := strings.Cut(s, "-")
	a, err := strconv.Atoi(strings.TrimSpace(lo))
	if err != nil {
		return [2]int{}, false
	}
	b := a
	if isRange {
		if b, err = strconv.Atoi(strings.TrimSpace(hi)); err != nil {
			return [2]int{}, false
		}
	}
	if a > b {
		a, b = b, a
	}
	return [2]int{a, b}, true
}

// coversPort: some destination range includes port.
func (s secRule) coversPort(port int) tri {
	ranges, state := s.portRanges()
	for _, r := range ranges {
		if r[0] <= port && port <= r[1] {
			return yes
		}
	}
	if state.state == -1 {
		return state
	}
	return no
}

// allPorts: some destination range spans every port.
func (s secRule) allPorts() tri {
	ranges, state := s.portRanges()
	for _, r := range ranges {
		if r[0] <= 1 && r[1] >= 65535 {
			return yes
		}
	}
	if state.state == -1 {
		return state
	}
	return no
}

// priority returns the rule's priority.
func (s secRule) priority() (float64, tri) {
	v := s.get("priority")
	if v.undecided() {
		return 0, maybe(v.describeUnknown())
	}
	n, ok := v.number()
	return n, triOf(ok)
}
