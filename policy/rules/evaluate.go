package rules

import (
	"cmp"
	"runtime"
	"slices"
	"sync"
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
	// The checks are pure functions of the resources and the read-only
	// view, so they run on all cores: per-resource rules over contiguous
	// runs of resources, stack rules one per task. Each task keeps its
	// findings; they are joined in task order and sorted, so the report is
	// the one a serial run gives.
	var tasks []func(*results)
	perResource := func(lo, hi int) func(*results) {
		return func(out *results) {
			for j := lo; j < hi; j++ {
				res := &v.resources[j]
				for _, i := range byType[CanonicalType(res.Type)] {
					out.add(reg.rules[i].Name, levels[i], reg.rules[i].checkOne(ctxs[i], res, v))
				}
				for _, i := range everyType {
					out.add(reg.rules[i].Name, levels[i], reg.rules[i].checkOne(ctxs[i], res, v))
				}
			}
		}
	}
	const resourcesPerTask = 1024
	for lo := 0; lo < len(v.resources); lo += resourcesPerTask {
		tasks = append(tasks, perResource(lo, min(lo+resourcesPerTask, len(v.resources))))
	}
	for i, rule := range reg.rules {
		if run[i] && rule.checkStack != nil {
			tasks = append(tasks, func(out *results) { out.add(rule.Name, levels[i], rule.run(ctxs[i], v)) })
		}
	}
	for _, out := range runTasks(tasks) {
		rep.Violations = append(rep.Violations, out.violations...)
		rep.Undecidable = append(rep.Undecidable, out.undecidable...)
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

// results are the findings of one evaluation task.
type results struct {
	violations, undecidable []Result
}

func (out *results) add(rule string, level Enforcement, fs []Finding) {
	for _, f := range fs {
		res := Result{Rule: rule, Enforcement: level, URN: f.URN, Type: f.Type, Message: f.Message, Undecidable: f.Undecidable}
		if f.Undecidable {
			out.undecidable = append(out.undecidable, res)
		} else {
			out.violations = append(out.violations, res)
		}
	}
}

// runTasks runs the tasks on up to GOMAXPROCS goroutines and returns their
// results in task order.
func runTasks(tasks []func(*results)) []results {
	outs := make([]results, len(tasks))
	workers := min(runtime.GOMAXPROCS(0), len(tasks))
	if workers <= 1 {
		for t, task := range tasks {
			task(&outs[t])
		}
		return outs
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range next {
				tasks[t](&outs[t])
			}
		}()
	}
	for t := range tasks {
		next <- t
	}
	close(next)
	wg.Wait()
	return outs
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
