package convert_test

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/assert"

	"github.com/misybot/platform/policy/convert"
	"github.com/misybot/platform/policy/rules"
)

func TestFromPropertyMapKeepsSecretsAndUnknowns(t *testing.T) {
	got := convert.FromPropertyMap(resource.PropertyMap{
		"name":   resource.NewStringProperty("kv"),
		"count":  resource.NewNumberProperty(2),
		"on":     resource.NewBoolProperty(true),
		"none":   resource.NewNullProperty(),
		"id":     resource.MakeComputed(resource.NewStringProperty("")),
		"secret": resource.MakeSecret(resource.NewStringProperty("s3cr3t")),
		"list":   resource.NewArrayProperty([]resource.PropertyValue{resource.NewStringProperty("a"), resource.MakeComputed(resource.NewStringProperty(""))}),
		"nested": resource.NewObjectProperty(resource.PropertyMap{"x": resource.MakeSecret(resource.NewObjectProperty(resource.PropertyMap{"y": resource.NewBoolProperty(false)}))}),
	})
	assert.Equal(t, map[string]any{
		"name":   "kv",
		"count":  2.0,
		"on":     true,
		"none":   nil,
		"id":     rules.Unknown{},
		"secret": map[string]any{rules.SigKey: rules.SecretSig, "value": "s3cr3t"},
		"list":   []any{"a", rules.Unknown{}},
		"nested": map[string]any{"x": map[string]any{rules.SigKey: rules.SecretSig, "value": map[string]any{"y": false}}},
	}, got)
}
