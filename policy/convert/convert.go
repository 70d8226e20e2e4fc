// Package convert turns Pulumi's property values (the policy pack's
// property.Map, the mocks' resource.PropertyMap) into the plain values the
// policy rules read, keeping secrets and unknowns marked: a secret becomes
// Pulumi's secret signature object, an unknown becomes rules.Unknown.
package convert

import (
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/property"

	"github.com/misybot/platform/policy/rules"
)

// FromMap converts a property.Map (policyx's view of a resource).
func FromMap(m property.Map) map[string]any {
	out := make(map[string]any, m.Len())
	for k, v := range m.All {
		out[k] = FromValue(v)
	}
	return out
}

// FromValue converts one property.Value.
func FromValue(v property.Value) any {
	var out any
	switch {
	case v.IsComputed():
		return rules.Unknown{}
	case v.IsNull():
		out = nil
	case v.IsBool():
		out = v.AsBool()
	case v.IsNumber():
		out = v.AsNumber()
	case v.IsString():
		out = v.AsString()
	case v.IsArray():
		arr := v.AsArray()
		items := make([]any, 0, arr.Len())
		for _, item := range arr.All {
			items = append(items, FromValue(item))
		}
		out = items
	case v.IsMap():
		out = FromMap(v.AsMap())
	case v.IsResourceReference():
		ref := v.AsResourceReference()
		if id, ok := ref.IDString(); ok && id != "" {
			out = id
		} else {
			out = string(ref.URN)
		}
	case v.IsAsset():
		out = assetText(v.AsAsset().Path, v.AsAsset().URI, v.AsAsset().Text)
	case v.IsArchive():
		out = assetText(v.AsArchive().Path, v.AsArchive().URI, "")
	}
	if v.Secret() {
		return secret(out)
	}
	return out
}

// FromPropertyMap converts a resource.PropertyMap (the Pulumi mocks' view
// of a resource's inputs).
func FromPropertyMap(m resource.PropertyMap) map[string]any {
	return FromMap(resource.FromResourcePropertyMap(m))
}

// secret wraps a value in the secret signature object, in the wire
// encoding ("value") that the rules unwrap like the export encodings.
func secret(v any) map[string]any {
	return map[string]any{rules.SigKey: rules.SecretSig, "value": v}
}

func assetText(path, uri, text string) string {
	switch {
	case path != "":
		return path
	case uri != "":
		return uri
	}
	return text
}
