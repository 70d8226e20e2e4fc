package stackfile

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// project is what Pulumi.yaml contributes: the project name, where stack
// files live, and the config defaults.
type project struct {
	file           string
	name           string
	stackConfigDir string
	defaults       map[string]configValue
	// required are the keys declared without a value: the Pulumi CLI
	// refuses a stack that does not set them.
	required []string
}

// schemaFields are the fields of a config declaration in Pulumi.yaml. A
// mapping with any of them declares the key; any other value is the key's
// value itself (the short form `key: value`).
var schemaFields = map[string]bool{
	"type": true, "description": true, "default": true, "value": true, "secret": true, "items": true,
}

func readProject(path string) (*project, error) {
	root, err := readDocument(path)
	if err != nil {
		return nil, err
	}
	es, err := entries(path, root)
	if err != nil {
		return nil, err
	}
	p := &project{file: path, defaults: map[string]configValue{}}
	var configNode *yaml.Node
	for _, e := range es {
		switch e.key.Value {
		case "name":
			if e.value.Kind != yaml.ScalarNode || isNull(e.value) || strings.TrimSpace(e.value.Value) == "" {
				return nil, nodeError(path, e.value, "name must be a non-empty string")
			}
			p.name = e.value.Value
		case "stackConfigDir":
			if e.value.Kind != yaml.ScalarNode {
				return nil, nodeError(path, e.value, "stackConfigDir must be a string")
			}
			p.stackConfigDir = e.value.Value
		case "config":
			configNode = e.value
		}
	}
	if p.name == "" {
		return nil, fmt.Errorf("%s:%d: the project has no name", path, root.Line)
	}
	if configNode == nil || isNull(configNode) {
		return p, nil
	}
	if configNode.Kind != yaml.MappingNode {
		return nil, nodeError(path, configNode, "config must be a mapping, not %s", kindName(configNode))
	}
	decls, err := entries(path, configNode)
	if err != nil {
		return nil, err
	}
	for _, d := range decls {
		key, err := fullKey(path, d.key, p.name)
		if err != nil {
			return nil, err
		}
		v, ok, err := projectDefault(path, d.value)
		if err != nil {
			return nil, err
		}
		if ok {
			p.defaults[key] = v
		} else {
			p.required = append(p.required, key)
		}
	}
	return p, nil
}

// projectDefault returns the value a declaration gives its key: `value:` or
// `default:` of a declaration, or the short form's literal value. ok is
// false for a declaration without a value.
func projectDefault(path string, n *yaml.Node) (configValue, bool, error) {
	if n.Kind != yaml.MappingNode || !isDeclaration(n) {
		if isNull(n) {
			return configValue{}, false, nil
		}
		v, err := flatten(path, n)
		return v, err == nil, err
	}
	es, err := entries(path, n)
	if err != nil {
		return configValue{}, false, err
	}
	var chosen *yaml.Node
	for _, e := range es {
		// value: is the project-wide value; default: applies when unset.
		// Either way the stack file overrides it.
		if e.key.Value == "value" || (e.key.Value == "default" && chosen == nil) {
			chosen = e.value
		}
	}
	if chosen == nil {
		return configValue{}, false, nil
	}
	v, err := flatten(path, chosen)
	return v, err == nil, err
}

func isDeclaration(n *yaml.Node) bool {
	if isSecure(n) {
		return false
	}
	for i := 0; i < len(n.Content); i += 2 {
		if schemaFields[resolveAlias(n.Content[i]).Value] {
			return true
		}
	}
	return false
}

// fullKey gives a config key its namespace: keys written without one belong
// to the project. A key has at most one namespace.
func fullKey(path string, k *yaml.Node, projectName string) (string, error) {
	key := k.Value
	if key == "" {
		return "", nodeError(path, k, "empty config key")
	}
	ns, name, found := strings.Cut(key, ":")
	if !found {
		return projectName + ":" + key, nil
	}
	if ns == "" || name == "" || strings.Contains(name, ":") {
		return "", nodeError(path, k, "invalid config key %q: want <namespace>:<name> or <name>", key)
	}
	return key, nil
}
