// Package synth generates large synthetic stacks for the policy audit's
// scale benchmarks: copies of a real stack export with every logical and
// Azure name made unique, plus the standalone security rules and subnets a
// large estate carries, as a stack export or as `pulumi preview --json`
// output (no provider IDs, as before the first update).
package synth

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Options shape the generated stack.
type Options struct {
	// Resources is the number of custom resources to generate.
	Resources int
	// Preview writes `pulumi preview --json` output instead of a stack
	// export: create steps, no provider IDs.
	Preview bool
	// Env is the environment suffix of the template's names (default
	// "prod-weu", the reference stack's).
	Env string
}

// Generate builds the stack from a template stack export.
func Generate(template []byte, o Options) ([]byte, error) {
	if o.Resources <= 0 {
		return nil, errors.New("synth: Resources must be positive")
	}
	env := o.Env
	if env == "" {
		env = "prod-weu"
	}
	var doc map[string]any
	if err := json.Unmarshal(template, &doc); err != nil {
		return nil, fmt.Errorf("synth: template: %w", err)
	}
	dep, ok := doc["deployment"].(map[string]any)
	if !ok {
		return nil, errors.New("synth: template is not a stack export")
	}
	all, _ := dep["resources"].([]any)
	var head []any // the stack and providers, kept once
	var custom []string
	own := map[string]bool{} // URNs of the template's custom resources
	for _, r := range all {
		m, _ := r.(map[string]any)
		typ, _ := m["type"].(string)
		if m["custom"] != true || strings.HasPrefix(typ, "pulumi:providers:") {
			head = append(head, m)
			continue
		}
		b, err := json.Marshal(m)
		if err != nil {
			return nil, fmt.Errorf("synth: %w", err)
		}
		custom = append(custom, string(b))
		if u, ok := m["urn"].(string); ok {
			own[u] = true
		}
	}
	if len(custom) == 0 {
		return nil, errors.New("synth: template has no custom resources")
	}
	compact := strings.ReplaceAll(env, "-", "")
	out := make([]any, 0, o.Resources+len(head))
	out = append(out, head...)
	n := 0
	for i := 0; n < o.Resources; i++ {
		suffix := fmt.Sprintf("c%d", i)
		rename := strings.NewReplacer("-"+env, "-"+env+"-"+suffix, compact, compact+suffix)
		var nsgName, nsgURN, stack string
		for _, tmpl := range custom {
			if n == o.Resources {
				break
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(rename.Replace(tmpl)), &m); err != nil {
				return nil, fmt.Errorf("synth: %w", err)
			}
			urn := m["urn"].(string) + "-" + suffix
			m["urn"] = urn
			relink(m, own, suffix)
			if strings.Contains(m["type"].(string), ":NetworkSecurityGroup") {
				nsgURN = urn
				nsgName, _ = m["inputs"].(map[string]any)["networkSecurityGroupName"].(string)
				stack = strings.SplitN(strings.TrimPrefix(urn, "urn:pulumi:"), "::", 2)[0]
			}
			out = append(out, m)
			n++
			// Every NSG gets two standalone rules, as estates that manage
			// rules one resource each do.
			for k := 0; k < 2 && n < o.Resources && nsgURN == urn; k++ {
				out = append(out, securityRule(stack, nsgName, nsgURN, suffix, k))
				n++
			}
		}
	}
	if o.Preview {
		return previewOf(doc, out)
	}
	dep["resources"] = out
	return json.Marshal(doc)
}

func securityRule(stack, nsgName, nsgURN, suffix string, k int) map[string]any {
	urn := fmt.Sprintf("urn:pulumi:%s::misybot-platform::azure-native:network:SecurityRule::%s-rule%d-%s", stack, nsgName, k, suffix)
	return map[string]any{
		"urn": urn, "custom": true, "type": "azure-native:network:SecurityRule",
		"inputs": map[string]any{
			"securityRuleName": fmt.Sprintf("AllowVnet%d", k), "networkSecurityGroupName": nsgName, "resourceGroupName": "rg",
			"priority": float64(1000 + k), "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
			"sourceAddressPrefix": "VirtualNetwork", "sourcePortRange": "*", "destinationAddressPrefix": "*", "destinationPortRange": "443",
		},
		"parent":       nsgURN,
		"dependencies": []any{nsgURN},
	}
}

// previewOf renders resources as `pulumi preview --json` create steps,
// without the provider IDs a preview does not know.
func previewOf(doc map[string]any, resources []any) ([]byte, error) {
	steps := make([]any, 0, len(resources))
	for _, r := range resources {
		m := r.(map[string]any)
		delete(m, "id")
		steps = append(steps, map[string]any{"op": "create", "urn": m["urn"], "newState": m})
	}
	return json.Marshal(map[string]any{"steps": steps, "changeSummary": map[string]any{"create": len(steps)}})
}

// relink points a copy's parent and dependencies at the same copy's
// resources.
func relink(m map[string]any, own map[string]bool, suffix string) {
	fix := func(v any) any {
		if s, ok := v.(string); ok && own[s] {
			return s + "-" + suffix
		}
		return v
	}
	m["parent"] = fix(m["parent"])
	if m["parent"] == nil {
		delete(m, "parent")
	}
	if deps, ok := m["dependencies"].([]any); ok {
		for i := range deps {
			deps[i] = fix(deps[i])
		}
	}
	if pd, ok := m["propertyDependencies"].(map[string]any); ok {
		for _, v := range pd {
			if deps, ok := v.([]any); ok {
				for i := range deps {
					deps[i] = fix(deps[i])
				}
			}
		}
	}
}
