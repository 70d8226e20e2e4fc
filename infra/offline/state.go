package offline

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// DeploymentVersion is the version of `pulumi stack export` documents the
// engine reads and writes (apitype.DeploymentSchemaVersionCurrent).
const DeploymentVersion = 3

// State is a prior state: what the stack holds before the update. It comes
// from the engine's own saved state (Plan.SaveState) or from a real
// `pulumi stack export`; both are deployment documents of version 3.
type State struct {
	Project string
	Stack   string
	// Resources are in the order of the document (Pulumi writes them in
	// dependency order).
	Resources []StateResource
	// Annotations are what an Azure model keeps across runs that Azure
	// holds but a Pulumi state does not (a container app's revision
	// history), by URN. A real stack export has none.
	Annotations map[string]map[string]any
	// Outputs are the stack outputs (of its pulumi:pulumi:Stack resource);
	// nil when the document has no stack resource.
	Outputs resource.PropertyMap

	byURN map[string]int
}

// Without returns a copy of the state without the resources for which
// drop is true: what Azure would hold had they never been made (a test
// removes a grant to show a check depends on it).
func (s *State) Without(drop func(StateResource) bool) *State {
	if s == nil {
		return nil
	}
	out := &State{Project: s.Project, Stack: s.Stack, Annotations: s.Annotations, Outputs: s.Outputs, byURN: map[string]int{}}
	for _, r := range s.Resources {
		if drop(r) {
			continue
		}
		out.byURN[r.URN] = len(out.Resources)
		out.Resources = append(out.Resources, r)
	}
	return out
}

// ByID returns the custom resource of the state with the ID, compared
// case-insensitively as ARM compares resource IDs.
func (s *State) ByID(id string) (StateResource, bool) {
	if s == nil || id == "" {
		return StateResource{}, false
	}
	for _, r := range s.Resources {
		if r.Custom && strings.EqualFold(r.ID, id) {
			return r, true
		}
	}
	return StateResource{}, false
}

// StateResource is one resource of a prior state.
type StateResource struct {
	URN          string
	Type         string
	ID           string
	Parent       string
	Custom       bool
	Protect      bool
	External     bool // read, not managed
	Dependencies []string
	Inputs       resource.PropertyMap
	Outputs      resource.PropertyMap
}

// Name is the logical name, the URN's last part.
func (r StateResource) Name() string { return resource.URN(r.URN).Name() }

// ByURN returns the prior resource with the URN.
func (s *State) ByURN(urn string) (StateResource, bool) {
	if s == nil {
		return StateResource{}, false
	}
	i, ok := s.byURN[urn]
	if !ok {
		return StateResource{}, false
	}
	return s.Resources[i], true
}

// Of returns the prior resource r continues: the one with r's URN, or
// else the first one with one of r's aliases.
func (s *State) Of(r Resource) (StateResource, bool) {
	if pr, ok := s.ByURN(r.URN); ok {
		return pr, true
	}
	for _, a := range r.Aliases {
		if pr, ok := s.ByURN(a); ok {
			return pr, true
		}
	}
	return StateResource{}, false
}

// StateError is a prior state the engine cannot use: unreadable, not
// JSON, of another version, or of another stack or project.
type StateError struct {
	Path string
	Err  error
}

func (e *StateError) Error() string {
	return fmt.Sprintf("--state %s: %v", e.Path, e.Err)
}

func (e *StateError) Unwrap() error { return e.Err }

// deploymentFile is the JSON of `pulumi stack export` (apitype.UntypedDeployment
// around apitype.DeploymentV3), with the engine's annotations beside it.
type deploymentFile struct {
	Version    int             `json:"version"`
	Deployment json.RawMessage `json:"deployment"`
	// Misyinfra is written by the offline engine only; Pulumi ignores
	// unknown top-level keys of an export it does not import.
	Misyinfra *engineExtras `json:"misyinfra,omitempty"`
}

type engineExtras struct {
	Annotations map[string]map[string]any `json:"annotations,omitempty"`
}

