package graph

import (
	"math/rand"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/misybot/platform/infra/offline"
)

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
	assert.Equal(t, want, Mermaid(plan, false))

	// The registration order does not matter.
	rnd := rand.New(rand.NewSource(1))
	for range 5 {
		rnd.Shuffle(len(plan.Resources), func(i, j int) { plan.Resources[i], plan.Resources[j] = plan.Resources[j], plan.Resources[i] })
		assert.Equal(t, want, Mermaid(plan, false))
	}
}

func TestMermaidTextAndIDs(t *testing.T) {
	assert.Equal(t, "a#quot;b#lt;c#gt;", mermaidText(`a"b<c>`))
	assert.Equal(t, "network_privatelink_vaultcore_azure_net_link", mermaidID("network-privatelink.vaultcore.azure.net-link"))
}

func TestMermaidEdges(t *testing.T) {
	reduced := Mermaid(graphPlan(), false)
	all := Mermaid(graphPlan(), true)
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
