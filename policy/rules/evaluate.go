package rules

import (
	"cmp"
	"slices"
)

// Result is one finding of one rule, with the rule's effective level.
type Result struct {
	Rule        string      `json:"rule"`
	Enforcement Enforcement `json:"enforcement"`
	URN         string      `json:"urn,omitempty"`
	Type        string      `json:"type,omitempty"`
	Message     string      `json:"message"`
	Undecidable bool        `json:"undecidable,omitempty"`
}

// RuleInfo describes a rule as it ran in one evaluation.
type RuleInfo struct {
	Name         string      `json:"name"`
	Category     string      `json:"category"`
	Description  string      `json:"description"`
	Remediation  string      `json:"remediation"`
	Enforcement  Enforcement `json:"enforcement"`
	Environments []string    `json:"environments,omitempty"`
	Checkov      []string    `json:"checkov,omitempty"`
	Trivy        []string    `json:"trivy,omitempty"`
	AzurePolicy  []string    `json:"azurePolicy,omitempty"`
	// Skipped says why the rule did not run (disabled, or not for this
	// environment); empty when it ran.
	Skipped string `json:"skipped,omitempty"`
}

// Counts sums up a report.
type Counts struct {
	Resources   int `json:"resources"`
	RulesRun    int `json:"rulesRun"`
	Mandatory   int `json:"mandatory"`
	Advisory    int `json:"advisory"`
	Undecidable int `json:"undecidable"`
}

// Report is the outcome of evaluating the catalogue on a stack.
type Report struct {
	Stack       string     `json:"stack"`
	Environment string     `json:"environment"`
	Counts      Counts     `json:"counts"`
	Rules       []RuleInfo `json:"rules"`
	// Violations are sorted: mandatory first, then by rule and URN.
	Violations []Result `json:"violations"`
	// Undecidable results are not violations: the rule needs a value that
	// is not known yet.
	Undecidable []Result `json:"undecidable"`
}

// HasMandatory reports a mandatory violation: the caller exits 1.
func (r Report) HasMandatory() bool { return r.Counts.Mandatory > 0 }

// Evaluate runs every rule that applies to the stack's environment and is
// not disabled by configuration. It never fails: a rule that cannot decide
// says so in Undecidable.
func (reg *Registry) Evaluate(stack Stack, cfg Config) Report {
	env := ResolveEnvironment(stack, cfg)
	rep := Report{
		Stack:       stack.Name,
		Environment: env,
		Violations:  []Result{},
		Undecidable: []Result{},
	}
	rep.Counts.Resources = len(stack.Resources)
	v := newView(stack.Resources)
	byType := map[string][]int{} // canonical type → indexes of the per-resource rules for it
	var everyType []int
	run := make([]bool, len(reg.rules))
	levels := make([]Enforcement, len(reg.rules))
	for i, rule := range reg.rules {
		info := ruleInfo(rule)
		info.Enforcement = cfg.EnforcementFor(rule)
		levels[i] = info.Enforcement
		switch {
		case info.Enforcement == Disabled:
			info.Skipped = "disabled by policy configuration"
		case !rule.AppliesTo(env):
			info.Skipped = "does not apply to " + env
		default:
			run[i] = true
			rep.Counts.RulesRun++
		}
		rep.Rules = append(rep.Rules, info)
		if !run[i] || rule.checkResource == nil {
			continue
		}
		if len(rule.Types) == 0 {
			everyType = append(everyType, i)
		}
		for _, t := range rule.Types {
			byType[t] = append(byType[t], i)
		}
	}
	// One context per rule, built once: not per resource.
	ctxs := make([]Context, len(reg.rules))
	for i, rule := range reg.rules {
		if run[i] {
			ctxs[i] = Context{Environment: env, Options: cfg.OptionsFor(rule.Name)}
		}
	}
	ctxFor := func(i int) Context { return ctxs[i] }
	add := func(i int, fs []Finding) {
		for _, f := range fs {
			res := Result{Rule: reg.rules[i].Name, Enforcement: levels[i], URN: f.URN, Type: f.Type, Message: f.Message, Undecidable: f.Undecidable}
			if f.Undecidable {
				rep.Undecidable = append(rep.Undecidable, res)
			} else {
				rep.Violations = append(rep.Violations, res)
			}
		}
	}
	// Per-resource rules, resource by resource: one type lookup each.
	for j := range v.resources {
		res := &v.resources[j]
		for _, i := range byType[CanonicalType(res.Type)] {
			add(i, reg.rules[i].checkOne(ctxFor(i), res, v))
		}
		for _, i := range everyType {
			add(i, reg.rules[i].checkOne(ctxFor(i), res, v))
		}
	}
	for i, rule := range reg.rules {
		if run[i] && rule.checkStack != nil {
			add(i, rule.run(ctxFor(i), v))
		}
	}
	sortResults(rep.Violations)
	sortResults(rep.Undecidable)
	for _, r := range rep.Violations {
		if r.Enforcement == Mandatory {
			rep.Counts.Mandatory++
		} else {
			rep.Counts.Advisory++
		}
	}
	rep.Counts.Undecidable = len(rep.Undecidable)
	return rep
}

func ruleInfo(r Rule) RuleInfo {
	return RuleInfo{
		Name: r.Name, Category: r.Category, Description: r.Description, Remediation: r.Remediation,
		Enforcement: r.Enforcement, Environments: r.Environments, Checkov: r.Checkov, Trivy: r.Trivy, AzurePolicy: r.AzurePolicy,
	}
}

func levelRank(e Enforcement) int {
	if e == Mandatory {
		return 0
	}
	return 1
}

func sortResults(rs []Result) {
	slices.SortStableFunc(rs, func(a, b Result) int {
		return cmp.Or(
			cmp.Compare(levelRank(a.Enforcement), levelRank(b.Enforcement)),
			cmp.Compare(a.Rule, b.Rule),
			cmp.Compare(a.URN, b.URN),
			cmp.Compare(a.Message, b.Message),
		)
	})
}
