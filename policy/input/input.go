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
	Version       *int           `json:"version"`
	Deployment    *deployment    `json:"deployment"`
	Steps         []previewStep  `json:"steps"`
	ChangeSummary map[string]any `json:"changeSummary"`
}

// deployment is a stack export's deployment: its resources.
type deployment struct {
	Resources []stateV3 `json:"resources"`
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
	URN string `json:"urn"`
	// Custom is nil when the file leaves it out (custom()).
	Custom *bool          `json:"custom"`
	Delete bool           `json:"delete"`
	ID     string         `json:"id"`
	Type   string         `json:"type"`
	Inputs map[string]any `json:"inputs"`
	// Outputs are read only for a resource without inputs (a hand-written
	// file may give only outputs); kept as text until then.
	Outputs              json.RawMessage     `json:"outputs"`
	Parent               string              `json:"parent"`
	External             bool                `json:"external"`
	Dependencies         []string            `json:"dependencies"`
	PropertyDependencies map[string][]string `json:"propertyDependencies"`
}

// custom says whether a state is a custom resource. Pulumi always writes
// the field; a hand-written file that leaves it out gets the answer from
// the type, so that its resources are audited rather than silently
// skipped: everything is custom but Pulumi's own types (the stack,
// providers). A component of the file's own package is then audited too,
// and no rule matches its type.
func (s stateV3) custom() bool {
	if s.Custom != nil {
		return *s.Custom
	}
	return !strings.HasPrefix(s.Type, "pulumi:")
}

// skip says whether a state is not one of the stack's own custom
// resources: components, providers, resources read rather than managed,
// and old copies pending deletion.
func (s stateV3) skip() bool {
	return !s.custom() || s.External || s.Delete || strings.HasPrefix(s.Type, "pulumi:providers:")
}

// properties are the state's inputs, or its outputs when the file gives
// none: Pulumi writes both; a hand-written file may give either.
func (s stateV3) properties() (map[string]any, error) {
	if s.Inputs != nil || len(s.Outputs) == 0 {
		return s.Inputs, nil
	}
	var outputs map[string]any
	if err := decode(s.Outputs, &outputs); err != nil {
		return nil, fmt.Errorf("resource %q: outputs: %w", s.URN, err)
	}
	return outputs, nil
}

func (s stateV3) resource() (rules.Resource, error) {
	if s.URN == "" || s.Type == "" {
		return rules.Resource{}, errors.New("a resource has no urn or type")
	}
	props, err := s.properties()
	if err != nil {
		return rules.Resource{}, err
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
		Properties:           props,
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
