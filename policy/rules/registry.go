package rules

import (
	"fmt"
	"regexp"
	"sort"
)

// Registry is the catalogue of rules, built by NewRegistry. It is read-only
// once built.
type Registry struct {
	rules  []Rule
	byName map[string]int
}

var ruleName = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// NewRegistry builds the catalogue. It panics on a malformed rule, which
// is a programming error that the package tests catch.
func NewRegistry() *Registry {
	var all []Rule
	for _, group := range [][]Rule{
		environmentRules(),
		nsgRules(),
		nsgMoreRules(),
		networkRules(),
		networkMoreRules(),
		isolationRules(),
		keyVaultRules(),
		keyVaultItemRules(),
		serviceBusRules(),
		containerAppRules(),
		containerAppMoreRules(),
		containerAppIngressRules(),
		registryRules(),
		registryMoreRules(),
		registryCompanionRules(),
		storageRules(),
		storageMoreRules(),
		storageCompanionRules(),
		monitoringRules(),
		identityRules(),
		identityMoreRules(),
		operationsRules(),
	} {
		all = append(all, group...)
	}
	reg := &Registry{byName: map[string]int{}}
	for _, r := range all {
		if err := validateRule(r); err != nil {
			panic(err)
		}
		if _, dup := reg.byName[r.Name]; dup {
			panic(fmt.Sprintf("rules: duplicate rule %q", r.Name))
		}
		reg.byName[r.Name] = len(reg.rules)
		reg.rules = append(reg.rules, r)
	}
	return reg
}

func validateRule(r Rule) error {
	switch {
	case !ruleName.MatchString(r.Name) || r.Name == AllKey:
		return fmt.Errorf("rules: bad rule name %q", r.Name)
	case r.Description == "" || r.Remediation == "" || r.Category == "":
		return fmt.Errorf("rules: %s needs a category, description and remediation", r.Name)
	case r.Enforcement != Mandatory && r.Enforcement != Advisory:
		return fmt.Errorf("rules: %s: default enforcement %q", r.Name, r.Enforcement)
	case (r.checkResource == nil) == (r.checkStack == nil):
		return fmt.Errorf("rules: %s needs exactly one check", r.Name)
	case (r.Scope == PerStack) != (r.checkStack != nil):
		return fmt.Errorf("rules: %s: scope %q does not match its check", r.Name, r.Scope)
	}
	return nil
}

// Rules returns the rules in catalogue order (the pack's policy order).
func (reg *Registry) Rules() []Rule {
	out := make([]Rule, len(reg.rules))
	copy(out, reg.rules)
	return out
}

// Names returns the rule names, sorted.
func (reg *Registry) Names() []string {
	out := make([]string, 0, len(reg.rules))
	for _, r := range reg.rules {
		out = append(out, r.Name)
	}
	sort.Strings(out)
	return out
}

// Lookup finds a rule by name.
func (reg *Registry) Lookup(name string) (Rule, bool) {
	i, ok := reg.byName[name]
	if !ok {
		return Rule{}, false
	}
	return reg.rules[i], true
}
