package bindgen

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/printer"
	"go/token"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// Conform checks a binding package against the SDK package it binds, both
// parsed from source: the binding must declare exactly the closure of names
// (nothing missing, nothing extra), and every declaration must be the SDK's:
// the same struct fields (names, types and pulumi tags), the same enum
// values, the same function signatures and bodies (type tokens, defaults,
// aliases), the same methods. It returns one line per mismatch.
func Conform(sdk, binding *Source, names []string) []string {
	var problems []string
	if sdk.Name != binding.Name {
		problems = append(problems, fmt.Sprintf("package %s, SDK package %s", binding.Name, sdk.Name))
	}
	want, err := sdk.Closure(names)
	if err != nil {
		return append(problems, err.Error())
	}
	for _, n := range sortedKeys(want) {
		if _, ok := binding.decls[n]; !ok {
			problems = append(problems, fmt.Sprintf("%s: missing (the SDK declares it and the bound names need it): run go generate", n))
		}
	}
	for _, n := range binding.Names() {
		bu := binding.decls[n]
		su, ok := sdk.decls[n]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: not declared by %s", n, sdk.ImportPath))
			continue
		}
		if !want[n] {
			problems = append(problems, fmt.Sprintf("%s: not needed by the bound names: run go generate", n))
		}
		problems = append(problems, compareUnit(n, sdk, su, binding, bu)...)
	}
	for _, rt := range sortedKeys(binding.methods) {
		sm := map[string]*unit{}
		for _, u := range sdk.methods[rt] {
			sm[u.name] = u
		}
		for _, bu := range binding.methods[rt] {
			su, ok := sm[bu.name]
			if !ok {
				problems = append(problems, fmt.Sprintf("%s: method not declared by %s", bu.name, sdk.ImportPath))
				continue
			}
			if rt == "module" && strings.HasSuffix(bu.name, ".Construct") {
				continue // filtered to the bound resources
			}
			problems = append(problems, compareUnit(bu.name, sdk, su, binding, bu)...)
		}
		if want[rt] && rt != "module" && len(binding.methods[rt]) != len(sdk.methods[rt]) {
			problems = append(problems, fmt.Sprintf("%s: %d methods, the SDK has %d", rt, len(binding.methods[rt]), len(sdk.methods[rt])))
		}
	}
	return problems
}

func compareUnit(name string, sdk *Source, su *unit, binding *Source, bu *unit) []string {
	sn, bn := su.node, bu.node
	if reflect.TypeOf(sn) != reflect.TypeOf(bn) {
		return []string{fmt.Sprintf("%s: a %T in the binding, a %T in the SDK", name, bn, sn)}
	}
	if ss, ok := sn.(*ast.TypeSpec); ok {
		if st, ok := ss.Type.(*ast.StructType); ok {
			if bt, ok := bn.(*ast.TypeSpec).Type.(*ast.StructType); ok {
				return compareFields(name, sdk, st, binding, bt)
			}
		}
	}
	if vs, ok := sn.(*ast.ValueSpec); ok {
		return compareValue(name, sdk, vs, binding, bn.(*ast.ValueSpec))
	}
	if s, b := render(sdk.Fset, sn), render(binding.Fset, bn); s != b {
		return []string{fmt.Sprintf("%s: differs from the SDK:\n  binding: %s\n  SDK:     %s", name, firstDiffLine(b, s), firstDiffLine(s, b))}
	}
	return nil
}

// compareFields compares struct fields by name: type and pulumi tag.
func compareFields(name string, sdk *Source, st *ast.StructType, binding *Source, bt *ast.StructType) []string {
	type field struct{ typ, tag string }
	fields := func(src *Source, s *ast.StructType) (map[string]field, []string) {
		m := map[string]field{}
		var order []string
		for _, f := range s.Fields.List {
			tag := ""
			if f.Tag != nil {
				t, _ := strconv.Unquote(f.Tag.Value)
				tag = reflect.StructTag(t).Get("pulumi")
			}
			typ := render(src.Fset, f.Type)
			if len(f.Names) == 0 { // embedded
				m[typ] = field{typ, tag}
				order = append(order, typ)
			}
			for _, n := range f.Names {
				m[n.Name] = field{typ, tag}
				order = append(order, n.Name)
			}
		}
		return m, order
	}
	sf, sorder := fields(sdk, st)
	bf, border := fields(binding, bt)
	var problems []string
	for _, n := range sorder {
		b, ok := bf[n]
		switch s := sf[n]; {
		case !ok:
			problems = append(problems, fmt.Sprintf("%s.%s: missing (SDK: %s `pulumi:%q`)", name, n, s.typ, s.tag))
		case b.tag != s.tag:
			problems = append(problems, fmt.Sprintf("%s.%s: property %q, the SDK's is %q", name, n, b.tag, s.tag))
		case b.typ != s.typ:
			problems = append(problems, fmt.Sprintf("%s.%s: type %s, the SDK's is %s", name, n, b.typ, s.typ))
		}
	}
	for _, n := range border {
		if _, ok := sf[n]; !ok {
			problems = append(problems, fmt.Sprintf("%s.%s: not a field of the SDK's %s (property %q)", name, n, name, bf[n].tag))
		}
	}
	return problems
}

// compareValue compares a const or var: type and value (an enum's value).
func compareValue(name string, sdk *Source, sv *ast.ValueSpec, binding *Source, bv *ast.ValueSpec) []string {
	value := func(src *Source, v *ast.ValueSpec) string {
		for i, n := range v.Names {
			if n.Name == name && i < len(v.Values) {
				return render(src.Fset, v.Values[i])
			}
		}
		return ""
	}
	typ := func(src *Source, v *ast.ValueSpec) string {
		if v.Type == nil {
			return ""
		}
		return render(src.Fset, v.Type)
	}
	if s, b := typ(sdk, sv), typ(binding, bv); s != b {
		return []string{fmt.Sprintf("%s: type %s, the SDK's is %s", name, b, s)}
	}
	if s, b := value(sdk, sv), value(binding, bv); s != b {
		return []string{fmt.Sprintf("%s: value %s, the SDK's is %s", name, b, s)}
	}
	return nil
}

// render prints a node without comments.
func render(fset *token.FileSet, n ast.Node) string {
	if fd, ok := n.(*ast.FuncDecl); ok && fd.Doc != nil {
		c := *fd
		c.Doc = nil
		n = &c
	}
	if ts, ok := n.(*ast.TypeSpec); ok && (ts.Doc != nil || ts.Comment != nil) {
		c := *ts
		c.Doc, c.Comment = nil, nil
		n = &c
	}
	var buf bytes.Buffer
	if err := (&printer.Config{Mode: printer.RawFormat}).Fprint(&buf, fset, n); err != nil {
		return fmt.Sprintf("<%v>", err)
	}
	return strings.Join(strings.Fields(buf.String()), " ")
}

// firstDiffLine returns the part of a around the first difference with b.
func firstDiffLine(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	start, end := max(0, i-40), min(len(a), i+40)
	return "…" + a[start:end] + "…"
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
