// Package bindgen generates typed Go bindings for a subset of a Pulumi
// provider SDK: for the resources and functions listed in a config file it
// copies, from the pinned SDK's source, the declarations they need (the
// resource, its Args, Input and Output types, the nested types and enums they
// reach) into a package of ours with the same exported API. Switching a
// component from the SDK to the binding is an import-path change; the
// registered type tokens, inputs and provider version are the SDK's, so URNs
// and plans do not change. Compiling the subset costs a fraction of the SDK
// package (azure-native network alone is about 200,000 generated lines).
//
// It also checks a binding against the SDK source (Conform), so that a
// hand-edited or stale binding fails a test.
package bindgen

import (
	"bufio"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
)

// Entry is one line of the config: a resource or function of an SDK package
// to bind.
type Entry struct {
	// Binding is the binding package's directory, relative to the config
	// file's directory, such as "azurenative/network". Its last element is
	// the package name, which must match the SDK package's name.
	Binding string
	// SDK is the SDK package's import path.
	SDK string
	// Name is a top-level name the SDK package declares: a resource type
	// (NetworkSecurityGroup) or a function (GetClientConfig,
	// LookupContainerApp). Everything its source file declares is bound.
	Name string
	// Line is the entry's line in the config file.
	Line int
}

// Package is one binding package: an SDK package and the names bound from it.
type Package struct {
	Binding string
	SDK     string
	Names   []string
}

// ParseConfig reads the config: one entry per line,
//
//	<binding dir> <SDK package import path> <resource or function name>
//
// Blank lines and lines starting with '#' are ignored.
func ParseConfig(r io.Reader) ([]Entry, error) {
	var entries []Entry
	var problems []string
	seen := map[string]int{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 {
			problems = append(problems, fmt.Sprintf("line %d: want <binding dir> <SDK package> <name>, got %q", n, line))
			continue
		}
		e := Entry{Binding: path.Clean(f[0]), SDK: f[1], Name: f[2], Line: n}
		if strings.HasPrefix(e.Binding, "..") || path.IsAbs(e.Binding) {
			problems = append(problems, fmt.Sprintf("line %d: binding dir %q must be inside the config's directory", n, f[0]))
			continue
		}
		key := e.Binding + " " + e.Name
		if prev, ok := seen[key]; ok {
			problems = append(problems, fmt.Sprintf("line %d: %s %s already listed on line %d", n, e.Binding, e.Name, prev))
			continue
		}
		seen[key] = n
		entries = append(entries, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("config:\n%s", strings.Join(problems, "\n"))
	}
	return entries, nil
}

// Packages groups entries by binding package. A binding package binds exactly
// one SDK package.
func Packages(entries []Entry) ([]Package, error) {
	byDir := map[string]*Package{}
	for _, e := range entries {
		p, ok := byDir[e.Binding]
		if !ok {
			p = &Package{Binding: e.Binding, SDK: e.SDK}
			byDir[e.Binding] = p
		}
		if p.SDK != e.SDK {
			return nil, fmt.Errorf("line %d: binding %s binds %s, not %s", e.Line, e.Binding, p.SDK, e.SDK)
		}
		p.Names = append(p.Names, e.Name)
	}
	out := make([]Package, 0, len(byDir))
	for _, p := range byDir {
		sort.Strings(p.Names)
		out = append(out, *p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Binding < out[j].Binding })
	return out, nil
}