type deploymentV3 struct {
	Manifest  map[string]any    `json:"manifest"`
	Resources []stateResourceV3 `json:"resources"`
}

type stateResourceV3 struct {
	URN          string         `json:"urn"`
	Custom       bool           `json:"custom"`
	ID           string         `json:"id,omitempty"`
	Type         string         `json:"type"`
	Inputs       map[string]any `json:"inputs,omitempty"`
	Outputs      map[string]any `json:"outputs,omitempty"`
	Parent       string         `json:"parent,omitempty"`
	Protect      bool           `json:"protect,omitempty"`
	External     bool           `json:"external,omitempty"`
	Dependencies []string       `json:"dependencies,omitempty"`
	Provider     string         `json:"provider,omitempty"`
	Delete       bool           `json:"delete,omitempty"`
}

// LoadState reads a prior state file and checks that it belongs to the
// project and stack. Every failure is a *StateError.
func LoadState(path, project, stack string) (*State, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &StateError{Path: path, Err: fmt.Errorf("cannot read it: %w", errors.Unwrap(err))}
	}
	st, err := ParseState(data)
	if err != nil {
		return nil, &StateError{Path: path, Err: err}
	}
	if err := st.check(project, stack); err != nil {
		return nil, &StateError{Path: path, Err: err}
	}
	return st, nil
}

// ParseState parses a deployment document of version 3.
func ParseState(data []byte) (*State, error) {
	var f deploymentFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("not a stack export (JSON): %w", err)
	}
	if f.Version != DeploymentVersion {
		return nil, fmt.Errorf("deployment version %d: want %d, the version `pulumi stack export` writes", f.Version, DeploymentVersion)
	}
	var d deploymentV3
	if len(f.Deployment) == 0 {
		return nil, errors.New("no deployment in the document")
	}
	if err := json.Unmarshal(f.Deployment, &d); err != nil {
		return nil, fmt.Errorf("deployment: %w", err)
	}
	st := &State{byURN: map[string]int{}, Annotations: map[string]map[string]any{}}
	if f.Misyinfra != nil && f.Misyinfra.Annotations != nil {
		st.Annotations = f.Misyinfra.Annotations
	}
	for i, r := range d.Resources {
		urn := resource.URN(r.URN)
		if !urn.IsValid() {
			return nil, fmt.Errorf("resource %d: invalid URN %q", i, r.URN)
		}
		if r.Delete {
			continue // pending deletion of a replaced resource: gone after the update
		}
		if st.Project == "" {
			st.Project, st.Stack = string(urn.Project()), string(urn.Stack())
		} else if string(urn.Project()) != st.Project || string(urn.Stack()) != st.Stack {
			return nil, fmt.Errorf("resource %s belongs to %s/%s, the others to %s/%s", r.URN, urn.Project(), urn.Stack(), st.Project, st.Stack)
		}
		if r.Type == string(resource.RootStackType) {
			st.Outputs = stateProperties(r.Outputs)
			continue
		}
		if strings.HasPrefix(r.Type, "pulumi:providers:") {
			continue
		}
		if _, dup := st.byURN[r.URN]; dup {
			return nil, fmt.Errorf("resource %s appears twice", r.URN)
		}
		st.byURN[r.URN] = len(st.Resources)
		st.Resources = append(st.Resources, StateResource{
			URN:          r.URN,
			Type:         r.Type,
			ID:           r.ID,
			Parent:       r.Parent,
			Custom:       r.Custom,
			Protect:      r.Protect,
			External:     r.External,
			Dependencies: r.Dependencies,
			Inputs:       stateProperties(r.Inputs),
			Outputs:      stateProperties(r.Outputs),
		})
	}
	return st, nil
}

func (s *State) check(project, stack string) error {
	if s.Project == "" {
		return nil // an empty stack: nothing to compare
	}
	if s.Project != project {
		return fmt.Errorf("the state is of project %q, not %q", s.Project, project)
	}
	if s.Stack != stack {
		return fmt.Errorf("the state is of stack %q, not %q", s.Stack, stack)
	}
	return nil
}

