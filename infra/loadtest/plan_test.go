package loadtest_test

import (
	"encoding/json"
	"os"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/misybot/platform/infra/loadtest"
)

// The Azure Load Testing plan fails on the same SLOs as the local gate.
func TestAzurePlanMatchesStagingSLO(t *testing.T) {
	data, err := os.ReadFile("../../loadtest/plan.yaml")
	require.NoError(t, err)
	var plan struct {
		TestType        string   `yaml:"testType"`
		TestPlan        string   `yaml:"testPlan"`
		FailureCriteria []string `yaml:"failureCriteria"`
		Env             []struct{ Name, Value string }
	}
	require.NoError(t, yaml.Unmarshal(data, &plan))
	criterion := regexp.MustCompile(`^(\w+)\((\w+)\)\s*([<>])\s*([0-9.]+)$`)
	got := map[string]float64{}
	for _, c := range plan.FailureCriteria {
		m := criterion.FindStringSubmatch(c)
		require.NotNil(t, m, "failure criterion %q", c)
		v, err := strconv.ParseFloat(m[4], 64)
		require.NoError(t, err)
		got[m[1]+"("+m[2]+")"+m[3]] = v
	}
	slo := loadtest.StagingSLO()
	assert.Equal(t, map[string]float64{
		"p95(response_time_ms)>": float64(slo.P95 / time.Millisecond),
		"p99(response_time_ms)>": float64(slo.P99 / time.Millisecond),
		"percentage(error)>":     slo.MaxErrorRate * 100,
		"avg(requests_per_sec)<": slo.MinThroughput,
	}, got)

	// The URL test's requests sit beside the plan, at most five of them,
	// against the URL the plan's environment names.
	require.Equal(t, "URL", plan.TestType)
	raw, err := os.ReadFile("../../loadtest/" + plan.TestPlan)
	require.NoError(t, err)
	var requests struct {
		Scenarios map[string]struct {
			Requests []struct {
				Endpoint string `json:"endpoint"`
				Method   string `json:"method"`
			} `json:"requests"`
		} `json:"scenarios"`
		TestSetup []struct {
			Scenario string `json:"scenario"`
		} `json:"testSetup"`
	}
	require.NoError(t, json.Unmarshal(raw, &requests))
	require.NotEmpty(t, requests.TestSetup)
	for _, setup := range requests.TestSetup {
		sc, ok := requests.Scenarios[setup.Scenario]
		require.True(t, ok, "testSetup names scenario %q", setup.Scenario)
		assert.LessOrEqual(t, len(sc.Requests), 5)
		for _, r := range sc.Requests {
			assert.Regexp(t, `^\$\{STAGING_URL\}/`, r.Endpoint)
		}
	}
	var names []string
	for _, e := range plan.Env {
		names = append(names, e.Name)
	}
	assert.Contains(t, names, "STAGING_URL")
}

// documentedPlanKeys are the keys of a load test configuration YAML, from
// https://learn.microsoft.com/azure/load-testing/reference-test-config-yaml
var documentedPlanKeys = map[string]bool{
	"version": true, "testId": true, "testName": true, "displayName": true, "description": true,
	"testType": true, "testPlan": true, "engineInstances": true, "configurationFiles": true,
	"failureCriteria": true, "autoStop": true, "properties": true, "zipArtifacts": true,
	"splitAllCSVs": true, "secrets": true, "env": true, "certificates": true,
	"keyVaultReferenceIdentity": true, "subnetId": true, "publicIPDisabled": true,
}

// The plan uses only documented keys, with the required ones present.
func TestAzurePlanKeysAreDocumented(t *testing.T) {
	data, err := os.ReadFile("../../loadtest/plan.yaml")
	require.NoError(t, err)
	var plan map[string]any
	require.NoError(t, yaml.Unmarshal(data, &plan))
	for key := range plan {
		assert.True(t, documentedPlanKeys[key], "plan.yaml key %q is not in the documented schema", key)
	}
	for _, key := range []string{"version", "testId", "testType", "testPlan", "engineInstances"} {
		assert.Contains(t, plan, key, "required key")
	}
	assert.Equal(t, "v0.1", plan["version"])
	assert.Regexp(t, `^[a-z0-9_-]{2,50}$`, plan["testId"])
	assert.LessOrEqual(t, len(plan["description"].(string)), 100, "description: at most 100 characters")
	auto, ok := plan["autoStop"].(map[string]any)
	require.True(t, ok)
	assert.ElementsMatch(t, []string{"errorPercentage", "timeWindow"}, keys(auto))
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
