package bindgen

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// Source is a parsed SDK (or binding) package: its files and an index of its
// top-level declarations. Nothing is type-checked or compiled.
type Source struct {
	ImportPath string
	Dir        string
	// Module and Version are the module the package belongs to, when known.
	Module, Version string
	Name            string
	Fset            *token.FileSet
	Files           []*ast.File
	FileNames       []string // base names, parallel to Files

	decls   map[string]*unit    // top-level name -> its declaration
	methods map[string][]*unit  // receiver type name -> its methods
	values  map[string][]string // type name -> the consts declared with that type (an enum's values)
}

// unit is one top-level declaration: a type, function, method, or one spec of
// a const/var declaration.
type unit struct {
	name string
	file int
	node ast.Node // *ast.FuncDecl, *ast.TypeSpec or *ast.ValueSpec
	decl ast.Decl // the enclosing declaration
}

// Locate finds the directory, module and version of an import path with
// `go list -find`, which resolves through go.mod and the module cache without
// compiling anything. dir is the module directory to run in.
func Locate(dir, importPath string) (pkgDir, module, version string, err error) {
	cmd := exec.Command("go", "list", "-find", "-f", "{{.Dir}}\t{{with .Module}}{{.Path}}\t{{.Version}}{{end}}", importPath)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", "", "", fmt.Errorf("go list %s: %w: %s", importPath, err, strings.TrimSpace(stderr.String()))
	}
	f := strings.Split(strings.TrimSpace(string(out)), "\t")
	if len(f) != 3 || f[0] == "" {
		return "", "", "", fmt.Errorf("go list %s: unexpected output %q", importPath, out)
	}
	return f[0], f[1], f[2], nil
}

// ParseDir parses the non-test Go files of a package directory, with
// comments.
func ParseDir(dir, importPath string) (*Source, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	s := &Source{ImportPath: importPath, Dir: dir, Fset: token.NewFileSet()}
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(s.Fset, filepath.Join(dir, n), nil, parser.ParseComments)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", n, err)
		}
		if s.Name == "" {
			s.Name = f.Name.Name
		} else if s.Name != f.Name.Name {
			return nil, fmt.Errorf("%s: package %s, want %s", n, f.Name.Name, s.Name)
		}
		s.Files = append(s.Files, f)
		s.FileNames = append(s.FileNames, n)
	}
	if len(s.Files) == 0 {
		return nil, fmt.Errorf("%s: no Go files", dir)
	}
	s.index()
	return s, nil
}

func (s *Source) index() {
	s.decls = map[string]*unit{}
	s.methods = map[string][]*unit{}
	s.values = map[string][]string{}
	for i, f := range s.Files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv != nil {
					rt := recvType(d)
					s.methods[rt] = append(s.methods[rt], &unit{name: rt + "." + d.Name.Name, file: i, node: d, decl: d})
				} else if d.Name.Name != "init" {
					s.decls[d.Name.Name] = &unit{name: d.Name.Name, file: i, node: d, decl: d}
				}
			case *ast.GenDecl:
				for _, sp := range d.Specs {
					switch sp := sp.(type) {
					case *ast.TypeSpec:
						s.decls[sp.Name.Name] = &unit{name: sp.Name.Name, file: i, node: sp, decl: d}
					case *ast.ValueSpec:
						for j, n := range sp.Names {
							if n.Name == "_" {
								continue
							}
							s.decls[n.Name] = &unit{name: n.Name, file: i, node: sp, decl: d}
							if typ := enumType(sp, j); typ != "" && d.Tok == token.CONST {
								s.values[typ] = append(s.values[typ], n.Name)
							}
						}
					}
				}
			}
		}
	}
}

// TypeSpec returns the declaration of a top-level type.
func (s *Source) TypeSpec(name string) (*ast.TypeSpec, bool) {
	u, ok := s.decls[name]
	if !ok {
		return nil, false
	}
	ts, ok := u.node.(*ast.TypeSpec)
	return ts, ok
}

// Names returns the package's top-level names (types, functions, consts and
// vars), sorted.
func (s *Source) Names() []string {
	out := make([]string, 0, len(s.decls))
	for n := range s.decls {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func recvType(d *ast.FuncDecl) string {
	t := d.Recv.List[0].Type
	if st, ok := t.(*ast.StarExpr); ok {
		t = st.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// refs returns the package-level names a node refers to. Field names,
// selectors, declared names and struct literal keys are not references.
func (s *Source) refs(n ast.Node) map[string]bool {
	out := map[string]bool{}
	var walk func(ast.Node)
	visit := func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Ident:
			if _, ok := s.decls[n.Name]; ok {
				out[n.Name] = true
			}
		case *ast.SelectorExpr:
			walk(n.X)
			return false
		case *ast.Field:
			walk(n.Type)
			return false
		case *ast.KeyValueExpr:
			if _, ok := n.Key.(*ast.Ident); !ok {
				walk(n.Key)
			}
			walk(n.Value)
			return false
		case *ast.FuncDecl:
			if n.Recv != nil {
				walk(n.Recv)
			}
			walk(n.Type)
			if n.Body != nil {
				walk(n.Body)
			}
			return false
		case *ast.TypeSpec:
			if n.TypeParams != nil {
				walk(n.TypeParams)
			}
			walk(n.Type)
			return false
		case *ast.ValueSpec:
			if n.Type != nil {
				walk(n.Type)
			}
			for _, v := range n.Values {
				walk(v)
			}
			return false
		}
		return true
	}
	walk = func(n ast.Node) { ast.Inspect(n, visit) }
	walk(n)
	return out
}

// enumType returns the type of the i-th const of a spec when it is declared
// with one (const A T = ...) or converted to one (const A = T("a"), the
// SDK's enum values), or "".
func enumType(sp *ast.ValueSpec, i int) string {
	if id, ok := sp.Type.(*ast.Ident); ok {
		return id.Name
	}
	if i < len(sp.Values) {
		if call, ok := sp.Values[i].(*ast.CallExpr); ok && len(call.Args) == 1 {
			if id, ok := call.Fun.(*ast.Ident); ok {
				return id.Name
			}
		}
	}
	return ""
}
