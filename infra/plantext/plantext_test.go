package plantext_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/infra/offline"
	"github.com/misybot/platform/infra/plantext"
	"github.com/misybot/platform/policy/report"
	"github.com/misybot/platform/policy/rules"
)

const stackURN = "urn:pulumi:dev::misybot::pulumi:pulumi:Stack::misybot-dev"

func urn(typ, name string) string { return "urn:pulumi:dev::misybot::" + typ + "::" + name }

// samplePlan is a created plan: a component with two children (one read),
// a top-level vault, a resource whose parent is not in the plan, and
// outputs plain, secret and unknown.
func samplePlan() *offline.Plan {
	comp := urn("misybot:network:Network", "net")
	return &offline.Plan{
		Project: "misybot", Stack: "dev", StackURN: stackURN,
		Resources: []offline.Resource{
			{URN: comp, Type: "misybot:network:Network", Name: "net", Parent: stackURN},
			{URN: urn("azure-native:network:VirtualNetwork", "vnet"), Type: "azure-native:network:VirtualNetwork", Name: "vnet", Parent: comp, Custom: true},
			{URN: urn("azure-native:resources:ResourceGroup", "rg"), Type: "azure-native:resources:ResourceGroup", Name: "rg", Parent: comp, Custom: true, Read: true},
			{URN: urn("azure-native:keyvault:Vault", "kv"), Type: "azure-native:keyvault:Vault", Name: "kv", Parent: "urn:gone", Custom: true},
		},
		Outputs: map[string]offline.Output{
			"vaultUri": {Value: resource.NewProperty("https://kv.vault.azure.net/"), Known: true},
			"token":    {Value: resource.NewProperty("hidden"), Secret: true, Known: true},
			"appFqdn":  {},
		},
	}
}

func TestWriteTextCreatedPlan(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, plantext.WriteText(&b, samplePlan()))
	want := `Previewing misybot/dev (offline: Pulumi mocks, no Azure calls)

     Type                                        Name
 +   pulumi:pulumi:Stack                         misybot-dev
 +   ├─ misybot:network:Network                  net
 +   │  ├─ azure-native:network:VirtualNetwork   vnet
 >-  │  └─ azure-native:resources:ResourceGroup  rg
 +   └─ azure-native:keyvault:Vault              kv

Resources:
    + 3 to create
    > 1 to read

    azure-native:keyvault:Vault           1
    azure-native:network:VirtualNetwork   1
    azure-native:resources:ResourceGroup  1
    misybot:network:Network               1

Outputs:
    appFqdn : [unknown]
    token   : [secret]
    vaultUri: "https://kv.vault.azure.net/"
`
	assert.Equal(t, want, b.String())
	assert.NotContains(t, b.String(), "hidden", "a secret output is never printed")
}

// TestWriteTextUpdate: an update lists each operation's count and symbol,
// and the changes with their keys.
func TestWriteTextUpdate(t *testing.T) {
	plan := samplePlan()
	vnet, rg, kv := plan.Resources[1].URN, plan.Resources[2].URN, plan.Resources[3].URN
	plan.Changes = []offline.Change{
		{URN: plan.Resources[0].URN, Op: offline.OpSame},
		{URN: vnet, Op: offline.OpReplace, Keys: []string{"location", "tags"}, ReplaceKeys: []string{"location"}},
		{URN: rg, Op: offline.OpRead},
		{URN: kv, Op: offline.OpMaybeUpdate, Keys: []string{"properties"}},
		{URN: urn("azure-native:network:Subnet", "old"), Op: offline.OpDelete},
		{URN: urn("azure-native:network:Subnet", "other"), Op: offline.OpUpdate, Keys: []string{"addressPrefix"}},
	}
	var b bytes.Buffer
	require.NoError(t, plantext.WriteText(&b, plan))
	out := b.String()
	for _, want := range []string{
		"     ├─ misybot:network:Network ", // unchanged: no symbol
		" +-  │  ├─ azure-native:network:VirtualNetwork",
		" ~?  └─ azure-native:keyvault:Vault",
		"    + 0 to create\n    ~ 1 to update\n    ~? 1 to update if a secret changed (not comparable offline)\n    +- 1 to replace\n    - 1 to delete\n      1 unchanged\n    > 1 to read\n",
		"\nChanges:\n",
		"    +- " + vnet + ": location, tags (replace forced by location)\n",
		"    ~? " + kv + ": properties (a secret the prior state holds as ciphertext or under another key: its value cannot be compared offline)\n",
		"    - " + urn("azure-native:network:Subnet", "old") + "\n",
		"    ~ " + urn("azure-native:network:Subnet", "other") + ": addressPrefix\n",
	} {
		assert.Contains(t, out, want)
	}
}

