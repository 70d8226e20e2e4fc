// Package configdecode turns a Pulumi stack's configuration, as the engine
// hands it to the program (a flat map of "<namespace>:<key>" to text or
// JSON), into a typed Go value, reporting every mistake at once as
// Problems with the full path of the offending setting.
//
// The Go type is the schema: each exported field of the destination struct
// is one top-level config key, named by its `json` tag (or by a `config`
// tag, which wins, for fields that must not be JSON-encoded). Nested values
// are checked against their field types before they are unmarshalled, so
// that unknown keys and values of the wrong type are reported exactly. A
// field tagged `config:"<key>,secret"` is a map of secret values: it must be
// set with `pulumi config set --secret`, and its values never appear in a
// Problem.
package configdecode

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Source is a stack's configuration as the engine passes it to the program.
type Source struct {
	// Project is the namespace of the keys the program reads.
	Project string
	// Raw is the whole config map: keys are "<namespace>:<name>", object and
	// list values are JSON-encoded, other values are plain text.
	Raw map[string]string
	// SecretKeys are the full keys whose values are secrets.
	SecretKeys []string
}

// Value returns the project key name's raw value, "" when it is not set.
func (s Source) Value(name string) string { return s.Raw[s.Project+":"+name] }

// IsSecret reports whether the project key name holds a secret.
func (s Source) IsSecret(name string) bool {
	return slices.Contains(s.SecretKeys, s.Project+":"+name)
}

// Decoded is the outcome of Decode: the problems found so far, and the
// settings whose values could not be decoded at all.
type Decoded struct {
	problems Problems
	// undecoded are the paths whose values could not be decoded. Validation
	// problems on them, or below them, would only repeat the fault less
	// precisely (a list of the wrong type is not "empty").
	undecoded []string
}

// Add records a problem found outside the decoder (a rule between keys).
func (d *Decoded) Add(p Problem) { d.problems = append(d.problems, p) }

// Covers reports whether key, or a setting containing it, could not be decoded.
func (d *Decoded) Covers(key string) bool {
	for _, u := range d.undecoded {
		if Under(key, u) {
			return true
		}
	}
	return false
}

// Decode overlays every key of src's project namespace on dst, a pointer to
// a struct holding the defaults; fields whose key is not set keep them.
// Keys named in skip are left alone (the caller has read them already).
func Decode(src Source, dst any, skip ...string) *Decoded {
	d := &Decoded{}
	root := reflect.ValueOf(dst).Elem()
	fields := Fields(root.Type())
	prefix := src.Project + ":"

	keys := make([]string, 0, len(src.Raw))
	for k := range src.Raw {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)

	for _, full := range keys {
		name, value := strings.TrimPrefix(full, prefix), src.Raw[full]
		first := len(d.problems)
		f, known := fields[name]
		switch {
		case slices.Contains(skip, name):
		case !known:
			d.unknownTopLevel(name, value, fields)
		case isSecretMap(f):
			root.FieldByIndex(f.Index).Set(reflect.ValueOf(d.secrets(name, value, src.IsSecret(name))))
		default:
			d.key(name, value, root.FieldByIndex(f.Index))
		}
		if src.IsSecret(name) {
			redactValues(d.problems[first:])
		}
	}
	return d
}

// Merge returns the decoder's problems and those of more (validation) that
// no undecoded value covers, sorted by key. Problems about a secret key show
// RedactedValue, and no message quotes a secret value. nil means none.
func (d *Decoded) Merge(src Source, more Problems) Problems {
	problems := append(Problems(nil), d.problems...)
	for _, p := range more {
		if !d.Covers(p.Key) {
			problems = append(problems, p)
		}
	}
	if len(problems) == 0 {
		return nil
	}
	var secretValues []string
	for _, k := range src.SecretKeys {
		if v, ok := src.Raw[k]; ok {
			secretValues = append(secretValues, leaves(v)...)
		}
	}
	for i := range problems {
		if src.IsSecret(TopKey(problems[i].Key)) {
			redactValues(problems[i : i+1])
		}
		problems[i].Expected = scrub(problems[i].Expected, secretValues)
	}
	Sort(problems)
	return problems
}

// Keys returns the top-level config keys of a struct type, sorted: the one
// list of what the program reads.
func Keys(t reflect.Type) []string { return sortedKeys(Fields(t)) }

// Fields maps the config names of a struct's fields to the fields: the
// `config` tag's name when there is one, else the `json` tag's, else the Go
// name. Fields tagged `json:"-"` without a config tag are not config.
func Fields(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || f.Anonymous {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("config"), ",")
		if name == "" {
			name, _, _ = strings.Cut(f.Tag.Get("json"), ",")
		}
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		out[name] = f
	}
	return out
}

// isSecretMap reports whether a field is tagged `config:"<key>,secret"`.
func isSecretMap(f reflect.StructField) bool {
	_, opts, _ := strings.Cut(f.Tag.Get("config"), ",")
	return slices.Contains(strings.Split(opts, ","), "secret")
}

// invalid records a value that could not be decoded.
func (d *Decoded) invalid(p Problem) {
	d.problems = append(d.problems, p)
	d.undecoded = append(d.undecoded, p.Key)
}

