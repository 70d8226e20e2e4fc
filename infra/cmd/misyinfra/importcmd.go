package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/misybot/platform/infra/offline"
)

type importFlags struct {
	planFlags
	output           string
	allowUnmatched   bool
	componentsExists bool
}

func (a app) importCommand() *cobra.Command {
	var f importFlags
	cmd := &cobra.Command{
		Use:   "import --stack NAME FILE",
		Short: "Turn a list of Azure resource IDs into the file `pulumi import --file` reads",
		Long: "import reads Azure resource IDs, one a line (blank lines and # comments are skipped;\n" +
			"use - for standard input), finds each one among the resources the offline plan of the\n" +
			"stack would create, and prints the JSON that `pulumi import --file` reads: for each ID\n" +
			"this program's type token, logical name and parent, so that the imported resources get\n" +
			"the URNs the program registers. IDs are compared without their subscription and without\n" +
			"regard to case; every other segment (resource group, resource names) must match.\n\n" +
			"The components the resources belong to are listed as components for `pulumi import` to\n" +
			"create, or, with --components-exist, referred to by URN in the name table.\n\n" +
			"Exit status: 0 every ID matched, 1 some IDs matched nothing (they are listed on stderr\n" +
			"and left out; --allow-unmatched exits 0), 2 unreadable file, invalid IDs or flags.",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("import takes one file of resource IDs: misyinfra import --stack NAME FILE")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.importIDs(cmd.Context(), f, args[0], cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVar(&f.stack, "stack", "", "stack the resources belong to: dev, staging or prod (required)")
	cmd.Flags().StringVar(&f.configFile, "config-file", "", "stack config file to read instead of Pulumi.<stack>.yaml")
	cmd.Flags().StringVar(&f.dir, "dir", "", "project directory holding Pulumi.yaml (default: found by walking up from the current directory)")
	cmd.Flags().StringVarP(&f.output, "output", "o", "", "file to write (default: standard output)")
	cmd.Flags().BoolVar(&f.allowUnmatched, "allow-unmatched", false, "exit 0 even when some IDs match no resource of the program")
	cmd.Flags().BoolVar(&f.componentsExists, "components-exist", false, "the stack already holds the components: refer to them by URN instead of creating them")
	return cmd
}

// importFile is what `pulumi import --file` reads.
type importFile struct {
	NameTable map[string]string `json:"nameTable,omitempty"`
	Resources []importResource  `json:"resources"`
}

type importResource struct {
	Type      string `json:"type"`
	Name      string `json:"name"`
	ID        string `json:"id,omitempty"`
	Parent    string `json:"parent,omitempty"`
	Component bool   `json:"component,omitempty"`
}

// idLine is one resource ID of the input file.
type idLine struct {
	line int
	id   string
}

func (a app) importIDs(ctx context.Context, f importFlags, path string, stdin io.Reader, stdout, stderr io.Writer) error {
	var data []byte
	var err error
	name := path
	if path == "-" {
		name = "standard input"
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return usagef("reading %s: %v", name, err)
	}
	ids, err := parseIDList(name, data)
	if err != nil {
		return err
	}
	plan, _, err := a.offlinePlan(ctx, f.planFlags)
	if err != nil {
		return err
	}
	file, unmatched, total, warnings := importPlan(plan, ids, f.componentsExists)
	out, err := json.MarshalIndent(file, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the import file: %w", err)
	}
	out = append(out, '\n')
	if err := writeOutput(stdout, f.output, out); err != nil {
		return err
	}
	for _, w := range warnings {
		fmt.Fprintln(stderr, "warning: "+w)
	}
	if unmatched > 0 && !f.allowUnmatched {
		return fmt.Errorf("%d of %d resource IDs match no resource of stack %s and were left out (--allow-unmatched to accept)",
			unmatched, total, plan.Stack)
	}
	return nil
}

// parseIDList reads one resource ID a line; every invalid line is reported.
func parseIDList(name string, data []byte) ([]idLine, error) {
	var ids []idLine
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
		if err := checkResourceID(line); err != nil {
			problems = append(problems, fmt.Sprintf("%s:%d: %q is not an Azure resource ID: %v", name, n, line, err))
			continue
		}
		ids = append(ids, idLine{line: n, id: strings.TrimSuffix(line, "/")})
	}
	if err := sc.Err(); err != nil {
		return nil, usagef("reading %s: %v", name, err)
	}
	if len(problems) > 0 {
		return nil, &usageError{lines: problems}
	}
	if len(ids) == 0 {
		return nil, usagef("%s: no resource IDs (one a line; # starts a comment)", name)
	}
	return ids, nil
}

// checkResourceID checks the shape of an ARM resource ID:
// /subscriptions/{id}[/resourceGroups/{name}]/providers/{Namespace}/{type}/{name}[/{type}/{name}...],
// where an extension resource repeats /providers/... after the resource it extends.
func checkResourceID(id string) error {
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

// importPlan maps the IDs to the plan's resources. It returns the import
// file, the number of distinct IDs that match nothing and of distinct IDs,
// and the warnings to print.
func importPlan(plan *offline.Plan, ids []idLine, componentsExist bool) (importFile, int, int, []string) {
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
		k := idKey(l.id)
		if first, dup := seen[k]; dup {
			warnings = append(warnings, fmt.Sprintf("line %d: %s repeats line %d; imported once", l.line, l.id, first))
			continue
		}
		seen[k] = l.line
		r, ok := byKey[k]
		if !ok {
			unmatched++
			warnings = append(warnings, fmt.Sprintf("line %d: %s matches no resource of stack %s%s", l.line, l.id, plan.Stack, unmatchedHint(plan, l.id, byKey)))
			continue
		}
		matched[r.URN] = l.id
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

	file := importFile{NameTable: map[string]string{}, Resources: []importResource{}}
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
			file.Resources = append(file.Resources, importResource{Type: r.Type, Name: r.Name, Parent: refName(r.Parent), Component: true})
			inFile[r.URN] = r.Name
		case matched[r.URN] != "":
			file.Resources = append(file.Resources, importResource{Type: r.Type, Name: r.Name, ID: matched[r.URN], Parent: refName(r.Parent)})
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
	return file, unmatched, len(seen), warnings
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
