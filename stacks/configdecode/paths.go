package configdecode

import (
	"reflect"
	"sort"
)

// Path is one config key path of a struct type, as `pulumi config set
// --path` takes it: "app.canary.weight".
type Path struct {
	// Key is the dotted path.
	Key string
	// Map is true when the setting is a map: its entries are set below it
	// with names of the user's choosing ("tags.team").
	Map bool
}

// Paths returns every config key path of a struct type, sorted: its fields
// and, through struct and pointer-to-struct fields, theirs. Lists and maps
// are paths themselves; their elements are not listed.
func Paths(t reflect.Type) []Path {
	var out []Path
	var walk func(prefix string, t reflect.Type)
	walk = func(prefix string, t reflect.Type) {
		fields := Fields(t)
		for _, name := range sortedKeys(fields) {
			key := name
			if prefix != "" {
				key = prefix + "." + name
			}
			ft := fields[name].Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			out = append(out, Path{Key: key, Map: ft.Kind() == reflect.Map})
			if ft.Kind() == reflect.Struct {
				walk(key, ft)
			}
		}
	}
	walk("", t)
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}
