package main

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"

	"github.com/misybot/platform/policy/convert"
	"github.com/misybot/platform/policy/rules"
)

// packName is the policy pack's name as the engine and Pulumi Cloud show it.
const packName = "misybot-platform-guardrails"

// packVersion is reported to the engine; bump it when a rule changes.
func packVersion() semver.Version { return semver.MustParse("0.1.0") }

// pack holds what one engine session shares between policies: the stack
// name, and the environment override from the stack-environment policy's
// configuration. policyx hands each resource policy only its own
// configuration and stack policies none, so the stack-environment policy
// (first in the pack, hence first on every Analyze call) records it here.
type pack struct {
	stack string

	mu       sync.Mutex
	override string
}

func newPolicyPack(ctx *pulumi.Context) (policyx.PolicyPack, error) {
	p := &pack{stack: ctx.Stack()}
	reg := rules.NewRegistry()
	policies := make([]policyx.Policy, 0, len(reg.Rules()))
	for _, r := range reg.Rules() {
		policies = append(policies, p.policy(r))
	}
	pp, err := policyx.NewPolicyPack(packName, packVersion(), policyx.EnforcementLevelMandatory, policies)
	if err != nil {
		return nil, fmt.Errorf("policy pack %s: %w", packName, err)
	}
	return pp, nil
}

// environment is the stack's environment: the configured override, else
// the one the stack name tells.
func (p *pack) environment() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.override != "" {
		return p.override
	}
	return rules.EnvironmentFromStack(p.stack)
}

func (p *pack) setOverride(env string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.override = env
}

// policy maps a rule to a policyx policy with its enforcement level set
// explicitly: policyx ignores the pack-level one.
func (p *pack) policy(r rules.Rule) policyx.Policy {
	switch {
	case r.Name == rules.StackEnvironmentRule:
		return p.environmentPolicy(r)
	case r.Scope == rules.PerStack:
		return policyx.NewStackValidationPolicy(r.Name, policyx.StackValidationPolicyArgs{
			Description:      r.Description,
			EnforcementLevel: level(r.Enforcement),
			ConfigSchema:     schema(r),
			ValidateStack: func(_ context.Context, args policyx.StackValidationArgs) error {
				env := p.environment()
				if !r.AppliesTo(env) {
					return nil
				}
				resources := make([]rules.Resource, 0, len(args.Resources))
				for _, ar := range args.Resources {
					if strings.HasPrefix(ar.Type, "pulumi:providers:") {
						continue
					}
					resources = append(resources, toResource(ar))
				}
				report(args.Manager, r.CheckStack(rules.Context{Environment: env}, resources))
				return nil
			},
		})
	}
	return policyx.NewResourceValidationPolicy(r.Name, policyx.ResourceValidationPolicyArgs{
		Description:      r.Description,
		EnforcementLevel: level(r.Enforcement),
		ConfigSchema:     schema(r),
		ValidateResource: func(_ context.Context, args policyx.ResourceValidationArgs) error {
			env := p.environment()
			if !r.AppliesTo(env) || !r.MatchesType(args.Resource.Type) {
				return nil
			}
			opts, err := r.ParseOptions(args.Config)
			if err != nil {
				return fmt.Errorf("policy configuration: %w", err)
			}
			report(args.Manager, r.CheckResource(rules.Context{Environment: env, Options: opts}, toResource(args.Resource)))
			return nil
		},
	})
}

// environmentPolicy records the environment override and reports, on the
// stack resource, a stack whose environment cannot be told.
func (p *pack) environmentPolicy(r rules.Rule) policyx.Policy {
	return policyx.NewResourceValidationPolicy(r.Name, policyx.ResourceValidationPolicyArgs{
		Description:      r.Description,
		EnforcementLevel: level(r.Enforcement),
		ConfigSchema:     schema(r),
		ValidateResource: func(_ context.Context, args policyx.ResourceValidationArgs) error {
			opts, err := r.ParseOptions(args.Config)
			if err != nil {
				return fmt.Errorf("policy configuration: %w", err)
			}
			p.setOverride(opts.Environment)
			if args.Resource.Type != "pulumi:pulumi:Stack" {
				return nil
			}
			env := p.environment()
			report(args.Manager, r.CheckStack(rules.Context{Environment: env}, []rules.Resource{toResource(args.Resource)}))
			return nil
		},
	})
}

// report passes violations to the engine. Undecidable findings are left
// out: during a preview they would block on values that are not known yet,
// and the engine analyzes the resource again with known inputs on update.
func report(m policyx.PolicyManager, findings []rules.Finding) {
	for _, f := range findings {
		if !f.Undecidable {
			m.ReportViolation(f.Message, f.URN)
		}
	}
}

func toResource(ar policyx.AnalyzerResource) rules.Resource {
	return rules.Resource{
		URN:                  ar.URN,
		Type:                 ar.Type,
		Name:                 ar.Name,
		Properties:           convert.FromMap(ar.Properties),
		Parent:               ar.Parent,
		Dependencies:         ar.Dependencies,
		PropertyDependencies: ar.PropertyDependencies,
	}
}

func level(e rules.Enforcement) policyx.EnforcementLevel {
	switch e {
	case rules.Mandatory:
		return policyx.EnforcementLevelMandatory
	case rules.Disabled:
		return policyx.EnforcementLevelDisabled
	}
	return policyx.EnforcementLevelAdvisory
}

// schema declares a rule's options to the engine, which validates policy
// configuration against it.
func schema(r rules.Rule) *policyx.ConfigSchema {
	if len(r.Options) == 0 {
		return nil
	}
	s := &policyx.ConfigSchema{Properties: map[string]map[string]any{}}
	for _, o := range r.Options {
		prop := map[string]any{"description": o.Description}
		for k, v := range o.Schema {
			prop[k] = v
		}
		s.Properties[o.Key] = prop
	}
	return s
}
