package report_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/owenrumney/go-sarif/v2/sarif"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/policy/report"
	"github.com/misybot/platform/policy/rules"
)

const vaultURN = "urn:pulumi:prod::misybot-platform::azure-native:keyvault:Vault::kv"

// sample is a prod stack with one mandatory violation, one advisory (by
// configuration) and one undecidable result.
func sample(t *testing.T) rules.Report {
	t.Helper()
	reg := rules.NewRegistry()
	cfg, err := reg.ParseConfig([]byte(`{"storage-account-min-tls-12": "advisory"}`))
	require.NoError(t, err)
	return reg.Evaluate(rules.Stack{Name: "prod", Resources: []rules.Resource{
		{URN: vaultURN, Type: "azure-native:keyvault/v20230701:Vault", Properties: map[string]any{
			"vaultName": "kv", "tags": map[string]any{"environment": "prod", "application": "a", "owner": "o", "cost-center": "c", "managed-by": "m"},
			"properties": map[string]any{"enableRbacAuthorization": true, "enablePurgeProtection": true, "publicNetworkAccess": "Enabled",
				"networkAcls": map[string]any{"defaultAction": rules.UnknownString}},
		}},
		{URN: "urn:pulumi:prod::misybot-platform::azure-native:storage:StorageAccount::st", Type: "azure-native:storage:StorageAccount", Properties: map[string]any{
			"minimumTlsVersion": "TLS1_0", "encryption": map[string]any{"requireInfrastructureEncryption": true}, "tags": map[string]any{"environment": "prod", "application": "a", "owner": "o", "cost-center": "c", "managed-by": "m"},
		}},
	}}, cfg)
}

func TestSampleReport(t *testing.T) {
	rep := sample(t)
	require.True(t, rep.HasMandatory())
	assert.Equal(t, 2, rep.Counts.Advisory, "storage-account-min-tls-12 and storage-account-blob-soft-delete-configured")
	assert.Equal(t, 1, rep.Counts.Undecidable)
	assert.Equal(t, rules.Mandatory, rep.Violations[0].Enforcement, "mandatory results come first")
}

func TestText(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, report.Write(&buf, sample(t), report.Text, report.Options{}))
	out := buf.String()
	m, a, u := strings.Index(out, "Mandatory ("), strings.Index(out, "Advisory (2)"), strings.Index(out, "Undecidable (1)")
	require.True(t, m >= 0 && a > m && u > a, "groups in level order:\n%s", out)
	assert.Contains(t, out, vaultURN)
	assert.Contains(t, out, "keyvault-no-public-network-access")
	assert.Contains(t, out, "cannot decide yet: properties.networkAcls.defaultAction is unknown")
	assert.Regexp(t, `(?m)^FAIL: \d+ mandatory, 2 advisory, 1 undecidable; \d+ rules on 2 resources \(stack prod, environment prod\)$`, out)
}

func TestMarkdown(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, report.Write(&buf, sample(t), report.Markdown, report.Options{}))
	out := buf.String()
	assert.True(t, strings.HasPrefix(out, "### ❌ Policy check: stack `prod`"))
	assert.Contains(t, out, "| Rule | Resource | Message |")
	assert.Contains(t, out, "| `keyvault-no-public-network-access` | `"+vaultURN+"` |")
	assert.Contains(t, out, "<details><summary>How to fix</summary>")
	assert.Contains(t, out, `Set properties.publicNetworkAccess to "Disabled"`)
}

func TestJSON(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, report.Write(&buf, sample(t), report.JSON, report.Options{}))
	var back rules.Report
	require.NoError(t, json.Unmarshal(buf.Bytes(), &back))
	assert.Equal(t, sample(t), back)
	var raw map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &raw))
	assert.Equal(t, []any{"counts", "environment", "rules", "stack", "undecidable", "violations"}, sortedKeys(raw))
}

func sortedKeys(m map[string]any) []any {
	var keys []any
	for _, k := range []string{"counts", "environment", "rules", "stack", "undecidable", "violations"} {
		if _, ok := m[k]; ok {
			keys = append(keys, k)
		}
	}
	return keys
}

func TestSARIF(t *testing.T) {
	rep := sample(t)
	var buf bytes.Buffer
	require.NoError(t, report.Write(&buf, rep, report.SARIF, report.Options{ArtifactURI: "stacks/Pulumi.prod.yaml", ToolVersion: "0.1.0"}))
	log, err := sarif.FromBytes(buf.Bytes())
	require.NoError(t, err)
	assert.Equal(t, "2.1.0", log.Version)
	require.Len(t, log.Runs, 1)
	run := log.Runs[0]
	assert.Equal(t, "misybot-policy", run.Tool.Driver.Name)

	ruleIDs := map[string]bool{}
	for _, r := range run.Tool.Driver.Rules {
		ruleIDs[r.ID] = true
		require.NotNil(t, r.Help, r.ID)
		assert.NotEmpty(t, *r.Help.Text, r.ID)
		require.NotNil(t, r.ShortDescription, r.ID)
	}
	assert.Len(t, ruleIDs, len(rules.NewRegistry().Rules()), "every rule is described")

	levels := map[string]string{}
	require.Len(t, run.Results, len(rep.Violations)+len(rep.Undecidable))
	for _, res := range run.Results {
		require.NotNil(t, res.RuleID)
		assert.True(t, ruleIDs[*res.RuleID], "result for an undescribed rule %s", *res.RuleID)
		require.NotNil(t, res.Level)
		levels[*res.RuleID] = *res.Level
		require.Len(t, res.Locations, 1)
		loc := res.Locations[0]
		assert.Equal(t, "stacks/Pulumi.prod.yaml", *loc.PhysicalLocation.ArtifactLocation.URI)
		require.Len(t, loc.LogicalLocations, 1)
		urn := *loc.LogicalLocations[0].FullyQualifiedName
		assert.True(t, strings.HasPrefix(urn, "urn:pulumi:prod::"), urn)
		assert.Contains(t, *res.Message.Text, urn, "the URN is in the message")
		assert.NotEmpty(t, res.PartialFingerprints)
	}
	assert.Equal(t, "error", levels["keyvault-no-public-network-access"])
	assert.Equal(t, "warning", levels["storage-account-min-tls-12"])
	assert.Equal(t, "note", levels["keyvault-network-acl-default-deny"])

	// The document validates structurally against the SARIF 2.1.0 shape
	// GitHub needs: $schema, runs[].tool.driver, results[].ruleId/message.
	var raw map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &raw))
	assert.Contains(t, raw["$schema"], "sarif-schema-2.1.0.json")
}

func TestParseFormat(t *testing.T) {
	for _, f := range report.Formats() {
		got, err := report.ParseFormat(strings.ToUpper(f))
		require.NoError(t, err)
		assert.Equal(t, report.Format(f), got)
	}
	_, err := report.ParseFormat("yaml")
	assert.ErrorContains(t, err, "unknown format")
}
