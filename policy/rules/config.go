package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
)

// PolicyConfig is one policy's entry of the policy configuration.
type PolicyConfig struct {
	// Enforcement overrides the rule's level; empty keeps it.
	Enforcement Enforcement
	Options     Options
	// Properties are the raw rule-specific properties, as given.
	Properties map[string]any
}

// Config is a policy configuration in the format of
// `pulumi preview --policy-pack-config`:
//
//	{"all": "advisory",
//	 "nsg-no-internet-ssh-rdp": "mandatory",
//	 "vnet-peering-allow-listed": {"enforcementLevel": "mandatory", "allowedPeerings": ["vnet-hub"]}}
//
// The zero Config keeps every rule's defaults.
type Config struct {
	// All is the pack-wide level from the "all" key; empty when not set.
	All      Enforcement
	Policies map[string]PolicyConfig
}

// AllKey is the pack-wide key Pulumi reserves in policy configuration.
const AllKey = "all"

// LoadConfig reads and validates a policy configuration file.
func (reg *Registry) LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("policy config: %w", err)
	}
	cfg, err := reg.ParseConfig(data)
	if err != nil {
		return Config{}, fmt.Errorf("policy config %s: %w", path, err)
	}
	return cfg, nil
}

// ParseConfig validates a policy configuration. Unknown policy names,
// enforcement levels and options are errors, as is a value that is neither
// a level nor an object. Empty input is the empty configuration, as Pulumi
// has it.
func (reg *Registry) ParseConfig(data []byte) (Config, error) {
	var cfg Config
	if len(bytes.TrimSpace(data)) == 0 {
		return cfg, nil
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		return cfg, fmt.Errorf("not a JSON object: %w", err)
	}
	names := make([]string, 0, len(raw))
	for k := range raw {
		names = append(names, k)
	}
	sort.Strings(names)
	var errs []error
	for _, name := range names {
		level, props, err := splitPolicyValue(raw[name])
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			continue
		}
		if name == AllKey {
			if len(props) > 0 {
				errs = append(errs, fmt.Errorf("%s: only enforcementLevel may be set pack-wide", AllKey))
			}
			cfg.All = level
			continue
		}
		rule, ok := reg.Lookup(name)
		if !ok {
			errs = append(errs, fmt.Errorf("unknown policy %q", name))
			continue
		}
		opts, err := rule.ParseOptions(props)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if cfg.Policies == nil {
			cfg.Policies = map[string]PolicyConfig{}
		}
		cfg.Policies[name] = PolicyConfig{Enforcement: level, Options: opts, Properties: props}
	}
	return cfg, errors.Join(errs...)
}

// splitPolicyValue reads "level" or {"enforcementLevel": "level", ...}.
func splitPolicyValue(v any) (Enforcement, map[string]any, error) {
	switch x := v.(type) {
	case string:
		e, err := ParseEnforcement(x)
		return e, nil, err
	case map[string]any:
		props := make(map[string]any, len(x))
		var level Enforcement
		for k, pv := range x {
			if k != "enforcementLevel" {
				props[k] = pv
				continue
			}
			s, ok := pv.(string)
			if !ok {
				return "", nil, fmt.Errorf("enforcementLevel: want a string, got %T", pv)
			}
			e, err := ParseEnforcement(s)
			if err != nil {
				return "", nil, fmt.Errorf("enforcementLevel: %w", err)
			}
			level = e
		}
		return level, props, nil
	}
	return "", nil, fmt.Errorf("want an enforcement level or an object, got %T", v)
}

// EnforcementFor is a rule's effective level: the policy's own entry, then
// "all", then the rule's default.
func (c Config) EnforcementFor(r Rule) Enforcement {
	if pc, ok := c.Policies[r.Name]; ok && pc.Enforcement != "" {
		return pc.Enforcement
	}
	if c.All != "" {
		return c.All
	}
	return r.Enforcement
}

// OptionsFor returns a rule's options (the zero Options when not configured).
func (c Config) OptionsFor(name string) Options {
	return c.Policies[name].Options
}

// Environment is the environment override, "" when not configured.
func (c Config) Environment() string {
	return c.Policies[StackEnvironmentRule].Options.Environment
}
