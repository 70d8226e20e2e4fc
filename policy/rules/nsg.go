package rules

import (
	"fmt"
	"sort"
	"strings"
)

const categoryNSG = "Security groups"

// databasePorts are the well-known database ports that must not face the
// Internet.
// namedPort is a well-known port and what listens on it.
type namedPort struct {
	port int
	name string
}

// allowsFromInternet reports whether s lets TCP or UDP from the Internet
// reach any of ports, and names those it certainly covers.
func (s secRule) allowsFromInternet(ports []namedPort) (tri, string) {
	base := and(s.isAllow(), s.isInbound(), s.fromInternet(), s.protocol("Tcp", "Udp"))
	if base == no {
		return no, "" // the common case: nothing to name
	}
	var hits []string
	covered := no
	for _, p := range ports {
		c := s.coversPort(p.port)
		if c.state == 1 {
			hits = append(hits, fmt.Sprintf("%d (%s)", p.port, p.name))
		}
		covered = or(covered, c)
	}
	return and(base, covered), strings.Join(hits, ", ")
}

var databasePorts = []namedPort{
	{1433, "SQL Server"}, {1434, "SQL Server browser"}, {1521, "Oracle"}, {3306, "MySQL/MariaDB"},
	{5432, "PostgreSQL"}, {6379, "Redis"}, {6380, "Redis TLS"}, {9042, "Cassandra"},
	{10255, "Cosmos DB (Mongo API)"}, {27017, "MongoDB"},
}

func nsgRules() []Rule {
	types := []string{typeNSG, typeSecurityRule}
	return []Rule{
		{
			Name:        "nsg-no-internet-ssh-rdp",
			Category:    categoryNSG,
			Description: "No security rule allows inbound SSH (22) or RDP (3389) from the Internet (Internet, *, 0.0.0.0/0).",
			Remediation: "Remove the rule or restrict its source to a private range; reach machines through Azure Bastion or a VPN.",
			Enforcement: Mandatory,
			Checkov:     []string{"CKV_AZURE_9", "CKV_AZURE_10"},
			Trivy:       []string{"AVD-AZU-0048", "AVD-AZU-0050"},
			Types:       types,
			Scope:       PerResource,
			checkResource: eachSecRule(func(s secRule) (tri, string) {
				ssh := and(s.protocol("Tcp"), s.coversPort(22))
				rdp := and(s.protocol("Tcp", "Udp"), s.coversPort(3389))
				t := and(s.isAllow(), s.isInbound(), s.fromInternet(), or(ssh, rdp))
				what := "SSH (22)"
				if rdp.state == 1 {
					what = "RDP (3389)"
					if ssh.state == 1 {
						what = "SSH (22) and RDP (3389)"
					}
				}
				return t, "allows " + what + " from the Internet"
			}),
		},
		{
			Name:        "nsg-no-internet-database-ports",
			Category:    categoryNSG,
			Description: "No security rule allows inbound traffic from the Internet to a database port (SQL Server, Oracle, MySQL, PostgreSQL, Redis, Cassandra, MongoDB).",
			Remediation: "Reach databases through private endpoints or from the virtual network only; drop the Internet source.",
			Enforcement: Mandatory,
			Trivy:       []string{"AVD-AZU-0074"},
			Types:       types,
			Scope:       PerResource,
			checkResource: eachSecRule(func(s secRule) (tri, string) {
				t, hits := s.allowsFromInternet(databasePorts)
				return t, "allows database ports " + hits + " from the Internet"
			}),
		},
		{
			Name:        "nsg-no-internet-all-ports",
			Category:    categoryNSG,
			Description: "No security rule allows inbound traffic from the Internet to all ports.",
			Remediation: "Allow only the ports the workload serves (for example 443) and only from the sources that need them.",
			Enforcement: Mandatory,
			Trivy:       []string{"AVD-AZU-0047"},
			Types:       types,
			Scope:       PerResource,
			checkResource: eachSecRule(func(s secRule) (tri, string) {
				return and(s.isAllow(), s.isInbound(), s.fromInternet(), s.allPorts()), "allows all ports from the Internet"
			}),
		},
		{
			Name:        "nsg-no-any-any-all-ports",
			Category:    categoryNSG,
			Description: "No security rule, inbound or outbound, allows any source to any destination on all ports.",
			Remediation: "Name the sources, destinations and ports the traffic needs; an any-any allow defeats the security group.",
			Enforcement: Mandatory,
			Types:       types,
			Scope:       PerResource,
			checkResource: eachSecRule(func(s secRule) (tri, string) {
				return and(s.isAllow(), s.fromAnySource(), s.toAnyDestination(), s.allPorts()), "allows any source to any destination on all ports"
			}),
		},
		{
			Name:        "nsg-explicit-deny-all-inbound",
			Category:    categoryNSG,
			Description: "Every network security group ends with an explicit deny-all inbound rule (any protocol, source, destination and port), at the highest priority number of its inbound rules.",
			Remediation: "Add an inbound Deny rule from * to * on all ports with priority 4096, so that nothing is allowed that is not listed (Azure's default AllowVnetInBound would otherwise apply).",
			Enforcement: Mandatory,
			Types:       types,
			Scope:       PerStack,
			checkStack:  checkDenyAll,
		},
	}
}

