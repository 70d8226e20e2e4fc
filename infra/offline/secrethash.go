package offline

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// The engine's own saved state never holds a secret's plaintext. So that
// the next run can still tell a changed secret from an unchanged one, it
// keeps a keyed hash of each secret's value beside Pulumi's secret object
// (secretHashField): HMAC-SHA256 under a key that is not in the file
// (Options.SecretHashKey), tagged with the key's id, so that a state saved
// under another key compares as unknown rather than as changed. A real
// `pulumi stack export` holds ciphertext the offline engine cannot
// decrypt: its secrets compare as unknown, and an update whose only
// possible change is such a secret is OpMaybeUpdate ("update?"), never
// "same".

// secretHashField is the field of a saved secret object holding the hash.
const secretHashField = "misyinfraHash"

// hashPrefix marks a prior secret read from a saved state with a hash: the
// secret's value in State is hashPrefix + the hash.
const hashPrefix = "\x00misyinfra-hash:"

// ciphertextPrefix marks a prior secret read as ciphertext (a real export
// without --show-secrets, or a saved state without a hash): its value
// cannot be known offline.
const ciphertextPrefix = "\x00ciphertext:"

// secretHasher hashes secret values under one key.
type secretHasher struct {
	key []byte
	id  string
}

func newSecretHasher(key []byte) *secretHasher {
	if len(key) == 0 {
		return nil
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("misyinfra secret hash key id"))
	return &secretHasher{key: key, id: hex.EncodeToString(mac.Sum(nil))[:12]}
}

// hash returns the hash of a secret's value, or false when the value is
// not known offline (the stack file's undecryptable placeholder, or an
// unknown).
func (h *secretHasher) hash(v resource.PropertyValue) (string, bool) {
	if h == nil {
		return "", false
	}
	plain := ValueJSON(unsecret(v))
	if !knownPlaintext(plain) {
		return "", false
	}
	data, err := json.Marshal(plain)
	if err != nil {
		return "", false
	}
	mac := hmac.New(sha256.New, h.key)
	mac.Write(data)
	return "hmac-sha256:" + h.id + ":" + hex.EncodeToString(mac.Sum(nil)), true
}

// unsecret drops the secret wrappers of a value (its plaintext, which is
// only ever hashed).
func unsecret(v resource.PropertyValue) resource.PropertyValue {
	switch {
	case v.IsSecret():
		return unsecret(v.SecretValue().Element)
	case v.IsOutput():
		o := v.OutputValue()
		if !o.Known {
			return resource.MakeComputed(resource.NewProperty(""))
		}
		return unsecret(o.Element)
	case v.IsArray():
		arr := make([]resource.PropertyValue, len(v.ArrayValue()))
		for i, e := range v.ArrayValue() {
			arr[i] = unsecret(e)
		}
		return resource.NewProperty(arr)
	case v.IsObject():
		obj := resource.PropertyMap{}
		for k, e := range v.ObjectValue() {
			obj[k] = unsecret(e)
		}
		return resource.NewProperty(obj)
	}
	return v
}

// knownPlaintext reports whether a value holds no placeholder: neither
// the stack file's undecryptable secret ("[secret]") nor an unknown.
func knownPlaintext(v any) bool {
	switch x := v.(type) {
	case string:
		return x != SecretCiphertext && x != UnknownValue && !strings.HasPrefix(x, "\x00")
	case []any:
		for _, e := range x {
			if !knownPlaintext(e) {
				return false
			}
		}
	case map[string]any:
		for _, e := range x {
			if !knownPlaintext(e) {
				return false
			}
		}
	}
	return true
}

// savedJSON is ValueJSON for a saved state: each secret whose value is
// known carries its hash.
func (h *secretHasher) savedJSON(v resource.PropertyValue) any {
	switch {
	case v.IsSecret() || (v.IsOutput() && v.OutputValue().Secret):
		out := secretJSON()
		if sum, ok := h.hash(v); ok {
			out[secretHashField] = sum
		}
		return out
	case v.IsArray():
		arr := make([]any, 0, len(v.ArrayValue()))
		for _, e := range v.ArrayValue() {
			arr = append(arr, h.savedJSON(e))
		}
		return arr
	case v.IsObject():
		return h.savedObjectJSON(v.ObjectValue())
	case v.IsOutput() && v.OutputValue().Known:
		return h.savedJSON(v.OutputValue().Element)
	}
	return ValueJSON(v)
}

func (h *secretHasher) savedObjectJSON(m resource.PropertyMap) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[string(k)] = h.savedJSON(v)
	}
	return out
}

// hashed turns a value into plain JSON for comparison with each secret as
// its hash: a prior secret as the hash its saved state holds, a desired
// one hashed now. ok is false when a secret cannot be compared: a real
// export's ciphertext, a hash under another key, a value not known
// offline, or no key.
func (h *secretHasher) hashed(v resource.PropertyValue, prior bool) (out any, ok bool) {
	ok = true
	var walk func(v resource.PropertyValue) any
	walk = func(v resource.PropertyValue) any {
		switch {
		case v.IsSecret():
			if s := v.SecretValue().Element; prior && s.IsString() {
				switch text := s.StringValue(); {
				case strings.HasPrefix(text, hashPrefix):
					sum := strings.TrimPrefix(text, hashPrefix)
					if h != nil && strings.HasPrefix(sum, "hmac-sha256:"+h.id+":") {
						return sum
					}
					ok = false
					return nil
				case strings.HasPrefix(text, ciphertextPrefix):
					ok = false
					return nil
				}
			}
			// A desired secret, or a prior one in plaintext (an export
			// made with --show-secrets): hashed now.
			sum, known := h.hash(v)
			if !known {
				ok = false
			}
			return sum
		case v.IsOutput() && v.OutputValue().Secret:
			return walk(resource.MakeSecret(v.OutputValue().Element))
		case v.IsArray():
			// As comparable: an empty array is like a missing one.
			if len(v.ArrayValue()) == 0 {
				return nil
			}
			arr := make([]any, len(v.ArrayValue()))
			for i, e := range v.ArrayValue() {
				arr[i] = walk(e)
			}
			return arr
		case v.IsObject():
			obj := map[string]any{}
			for k, e := range v.ObjectValue() {
				if c := walk(e); c != nil {
					obj[string(k)] = c
				}
			}
			if len(obj) == 0 {
				return nil
			}
			return obj
		}
		return comparable(v)
	}
	return walk(v), ok
}

// compareValues compares a prior input with the desired one: changed when
// they differ outside secrets, or in a secret both sides can compare;
// unknown when they differ, if at all, only in a secret one side cannot
// compare offline.
func (h *secretHasher) compareValues(prior, desired resource.PropertyValue) (changed, unknown bool) {
	if !reflect.DeepEqual(comparable(prior), comparable(desired)) {
		return true, false
	}
	if !prior.ContainsSecrets() && !desired.ContainsSecrets() {
		return false, false
	}
	p, pok := h.hashed(prior, true)
	d, dok := h.hashed(desired, false)
	if !pok || !dok {
		return false, true
	}
	return !reflect.DeepEqual(p, d), false
}
