package stackfile

import "gopkg.in/yaml.v3"

// readStackConfig reads the config section of a stack file. Other sections
// (secretsprovider, encryptionsalt, environment, ...) do not change the
// values a program sees offline, so they are ignored.
func readStackConfig(path, projectName string) (map[string]configValue, error) {
	root, err := readDocument(path)
	if err != nil {
		return nil, err
	}
	es, err := entries(path, root)
	if err != nil {
		return nil, err
	}
	values := map[string]configValue{}
	for _, e := range es {
		if e.key.Value != "config" || isNull(e.value) {
			continue
		}
		if e.value.Kind != yaml.MappingNode {
			return nil, nodeError(path, e.value, "config must be a mapping, not %s", kindName(e.value))
		}
		items, err := entries(path, e.value)
		if err != nil {
			return nil, err
		}
		seenAt := map[string]int{}
		for _, it := range items {
			key, err := fullKey(path, it.key, projectName)
			if err != nil {
				return nil, err
			}
			// `location` and `<project>:location` are the same key.
			if line, dup := seenAt[key]; dup {
				return nil, nodeError(path, it.key, "config key %s is set twice (first at line %d)", key, line)
			}
			seenAt[key] = it.key.Line
			v, err := flatten(path, it.value)
			if err != nil {
				return nil, err
			}
			values[key] = v
		}
	}
	return values, nil
}
