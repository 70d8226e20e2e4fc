package main

import (
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/infra/offline"
)

// The committed diagrams are what graph draws from the committed stacks.
// Refresh them with the command in the failure message (or go test -update).
func TestGraphDiagramsUpToDate(t *testing.T) {
	for _, stack := range []string{"dev", "staging", "prod"} {
		t.Run(stack, func(t *testing.T) {
			r := runMain("graph", "--stack", stack, "--dir", repoRoot)
			require.Equal(t, exitOK, r.code, r.stderr)
			assert.Empty(t, r.stderr)
			path := filepath.Join(repoRoot, "docs", "diagrams", stack+".md")
			if *update {
				require.NoError(t, os.WriteFile(path, []byte(r.stdout), 0o644))
			}
			assertFresh(t, path, r.stdout, "go run ./infra/cmd/misyinfra graph --stack "+stack+" -o docs/diagrams/"+stack+".md")
		})
	}
}

func TestGraphOfTheRealStackHasEveryResource(t *testing.T) {
	r := runMain("plan", "--stack", "prod", "--dir", repoRoot, "--format", "json")
	require.Equal(t, exitOK, r.code, r.stderr)
	g := runMain("graph", "--stack", "prod", "--dir", repoRoot, "--format", "mermaid")
	require.Equal(t, exitOK, g.code, g.stderr)
	assert.True(t, strings.HasPrefix(g.stdout, "flowchart LR\n"))
	assert.NotContains(t, g.stdout, "```")
	for _, name := range []string{"app-identity", "keyvault-vault", "network-vnet", "servicebus-namespace", "observability-workspace"} {
		assert.Contains(t, g.stdout, "<br/>"+name+`"]`, name)
	}
	// Every node the edges name is declared.
	declared := map[string]bool{}
	for _, line := range strings.Split(g.stdout, "\n") {
		line = strings.TrimSpace(line)
		if i := strings.IndexAny(line, "[ "); i > 0 && !strings.Contains(line, "-->") && !strings.Contains(line, "-.->") {
			id := line[:i]
			if strings.HasPrefix(line, "subgraph ") {
				id = strings.Fields(line)[1]
			}
			declared[id] = true
		}
	}
	for _, line := range strings.Split(g.stdout, "\n") {
		for _, arrow := range []string{" --> ", " -.-> "} {
			if from, to, ok := strings.Cut(strings.TrimSpace(line), arrow); ok {
				assert.True(t, declared[from], "edge from undeclared node %s", from)
				assert.True(t, declared[to], "edge to undeclared node %s", to)
				assert.True(t, strings.HasPrefix(from, "r_") && strings.HasPrefix(to, "r_"), "edges join resources, not components: %s", line)
			}
		}
	}
}

// graphPlan: a resource group; a component holding a vault (in the group)
// and the vault's secret (a child of the vault, depending on the vault and
// the group); a nested component; and two resources whose names collide once
// made into Mermaid IDs.
func graphPlan() *offline.Plan {
	const stack = "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev"
	rg := offline.Resource{URN: "urn:pulumi:dev::p::azure-native:resources:ResourceGroup::rg", Type: "azure-native:resources:ResourceGroup", Name: "rg", Parent: stack, Custom: true, ID: "/subscriptions/0/resourceGroups/rg"}
	comp := offline.Resource{URN: "urn:pulumi:dev::p::misybot:kv:KeyVault::kv", Type: "misybot:kv:KeyVault", Name: "kv", Parent: stack}
	inner := offline.Resource{URN: "urn:pulumi:dev::p::misybot:kv:KeyVault$misybot:kv:Inner::kv-inner", Type: "misybot:kv:Inner", Name: "kv-inner", Parent: comp.URN}
	vault := offline.Resource{URN: "urn:pulumi:dev::p::misybot:kv:KeyVault$azure-native:keyvault:Vault::kv-vault", Type: "azure-native:keyvault:Vault", Name: "kv-vault", Parent: comp.URN, Custom: true, Dependencies: []string{rg.URN}}
	secret := offline.Resource{URN: "urn:pulumi:dev::p::misybot:kv:KeyVault$azure-native:keyvault:Vault$azure-native:keyvault:Secret::kv-secret", Type: "azure-native:keyvault:Secret", Name: "kv-secret", Parent: vault.URN, Custom: true, Dependencies: []string{rg.URN, vault.URN}}
	dotted := offline.Resource{URN: "urn:pulumi:dev::p::misybot:kv:KeyVault$misybot:kv:Inner$azure-native:network:PrivateZone::a.b", Type: "azure-native:network:PrivateZone", Name: "a.b", Parent: inner.URN, Custom: true, Dependencies: []string{rg.URN, comp.URN}}
	dashed := offline.Resource{URN: "urn:pulumi:dev::p::azure-native:network:PrivateZone::a-b", Type: "azure-native:network:PrivateZone", Name: "a-b", Parent: stack, Custom: true, Dependencies: []string{rg.URN, dotted.URN}}
	return &offline.Plan{Project: "p", Stack: "dev", StackURN: stack, Resources: []offline.Resource{rg, comp, inner, vault, secret, dotted, dashed}}
}

