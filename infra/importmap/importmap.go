// Package importmap maps Azure resource IDs to the resources of an offline
// plan and builds the file that pulumi import --file reads, so that imported
// resources get the URNs the program registers. The CLI's import command
// (infra/cmd/misyinfra) reads the list and writes the file.
package importmap

import (
	"bufio"
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/misybot/platform/infra/offline"
)

// File is what `pulumi import --file` reads.
type File struct {
	NameTable map[string]string `json:"nameTable,omitempty"`
	Resources []Resource        `json:"resources"`
}

type Resource struct {
	Type      string `json:"type"`
	Name      string `json:"name"`
	ID        string `json:"id,omitempty"`
	Parent    string `json:"parent,omitempty"`
	Component bool   `json:"component,omitempty"`
}

// ID is one resource ID of the input file.
type ID struct {
	Line int
	ID   string
}

// InputError lists what is wrong with an input file, one problem a line.
type InputError struct{ Lines []string }

func (e *InputError) Error() string { return strings.Join(e.Lines, "\n") }

// ParseIDs reads one resource ID a line (blank lines and # comments are
// skipped); every invalid line is reported in an *InputError. name names
// the input in the messages.
func ParseIDs(name string, data []byte) ([]ID, error) {
	var ids []ID
	var problems []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if i := strings.Index(line, "#"); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if line == "" {
			continue
		}
		if err := CheckResourceID(line); err != nil {
			problems = append(problems, fmt.Sprintf("%s:%d: %q is not an Azure resource ID: %v", name, n, line, err))
			continue
		}
		ids = append(ids, ID{Line: n, ID: strings.TrimSuffix(line, "/")})
	}
	if err := sc.Err(); err != nil {
		return nil, &InputError{Lines: []string{fmt.Sprintf("reading %s: %v", name, err)}}
	}
	if len(problems) > 0 {
		return nil, &InputError{Lines: problems}
	}
	if len(ids) == 0 {
		return nil, &InputError{Lines: []string{name + ": no resource IDs (one a line; # starts a comment)"}}
	}
	return ids, nil
}

// CheckResourceID checks the shape of an ARM resource ID:
// /subscriptions/{id}[/resourceGroups/{name}]/providers/{Namespace}/{type}/{name}[/{type}/{name}...],
// where an extension resource repeats /providers/... after the resource it extends.
func CheckResourceID(id string) error {
	if !strings.HasPrefix(id, "/") {
		return fmt.Errorf("want /subscriptions/<subscription>/resourceGroups/<group>/providers/<namespace>/<type>/<name>")
	}
	segs := strings.Split(strings.TrimSuffix(id[1:], "/"), "/")
	for _, s := range segs {
		if s == "" {
			return fmt.Errorf("empty segment (//)")
		}
		if strings.ContainsAny(s, " \t?") {
			return fmt.Errorf("segment %q has a space or '?'", s)
		}
	}
	if !strings.EqualFold(segs[0], "subscriptions") || len(segs) < 2 {
		return fmt.Errorf("want /subscriptions/<subscription>/... at the start")
	}
	i := 2
	if i < len(segs) && strings.EqualFold(segs[i], "resourceGroups") {
		if i+1 >= len(segs) {
			return fmt.Errorf("resourceGroups without a resource group name")
		}
		i += 2
	}
	for i < len(segs) {
		if !strings.EqualFold(segs[i], "providers") {
			return fmt.Errorf("%q where providers belongs", segs[i])
		}
		if i+1 >= len(segs) {
			return fmt.Errorf("providers without a resource provider namespace")
		}
		if !strings.Contains(segs[i+1], ".") {
			return fmt.Errorf("%q after providers is not a resource provider namespace (Microsoft.X)", segs[i+1])
		}
		i += 2
		pairs := 0
		for ; i < len(segs) && !strings.EqualFold(segs[i], "providers"); i += 2 {
			if i+1 >= len(segs) {
				return fmt.Errorf("type %q without a name", segs[i])
			}
			pairs++
		}
		if pairs == 0 {
			return fmt.Errorf("providers/%s names no resource type and name", segs[i-1])
		}
	}
	return nil
}

// idKey is the ID without its subscription, lower case: what is compared.
func idKey(id string) string {
	segs := strings.Split(strings.Trim(strings.ToLower(id), "/"), "/")
	if len(segs) >= 2 && segs[0] == "subscriptions" {
		segs = segs[2:]
	}
	return "/" + strings.Join(segs, "/")
}

// Result is the mapping of a list of IDs to a plan's resources.
type Result struct {
	// File is what pulumi import --file reads.
	File File
	// Unmatched is the number of distinct IDs that match no resource, Total
	// the number of distinct IDs.
	Unmatched, Total int
	// Warnings are to be shown to the user: unmatched and repeated IDs,
	// parents that must already be in the stack.
	Warnings []string
}

