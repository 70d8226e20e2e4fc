package bindgen

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/printer"
	"go/token"
	"sort"
	"strconv"
	"strings"
)

// File is one generated source file.
type File struct {
	Name    string
	Content []byte
}

// Closure returns the top-level names needed to bind names: everything the
// source files declaring them declare (a resource's or a function's file), or
// the name alone when it is declared in the SDK's shared pulumiTypes or
// pulumiEnums files (an enum, a nested type), and, transitively, every type,
// function, const and var those declarations (and the methods of the types
// among them) refer to. The package's resource module type ("module", which
// the SDK registers in init.go) is always included.
func (s *Source) Closure(names []string) (map[string]bool, error) {
	keep := map[string]bool{}
	var work []string
	add := func(n string) {
		if !keep[n] {
			keep[n] = true
			work = append(work, n)
		}
	}
	for _, n := range names {
		u, ok := s.decls[n]
		if !ok {
			return nil, fmt.Errorf("%s declares no %s", s.ImportPath, n)
		}
		if strings.HasPrefix(s.FileNames[u.file], "pulumi") {
			add(n) // a type or enum of the shared files: just that name
			continue
		}
		for _, other := range s.decls {
			if other.file == u.file {
				add(other.name)
			}
		}
	}
	if _, ok := s.decls["module"]; ok {
		add("module")
	}
	for len(work) > 0 {
		n := work[len(work)-1]
		work = work[:len(work)-1]
		if base, ok := strings.CutSuffix(n, "Input"); ok {
			// What implements an Input interface, so that callers can build
			// one: SubnetTypeArgs (SubnetTypeInput), SubnetTypeArray
			// (SubnetTypeArrayInput), SkuPtr (SkuPtrInput).
			for _, impl := range []string{base, base + "Args"} {
				if _, ok := s.decls[impl]; ok {
					add(impl)
				}
			}
		}
		if len(s.values[n]) > 0 { // an enum: its Input, Ptr and Output types
			for _, suffix := range []string{"Input", "PtrInput", "Output", "PtrOutput"} {
				if _, ok := s.decls[n+suffix]; ok {
					add(n + suffix)
				}
			}
		}
		for r := range s.refs(s.decls[n].node) {
			add(r)
		}
		for _, v := range s.values[n] {
			add(v) // an enum's values come with the enum
		}
		for _, m := range s.methods[n] {
			if m.name == "module.Construct" {
				continue // filtered to the kept resources, never a reason to keep one
			}
			for r := range s.refs(m.node) {
				add(r)
			}
		}
	}
	return keep, nil
}

// Generate returns the binding of names: the SDK files that declare any of
// the closure's names, each holding only those declarations, its init
// statements that register them, and the cases of the resource module's
// Construct that name them. header is the first comment line of every file.
func (s *Source) Generate(names []string, header string) ([]File, error) {
	keep, err := s.Closure(names)
	if err != nil {
		return nil, err
	}
	var out []File
	for i, f := range s.Files {
		nf := &ast.File{Name: ast.NewIdent(f.Name.Name), Package: f.Package}
		var decls []ast.Decl
		for _, d := range f.Decls {
			if nd := s.filterDecl(d, keep); nd != nil {
				decls = append(decls, nd)
			}
		}
		if !declaresAny(decls) {
			continue
		}
		imports := s.usedImports(f, decls)
		if imports != nil {
			nf.Decls = append(nf.Decls, imports)
		}
		nf.Decls = append(nf.Decls, decls...)
		cmap := ast.NewCommentMap(s.Fset, f, f.Comments)
		nf.Comments = cmap.Filter(nf).Comments()

		var buf bytes.Buffer
		buf.WriteString(header + "\n\n")
		if err := (&printer.Config{Mode: printer.UseSpaces | printer.TabIndent, Tabwidth: 8}).Fprint(&buf, s.Fset, nf); err != nil {
			return nil, fmt.Errorf("print %s: %w", s.FileNames[i], err)
		}
		src, err := format.Source(buf.Bytes())
		if err != nil {
			return nil, fmt.Errorf("format %s: %w", s.FileNames[i], err)
		}
		out = append(out, File{Name: s.FileNames[i], Content: src})
	}
	return out, nil
}

// declaresAny reports whether decls declare something besides init funcs.
func declaresAny(decls []ast.Decl) bool {
	for _, d := range decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == "init" {
			continue
		}
		return true
	}
	return false
}

