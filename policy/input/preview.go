package input

import (
	"fmt"

	"github.com/misybot/platform/policy/rules"
)

// previewSecret is how `pulumi preview --json` prints a secret it does not
// show.
const previewSecret = "[secret]"

// ParsePreview reads `pulumi preview --json` output: the new state of every
// step that keeps or creates a resource. Deletions are left out; a resource
// replaced in several steps counts once, with its last new state.
func ParsePreview(data []byte) (rules.Stack, error) {
	var doc document
	if err := decodeDocument(data, &doc); err != nil {
		return rules.Stack{}, err
	}
	return fromPreview(doc)
}

func fromPreview(doc document) (rules.Stack, error) {
	st := rules.Stack{Resources: make([]rules.Resource, 0, len(doc.Steps))}
	index := make(map[string]int, len(doc.Steps))
	for i, step := range doc.Steps {
		stackOf(&st, step.URN)
		switch step.Op {
		case "delete", "discard", "delete-replaced", "discard-replaced", "remove-pending-replace":
			continue
		}
		if step.NewState == nil {
			continue
		}
		s := *step.NewState
		if s.URN == "" {
			s.URN = step.URN
		}
		stackOf(&st, s.URN)
		if s.skip() {
			continue
		}
		props, err := s.properties()
		if err != nil {
			return rules.Stack{}, fmt.Errorf("steps[%d]: %w", i, err)
		}
		if props == nil {
			props = map[string]any{}
		}
		maskSecrets(props)
		s.Inputs, s.Outputs = props, nil
		r, err := s.resource()
		if err != nil {
			return rules.Stack{}, fmt.Errorf("steps[%d]: %w", i, err)
		}
		if j, seen := index[r.URN]; seen {
			st.Resources[j] = r
			continue
		}
		index[r.URN] = len(st.Resources)
		st.Resources = append(st.Resources, r)
	}
	return st, nil
}

// maskSecrets turns the preview's "[secret]" placeholders into secret
// objects without a disclosed value, in place, so rules read them as
// secrets rather than as the literal string. Only what changes is written.
func maskSecrets(v any) (masked any, changed bool) {
	switch x := v.(type) {
	case string:
		if x == previewSecret {
			return map[string]any{rules.SigKey: rules.SecretSig, "ciphertext": previewSecret}, true
		}
	case map[string]any:
		for k, child := range x {
			if m, ok := maskSecrets(child); ok {
				x[k] = m
			}
		}
	case []any:
		for i, child := range x {
			if m, ok := maskSecrets(child); ok {
				x[i] = m
			}
		}
	}
	return v, false
}