// redactValues hides the values of problems about a secret key.
func redactValues(ps Problems) {
	for i := range ps {
		if ps[i].Value != "" {
			ps[i].Value = RedactedValue
		}
	}
}

// minScrubbed is the shortest secret scrub removes from messages; shorter
// strings would match ordinary words of the message.
const minScrubbed = 4

// scrub removes secret values from a message. Messages are built not to
// quote values of other keys, but some name a region or a neighbouring
// value; this makes sure none of those is a secret.
func scrub(msg string, secrets []string) string {
	for _, s := range secrets {
		if len(s) >= minScrubbed {
			msg = strings.ReplaceAll(msg, s, RedactedValue)
		}
	}
	return msg
}

// leaves returns a secret config value and, when it is JSON, every string
// and number in it.
func leaves(value string) []string {
	out := []string{value}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			out = append(out, v)
		case json.Number:
			out = append(out, v.String())
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	if v, err := decodeJSON(value); err == nil {
		walk(v)
	}
	return out
}

// key decodes one top-level value into dst, which holds the default.
// Plain strings are taken as they are; everything else is JSON. The JSON is
// first walked against dst's type, so that unknown keys and values of the
// wrong type are reported with their exact path; then it is unmarshalled
// over the defaults, which keeps every field it does not set.
func (d *Decoded) key(name, value string, dst reflect.Value) {
	if dst.Kind() == reflect.String {
		// An object on a string key was set with --path or as YAML by
		// mistake; Pulumi passes it JSON-encoded.
		if v, err := decodeJSON(value); err == nil {
			switch v.(type) {
			case map[string]any, []any:
				d.invalid(Problem{Key: name, Value: value, Expected: "a plain string, not " + jsonKind(v)})
				return
			}
		}
		dst.SetString(value)
		return
	}

	v, err := decodeJSON(value)
	if err != nil {
		expected := describeType(dst.Type())
		if k := dst.Kind(); k == reflect.Struct || k == reflect.Map || k == reflect.Slice {
			expected += " in JSON (the value does not parse as JSON)"
		}
		d.invalid(Problem{Key: name, Value: value, Expected: expected})
		return
	}
	before := len(d.undecoded)
	d.walk(name, v, dst.Type())
	// Unmarshal goes on past values of the wrong type, so the rest of the
	// key still overlays the defaults; walk has reported those values.
	if err := json.Unmarshal([]byte(value), dst.Addr().Interface()); err != nil && len(d.undecoded) == before {
		var typeErr *json.UnmarshalTypeError
		detail := "the value does not decode"
		if errors.As(err, &typeErr) {
			detail = fmt.Sprintf("%s where %s was expected", typeErr.Value, typeErr.Type)
		}
		d.invalid(Problem{Key: name, Value: value, Expected: fmt.Sprintf("%s (%s)", describeType(dst.Type()), detail)})
	}
}

// walk checks a decoded JSON value against the Go type it will be
// unmarshalled into: object keys must be fields at their level, values must
// have the field's JSON type. Problems carry the full path of the value.
func (d *Decoded) walk(path string, v any, t reflect.Type) {
	switch t.Kind() {
	case reflect.Pointer:
		if v != nil {
			d.walk(path, v, t.Elem())
		}
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			d.invalid(typeProblem(path, v, t))
			return
		}
		fields := Fields(t)
		for _, k := range sortedKeys(obj) {
			f, ok := fields[k]
			if !ok {
				d.problems = append(d.problems, unknownKey(path, k, obj[k], fields))
				continue
			}
			d.walk(JoinKey(path, k), obj[k], f.Type)
		}
	case reflect.Map:
		if v == nil {
			return
		}
		obj, ok := v.(map[string]any)
		if !ok {
			d.invalid(typeProblem(path, v, t))
			return
		}
		for _, k := range sortedKeys(obj) {
			d.walk(JoinKey(path, k), obj[k], t.Elem())
		}
	case reflect.Slice:
		if v == nil {
			return
		}
		list, ok := v.([]any)
		if !ok {
			d.invalid(typeProblem(path, v, t))
			return
		}
		for i, e := range list {
			d.walk(JoinIndex(path, i), e, t.Elem())
		}
	case reflect.String:
		if _, ok := v.(string); !ok {
			d.invalid(typeProblem(path, v, t))
		}
	case reflect.Bool:
		if _, ok := v.(bool); !ok {
			d.invalid(typeProblem(path, v, t))
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := v.(json.Number)
		if ok {
			_, err := strconv.ParseInt(n.String(), 10, t.Bits())
			ok = err == nil
		}
		if !ok {
			d.invalid(typeProblem(path, v, t))
		}
	case reflect.Float32, reflect.Float64:
		n, ok := v.(json.Number)
		if ok {
			_, err := strconv.ParseFloat(n.String(), t.Bits())
			ok = err == nil
		}
		if !ok {
			d.invalid(typeProblem(path, v, t))
		}
	default:
		// Config holds no other kinds; a new field of another kind fails
		// loudly here rather than being accepted unchecked.
		d.invalid(Problem{Key: path, Value: showJSON(v), Expected: fmt.Sprintf("a value this loader can check (unsupported Go type %s)", t)})
	}
}