// stateProperties converts the JSON of a state's inputs or outputs. A
// secret (the object with Pulumi's signature key) becomes a secret value:
// its plaintext when the export was made with --show-secrets, otherwise a
// placeholder, since the ciphertext cannot be decrypted offline.
func stateProperties(m map[string]any) resource.PropertyMap {
	out := make(resource.PropertyMap, len(m))
	for k, v := range m {
		out[resource.PropertyKey(k)] = stateValue(v)
	}
	return out
}

func stateValue(v any) resource.PropertyValue {
	switch x := v.(type) {
	case nil:
		return resource.NewNullProperty()
	case bool:
		return resource.NewProperty(x)
	case float64:
		return resource.NewProperty(x)
	case string:
		if x == UnknownValue {
			return resource.MakeComputed(resource.NewProperty(""))
		}
		return resource.NewProperty(x)
	case []any:
		arr := make([]resource.PropertyValue, len(x))
		for i, e := range x {
			arr[i] = stateValue(e)
		}
		return resource.NewProperty(arr)
	case map[string]any:
		if sig, ok := x[resource.SigKey].(string); ok && sig == resource.SecretSig {
			if plaintext, ok := x["plaintext"].(string); ok {
				var inner any
				if json.Unmarshal([]byte(plaintext), &inner) == nil {
					return resource.MakeSecret(stateValue(inner))
				}
			}
			if sum, ok := x[secretHashField].(string); ok && sum != "" {
				// The engine's own saved state: the value's keyed hash.
				return resource.MakeSecret(resource.NewProperty(hashPrefix + sum))
			}
			ciphertext, _ := x["ciphertext"].(string)
			return resource.MakeSecret(resource.NewProperty(ciphertextPrefix + ciphertext))
		}
		return resource.NewProperty(stateProperties(x))
	default:
		return resource.NewProperty(fmt.Sprint(x))
	}
}

// SaveState returns the plan as a deployment document of version 3, the
// shape of `pulumi stack export`, so that the next run can start from it
// with --state. Secrets are written as Pulumi's secret object with
// SecretCiphertext as the ciphertext: the plaintext is never written; with
// Options.SecretHashKey each known value also carries its keyed hash
// (secrethash.go), so that the next run sees a changed secret.
// Deleted resources are gone; read resources are marked external.
func (p *Plan) SaveState() ([]byte, error) {
	stackURN := p.StackURN
	resources := []stateResourceV3{{URN: stackURN, Type: string(resource.RootStackType), Outputs: p.outputsJSON()}}
	for _, r := range p.Resources {
		out := stateResourceV3{
			URN:          r.URN,
			Custom:       r.Custom,
			ID:           r.ID,
			Type:         r.Type,
			Inputs:       p.secrets.savedObjectJSON(r.Inputs),
			Parent:       r.Parent,
			Protect:      r.Protect,
			External:     r.Read,
			Dependencies: r.Dependencies,
		}
		if r.Custom {
			out.Outputs = p.secrets.savedObjectJSON(r.State)
		}
		resources = append(resources, out)
	}
	deployment, err := json.Marshal(deploymentV3{
		Manifest: map[string]any{
			"time":    time.Unix(0, 0).UTC().Format(time.RFC3339),
			"magic":   "",
			"version": "misyinfra-offline",
		},
		Resources: resources,
	})
	if err != nil {
		return nil, fmt.Errorf("encoding the state: %w", err)
	}
	f := deploymentFile{Version: DeploymentVersion, Deployment: deployment}
	if len(p.Annotations) > 0 {
		f.Misyinfra = &engineExtras{Annotations: p.Annotations}
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding the state: %w", err)
	}
	return append(data, '\n'), nil
}

func (p *Plan) outputsJSON() map[string]any {
	out := make(map[string]any, len(p.Outputs))
	names := p.OutputNames()
	sort.Strings(names)
	for _, n := range names {
		out[n] = OutputJSON(p.Outputs[n])
	}
	return out
}
