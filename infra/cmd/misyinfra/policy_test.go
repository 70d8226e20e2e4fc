package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const repoRoot = "../../.."

func TestPlanEvaluatesPoliciesOnCommittedStacks(t *testing.T) {
	for _, stack := range []string{"dev", "staging", "prod"} {
		r := runMain("plan", "--stack", stack, "--dir", repoRoot)
		require.Equal(t, exitOK, r.code, r.stderr)
		assert.Contains(t, r.stdout, "PASS: 0 mandatory")
		assert.Empty(t, r.stderr)
	}
}

func TestPlanJSONCarriesThePolicyReport(t *testing.T) {
	r := runMain("plan", "--stack", "prod", "--dir", repoRoot, "--format", "json")
	require.Equal(t, exitOK, r.code, r.stderr)
	var doc struct {
		Resources []json.RawMessage `json:"resources"`
		Policy    struct {
			Environment string `json:"environment"`
			Counts      struct {
				Mandatory int `json:"mandatory"`
				RulesRun  int `json:"rulesRun"`
			} `json:"counts"`
		} `json:"policy"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &doc))
	assert.NotEmpty(t, doc.Resources)
	assert.Equal(t, "prod", doc.Policy.Environment)
	assert.Greater(t, doc.Policy.Counts.RulesRun, 20)
}

// A policy configuration that declares another environment's range over
// dev's address space makes the overlap rule fire: exit 1, the violation in
// the report, one summary line on stderr.
func TestPlanExitsOneOnMandatoryViolation(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "policy-config.json")
	require.NoError(t, os.WriteFile(cfg, []byte(`{"address-space-no-overlap": {"otherEnvironmentRanges": {"staging": ["10.20.128.0/17"]}}}`), 0o600))
	for _, format := range []string{"text", "markdown", "sarif", "json"} {
		r := runMain("plan", "--stack", "dev", "--dir", repoRoot, "--policy-config", cfg, "--format", format)
		assert.Equal(t, exitFailure, r.code, format)
		assert.Contains(t, r.stdout, "address-space-no-overlap", format)
		assert.Len(t, r.stderrLines(), 1, format)
		assert.Contains(t, r.stderr, "mandatory violation", format)
	}
}

func TestPlanRejectsBadPolicyConfig(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "policy-config.json")
	require.NoError(t, os.WriteFile(cfg, []byte(`{"no-such-policy": "mandatory"}`), 0o600))
	r := runMain("plan", "--stack", "dev", "--dir", repoRoot, "--policy-config", cfg)
	assert.Equal(t, exitUsage, r.code)
	assert.Len(t, r.stderrLines(), 1)
	assert.Contains(t, r.stderr, "no-such-policy")
	assert.Empty(t, r.stdout)
}

func TestAuditStackExport(t *testing.T) {
	testdata := filepath.Join(repoRoot, "policy", "rules", "testdata")
	good := filepath.Join(testdata, "compliant-prod.json")
	// The export peers with a hub that this configuration allows.
	cfg := filepath.Join(testdata, "policy-config.json")
	r := runMain("policy", "audit", good)
	assert.Equal(t, exitFailure, r.code, "the hub peering is not allowed without configuration")
	assert.Contains(t, r.stdout, "vnet-peering-allow-listed")
	r = runMain("policy", "audit", good, "--policy-config", cfg)
	require.Equal(t, exitOK, r.code, r.stderr)

	// The same export with SSH opened to the Internet on its first NSG.
	data, err := os.ReadFile(good)
	require.NoError(t, err)
	var export map[string]any
	require.NoError(t, json.Unmarshal(data, &export))
	opened := false
	for _, res := range export["deployment"].(map[string]any)["resources"].([]any) {
		res := res.(map[string]any)
		if !opened && strings.HasSuffix(res["type"].(string), ":NetworkSecurityGroup") {
			inputs := res["inputs"].(map[string]any)
			inputs["securityRules"] = append([]any{map[string]any{
				"name": "debug-ssh", "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
				"sourceAddressPrefix": "0.0.0.0/0", "destinationAddressPrefix": "*", "destinationPortRange": "22",
			}}, inputs["securityRules"].([]any)...)
			opened = true
		}
	}
	require.True(t, opened)
	bad := filepath.Join(t.TempDir(), "prod.json")
	data, err = json.Marshal(export)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(bad, data, 0o600))

	r = runMain("policy", "audit", bad, "--format", "sarif", "--policy-config", cfg)
	assert.Equal(t, exitFailure, r.code)
	var sarif struct {
		Runs []struct {
			Results []struct {
				RuleID string `json:"ruleId"`
				Level  string `json:"level"`
			} `json:"results"`
		} `json:"runs"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &sarif))
	var ids []string
	for _, res := range sarif.Runs[0].Results {
		if res.Level == "error" {
			ids = append(ids, res.RuleID)
		}
	}
	assert.Contains(t, ids, "nsg-no-internet-ssh-rdp")
}

func TestAuditRejectsUnreadableInput(t *testing.T) {
	garbage := filepath.Join(t.TempDir(), "export.json")
	require.NoError(t, os.WriteFile(garbage, []byte("{not json"), 0o600))
	for _, args := range [][]string{
		{"policy", "audit", garbage},
		{"policy", "audit", filepath.Join(t.TempDir(), "missing.json")},
		{"policy", "audit"},
		{"policy", "audit", garbage, "--format", "pdf"},
	} {
		r := runMain(args...)
		assert.Equal(t, exitUsage, r.code, args)
		assert.Len(t, r.stderrLines(), 1, args)
		assert.Empty(t, r.stdout, args)
	}
}

func TestPolicyDocsMatchesTheCommittedCatalogue(t *testing.T) {
	r := runMain("policy", "docs")
	require.Equal(t, exitOK, r.code, r.stderr)
	committed, err := os.ReadFile(filepath.Join(repoRoot, "docs", "policies.md"))
	require.NoError(t, err)
	assert.Equal(t, string(committed), r.stdout, "docs/policies.md is stale: go run ./infra/cmd/misyinfra policy docs -o docs/policies.md")
}
