// Package planpolicy runs the policy catalogue over an offline plan, so the
// same rules that `pulumi preview --policy-pack ./policy` enforces judge the
// offline preview.
package planpolicy

import (
	"github.com/misybot/platform/infra/offline"
	"github.com/misybot/platform/policy/convert"
	"github.com/misybot/platform/policy/rules"
)

// Stack converts the plan's custom resources to the rules' model. Inputs
// keep their secret and unknown markers; IDs are the ones the offline
// engine gave, as a stack export would carry.
func Stack(p *offline.Plan) rules.Stack {
	st := rules.Stack{Name: p.Stack, Project: p.Project}
	for _, r := range p.Resources {
		if !r.Custom || r.Read {
			continue
		}
		st.Resources = append(st.Resources, rules.Resource{
			URN:                  r.URN,
			Type:                 r.Type,
			Name:                 r.Name,
			ID:                   r.ID,
			Properties:           convert.FromPropertyMap(r.Inputs),
			Parent:               r.Parent,
			Dependencies:         r.Dependencies,
			PropertyDependencies: r.PropertyDependencies,
		})
	}
	return st
}

// Evaluate runs every rule of the registry on the plan.
func Evaluate(reg *rules.Registry, p *offline.Plan, cfg rules.Config) rules.Report {
	return reg.Evaluate(Stack(p), cfg)
}
