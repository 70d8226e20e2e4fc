package rules

import (
	"encoding/json"
	"iter"
	"strconv"
	"strings"
)

// valState says what a property lookup found.
type valState int

const (
	absent  valState = iota // not set, or null
	known                   // a plain value
	unknown                 // not known until the update runs
	hidden                  // a secret whose value the input does not disclose (ciphertext)
)

// val is the result of looking a property up: the plain value (secrets
// unwrapped) and whether it is set, known, or not decidable yet. path names
// the property in messages.
//
// The path is built only when a message asks for it (path()): rules look
// up millions of properties in a large stack and name very few of them.
type val struct {
	v      any
	state  valState
	secret bool
	// at is where the value is, or the prefix of keys; keys[:nkeys] are
	// the property keys looked up, joined with dots (kept in an array, not
	// a slice of the caller's, so that a lookup allocates nothing); item,
	// when not zero, is the value's index in the list at at, plus one.
	at    string
	keys  [3]string
	nkeys int
	item  int
}

// withKeys returns v named by the property keys of path.
func (v val) withKeys(path []string) val {
	if len(path) > len(v.keys) {
		v.at = strings.Join(path, ".")
		return v
	}
	v.nkeys = copy(v.keys[:], path)
	return v
}

// path names the value in messages: "sku.name", "securityRules[2]".
func (v val) path() string {
	p := v.at
	for _, k := range v.keys[:v.nkeys] {
		if p != "" {
			p += "."
		}
		p += k
	}
	if v.item > 0 {
		p += "[" + strconv.Itoa(v.item-1) + "]"
	}
	return p
}

// under returns the value named below prefix: "subnets[0]" and "name"
// become "subnets[0].name".
func (v val) under(prefix string) val {
	return val{v: v.v, state: v.state, secret: v.secret, at: prefix + "." + v.path()}
}

// named returns the value with its path set to p.
func (v val) named(p string) val {
	return val{v: v.v, state: v.state, secret: v.secret, at: p}
}

// unwrap strips Pulumi's special objects off a value: secrets (all three
// encodings), output values and resource references. It reports unknowns
// and secrets whose value is not disclosed.
func unwrap(v any) (any, valState, bool) {
	secret := false
	for range 8 { // special objects nest at most a few levels; bound the loop anyway
		switch x := v.(type) {
		case nil:
			return nil, absent, secret
		case Unknown, *Unknown:
			return nil, unknown, secret
		case string:
			if x == UnknownString {
				return nil, unknown, secret
			}
			return v, known, secret // v, not x: boxing x again would allocate
		case map[string]any:
			sig, ok := x[SigKey].(string)
			if !ok {
				return x, known, secret
			}
			switch sig {
			case SecretSig:
				secret = true
				if inner, ok := x["value"]; ok {
					v = inner
					continue
				}
				if pt, ok := x["plaintext"].(string); ok {
					// Exports store the plaintext as JSON text.
					var decoded any
					if err := json.Unmarshal([]byte(pt), &decoded); err == nil {
						v = decoded
					} else {
						v = pt
					}
					continue
				}
				return nil, hidden, secret
			case OutputValueSig:
				if s, ok := x["secret"].(bool); ok && s {
					secret = true
				}
				inner, ok := x["value"]
				if !ok {
					return nil, unknown, secret
				}
				v = inner
				continue
			case ResourceReferenceSig:
				if id, ok := x["id"]; ok && id != nil && id != "" {
					v = id
					continue
				}
				v = x["urn"]
				continue
			default:
				return x, known, secret // assets and archives: opaque
			}
		default:
			return v, known, secret
		}
	}
	return nil, unknown, secret
}

// lookup walks a property path through nested maps, unwrapping special
// objects at every level. An unknown on the way makes the result unknown.
func lookup(root any, path ...string) val {
	cur := root
	for i, key := range path {
		v, st, sec := unwrap(cur)
		if st == unknown || st == hidden {
			return val{state: st, secret: sec}.withKeys(path[:i])
		}
		m, ok := v.(map[string]any)
		if !ok {
			return val{state: absent}.withKeys(path)
		}
		next, ok := m[key]
		if !ok {
			return val{state: absent}.withKeys(path)
		}
		cur = next
	}
	v, st, sec := unwrap(cur)
	return val{v: v, state: st, secret: sec}.withKeys(path)
}

