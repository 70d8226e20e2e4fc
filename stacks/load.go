package stacks

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

// Config keys that Load treats specially.
const (
	environmentKey     = "environment"
	keyVaultSecretsKey = "keyVaultSecrets"
	// azureLocationKey is the azure-native provider's region; when set it
	// must agree with the location key.
	azureLocationKey = "azure-native:location"
)

// Load builds the Config of a stack from its Pulumi configuration.
//
// raw is the whole config map as Pulumi hands it to the program: keys are
// "<namespace>:<name>", object and list values are JSON-encoded, other
// values are plain text. Only keys of the project namespace are read.
// secretKeys are the full keys whose values are secrets (the program's
// ConfigSecretKeys).
//
// The environment key selects Defaults; every other key is overlaid on
// them, entity defaults are applied and the result is validated. On any
// mistake Load returns Problems listing all of them, sorted by key; secret
// values never appear in them.
func Load(project string, raw map[string]string, secretKeys []string) (Config, error) {
	prefix := project + ":"
	isSecret := func(name string) bool { return slices.Contains(secretKeys, prefix+name) }

	var d decoder
	cfg := Defaults(Environment(raw[prefix+environmentKey]))
	fields := jsonFields(reflect.TypeFor[Config]())
	root := reflect.ValueOf(&cfg).Elem()

	keys := make([]string, 0, len(raw))
	for k := range raw {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)

	for _, full := range keys {
		name, value := strings.TrimPrefix(full, prefix), raw[full]
		first := len(d.problems)
		switch f, known := fields[name]; {
		case name == environmentKey:
			// Already used to pick the defaults; Validate checks it.
		case name == keyVaultSecretsKey:
			cfg.KeyVaultSecrets = d.secrets(name, value, isSecret(name))
		case !known:
			d.unknownTopLevel(name, value, fields)
		default:
			d.key(name, value, root.FieldByIndex(f.Index))
		}
		if isSecret(name) {
			redactValues(d.problems[first:])
		}
	}

	if loc, ok := raw[azureLocationKey]; ok && cfg.Location != "" && loc != cfg.Location {
		d.problems = append(d.problems, Problem{
			Key:      "location",
			Value:    cfg.Location,
			Expected: fmt.Sprintf("the region of %s (%q): set both to the same region", azureLocationKey, loc),
		})
	}

	cfg.ApplyEntityDefaults()

	problems := d.problems
	for _, p := range cfg.Validate() {
		if !d.covers(p.Key) {
			problems = append(problems, p)
		}
	}
	if len(problems) == 0 {
		return cfg, nil
	}
	var secretValues []string
	for _, k := range secretKeys {
		if v, ok := raw[k]; ok {
			secretValues = append(secretValues, leaves(v)...)
		}
	}
	for i := range problems {
		if isSecret(topKey(problems[i].Key)) {
			redactValues(problems[i : i+1])
		}
		problems[i].Expected = scrub(problems[i].Expected, secretValues)
	}
	sortProblems(problems)
	return Config{}, problems
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

// decoder collects the problems found while decoding raw config values.
type decoder struct {
	problems Problems
	// undecoded are the paths whose values could not be decoded. Validate's
	// problems on them, or below them, would only repeat the fault less
	// precisely (a list of the wrong type is not "empty").
	undecoded []string
}

// invalid records a value that could not be decoded.
func (d *decoder) invalid(p Problem) {
	d.problems = append(d.problems, p)
	d.undecoded = append(d.undecoded, p.Key)
}

// covers reports whether key, or a setting containing it, could not be decoded.
func (d *decoder) covers(key string) bool {
	for _, u := range d.undecoded {
		if under(key, u) {
			return true
		}
	}
	return false
}

// key decodes one top-level value into dst, which holds the default.
// Plain strings are taken as they are; everything else is JSON. The JSON is
// first walked against dst's type, so that unknown keys and values of the
// wrong type are reported with their exact path; then it is unmarshalled
// over the defaults, which keeps every field it does not set.
func (d *decoder) key(name, value string, dst reflect.Value) {
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
func (d *decoder) walk(path string, v any, t reflect.Type) {
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
		fields := jsonFields(t)
		for _, k := range sortedKeys(obj) {
			f, ok := fields[k]
			if !ok {
				d.problems = append(d.problems, unknownKey(path, k, obj[k], fields))
				continue
			}
			d.walk(joinKey(path, k), obj[k], f.Type)
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
			d.walk(joinKey(path, k), obj[k], t.Elem())
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
			d.walk(joinIndex(path, i), e, t.Elem())
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

// secrets decodes the keyVaultSecrets key. Its values are never put into a
// Problem: every problem about it shows RedactedValue.
func (d *decoder) secrets(name, value string, secret bool) map[string]string {
	const how = "pulumi config set --secret --path '" + keyVaultSecretsKey + ".<name>' <value>"
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
			d.invalid(Problem{Key: joinKey(name, k), Value: RedactedValue, Expected: "a string, set with " + how})
			continue
		}
		out[k] = s
	}
	return out
}

// unknownTopLevel reports a project config key that is not a field of Config.
func (d *decoder) unknownTopLevel(name, value string, fields map[string]reflect.StructField) {
	if i := strings.IndexAny(name, ".["); i > 0 {
		if _, ok := fields[name[:i]]; ok {
			d.problems = append(d.problems, Problem{
				Key:   joinKey("", name),
				Value: value,
				Expected: fmt.Sprintf("a top-level key: nested values are set with pulumi config set --path '%s' <value>",
					name),
			})
			return
		}
	}
	top := append(fieldNames(fields), keyVaultSecretsKey)
	sort.Strings(top)
	hint := didYouMean(name, top)
	if hint == "" {
		// A nested key written at the top level: suggest its full path.
		hint = didYouMeanNested(name, fields)
	}
	d.problems = append(d.problems, Problem{
		Key:      joinKey("", name),
		Value:    value,
		Expected: "a known key (" + oneOf(top) + ")" + hint,
	})
}

// unknownKey reports an object key that is not a field at its level.
func unknownKey(path, k string, v any, fields map[string]reflect.StructField) Problem {
	names := fieldNames(fields)
	return Problem{
		Key:      joinKey(path, k),
		Value:    showJSON(v),
		Expected: fmt.Sprintf("a known key of %s (%s)%s", path, oneOf(names), didYouMean(k, names)),
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
		for _, sub := range fieldNames(jsonFields(t)) {
			byName[sub] = append(byName[sub], top+"."+sub)
		}
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	best := suggest(name, names)
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
		return "an object with the keys " + oneOf(fieldNames(jsonFields(t)))
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

// jsonFields maps the JSON names of a struct's fields to the fields.
func jsonFields(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || f.Anonymous {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
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
