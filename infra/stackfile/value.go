package stackfile

import (
	"encoding/json"
	"math"

	"gopkg.in/yaml.v3"
)

// configValue is one flattened config value.
type configValue struct {
	text   string
	secret bool // the value is, or contains, a secure value
}

// flatten turns the YAML value of a top-level config key into the string the
// engine passes to the program: strings as they are, other scalars as their
// text, and objects and arrays as JSON.
func flatten(path string, n *yaml.Node) (configValue, error) {
	f := flattener{path: path}
	// The ciphertext is never read: it cannot be decrypted offline.
	if isSecure(n) {
		return configValue{text: SecretPlaceholder, secret: true}, nil
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if isNull(n) {
			return configValue{}, nil
		}
		return configValue{text: n.Value}, nil
	case yaml.MappingNode, yaml.SequenceNode:
		tree, err := f.tree(n)
		if err != nil {
			return configValue{}, err
		}
		// json.Marshal sorts object keys, as the engine's encoding does.
		data, err := json.Marshal(tree)
		if err != nil {
			return configValue{}, nodeError(path, n, "cannot encode the value as JSON: %v", err)
		}
		return configValue{text: string(data), secret: f.secret}, nil
	default:
		return configValue{}, nodeError(path, n, "unexpected value: %s", kindName(n))
	}
}

// flattener converts a YAML tree into JSON-able values and notes whether it
// met a secure value.
type flattener struct {
	path   string
	secret bool
}

func (f *flattener) tree(n *yaml.Node) (any, error) {
	n = resolveAlias(n)
	if isSecure(n) {
		f.secret = true
		return SecretPlaceholder, nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		es, err := entries(f.path, n)
		if err != nil {
			return nil, err
		}
		obj := make(map[string]any, len(es))
		for _, e := range es {
			v, err := f.tree(e.value)
			if err != nil {
				return nil, err
			}
			obj[e.key.Value] = v
		}
		return obj, nil
	case yaml.SequenceNode:
		arr := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := f.tree(c)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		return arr, nil
	case yaml.ScalarNode:
		return scalar(n), nil
	default:
		return nil, nodeError(f.path, n, "unexpected value: %s", kindName(n))
	}
}

// scalar gives a nested scalar its JSON type: numbers, booleans and null as
// such, anything else (strings, timestamps) as its text.
func scalar(n *yaml.Node) any {
	switch n.Tag {
	case "!!null":
		return nil
	case "!!bool", "!!int", "!!float":
		var v any
		if err := n.Decode(&v); err != nil {
			return n.Value
		}
		if f, ok := v.(float64); ok && (math.IsInf(f, 0) || math.IsNaN(f)) {
			return n.Value // JSON has no infinities
		}
		return v
	default:
		return n.Value
	}
}

// isSecure reports whether n is `{secure: <ciphertext>}`, the form
// `pulumi config set --secret` writes.
func isSecure(n *yaml.Node) bool {
	n = resolveAlias(n)
	if n.Kind != yaml.MappingNode || len(n.Content) != 2 {
		return false
	}
	k, v := resolveAlias(n.Content[0]), resolveAlias(n.Content[1])
	return k.Kind == yaml.ScalarNode && k.Value == "secure" && v.Kind == yaml.ScalarNode && !isNull(v)
}
