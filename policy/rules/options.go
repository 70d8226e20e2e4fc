package rules

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"

	"github.com/misybot/platform/naming"
)

// Options are the rule-specific settings from policy configuration. Each
// field belongs to one rule, which declares it as an Option.
type Options struct {
	// Environment overrides the environment derived from the stack name
	// (stack-environment).
	Environment string `json:"environment,omitempty"`
	// AllowedPeerings are the remote virtual networks a peering may target:
	// resource IDs or names (vnet-peering-allow-listed).
	AllowedPeerings []string `json:"allowedPeerings,omitempty"`
	// OtherEnvironmentRanges are each environment's address ranges
	// (address-space-no-overlap). The stack's own environment is ignored,
	// so one file serves every stack.
	OtherEnvironmentRanges map[string][]netip.Prefix `json:"otherEnvironmentRanges,omitempty"`
	// RequiredTags replaces the default required tag keys (required-tags).
	RequiredTags []string `json:"requiredTags,omitempty"`
	// AllowedReferences are substrings of values that may name another
	// environment, such as a shared DNS zone (no-cross-environment-references).
	AllowedReferences []string `json:"allowedReferences,omitempty"`
}

// Option is one rule-specific configuration key.
type Option struct {
	Key         string
	Description string
	// Schema is the JSON schema of the value, as Pulumi's policy config
	// schema wants it.
	Schema map[string]any
	apply  func(o *Options, v any) error
}

// ParseOptions validates a rule's configuration properties (without
// enforcementLevel) into Options. Unknown keys are errors: a typo in an
// allow-list must not pass silently.
func (r Rule) ParseOptions(props map[string]any) (Options, error) {
	var o Options
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var errs []error
	for _, k := range keys {
		if k == "enforcementLevel" {
			continue
		}
		i := slices.IndexFunc(r.Options, func(opt Option) bool { return opt.Key == k })
		if i < 0 {
			errs = append(errs, fmt.Errorf("%s: unknown option %q%s", r.Name, k, r.optionHint()))
			continue
		}
		if err := r.Options[i].apply(&o, props[k]); err != nil {
			errs = append(errs, fmt.Errorf("%s.%s: %w", r.Name, k, err))
		}
	}
	return o, errors.Join(errs...)
}

func (r Rule) optionHint() string {
	if len(r.Options) == 0 {
		return " (the policy has no options)"
	}
	keys := make([]string, len(r.Options))
	for i, o := range r.Options {
		keys[i] = o.Key
	}
	return " (options: " + strings.Join(keys, ", ") + ")"
}

// Option constructors. Each validates its value's shape.

func environmentOption() Option {
	return Option{
		Key:         "environment",
		Description: "Environment of the stack (dev, staging or prod), overriding the one derived from the stack name.",
		Schema:      map[string]any{"type": "string", "enum": []any{"dev", "staging", "prod"}},
		apply: func(o *Options, v any) error {
			s, ok := v.(string)
			if !ok || !slices.Contains(naming.Environments(), s) {
				return fmt.Errorf("want one of dev, staging, prod, got %v", v)
			}
			o.Environment = s
			return nil
		},
	}
}

func stringListOption(key, desc string, set func(*Options, []string)) Option {
	return Option{
		Key:         key,
		Description: desc,
		Schema:      map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
		apply: func(o *Options, v any) error {
			l, err := stringList(v)
			if err != nil {
				return err
			}
			set(o, l)
			return nil
		},
	}
}

func rangesOption() Option {
	return Option{
		Key:         "otherEnvironmentRanges",
		Description: "Address ranges (CIDR) of each environment, by environment name; the stack's own environment is ignored.",
		Schema: map[string]any{
			"type":                 "object",
			"additionalProperties": map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
		},
		apply: func(o *Options, v any) error {
			m, ok := v.(map[string]any)
			if !ok {
				return fmt.Errorf("want an object of environment to CIDR list, got %T", v)
			}
			out := map[string][]netip.Prefix{}
			for env, raw := range m {
				if !slices.Contains(naming.Environments(), env) {
					return fmt.Errorf("%q is not an environment (want dev, staging, prod)", env)
				}
				l, err := stringList(raw)
				if err != nil {
					return fmt.Errorf("%s: %w", env, err)
				}
				for _, s := range l {
					p, err := netip.ParsePrefix(strings.TrimSpace(s))
					if err != nil {
						return fmt.Errorf("%s: %q is not a CIDR range", env, s)
					}
					out[env] = append(out[env], p.Masked())
				}
			}
			o.OtherEnvironmentRanges = out
			return nil
		},
	}
}

func stringList(v any) ([]string, error) {
	l, ok := v.([]any)
	if !ok {
		if s, ok := v.([]string); ok {
			return s, nil
		}
		return nil, fmt.Errorf("want a list of strings, got %T", v)
	}
	out := make([]string, 0, len(l))
	for _, item := range l {
		s, ok := item.(string)
		if !ok || strings.TrimSpace(s) == "" {
			return nil, fmt.Errorf("want non-empty strings, got %v", item)
		}
		out = append(out, s)
	}
	return out, nil
}
