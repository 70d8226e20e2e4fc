// Package input reads the stacks the policy rules audit: a `pulumi stack
// export` file (deployment version 3) or the output of `pulumi preview
// --json`. Both become a rules.Stack of custom resources with their input
// properties; providers and component resources are left out.
package input

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/misybot/platform/policy/rules"
)

// ReadFile reads a stack export or preview file. The error is one line.
func ReadFile(path string) (rules.Stack, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return rules.Stack{}, fmt.Errorf("read %s: %w", path, unwrapPathError(err))
	}
	st, err := Parse(data)
	if err != nil {
		return rules.Stack{}, fmt.Errorf("%s: %w", path, err)
	}
	return st, nil
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// document is either format: a stack export has version and deployment, a
// preview has steps (and changeSummary).
type document struct {
	Version    *int `json:"version"`
	Deployment *struct {
		Resources []stateV3 `json:"resources"`
	} `json:"deployment"`
	Steps         []previewStep  `json:"steps"`
	ChangeSummary map[string]any `json:"changeSummary"`
}

// previewStep is one step of `pulumi preview --json`.
type previewStep struct {
	Op       string   `json:"op"`
	URN      string   `json:"urn"`
	NewState *stateV3 `json:"newState"`
}

// Parse detects the format (stack export or preview JSON) and reads it.
func Parse(data []byte) (rules.Stack, error) {
	var doc document
	if err := decodeDocument(data, &doc); err != nil {
		return rules.Stack{}, err
	}
	switch {
	case doc.Deployment != nil || doc.Version != nil:
		return fromExport(doc)
	case doc.Steps != nil || doc.ChangeSummary != nil:
		return fromPreview(doc)
	}
	return rules.Stack{}, errors.New(`neither a stack export ("deployment") nor pulumi preview --json output ("steps")`)
}

// decodeDocument decodes a document: on the fast path (decode.go) when it
// can, else with encoding/json, so that results and error messages are
// always those of one json.Unmarshal.
func decodeDocument(data []byte, doc *document) error {
	if decodeFast(data, doc) {
		return nil
	}
	*doc = document{}
	return decode(data, doc)
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string starting at data[i] (a
// quote), or -1 when it does not end. A quote ends the string unless an
// odd number of backslashes comes before it.
func skipString(data []byte, i int) int {
	for i++; ; {
		q := bytes.IndexByte(data[i:], '"')
		if q < 0 {
			return -1
		}
		i += q
		escapes := 0
		for j := i - 1; j >= 0 && data[j] == '\\'; j-- {
			escapes++
		}
		if escapes%2 == 0 {
			return i + 1
		}
		i++
	}
}

// skipValue returns the index after the value starting at data[i], or -1.
func skipValue(data []byte, i int) int {
	if i >= len(data) {
		return -1
	}
	switch data[i] {
	case '"':
		return skipString(data, i)
	case '{', '[':
		depth := 0
		for ; i < len(data); i++ {
			switch data[i] {
			case '"':
				if i = skipString(data, i); i < 0 {
					return -1
				}
				i--
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return -1
	}
	start := i
	for i < len(data) && !strings.ContainsRune(",}] \t\r\n", rune(data[i])) {
		i++
	}
	if i == start {
		return -1
	}
	return i
}

// decode unmarshals JSON with a one-line error that says where it broke.
func decode(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return errors.New("empty input")
	}
	if err := json.Unmarshal(data, v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fmt.Errorf("invalid JSON at byte %d: %v", se.Offset, se)
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			field := te.Field
			if field == "" {
				field = "the document"
			}
			return fmt.Errorf("invalid JSON: %s is a %s, want %s", field, te.Value, te.Type)
		}
		return fmt.Errorf("invalid JSON: %v", err)
	}
	return nil
}

// stateV3 is the part of a resource state (apitype.ResourceV3) the rules
// read. It is declared here so that the package stays free of the SDK.
type stateV3 struct {
	URN                  string              `json:"urn"`
	Custom               bool                `json:"custom"`
	Delete               bool                `json:"delete"`
	ID                   string              `json:"id"`
	Type                 string              `json:"type"`
	Inputs               map[string]any      `json:"inputs"`
	Parent               string              `json:"parent"`
	External             bool                `json:"external"`
	Dependencies         []string            `json:"dependencies"`
	PropertyDependencies map[string][]string `json:"propertyDependencies"`
}

// skip says whether a state is not one of the stack's own custom
// resources: components, providers, resources read rather than managed,
// and old copies pending deletion.
func (s stateV3) skip() bool {
	return !s.Custom || s.External || s.Delete || strings.HasPrefix(s.Type, "pulumi:providers:")
}

func (s stateV3) resource() (rules.Resource, error) {
	if s.URN == "" || s.Type == "" {
		return rules.Resource{}, errors.New("a resource has no urn or type")
	}
	_, _, _, name, ok := rules.ParseURN(s.URN)
	if !ok {
		return rules.Resource{}, fmt.Errorf("resource %q: not a Pulumi URN", s.URN)
	}
	return rules.Resource{
		URN:                  s.URN,
		Type:                 s.Type,
		Name:                 name,
		ID:                   s.ID,
		Properties:           s.Inputs,
		Parent:               s.Parent,
		Dependencies:         s.Dependencies,
		PropertyDependencies: s.PropertyDependencies,
	}, nil
}

// stackOf fills the stack and project names from the first URN.
func stackOf(st *rules.Stack, urn string) {
	if st.Name != "" {
		return
	}
	if stack, project, _, _, ok := rules.ParseURN(urn); ok {
		st.Name, st.Project = stack, project
	}
}