// field looks a property up on an azure-native input map that may have it
// at the top level (flattened, as most azure-native inputs do) or nested
// under "properties" (as ARM, and some azure-native types, do).
func field(m any, path ...string) val {
	v := lookup(m, path...)
	if v.state != absent || len(path) == 0 {
		return v
	}
	if path[0] == "properties" {
		if len(path) == 1 {
			return v
		}
		if alt := lookup(m, path[1:]...); alt.state != absent {
			return alt
		}
		return v
	}
	props := lookup(m, "properties")
	switch props.state {
	case unknown, hidden:
		return props // every property under an unknown "properties" is unknown too
	case known:
		if alt := lookup(props.v, path...); alt.state != absent {
			if alt.at == "" {
				alt.at = "properties"
			} else {
				alt.at = "properties." + alt.at // a path longer than keys holds
			}
			return alt
		}
	}
	return v
}

// isSet reports a value that is set: known, unknown and hidden values all
// count, since an unknown value is set to something.
func (v val) isSet() bool { return v.state != absent }

// undecided reports a value that exists but cannot be read yet.
func (v val) undecided() bool { return v.state == unknown || v.state == hidden }

// str returns a known string value.
func (v val) str() (string, bool) {
	if v.state != known {
		return "", false
	}
	s, ok := v.v.(string)
	return s, ok
}

// text returns a known scalar as a string (numbers and bools included).
func (v val) text() (string, bool) {
	if v.state != known {
		return "", false
	}
	return scalarText(v.v)
}

func scalarText(x any) (string, bool) {
	switch t := x.(type) {
	case string:
		return t, true
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64), true
	case int:
		return strconv.Itoa(t), true
	case bool:
		return strconv.FormatBool(t), true
	}
	return "", false
}

// boolean returns a known boolean; "true"/"false" strings count, as
// azure-native accepts them from untyped programs.
func (v val) boolean() (bool, bool) {
	if v.state != known {
		return false, false
	}
	switch t := v.v.(type) {
	case bool:
		return t, true
	case string:
		b, err := strconv.ParseBool(strings.TrimSpace(t))
		return b, err == nil
	}
	return false, false
}

// number returns a known number; numeric strings count.
func (v val) number() (float64, bool) {
	if v.state != known {
		return 0, false
	}
	switch t := v.v.(type) {
	case float64:
		return t, true
	case int:
		return float64(t), true
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
		return f, err == nil
	}
	return 0, false
}

// dict returns a known map.
func (v val) dict() (map[string]any, bool) {
	if v.state != known {
		return nil, false
	}
	m, ok := v.v.(map[string]any)
	return m, ok
}

// is reports a known string equal to one of want, ignoring case.
func (v val) is(want ...string) bool {
	s, ok := v.text()
	if !ok {
		return false
	}
	s = strings.TrimSpace(s)
	for _, w := range want {
		if strings.EqualFold(s, w) {
			return true
		}
	}
	return false
}

// elems returns the items of a list property, each as a val named
// path[i]; a lone scalar counts as a one-item list, since several
// azure-native list inputs accept one.
func (v val) elems() []val {
	var out []val
	if l, ok := v.v.([]any); ok && v.state == known {
		out = make([]val, 0, len(l))
	}
	for _, e := range v.items() {
		out = append(out, e)
	}
	return out
}

// items iterates over what elems returns, without building the list.
func (v val) items() iter.Seq2[int, val] {
	return func(yield func(int, val) bool) {
		switch v.state {
		case absent:
			return
		case unknown, hidden:
			yield(0, v)
			return
		}
		l, ok := v.v.([]any)
		if !ok {
			yield(0, v)
			return
		}
		// An item is named by its list's path and its index, built
		// when a message asks (path()); a list inside a list names its
		// list now.
		parent := val{at: v.at, keys: v.keys, nkeys: v.nkeys}
		if v.item > 0 {
			parent = val{at: v.path()}
		}
		for i, item := range l {
			e := parent
			e.v, e.state, e.secret = unwrap(item)
			e.item = i + 1
			if !yield(i, e) {
				return
			}
		}
	}
}

// describeUnknown explains why a value cannot be read.
func (v val) describeUnknown() string {
	p := v.path()
	if p == "" {
		p = "the resource's inputs"
	}
	if v.state == hidden {
		return p + " is an encrypted secret"
	}
	return p + " is unknown until the update runs"
}
