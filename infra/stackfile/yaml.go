package stackfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// readDocument parses a YAML file into its root mapping node. An empty file
// gives an empty mapping.
func readDocument(path string) (*yaml.Node, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fileError(path, err)
	}
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: 1}, nil
		}
		return nil, yamlError(path, err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: 1}, nil
		}
		root = root.Content[0]
	}
	root = resolveAlias(root)
	if isNull(root) {
		return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: root.Line}, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, nodeError(path, root, "the document must be a mapping, not %s", kindName(root))
	}
	return root, nil
}

// yamlLinePattern matches the position yaml.v3 puts in its syntax errors.
var yamlLinePattern = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError turns a yaml.v3 error into one line of the form path:line: msg.
func yamlError(path string, err error) error {
	msg := oneLine(err.Error())
	if m := yamlLinePattern.FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("%s:%s: %s", path, m[1], m[2])
	}
	return fmt.Errorf("%s: %s", path, strings.TrimPrefix(msg, "yaml: "))
}

func nodeError(path string, n *yaml.Node, format string, args ...any) error {
	return fmt.Errorf("%s:%d: %s", path, n.Line, fmt.Sprintf(format, args...))
}

func oneLine(s string) string {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' })
	for i := range fields {
		fields[i] = strings.TrimSpace(fields[i])
	}
	return strings.Join(fields, "; ")
}

// mappingEntry is one key and value of a YAML mapping.
type mappingEntry struct {
	key   *yaml.Node
	value *yaml.Node
}

// entries lists a mapping's entries. Keys must be scalars and unique; merge
// keys (<<) are refused because the Pulumi CLI does not expand them either.
func entries(path string, m *yaml.Node) ([]mappingEntry, error) {
	seen := map[string]int{}
	var out []mappingEntry
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := resolveAlias(m.Content[i]), resolveAlias(m.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			return nil, nodeError(path, k, "keys must be strings, not %s", kindName(k))
		}
		if k.Tag == "!!merge" {
			return nil, nodeError(path, k, "merge keys (<<) are not supported")
		}
		if line, dup := seen[k.Value]; dup {
			return nil, nodeError(path, k, "key %q is set twice (first at line %d)", k.Value, line)
		}
		seen[k.Value] = k.Line
		out = append(out, mappingEntry{key: k, value: v})
	}
	return out, nil
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if isNull(n) {
			return "null"
		}
		return "a scalar"
	default:
		return "an unexpected node"
	}
}