// secrets decodes a map of secret values (a field tagged secret). Its
// values are never put into a Problem: every problem about it shows
// RedactedValue.
func (d *Decoded) secrets(name, value string, secret bool) map[string]string {
	how := "pulumi config set --secret --path '" + name + ".<name>' <value>"
	v, err := decodeJSON(value)
	obj, ok := v.(map[string]any)
	if err != nil || !ok {
		d.invalid(Problem{Key: name, Value: RedactedValue, Expected: "an object of secret names to values, set with " + how})
		return nil
	}
	names := sortedKeys(obj)
	if len(obj) > 0 && !secret {
		d.invalid(Problem{
			Key:   name,
			Value: RedactedValue,
			Expected: fmt.Sprintf("encrypted values: set each one with %s (names: %s), and rotate any value that was stored in plain text",
				how, strings.Join(names, ", ")),
		})
	}
	out := make(map[string]string, len(obj))
	for _, k := range names {
		s, ok := obj[k].(string)
		if !ok {
			d.invalid(Problem{Key: JoinKey(name, k), Value: RedactedValue, Expected: "a string, set with " + how})
			continue
		}
		out[k] = s
	}
	return out
}

// unknownTopLevel reports a project config key that is not a field of the config struct.
func (d *Decoded) unknownTopLevel(name, value string, fields map[string]reflect.StructField) {
	if i := strings.IndexAny(name, ".["); i > 0 {
		if _, ok := fields[name[:i]]; ok {
			d.problems = append(d.problems, Problem{
				Key:   JoinKey("", name),
				Value: value,
				Expected: fmt.Sprintf("a top-level key: nested values are set with pulumi config set --path '%s' <value>",
					name),
			})
			return
		}
	}
	top := fieldNames(fields)
	hint := DidYouMean(name, top)
	if hint == "" {
		// A nested key written at the top level: suggest its full path.
		hint = didYouMeanNested(name, fields)
	}
	d.problems = append(d.problems, Problem{
		Key:      JoinKey("", name),
		Value:    value,
		Expected: "a known key (" + OneOf(top) + ")" + hint,
	})
}

// unknownKey reports an object key that is not a field at its level.
func unknownKey(path, k string, v any, fields map[string]reflect.StructField) Problem {
	names := fieldNames(fields)
	return Problem{
		Key:      JoinKey(path, k),
		Value:    showJSON(v),
		Expected: fmt.Sprintf("a known key of %s (%s)%s", path, OneOf(names), DidYouMean(k, names)),
	}
}

// didYouMeanNested suggests the paths of second-level fields whose names
// are close to name, such as network.addressSpace for "adressSpace".
func didYouMeanNested(name string, fields map[string]reflect.StructField) string {
	byName := map[string][]string{}
	for _, top := range fieldNames(fields) {
		t := fields[top].Type
		if t.Kind() != reflect.Struct {
			continue
		}
		for _, sub := range fieldNames(Fields(t)) {
			byName[sub] = append(byName[sub], top+"."+sub)
		}
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	best := Suggest(name, names)
	if best == "" {
		return ""
	}
	paths := byName[best]
	sort.Strings(paths)
	return "; did you mean " + strings.Join(paths, " or ") + "?"
}

// typeProblem reports a JSON value of the wrong type for t.
func typeProblem(path string, v any, t reflect.Type) Problem {
	expected := describeType(t) + ", not " + jsonKind(v)
	if _, ok := v.(json.Number); ok && kindOf(t) == "a number" {
		// The right kind but not representable: 7.5 or 1e3 for an integer.
		expected = describeType(t) + " in range, without a fraction or exponent"
	}
	if s, ok := v.(string); ok {
		var probe any
		if json.Unmarshal([]byte(s), &probe) == nil && jsonKind(probe) == kindOf(t) {
			expected += " (write it without quotes)"
		}
	}
	return Problem{Key: path, Value: showJSON(v), Expected: expected}
}

// describeType names the JSON shape a Go type decodes from.
func describeType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Pointer:
		return describeType(t.Elem())
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice:
		return "a list"
	case reflect.Map:
		return "an object"
	case reflect.Struct:
		return "an object with the keys " + OneOf(fieldNames(Fields(t)))
	}
	return t.String()
}

// kindOf names the JSON kind a Go type decodes from, as jsonKind does.
func kindOf(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Pointer:
		return kindOf(t.Elem())
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Float32, reflect.Float64:
		return "a number"
	}
	return ""
}

// jsonKind names the kind of a decoded JSON value.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number, float64:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// showJSON renders a decoded value for a Problem: strings as they are,
// anything else as compact JSON.
func showJSON(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// decodeJSON decodes exactly one JSON value, keeping numbers as written so
// that integers can be told from fractions.
func decodeJSON(s string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("decoding JSON: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("decoding JSON: data after the value")
	}
	return v, nil
}

// fieldNames returns the JSON names of fields, sorted.
func fieldNames(fields map[string]reflect.StructField) []string {
	return sortedKeys(fields)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
