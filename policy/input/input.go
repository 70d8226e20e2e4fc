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
	"runtime"
	"strings"
	"sync"

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

// rawDocument is a document whose resources and steps are validated but
// not decoded yet, so that they can be decoded in parallel.
type rawDocument struct {
	Version    *int `json:"version"`
	Deployment *struct {
		Resources []json.RawMessage `json:"resources"`
	} `json:"deployment"`
	Steps         []json.RawMessage `json:"steps"`
	ChangeSummary map[string]any    `json:"changeSummary"`
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

// decodeDocument reads a document in two passes: the whole of it once,
// validating it and cutting out each resource or step, then every resource
// or step on its own, spread over the available cores. The items are
// independent, so the result is the same as one json.Unmarshal.
func decodeDocument(data []byte, doc *document) error {
	var raw rawDocument
	if err := decode(data, &raw); err != nil {
		return err
	}
	doc.Version, doc.ChangeSummary = raw.Version, raw.ChangeSummary
	if raw.Deployment != nil {
		doc.Deployment = &struct {
			Resources []stateV3 `json:"resources"`
		}{}
		if raw.Deployment.Resources != nil {
			doc.Deployment.Resources = make([]stateV3, len(raw.Deployment.Resources))
			if err := decodeItems(raw.Deployment.Resources, doc.Deployment.Resources, "deployment.resources"); err != nil {
				return err
			}
		}
	}
	if raw.Steps != nil {
		doc.Steps = make([]previewStep, len(raw.Steps))
		if err := decodeItems(raw.Steps, doc.Steps, "steps"); err != nil {
			return err
		}
	}
	return nil
}

// minItemsPerWorker keeps small documents on one goroutine: below it the
// hand-off costs more than it saves.
const minItemsPerWorker = 512

// decodeItems decodes raw[i] into out[i] on up to GOMAXPROCS goroutines,
// each taking a contiguous run. The error of the lowest index wins, so
// messages do not depend on scheduling.
func decodeItems[T any](raw []json.RawMessage, out []T, where string) error {
	workers := min(runtime.GOMAXPROCS(0), (len(raw)+minItemsPerWorker-1)/minItemsPerWorker)
	if workers <= 1 {
		return decodeRun(raw, out, 0, where)
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	chunk := (len(raw) + workers - 1) / workers
	for w := range workers {
		lo, hi := w*chunk, min((w+1)*chunk, len(raw))
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[w] = decodeRun(raw[lo:hi], out[lo:hi], lo, where)
		}()
	}
	wg.Wait()
	return firstError(errs)
}

func decodeRun[T any](raw []json.RawMessage, out []T, offset int, where string) error {
	for i := range raw {
		if err := decode(raw[i], &out[i]); err != nil {
			return fmt.Errorf("%s[%d]: %w", where, offset+i, err)
		}
	}
	return nil
}

func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
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