// Map finds each ID among the plan's resources (without regard to the
// subscription or case) and builds the import file, with the components
// above the matched resources unless componentsExist.
func Map(plan *offline.Plan, ids []ID, componentsExist bool) Result {
	byKey := map[string]offline.Resource{}
	for _, r := range plan.Resources {
		if r.Custom && r.ID != "" {
			byKey[idKey(r.ID)] = r
		}
	}
	var warnings []string
	matched := map[string]string{} // URN -> the ID given
	unmatched := 0
	seen := map[string]int{}
	for _, l := range ids {
		k := idKey(l.ID)
		if first, dup := seen[k]; dup {
			warnings = append(warnings, fmt.Sprintf("line %d: %s repeats line %d; imported once", l.Line, l.ID, first))
			continue
		}
		seen[k] = l.Line
		r, ok := byKey[k]
		if !ok {
			unmatched++
			warnings = append(warnings, fmt.Sprintf("line %d: %s matches no resource of stack %s%s", l.Line, l.ID, plan.Stack, unmatchedHint(plan, l.ID, byKey)))
			continue
		}
		matched[r.URN] = l.ID
	}

	byURN := map[string]offline.Resource{}
	for _, r := range plan.Resources {
		byURN[r.URN] = r
	}
	// The components above the matched resources are imported too (as
	// empty components) unless they already exist.
	wanted := map[string]bool{}
	for urn := range matched {
		for p, ok := byURN[byURN[urn].Parent]; ok && !p.Custom && !wanted[p.URN]; p, ok = byURN[p.Parent] {
			if !componentsExist {
				wanted[p.URN] = true
			}
		}
	}

	file := File{NameTable: map[string]string{}, Resources: []Resource{}}
	inFile := map[string]string{} // URN -> name in the file
	refName := func(urn string) string {
		if urn == "" || urn == plan.StackURN {
			return ""
		}
		if n, ok := inFile[urn]; ok {
			return n
		}
		p := byURN[urn]
		name := p.Name
		if other, taken := file.NameTable[name]; taken && other != urn {
			name = p.Name + "-" + lastTypePart(p.Type)
		}
		file.NameTable[name] = urn
		return name
	}
	// Registration order puts parents before children.
	for _, r := range plan.Resources {
		switch {
		case wanted[r.URN]:
			file.Resources = append(file.Resources, Resource{Type: r.Type, Name: r.Name, Parent: refName(r.Parent), Component: true})
			inFile[r.URN] = r.Name
		case matched[r.URN] != "":
			file.Resources = append(file.Resources, Resource{Type: r.Type, Name: r.Name, ID: matched[r.URN], Parent: refName(r.Parent)})
			inFile[r.URN] = r.Name
		}
	}
	// A parent outside the file must already be in the stack.
	for _, r := range file.Resources {
		if urn, ok := file.NameTable[r.Parent]; ok && r.Parent != "" {
			if p := byURN[urn]; p.Custom {
				warnings = append(warnings, fmt.Sprintf("%s: its parent %s (%s) is not in the list: it must already be in the stack", r.Name, p.Name, p.Type))
			}
		}
	}
	if len(file.NameTable) == 0 {
		file.NameTable = nil
	}
	return Result{File: file, Unmatched: unmatched, Total: len(seen), Warnings: warnings}
}

// unmatchedHint explains an ID that matches nothing: another environment's
// resource, or a near miss (a typo) of one of the plan's IDs.
func unmatchedHint(plan *offline.Plan, id string, byKey map[string]offline.Resource) string {
	key := idKey(id)
	env := ""
	for _, e := range []string{"dev", "staging", "prod"} {
		if strings.HasPrefix(plan.Stack, e) {
			env = e
		}
	}
	for _, e := range []string{"dev", "staging", "prod"} {
		if e == env {
			continue
		}
		if strings.Contains(key, "-"+e+"-") || strings.HasSuffix(key, "-"+e) {
			return fmt.Sprintf(" (its name says %s: run import with that stack)", e)
		}
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	best, bestDist := "", 4
	for _, k := range keys {
		if d := editDistance(key, k, bestDist); d < bestDist {
			best, bestDist = k, d
		}
	}
	if best != "" {
		return fmt.Sprintf(" (did you mean %s, %s?)", withSubscriptionOf(byKey[best].ID, id), byKey[best].Name)
	}
	return ""
}

// editDistance is the Levenshtein distance of a and b, or limit when it is
// limit or more.
func editDistance(a, b string, limit int) int {
	if d := len(a) - len(b); d >= limit || -d >= limit {
		return limit
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin >= limit {
			return limit
		}
		prev, cur = cur, prev
	}
	return min(prev[len(b)], limit)
}

// withSubscriptionOf puts the subscription of like into id.
func withSubscriptionOf(id, like string) string {
	segs, likeSegs := strings.Split(id, "/"), strings.Split(like, "/")
	if len(segs) > 2 && len(likeSegs) > 2 {
		segs[2] = likeSegs[2]
	}
	return strings.Join(segs, "/")
}

func lastTypePart(token string) string {
	return token[strings.LastIndex(token, ":")+1:]
}