func TestMermaidLayout(t *testing.T) {
	want := `flowchart LR
  r_a_b["azure-native:network:PrivateZone<br/>a-b"]
  r_rg["azure-native:resources:ResourceGroup<br/>rg"]
  subgraph c_kv ["misybot:kv:KeyVault<br/>kv"]
    r_kv_secret["azure-native:keyvault:Secret<br/>kv-secret"]
    r_kv_vault["azure-native:keyvault:Vault<br/>kv-vault"]
    subgraph c_kv_inner ["misybot:kv:Inner<br/>kv-inner"]
      r_a_b_2["azure-native:network:PrivateZone<br/>a.b"]
    end
  end
  r_kv_vault -.-> r_kv_secret
  r_a_b_2 --> r_a_b
  r_rg --> r_a_b_2
  r_rg --> r_kv_vault
`
	plan := graphPlan()
	assert.Equal(t, want, mermaid(plan, false))

	// The registration order does not matter.
	rnd := rand.New(rand.NewSource(1))
	for range 5 {
		rnd.Shuffle(len(plan.Resources), func(i, j int) { plan.Resources[i], plan.Resources[j] = plan.Resources[j], plan.Resources[i] })
		assert.Equal(t, want, mermaid(plan, false))
	}
}

func TestMermaidText(t *testing.T) {
	assert.Equal(t, "a#quot;b#lt;c#gt;", mermaidText(`a"b<c>`))
	assert.Equal(t, "network_privatelink_vaultcore_azure_net_link", mermaidID("network-privatelink.vaultcore.azure.net-link"))
}

func TestMermaidEdges(t *testing.T) {
	reduced := mermaid(graphPlan(), false)
	all := mermaid(graphPlan(), true)
	// The secret's dependency on its parent vault is parenthood: a dotted
	// arrow, never a dependency arrow, with or without --all-edges.
	for _, chart := range []string{reduced, all} {
		assert.Contains(t, chart, "r_kv_vault -.-> r_kv_secret\n")
		assert.NotContains(t, chart, "r_kv_vault --> r_kv_secret")
		assert.NotContains(t, chart, "--> c_", "no edge to a component")
		assert.NotContains(t, chart, "c_kv --> ", "no edge from a component")
	}
	// rg --> secret is implied by rg --> vault -.-> secret.
	assert.NotContains(t, reduced, "r_rg --> r_kv_secret")
	assert.Contains(t, all, "r_rg --> r_kv_secret\n")
	// rg --> a-b (r_a_b) is implied by rg --> a.b (r_a_b_2) --> a-b.
	assert.NotContains(t, reduced, "r_rg --> r_a_b\n")
	assert.Contains(t, all, "r_rg --> r_a_b\n")
}

func TestGraphWritesFileAndRejectsMistakes(t *testing.T) {
	dir := project(t, map[string]string{"dev": testStack})
	out := filepath.Join(t.TempDir(), "dev.md")
	r := runApp(testApp(), "graph", "--stack", "dev", "--dir", dir, "-o", out)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Empty(t, r.stdout)
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(data), "# Resource graph: `misybot-platform/dev`\n"))
	assert.Contains(t, string(data), "\n```mermaid\nflowchart LR\n")
	assert.True(t, strings.HasSuffix(string(data), "```\n"))
	assertNoSecrets(t, string(data))

	for args, want := range map[string]string{
		"graph --dir " + dir:                          "missing --stack: name the stack, e.g. --stack dev",
		"graph --stack dev --format svg --dir " + dir: `--format: unknown format "svg" (want markdown, mermaid)`,
		"graph --stack dev extra --dir " + dir:        `graph takes no arguments, got "extra"`,
		"graph --stack qa --dir " + dir:               "stack qa: " + filepath.Join(dir, "Pulumi.qa.yaml") + ": file does not exist",
	} {
		r := runApp(testApp(), strings.Fields(args)...)
		assert.Equal(t, exitUsage, r.code, args)
		assert.Empty(t, r.stdout, args)
		assert.Equal(t, []string{want}, r.stderrLines(), args)
	}
}