// filterDecl returns d restricted to the kept names, or nil.
func (s *Source) filterDecl(d ast.Decl, keep map[string]bool) ast.Decl {
	switch d := d.(type) {
	case *ast.FuncDecl:
		switch {
		case d.Recv != nil:
			if !keep[recvType(d)] {
				return nil
			}
			if d.Name.Name == "Construct" && recvType(d) == "module" {
				return s.filterConstruct(d, keep)
			}
			return d
		case d.Name.Name == "init":
			return s.filterInit(d, keep)
		case keep[d.Name.Name]:
			return d
		}
		return nil
	case *ast.GenDecl:
		if d.Tok == token.IMPORT {
			return nil
		}
		var specs []ast.Spec
		for _, sp := range d.Specs {
			switch sp := sp.(type) {
			case *ast.TypeSpec:
				if keep[sp.Name.Name] {
					specs = append(specs, sp)
				}
			case *ast.ValueSpec:
				if s.keepValue(sp, keep) {
					specs = append(specs, sp)
				}
			}
		}
		if len(specs) == 0 {
			return nil
		}
		if len(specs) == len(d.Specs) {
			return d
		}
		nd := *d
		nd.Specs = specs
		if len(specs) == 1 && !d.Lparen.IsValid() {
			nd.Lparen, nd.Rparen = token.NoPos, token.NoPos
		}
		return &nd
	}
	return nil
}

// keepValue keeps a const/var spec that declares a kept name, or a blank
// spec (var _ = utilities.GetEnvOrDefault) whose references are all kept.
func (s *Source) keepValue(sp *ast.ValueSpec, keep map[string]bool) bool {
	blank := true
	for _, n := range sp.Names {
		if n.Name != "_" {
			blank = false
			if keep[n.Name] {
				return true
			}
		}
	}
	return blank && allKept(s.refs(sp), keep)
}

func allKept(refs, keep map[string]bool) bool {
	for r := range refs {
		if !keep[r] {
			return false
		}
	}
	return true
}

// filterInit keeps the statements of an init func that refer only to kept
// names (the registrations of kept Input and Output types).
func (s *Source) filterInit(d *ast.FuncDecl, keep map[string]bool) ast.Decl {
	var stmts []ast.Stmt
	for _, st := range d.Body.List {
		if allKept(s.refs(st), keep) {
			stmts = append(stmts, st)
		}
	}
	if len(stmts) == 0 {
		return nil
	}
	nd := *d
	body := *d.Body
	body.List = stmts
	nd.Body = &body
	return &nd
}

// filterConstruct keeps the switch cases of the resource module's Construct
// that construct kept resources.
func (s *Source) filterConstruct(d *ast.FuncDecl, keep map[string]bool) ast.Decl {
	nd := *d
	body := *d.Body
	body.List = nil
	for _, st := range d.Body.List {
		sw, ok := st.(*ast.SwitchStmt)
		if !ok {
			body.List = append(body.List, st)
			continue
		}
		nsw := *sw
		nb := *sw.Body
		nb.List = nil
		for _, c := range sw.Body.List {
			if allKept(s.refs(c), keep) {
				nb.List = append(nb.List, c)
			}
		}
		nsw.Body = &nb
		body.List = append(body.List, &nsw)
	}
	nd.Body = &body
	return &nd
}

// usedImports returns the import declaration of f restricted to the imports
// decls use, or nil when they use none.
func (s *Source) usedImports(f *ast.File, decls []ast.Decl) *ast.GenDecl {
	used := map[string]bool{}
	for _, d := range decls {
		ast.Inspect(d, func(n ast.Node) bool {
			if se, ok := n.(*ast.SelectorExpr); ok {
				if id, ok := se.X.(*ast.Ident); ok {
					used[id.Name] = true
				}
			}
			return true
		})
	}
	var specs []ast.Spec
	for _, is := range f.Imports {
		p, _ := strconv.Unquote(is.Path.Value)
		name := p[strings.LastIndex(p, "/")+1:]
		if is.Name != nil {
			name = is.Name.Name
		}
		if used[name] || name == "_" {
			specs = append(specs, &ast.ImportSpec{Name: is.Name, Path: &ast.BasicLit{Kind: token.STRING, Value: is.Path.Value}})
		}
	}
	if len(specs) == 0 {
		return nil
	}
	sort.SliceStable(specs, func(i, j int) bool {
		return specs[i].(*ast.ImportSpec).Path.Value < specs[j].(*ast.ImportSpec).Path.Value
	})
	return &ast.GenDecl{Tok: token.IMPORT, Lparen: 1, Specs: specs}
}
