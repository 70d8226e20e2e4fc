// Package graph draws an offline plan as a Mermaid flowchart: components as
// subgraphs, resources as nodes, parenthood as dotted arrows and
// dependencies as solid arrows, leaving out dependencies implied by others.
// The chart depends only on the plan's resources, not on the order they
// were registered. The CLI's graph command (infra/cmd/misyinfra) writes it.
package graph

import (
	"fmt"
	"sort"
	"strings"

	"github.com/misybot/platform/infra/offline"
)

// Mermaid draws the plan as a Mermaid flowchart; allEdges keeps every direct
// dependency, even those implied by parenthood or a longer chain.
func Mermaid(plan *offline.Plan, allEdges bool) string {
	res := append([]offline.Resource(nil), plan.Resources...)
	sort.Slice(res, func(i, j int) bool { return res[i].URN < res[j].URN })
	byURN := make(map[string]offline.Resource, len(res))
	for _, r := range res {
		byURN[r.URN] = r
	}

	// Node IDs from the logical names, made unique in URN order.
	ids := map[string]string{}
	used := map[string]bool{}
	for _, r := range res {
		base := "c_"
		if r.Custom {
			base = "r_"
		}
		base += mermaidID(r.Name)
		id := base
		for n := 2; used[id]; n++ {
			id = fmt.Sprintf("%s_%d", base, n)
		}
		used[id] = true
		ids[r.URN] = id
	}

	// The component each resource is drawn in: its nearest component
	// ancestor; "" is the top level.
	box := func(r offline.Resource) string {
		seen := map[string]bool{}
		for p, ok := byURN[r.Parent]; ok && !seen[p.URN]; p, ok = byURN[p.Parent] {
			seen[p.URN] = true
			if !p.Custom {
				return p.URN
			}
		}
		return ""
	}
	members := map[string][]offline.Resource{} // component URN (or "") -> resources and components in it
	for _, r := range res {
		members[box(r)] = append(members[box(r)], r)
	}

	var b strings.Builder
	b.WriteString("flowchart LR\n")
	var draw func(container, indent string)
	draw = func(container, indent string) {
		for _, r := range members[container] {
			if r.Custom {
				fmt.Fprintf(&b, "%s%s[\"%s<br/>%s\"]\n", indent, ids[r.URN], mermaidText(r.Type), mermaidText(r.Name))
				continue
			}
			fmt.Fprintf(&b, "%ssubgraph %s [\"%s<br/>%s\"]\n", indent, ids[r.URN], mermaidText(r.Type), mermaidText(r.Name))
			draw(r.URN, indent+"  ")
			fmt.Fprintf(&b, "%send\n", indent)
		}
	}
	draw("", "  ")

	// Edges between custom resources. before[x] holds what must exist
	// before x: its dependencies and its custom parent.
	isAncestor := func(anc, urn string) bool {
		seen := map[string]bool{}
		for p, ok := byURN[byURN[urn].Parent]; ok && !seen[p.URN]; p, ok = byURN[p.Parent] {
			seen[p.URN] = true
			if p.URN == anc {
				return true
			}
		}
		return false
	}
	before := map[string][]string{}
	var parentEdges, depEdges []string
	for _, r := range res {
		if !r.Custom {
			continue
		}
		if p, ok := byURN[r.Parent]; ok && p.Custom {
			before[r.URN] = append(before[r.URN], p.URN)
			parentEdges = append(parentEdges, fmt.Sprintf("  %s -.-> %s\n", ids[p.URN], ids[r.URN]))
		}
		for _, d := range r.Dependencies {
			if dep, ok := byURN[d]; ok && dep.Custom && d != r.URN {
				before[r.URN] = append(before[r.URN], d)
			}
		}
	}
	reach := reachability(before)
	for _, r := range res {
		if !r.Custom {
			continue
		}
		deps := append([]string(nil), r.Dependencies...)
		sort.Strings(deps)
		for _, d := range deps {
			dep, ok := byURN[d]
			if !ok || !dep.Custom || d == r.URN || isAncestor(d, r.URN) {
				continue
			}
			if !allEdges && impliedByOthers(before[r.URN], d, reach) {
				continue
			}
			depEdges = append(depEdges, fmt.Sprintf("  %s --> %s\n", ids[d], ids[r.URN]))
		}
	}
	sort.Strings(parentEdges)
	sort.Strings(depEdges)
	for _, e := range parentEdges {
		b.WriteString(e)
	}
	for _, e := range depEdges {
		b.WriteString(e)
	}
	return b.String()
}

// reachability returns, for each node, every node reachable through
// before (transitively).
func reachability(before map[string][]string) map[string]map[string]bool {
	reach := map[string]map[string]bool{}
	var visit func(n string, onPath map[string]bool) map[string]bool
	visit = func(n string, onPath map[string]bool) map[string]bool {
		if r, ok := reach[n]; ok {
			return r
		}
		r := map[string]bool{}
		onPath[n] = true
		for _, m := range before[n] {
			if onPath[m] {
				continue // a cycle: the engine would refuse it; do not loop
			}
			r[m] = true
			for k := range visit(m, onPath) {
				r[k] = true
			}
		}
		delete(onPath, n)
		reach[n] = r
		return r
	}
	for n := range before {
		visit(n, map[string]bool{})
	}
	return reach
}

// impliedByOthers reports whether dep is reachable from one of the other
// direct predecessors of a node.
func impliedByOthers(direct []string, dep string, reach map[string]map[string]bool) bool {
	for _, o := range direct {
		if o != dep && reach[o][dep] {
			return true
		}
	}
	return false
}

// mermaidID turns a logical name into a Mermaid node ID.
func mermaidID(name string) string {
	var b strings.Builder
	for _, c := range name {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_':
			b.WriteRune(c)
		default:
			b.WriteRune('_')
		}
	}
	return b.String()
}

// mermaidText escapes a label for a quoted Mermaid string.
func mermaidText(s string) string {
	return strings.NewReplacer(`"`, "#quot;", "<", "#lt;", ">", "#gt;").Replace(s)
}

// Page is the Markdown page of docs/diagrams/<stack>.md: a heading, how to
// read the chart and how to regenerate it, and the chart.
func Page(plan *offline.Plan, allEdges bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Resource graph: `%s/%s`\n\n", plan.Project, plan.Stack)
	fmt.Fprintf(&b, "Generated from the offline plan by `go run ./infra/cmd/misyinfra graph --stack %s -o docs/diagrams/%s.md`;\n", plan.Stack, plan.Stack)
	b.WriteString("do not edit. Boxes are components, nodes are resources (type and logical name). A solid\n")
	b.WriteString("arrow A --> B means B depends on A; a dotted arrow joins a resource to its children.\n")
	b.WriteString("Dependencies implied by parenthood or by a longer chain are left out.\n")
	b.WriteString("See [the architecture](../architecture.md) for what each component is for.\n\n")
	b.WriteString("```mermaid\n" + Mermaid(plan, allEdges) + "```\n")
	return b.String()
}
