package rules

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestFieldNamesWhatItFound: the path a message names is where the value
// was found (flattened or under "properties", in a list, deeper than the
// keys a val keeps inline), and an unknown "properties" makes everything
// under it unknown.
func TestFieldNamesWhatItFound(t *testing.T) {
	flat := map[string]any{"sku": map[string]any{"name": "Premium"}, "a": map[string]any{"b": map[string]any{"c": map[string]any{"d": "deep"}}}}
	nested := map[string]any{"properties": map[string]any{"sku": map[string]any{"name": "Basic"}, "a": map[string]any{"b": map[string]any{"c": map[string]any{"d": "deeper"}}}}}
	unknownProps := map[string]any{"properties": UnknownString}
	for _, tc := range []struct {
		name  string
		m     any
		path  []string
		want  any
		state valState
		at    string
	}{
		{"flat", flat, []string{"sku", "name"}, "Premium", known, "sku.name"},
		{"under properties", nested, []string{"sku", "name"}, "Basic", known, "properties.sku.name"},
		{"asked with properties", nested, []string{"properties", "sku", "name"}, "Basic", known, "properties.sku.name"},
		{"long path, flat", flat, []string{"a", "b", "c", "d"}, "deep", known, "a.b.c.d"},
		{"long path, under properties", nested, []string{"a", "b", "c", "d"}, "deeper", known, "properties.a.b.c.d"},
		{"absent", flat, []string{"sku", "tier"}, nil, absent, "sku.tier"},
		{"unknown properties", unknownProps, []string{"sku", "name"}, nil, unknown, "properties"},
		{"unknown on the way", map[string]any{"sku": UnknownString}, []string{"sku", "name"}, nil, unknown, "sku"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := field(tc.m, tc.path...)
			assert.Equal(t, tc.state, v.state)
			assert.Equal(t, tc.want, v.v)
			assert.Equal(t, tc.at, v.path())
		})
	}
}

func TestElemsAreNamedByIndex(t *testing.T) {
	m := map[string]any{"properties": map[string]any{"securityRules": []any{map[string]any{"name": "a"}, map[string]any{"name": "b"}}}}
	elems := field(m, "securityRules").elems()
	assert.Len(t, elems, 2)
	assert.Equal(t, "properties.securityRules[1]", elems[1].path())
	assert.Equal(t, "properties.securityRules[1].name", field(elems[1].v, "name").under(elems[1].path()).path())
	rules, _ := rulesOf(&Resource{Type: "azure-native:network:NetworkSecurityGroup", Properties: m})
	assert.Equal(t, `properties.securityRules[0] "a"`, rules[0].where())
	standalone, _ := rulesOf(&Resource{Type: "azure-native:network/v20230501:SecurityRule", Name: "ssh", Properties: map[string]any{}})
	assert.Equal(t, `security rule "ssh"`, standalone[0].where())
}
