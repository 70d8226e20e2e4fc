package offline

import (
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// plain looks through secret and known-output wrappers. ok is false for an
// unknown value.
func plain(v resource.PropertyValue) (resource.PropertyValue, bool) {
	for {
		switch {
		case v.IsSecret():
			v = v.SecretValue().Element
		case v.IsOutput():
			o := v.OutputValue()
			if !o.Known {
				return resource.PropertyValue{}, false
			}
			v = o.Element
		case v.IsComputed():
			return resource.PropertyValue{}, false
		default:
			return v, true
		}
	}
}

// lookup returns the value at a path of object keys.
func lookup(m resource.PropertyMap, path ...string) (resource.PropertyValue, bool) {
	cur := resource.NewProperty(m)
	for _, key := range path {
		v, ok := plain(cur)
		if !ok || !v.IsObject() {
			return resource.PropertyValue{}, false
		}
		cur, ok = v.ObjectValue()[resource.PropertyKey(key)]
		if !ok {
			return resource.PropertyValue{}, false
		}
	}
	return plain(cur)
}

// stringAt returns the known, non-empty string at a path.
func stringAt(m resource.PropertyMap, path ...string) (string, bool) {
	v, ok := lookup(m, path...)
	if !ok || !v.IsString() || v.StringValue() == "" {
		return "", false
	}
	return v.StringValue(), true
}

// boolAt returns the known bool at a path.
func boolAt(m resource.PropertyMap, path ...string) (value, ok bool) {
	v, ok := lookup(m, path...)
	if !ok || !v.IsBool() {
		return false, false
	}
	return v.BoolValue(), true
}

// setAt sets the value at a path, creating objects on the way. Objects on
// the path are copied, never changed in place, because the state shares
// them with the recorded inputs; a secret object stays secret.
func setAt(m resource.PropertyMap, v resource.PropertyValue, path ...string) {
	key := resource.PropertyKey(path[0])
	if len(path) == 1 {
		m[key] = v
		return
	}
	child := resource.PropertyMap{}
	secret := false
	if cur, ok := m[key]; ok {
		if cur.IsSecret() {
			secret, cur = true, cur.SecretValue().Element
		}
		if cur.IsObject() {
			child = cur.ObjectValue().Copy()
		}
	}
	setAt(child, v, path[1:]...)
	nv := resource.NewProperty(child)
	if secret {
		nv = resource.MakeSecret(nv)
	}
	m[key] = nv
}

func str(s string) resource.PropertyValue { return resource.NewProperty(s) }