func TestValueText(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    resource.PropertyValue
		want string
	}{
		{"object with secret and unknown", resource.NewProperty(resource.PropertyMap{
			"b":    resource.NewProperty([]resource.PropertyValue{resource.NewProperty(1.5), resource.NewProperty(true)}),
			"a":    resource.MakeSecret(resource.NewProperty("hidden")),
			"c":    resource.MakeComputed(resource.NewProperty("")),
			"name": resource.NewProperty("x"),
		}), `{a: [secret], b: [1.5, true], c: [unknown], name: "x"}`},
		{"null", resource.NewNullProperty(), "null"},
		{"quoted string", resource.NewProperty(`a "b"`), `"a \"b\""`},
		{"integer number", resource.NewProperty(3.0), "3"},
		{"secret output", resource.NewProperty(resource.Output{Element: resource.NewProperty("hidden"), Known: true, Secret: true}), "[secret]"},
		{"unknown output", resource.NewProperty(resource.Output{}), "[unknown]"},
		{"known output", resource.NewProperty(resource.Output{Element: resource.NewProperty("v"), Known: true}), `"v"`},
		{"empty array", resource.NewProperty([]resource.PropertyValue{}), "[]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, plantext.ValueText(tc.v))
		})
	}
	assert.Equal(t, "[secret]", plantext.OutputText(offline.Output{Value: resource.NewProperty("hidden"), Secret: true, Known: true}))
	assert.Equal(t, "[unknown]", plantext.OutputText(offline.Output{}))
	assert.Equal(t, "true", plantext.OutputText(offline.Output{Value: resource.NewProperty(true), Known: true}))
}

func sampleReport() *rules.Report {
	return &rules.Report{Stack: "dev", Environment: "dev"}
}

func TestWriteFormats(t *testing.T) {
	for _, tc := range []struct {
		name     string
		format   report.Format
		rep      *rules.Report
		contains []string
		absent   []string
		err      error
	}{
		{name: "text without policies", format: report.Text, contains: []string{"Previewing misybot/dev", "Outputs:"}},
		{name: "text with policies", format: report.Text, rep: sampleReport(), contains: []string{"Previewing misybot/dev"}},
		{name: "json with policies", format: report.JSON, rep: sampleReport(), contains: []string{`"policy": {`, `"stack": "dev"`}},
		{name: "json without policies", format: report.JSON, absent: []string{`"policy"`}},
		{name: "markdown without policies", format: report.Markdown, contains: []string{"### Offline plan: `misybot/dev`", "<summary>4 resources to create</summary>", "| `azure-native:keyvault:Vault` | 1 |"}},
		{name: "sarif without policies", format: report.SARIF, err: plantext.ErrNoPolicyReport},
		{name: "sarif with policies", format: report.SARIF, rep: sampleReport(), contains: []string{`"version": "2.1.0"`, `"name": "misybot-policy"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			err := plantext.Write(&b, samplePlan(), tc.rep, tc.format, "Pulumi.dev.yaml")
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				assert.Empty(t, b.String())
				return
			}
			require.NoError(t, err)
			for _, s := range tc.contains {
				assert.Contains(t, b.String(), s)
			}
			for _, s := range tc.absent {
				assert.NotContains(t, b.String(), s)
			}
			assert.NotContains(t, b.String(), "hidden", "a secret output is never printed")
			if tc.format == report.JSON {
				assert.True(t, json.Valid(b.Bytes()), "the JSON plan is one JSON document")
			}
		})
	}
}

// TestWriteTextWithReportSeparatesThem: the report follows the plan
// after one blank line.
func TestWriteTextWithReportSeparatesThem(t *testing.T) {
	var plain, withReport, rep bytes.Buffer
	require.NoError(t, plantext.WriteText(&plain, samplePlan()))
	require.NoError(t, report.Write(&rep, *sampleReport(), report.Text, report.Options{}))
	require.NoError(t, plantext.Write(&withReport, samplePlan(), sampleReport(), report.Text, ""))
	assert.Equal(t, plain.String()+"\n"+rep.String(), withReport.String())
}

func TestWriteMarkdownSummaryChangesAndProblems(t *testing.T) {
	plan := samplePlan()
	vnet := plan.Resources[1].URN
	plan.Changes = []offline.Change{
		{URN: vnet, Op: offline.OpReplace, Keys: []string{"location"}, ReplaceKeys: []string{"location"}},
		{URN: plan.Resources[3].URN, Op: offline.OpSame},
	}
	plan.Problems = []offline.Problem{{Code: "ScopeLocked", URN: vnet, Message: "a | b"}}
	var b bytes.Buffer
	require.NoError(t, plantext.WriteMarkdownSummary(&b, plan))
	out := b.String()
	assert.Contains(t, out, "<summary>1 resources change</summary>")
	assert.Contains(t, out, "| replace | `"+vnet+"` | location (forced by location) |")
	assert.NotContains(t, out, "| same |", "unchanged resources are not listed")
	assert.Contains(t, out, "**1 changes Azure would refuse:**")
	assert.Contains(t, out, `a \| b`, "a pipe in a problem would break the table")
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteReportsWriterErrors(t *testing.T) {
	for _, f := range []report.Format{report.Text, report.JSON, report.Markdown} {
		t.Run(string(f), func(t *testing.T) {
			assert.ErrorContains(t, plantext.Write(failingWriter{}, samplePlan(), nil, f, ""), "disk full")
		})
	}
}
