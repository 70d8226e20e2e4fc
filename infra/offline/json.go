package offline

import (
	"encoding/json"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/sig"
)

// JSONVersion is the version of the plan's JSON schema (docs/plan-json.md).
// It changes only when a field changes meaning or goes away; new fields
// may be added without changing it.
const JSONVersion = 1

// SecretCiphertext is what a secret's ciphertext field says in the JSON:
// the plaintext is never printed, and no ciphertext exists offline.
const SecretCiphertext = "[secret]"

// UnknownValue stands for a value not known until deployment, as in the
// Pulumi CLI's JSON output.
const UnknownValue = sig.UnknownStringValue

// Document is the plan's JSON document. Another package can extend it by
// embedding it in a struct with more fields (a policy report), since it has
// no MarshalJSON of its own and its fields are flattened into the outer
// object.
type Document struct {
	Version   int            `json:"version"`
	Project   string         `json:"project"`
	Stack     string         `json:"stack"`
	Resources []ResourceJSON `json:"resources"`
	Outputs   map[string]any `json:"outputs"`
	Summary   SummaryJSON    `json:"summary"`
	// Diff compares the plan with the prior state (--state): one entry per
	// resource of the plan, then the deletions. Without a prior state
	// every entry is a create (or a read).
	Diff []DiffJSON `json:"diff"`
	// Problems are what Azure or the engine would refuse.
	Problems []ProblemJSON `json:"problems,omitempty"`
}

// DiffJSON is one entry of the diff.
type DiffJSON struct {
	URN string `json:"urn"`
	// Op is create, update, replace, delete, same or read.
	Op string `json:"op"`
	// Keys are the top-level inputs that change (update, replace).
	Keys []string `json:"keys"`
	// ReplaceKeys are the keys that force the replacement.
	ReplaceKeys []string `json:"replaceKeys,omitempty"`
}

// ProblemJSON is one problem.
type ProblemJSON struct {
	Code     string `json:"code"`
	URN      string `json:"urn"`
	Name     string `json:"name,omitempty"`
	Property string `json:"property,omitempty"`
	Message  string `json:"message"`
	Rule     string `json:"rule,omitempty"`
	Source   string `json:"source,omitempty"`
}

// ResourceJSON is one resource in the JSON document.
type ResourceJSON struct {
	URN          string         `json:"urn"`
	Type         string         `json:"type"`
	Name         string         `json:"name"`
	Parent       string         `json:"parent"`
	Custom       bool           `json:"custom"`
	Protect      bool           `json:"protect"`
	Read         bool           `json:"read,omitempty"`
	ID           string         `json:"id"`
	Dependencies []string       `json:"dependencies"`
	Inputs       map[string]any `json:"inputs"`
}

// SummaryJSON counts the resources.
type SummaryJSON struct {
	Resources int            `json:"resources"`
	ByType    map[string]int `json:"byType"`
}

// Document returns the plan's JSON document.
func (p *Plan) Document() Document {
	doc := Document{
		Version:   JSONVersion,
		Project:   p.Project,
		Stack:     p.Stack,
		Resources: make([]ResourceJSON, 0, len(p.Resources)),
		Outputs:   make(map[string]any, len(p.Outputs)),
		Summary:   SummaryJSON{Resources: len(p.Resources), ByType: p.CountByType()},
	}
	for _, r := range p.Resources {
		deps := r.Dependencies
		if deps == nil {
			deps = []string{}
		}
		doc.Resources = append(doc.Resources, ResourceJSON{
			URN:          r.URN,
			Type:         r.Type,
			Name:         r.Name,
			Parent:       r.Parent,
			Custom:       r.Custom,
			Protect:      r.Protect,
			Read:         r.Read,
			ID:           r.ID,
			Dependencies: deps,
			Inputs:       objectJSON(r.Inputs),
		})
	}
	for name, o := range p.Outputs {
		doc.Outputs[name] = OutputJSON(o)
	}
	doc.Diff = make([]DiffJSON, 0, len(p.Changes))
	for _, c := range p.Changes {
		keys := c.Keys
		if keys == nil {
			keys = []string{}
		}
		doc.Diff = append(doc.Diff, DiffJSON{URN: c.URN, Op: string(c.Op), Keys: keys, ReplaceKeys: c.ReplaceKeys})
	}
	for _, pr := range p.Problems {
		doc.Problems = append(doc.Problems, ProblemJSON{
			Code: pr.Code, URN: pr.URN, Name: pr.Name, Property: pr.Property,
			Message: pr.Message, Rule: pr.Rule, Source: pr.Source,
		})
	}
	return doc
}

// MarshalJSON encodes the plan as its Document.
func (p *Plan) MarshalJSON() ([]byte, error) {
	return json.Marshal(p.Document())
}

// OutputJSON is a stack output as plain JSON: a secret as the secret
// object, an unknown value as UnknownValue.
func OutputJSON(o Output) any {
	switch {
	case o.Secret:
		return secretJSON()
	case !o.Known:
		return UnknownValue
	default:
		return ValueJSON(o.Value)
	}
}

// ValueJSON converts a property value to plain JSON. Secrets become the
// Pulumi state's secret object with SecretCiphertext as the ciphertext,
// unknowns become UnknownValue, and resource references their URN.
func ValueJSON(v resource.PropertyValue) any {
	switch {
	case v.IsNull():
		return nil
	case v.IsBool():
		return v.BoolValue()
	case v.IsNumber():
		return v.NumberValue()
	case v.IsString():
		return v.StringValue()
	case v.IsArray():
		arr := make([]any, 0, len(v.ArrayValue()))
		for _, e := range v.ArrayValue() {
			arr = append(arr, ValueJSON(e))
		}
		return arr
	case v.IsObject():
		return objectJSON(v.ObjectValue())
	case v.IsSecret():
		return secretJSON()
	case v.IsComputed():
		return UnknownValue
	case v.IsOutput():
		o := v.OutputValue()
		switch {
		case o.Secret:
			return secretJSON()
		case !o.Known:
			return UnknownValue
		default:
			return ValueJSON(o.Element)
		}
	case v.IsResourceReference():
		return string(v.ResourceReferenceValue().URN)
	case v.IsAsset():
		return v.AssetValue().Serialize()
	case v.IsArchive():
		return v.ArchiveValue().Serialize()
	default:
		return nil
	}
}

func objectJSON(m resource.PropertyMap) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[string(k)] = ValueJSON(v)
	}
	return out
}

// secretJSON is the object Pulumi writes for a secret in its state files.
func secretJSON() map[string]any {
	return map[string]any{
		resource.SigKey: resource.SecretSig,
		"ciphertext":    SecretCiphertext,
	}
}