// eachSecRule turns a predicate over one security rule into a check over
// the rules a resource carries (inline or standalone).
func eachSecRule(pred func(secRule) (tri, string)) func(Context, *Resource, *view) []Finding {
	return func(_ Context, r *Resource, _ *view) []Finding {
		rules, list := rulesOf(r)
		var out []Finding
		if list.undecided() {
			out = append(out, undecidable(r, list.describeUnknown()))
		}
		for _, s := range rules {
			t, msg := pred(s)
			switch t.state {
			case 1:
				out = append(out, violation(r, "%s %s", s.where(), msg))
			case -1:
				out = append(out, undecidable(r, s.where()+": "+t.why))
			}
		}
		return out
	}
}

// checkDenyAll gathers each NSG's inline rules and the standalone
// SecurityRule resources attached to it, then looks for the final deny-all.
// Standalone rules find their NSG through an index, so the check is linear
// in the number of rules and groups.
func checkDenyAll(_ Context, s *view) []Finding {
	idx := newNSGIndex(s)
	attached := map[string][]secRule{}
	pending := "" // a standalone rule whose NSG cannot be told yet: it may belong to any
	for _, sr := range s.ofType(typeSecurityRule) {
		owner, why := idx.owner(sr)
		if owner == nil {
			if why != "" {
				pending = fmt.Sprintf("security rule %s: %s", sr.URN, why)
			}
			continue
		}
		rules, _ := rulesOf(sr)
		attached[owner.URN] = append(attached[owner.URN], rules...)
	}
	var out []Finding
	for _, nsg := range idx.nsgs {
		inline, list := rulesOf(nsg)
		if list.undecided() {
			out = append(out, undecidable(nsg, list.describeUnknown()))
			continue
		}
		f, ok := denyAllFinding(nsg, append(inline, attached[nsg.URN]...))
		if !ok {
			continue
		}
		if pending != "" && !f.Undecidable {
			f = undecidable(nsg, pending)
		}
		out = append(out, f)
	}
	return out
}

// nsgIndex finds network security groups by Azure name and by URN.
type nsgIndex struct {
	nsgs   []*Resource
	byName map[string]*Resource // lower-case Azure name → first NSG with it
	byURN  map[string]*Resource
}

func newNSGIndex(s *view) nsgIndex {
	idx := nsgIndex{nsgs: s.ofType(typeNSG), byName: map[string]*Resource{}, byURN: map[string]*Resource{}}
	for _, nsg := range idx.nsgs {
		idx.byURN[nsg.URN] = nsg
		if pn, ok := physicalName(nsg); ok {
			if _, dup := idx.byName[strings.ToLower(pn)]; !dup {
				idx.byName[strings.ToLower(pn)] = nsg
			}
		}
	}
	return idx
}

// owner finds the NSG a standalone SecurityRule belongs to: by the
// networkSecurityGroupName input, else by its parent or the dependency
// Pulumi recorded (the name is unknown at preview when it comes from the
// NSG). why is set when it cannot be told yet.
func (idx nsgIndex) owner(sr *Resource) (*Resource, string) {
	name := lookup(sr.Properties, "networkSecurityGroupName")
	if n, ok := name.str(); ok {
		if nsg := idx.byName[strings.ToLower(n)]; nsg != nil {
			return nsg, ""
		}
	}
	if nsg := idx.byURN[sr.Parent]; nsg != nil {
		return nsg, ""
	}
	deps, recorded := sr.PropertyDependencies["networkSecurityGroupName"]
	if !recorded || len(deps) == 0 {
		deps = sr.Dependencies
	}
	for _, d := range deps {
		if nsg := idx.byURN[d]; nsg != nil {
			return nsg, ""
		}
	}
	noDeps := len(sr.Dependencies) == 0 && len(sr.PropertyDependencies) == 0
	if name.undecided() && noDeps && len(idx.nsgs) > 0 {
		return nil, name.describeUnknown()
	}
	return nil, ""
}

// denyAllFinding decides one NSG given all its rules; ok is false when it
// complies.
func denyAllFinding(nsg *Resource, rules []secRule) (Finding, bool) {
	type inbound struct {
		rule secRule
		prio float64
	}
	var inb []inbound
	var denyAll []inbound
	pending := ""
	for _, sr := range rules {
		in := sr.isInbound()
		if in.state == -1 {
			pending = sr.where() + ": " + in.why
			continue
		}
		if in.state == 0 {
			continue
		}
		prio, known := sr.priority()
		if known.state != 1 {
			if known.state == -1 {
				pending = sr.where() + ": " + known.why
			}
			continue
		}
		inb = append(inb, inbound{sr, prio})
		d := and(sr.isDeny(), sr.protocol(), sr.fromAnySource(), sr.toAnyDestination(), sr.allPorts())
		switch d.state {
		case 1:
			denyAll = append(denyAll, inbound{sr, prio})
		case -1:
			pending = sr.where() + ": " + d.why
		}
	}
	if len(denyAll) == 0 {
		if pending != "" {
			return undecidable(nsg, pending), true
		}
		return violation(nsg, "network security group has no explicit deny-all inbound rule"), true
	}
	sort.Slice(denyAll, func(i, j int) bool { return denyAll[i].prio > denyAll[j].prio })
	last := denyAll[0]
	var after []string
	for _, r := range inb {
		if r.prio > last.prio {
			after = append(after, fmt.Sprintf("%s (priority %g)", r.rule.where(), r.prio))
		}
	}
	if len(after) > 0 {
		return violation(nsg, "deny-all inbound %s at priority %g is not the last inbound rule: %s come after it", last.rule.where(), last.prio, strings.Join(after, ", ")), true
	}
	if pending != "" {
		return undecidable(nsg, pending), true
	}
	return Finding{}, false
}
