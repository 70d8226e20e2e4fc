package anchors_test

import "strings"

// ver registers a type under an API-version module:
// ver("azure-native:keyvault:Vault", "v20230701") → azure-native:keyvault/v20230701:Vault.
func ver(t, v string) string {
	pkg, rest, _ := strings.Cut(t, ":")
	mod, name, _ := strings.Cut(rest, ":")
	return pkg + ":" + mod + "/" + v + ":" + name
}

// corpus is the probe corpus. Sources per check (read, not copied):
//   - Checkov: bridgecrewio/checkov checkov/terraform/checks/resource/azure/*.py
//     and checkov/terraform/checks/graph_checks/azure/*.yaml (ids in each check);
//   - Trivy: aquasecurity/trivy-checks checks/cloud/azure/** (.rego/.yaml with
//     the AVD id and its test data);
//   - Azure Policy: Azure/azure-policy built-in-policies/policyDefinitions/**
//     (the GUID is the definition's name).
//
// Every probe writes the misconfiguration the check describes in the shape
// an azure-native user would: inline or as a child resource, canonical or
// API-versioned token, the property left out where Azure's default is the
// misconfiguration, enum values in other letter cases, numbers as strings.
func corpus() []probe {
	var ps []probe
	add := func(p probe) { ps = append(ps, p) }

	// ---- Key Vault -------------------------------------------------------
	kv := vaultStack(vaultT, "kv-probe1")
	add(probe{id: "kv-purge-protection-omitted", anchors: []string{"CKV_AZURE_110", "AVD-AZU-0016", "AP:0b60c0b2-2dc2-4e1c-b5c9-abbed971de53"},
		shape: "property omitted (default off)", bad: edit(kv, "kv-probe1", "properties.enablePurgeProtection", nil), good: kv})
	kvV := vaultStack(ver(vaultT, "v20230701"), "kv-probe2")
	add(probe{id: "kv-purge-protection-false-versioned", anchors: []string{"CKV_AZURE_110", "AVD-AZU-0016"},
		shape: "versioned token, false", bad: edit(kvV, "kv-probe2", "properties.enablePurgeProtection", false), good: kvV})
	add(probe{id: "kv-soft-delete-false", anchors: []string{"CKV_AZURE_42", "CKV_AZURE_111", "AP:1e66c121-a66a-4b1f-9b83-0fd99bf0fc2d"},
		shape: "false as a string", bad: edit(kv, "kv-probe1", "properties.enableSoftDelete", "false"), good: kv})
	add(probe{id: "kv-network-acls-omitted", anchors: []string{"CKV_AZURE_109", "AVD-AZU-0013", "AP:55615ac9-af46-4a59-874e-391cc3dfb490"},
		shape: "networkAcls omitted (default Allow)", bad: edit(kv, "kv-probe1", "properties.networkAcls", nil), good: kv})
	add(probe{id: "kv-network-acls-allow-lowercase", anchors: []string{"CKV_AZURE_109", "AVD-AZU-0013"},
		shape: "enum in lower case", bad: edit(kv, "kv-probe1", "properties.networkAcls.defaultAction", "allow"), good: kv})
	add(probe{id: "kv-public-network-enabled-lowercase", anchors: []string{"CKV_AZURE_189", "AP:405c5871-3e91-4644-8a63-58e19d68ff5b"},
		shape: "enum in lower case", bad: edit(kv, "kv-probe1", "properties.publicNetworkAccess", "enabled"), good: kv})
	add(probe{id: "kv-public-network-omitted", anchors: []string{"CKV_AZURE_189", "AP:405c5871-3e91-4644-8a63-58e19d68ff5b"},
		shape: "property omitted (default Enabled)", bad: edit(kv, "kv-probe1", "properties.publicNetworkAccess", nil), good: kv})
	add(probe{id: "kv-no-private-endpoint", anchors: []string{"CKV2_AZURE_32", "AP:a6abeaec-4d90-4a02-805f-6b26c4d3fbe9"},
		shape: "missing companion resource", bad: without(kv, "aux-pe-kv-probe1"), good: kv})
	add(probe{id: "kv-access-policies", anchors: []string{"AP:12d4fa5e-1f9f-4c21-97a9-b99b3c6611b5"},
		shape: "RBAC off, access policies", bad: edit(edit(kv, "kv-probe1", "properties.enableRbacAuthorization", false), "kv-probe1", "properties.accessPolicies",
			list(obj("tenantId", tenant, "objectId", principal, "permissions", obj("secrets", list("get", "list"))))), good: kv})
	add(probe{id: "kv-rbac-omitted", anchors: []string{"AP:12d4fa5e-1f9f-4c21-97a9-b99b3c6611b5"},
		shape: "enableRbacAuthorization omitted (access policies by default)", bad: edit(kv, "kv-probe1", "properties.enableRbacAuthorization", nil), good: kv})
	add(probe{id: "kv-no-diagnostics", anchors: []string{"AP:cf820ca0-f99e-4f3e-84fb-66e913812d21"},
		shape: "missing diagnostic setting", bad: without(kv, "aux-diag-kv-probe1"), good: kv})
	add(probe{id: "kv-diagnostics-disabled", anchors: []string{"AP:cf820ca0-f99e-4f3e-84fb-66e913812d21"},
		shape: "diagnostic setting with every category disabled", bad: edit(kv, "aux-diag-kv-probe1", "logs", list(obj("categoryGroup", "allLogs", "enabled", false))), good: kv})

	secretT := "azure-native:keyvault:Secret"
	sec := func(typ string, props map[string]any) []res {
		return []res{{typ, "kv-secret", obj("vaultName", "kv-probe1", "secretName", "bot-token", "properties", props)}}
	}
	goodSecret := obj("value", secret{"s3cr3t"}, "contentType", "text/plain", "attributes", obj("enabled", true, "expires", 1893456000))
	add(probe{id: "kv-secret-no-expiry", anchors: []string{"CKV_AZURE_41", "AVD-AZU-0017", "AP:98728c90-32c7-4049-8429-847dc0f4fe37"},
		shape: "child resource, attributes omitted", bad: sec(secretT, with(goodSecret, "attributes", nil)), good: sec(secretT, goodSecret)})
	add(probe{id: "kv-secret-no-content-type-versioned", anchors: []string{"CKV_AZURE_114", "AVD-AZU-0015", "AP:75262d3e-ba4a-4f43-85f8-9f72c090e5e3"},
		shape: "versioned child resource, contentType omitted", bad: sec(ver(secretT, "v20230201"), with(goodSecret, "contentType", nil)), good: sec(ver(secretT, "v20230201"), goodSecret)})
	add(probe{id: "kv-secret-expiry-as-string", anchors: []string{"CKV_AZURE_41", "AVD-AZU-0017"},
		shape: "expiry 0 (never) written as a string", bad: sec(secretT, with(goodSecret, "attributes.expires", nil)), good: sec(secretT, with(goodSecret, "attributes.expires", "1893456000"))})

	keyT := "azure-native:keyvault:Key"
	key := func(typ string, props map[string]any) []res {
		return []res{{typ, "kv-key", obj("vaultName", "kv-probe1", "keyName", "cmk", "properties", props)}}
	}
	goodKey := obj("kty", "RSA-HSM", "keySize", 3072, "keyOps", list("wrapKey", "unwrapKey"),
		"attributes", obj("enabled", true, "expires", 1893456000),
		"rotationPolicy", obj("attributes", obj("expiryTime", "P2Y"), "lifetimeActions", list(
			obj("action", obj("type", "rotate"), "trigger", obj("timeAfterCreate", "P18M")),
			obj("action", obj("type", "notify"), "trigger", obj("timeBeforeExpiry", "P30D")))))
	add(probe{id: "kv-key-no-expiry", anchors: []string{"CKV_AZURE_40", "AVD-AZU-0014", "AP:152b15f7-8e1f-4c1f-ab71-8c010ba5dbc0"},
		shape: "child resource, attributes omitted", bad: key(keyT, with(goodKey, "attributes", nil)), good: key(keyT, goodKey)})
	add(probe{id: "kv-key-software", anchors: []string{"CKV_AZURE_112", "AP:587c79fe-dd04-4a5e-9d0b-f89598c7261b"},
		shape: "kty RSA", bad: key(ver(keyT, "v20230701"), with(goodKey, "kty", "RSA")), good: key(ver(keyT, "v20230701"), goodKey)})
	add(probe{id: "kv-key-rsa-1024", anchors: []string{"AP:82067dbb-e53b-4e06-b631-546d197452d9"},
		shape: "key size as a string", bad: key(keyT, with(goodKey, "keySize", "1024")), good: key(keyT, goodKey)})
	add(probe{id: "kv-key-no-rotation", anchors: []string{"AP:d8cf8476-a2ec-4916-896e-992351803c44"},
		shape: "rotation policy omitted", bad: key(keyT, with(goodKey, "rotationPolicy", nil)), good: key(keyT, goodKey)})

	// ---- Container registry ---------------------------------------------
	acr := registryStack(registryT, "crprobe1")
	add(probe{id: "acr-admin-enabled-string", anchors: []string{"CKV_AZURE_137", "AP:dc921057-6b28-4fbe-9b83-f7bec05db6c2"},
		shape: "true as a string", bad: edit(acr, "crprobe1", "adminUserEnabled", "true"), good: acr})
	acrV := registryStack(ver(registryT, "v20230701"), "crprobe2")
	add(probe{id: "acr-admin-enabled-versioned", anchors: []string{"CKV_AZURE_137"},
		shape: "versioned token", bad: edit(acrV, "crprobe2", "adminUserEnabled", true), good: acrV})
	add(probe{id: "acr-anonymous-pull", anchors: []string{"CKV_AZURE_138", "AP:9f2dea28-e834-476c-99c5-3507b4728395"},
		shape: "true", bad: edit(acr, "crprobe1", "anonymousPullEnabled", true), good: acr})
	add(probe{id: "acr-public-network-omitted", anchors: []string{"CKV_AZURE_139", "AP:0fdf0491-d080-4575-b627-ad0e843cba0f"},
		shape: "property omitted (default Enabled)", bad: edit(acr, "crprobe1", "publicNetworkAccess", nil), good: acr})
	add(probe{id: "acr-network-default-allow", anchors: []string{"AP:d0793b48-0edc-4296-a390-4c75d1bdfd71"},
		shape: "public access on, rule set Allow", bad: edit(edit(acr, "crprobe1", "publicNetworkAccess", "Enabled"), "crprobe1", "networkRuleSet.defaultAction", "Allow"),
		good: edit(acr, "crprobe1", "publicNetworkAccess", "Disabled")})
	add(probe{id: "acr-network-rules-omitted-public", anchors: []string{"AP:d0793b48-0edc-4296-a390-4c75d1bdfd71"},
		shape: "public access Enabled, networkRuleSet omitted (default Allow)", bad: edit(edit(acr, "crprobe1", "publicNetworkAccess", "Enabled"), "crprobe1", "networkRuleSet", nil),
		good: edit(acr, "crprobe1", "publicNetworkAccess", "Disabled")})
	add(probe{id: "acr-basic-sku", anchors: []string{"CKV_AZURE_163", "AP:bd560fc0-3c69-498a-ae9f-aa8eb7de0e13"},
		shape: "SKU without private link", bad: edit(acr, "crprobe1", "sku.name", "Basic"), good: acr})
	add(probe{id: "acr-no-private-endpoint", anchors: []string{"AP:e8eef0a8-67cf-4eb4-9386-14b0e78733d4"},
		shape: "missing companion resource", bad: without(acr, "aux-pe-crprobe1"), good: acr})
	add(probe{id: "acr-export-enabled", anchors: []string{"AP:524b0254-c285-4903-bee6-bb8126cde579"},
		shape: "policies.exportPolicy enabled", bad: edit(acr, "crprobe1", "policies.exportPolicy.status", "Enabled"), good: acr})
	add(probe{id: "acr-zone-redundancy-omitted", anchors: []string{"CKV_AZURE_233"},
		shape: "property omitted (default Disabled)", bad: edit(acr, "crprobe1", "zoneRedundancy", nil), good: acr})
	add(probe{id: "acr-retention-omitted", anchors: []string{"CKV_AZURE_167"},
		shape: "policies omitted", bad: edit(acr, "crprobe1", "policies.retentionPolicy", nil), good: acr})
	add(probe{id: "acr-trust-disabled", anchors: []string{"CKV_AZURE_164"},
		shape: "policies.trustPolicy disabled", bad: edit(acr, "crprobe1", "policies.trustPolicy.status", "disabled"), good: acr})
	add(probe{id: "acr-quarantine-omitted", anchors: []string{"CKV_AZURE_166"},
		shape: "policies.quarantinePolicy omitted", bad: edit(acr, "crprobe1", "policies.quarantinePolicy", nil), good: acr})
	add(probe{id: "acr-dedicated-data-endpoint-omitted", anchors: []string{"CKV_AZURE_237"},
		shape: "property omitted", bad: edit(acr, "crprobe1", "dataEndpointEnabled", nil), good: acr})
	add(probe{id: "acr-not-geo-replicated", anchors: []string{"CKV_AZURE_165"},
		shape: "missing Replication child resource", bad: without(acr, "aux-repl-crprobe1"), good: acr})
	add(probe{id: "acr-arm-audience-tokens", anchors: []string{"AP:42781ec6-6127-4c30-bdfa-fb423a0047d3"},
		shape: "policies.azureADAuthenticationAsArmPolicy enabled", bad: edit(acr, "crprobe1", "policies.azureADAuthenticationAsArmPolicy.status", "enabled"), good: acr})

	// ---- Storage -----------------------------------------------------------
	st := storageStack(storageT, "stprobe1")
	add(probe{id: "st-https-false", anchors: []string{"CKV_AZURE_3", "CKV_AZURE_60", "AVD-AZU-0008", "AP:404c3081-a854-4457-ae30-26a93ef643f9"},
		shape: "false", bad: edit(st, "stprobe1", "enableHttpsTrafficOnly", false), good: st})
	add(probe{id: "st-tls10", anchors: []string{"CKV_AZURE_44", "AVD-AZU-0011", "AP:fe83a0eb-a853-422d-aac2-1bffd182c5d0"},
		shape: "TLS1_0", bad: edit(st, "stprobe1", "minimumTlsVersion", "TLS1_0"), good: st})
	stV := storageStack(ver(storageT, "v20230501"), "stprobe2")
	add(probe{id: "st-tls-omitted-versioned", anchors: []string{"CKV_AZURE_44", "AVD-AZU-0011"},
		shape: "versioned token, property omitted", bad: edit(stV, "stprobe2", "minimumTlsVersion", nil), good: stV})
	add(probe{id: "st-blob-public-access", anchors: []string{"CKV_AZURE_190", "CKV2_AZURE_47", "AP:4fa4b6c0-31ca-4c0d-b10d-24b96f62a751"},
		shape: "true", bad: edit(st, "stprobe1", "allowBlobPublicAccess", true), good: st})
	add(probe{id: "st-blob-public-access-omitted", anchors: []string{"CKV_AZURE_190", "AP:4fa4b6c0-31ca-4c0d-b10d-24b96f62a751"},
		shape: "property omitted (Checkov fails a missing attribute; the built-in flags anything but false)", bad: edit(st, "stprobe1", "allowBlobPublicAccess", nil), good: st})
	add(probe{id: "st-shared-key-omitted", anchors: []string{"CKV2_AZURE_40", "AP:8c6a50c6-9ffd-4ae7-986f-5fa6111f9a54"},
		shape: "property omitted (default allowed)", bad: edit(st, "stprobe1", "allowSharedKeyAccess", nil), good: st})
	add(probe{id: "st-network-default-allow", anchors: []string{"CKV_AZURE_35", "AVD-AZU-0012", "AP:34c877ad-507e-4c82-993e-3452a6e0ad3c"},
		shape: "networkRuleSet Allow", bad: edit(st, "stprobe1", "networkRuleSet.defaultAction", "Allow"), good: st})
	add(probe{id: "st-network-rules-omitted", anchors: []string{"CKV_AZURE_35", "AVD-AZU-0012"},
		shape: "networkRuleSet omitted (default Allow)", bad: edit(st, "stprobe1", "networkRuleSet", nil), good: st})
	add(probe{id: "st-no-trusted-services", anchors: []string{"CKV_AZURE_36", "AVD-AZU-0010", "AP:c9d007d0-c057-4772-b18c-01e546713bcd"},
		shape: "bypass None", bad: edit(st, "stprobe1", "networkRuleSet.bypass", "None"), good: st})
	add(probe{id: "st-public-network-omitted", anchors: []string{"CKV_AZURE_59", "AP:b2982f36-99f2-4db5-8eff-283140c09693"},
		shape: "property omitted (default Enabled)", bad: edit(st, "stprobe1", "publicNetworkAccess", nil), good: st})
	add(probe{id: "st-no-private-endpoint", anchors: []string{"CKV2_AZURE_33", "AP:6edd7eda-6dd8-40f7-810d-67160c639cd9"},
		shape: "missing companion resource", bad: without(st, "aux-pe-stprobe1"), good: st})
	add(probe{id: "st-lrs", anchors: []string{"CKV_AZURE_206", "AVD-AZU-0058", "AP:bf045164-79ba-4215-8f95-f8048dc1780b"},
		shape: "Standard_LRS", bad: edit(st, "stprobe1", "sku.name", "Standard_LRS"), good: st})
	add(probe{id: "st-cross-tenant-replication", anchors: []string{"AP:92a89a79-6c52-4a7e-a03f-61306fc49312"},
		shape: "true", bad: edit(st, "stprobe1", "allowCrossTenantReplication", true), good: st})
	add(probe{id: "st-no-sas-policy", anchors: []string{"CKV2_AZURE_41", "AP:bc1b984e-ddae-40cc-801a-050a030e4fbe"},
		shape: "sasPolicy omitted", bad: edit(st, "stprobe1", "sasPolicy", nil), good: st})
	add(probe{id: "st-ip-rules", anchors: []string{"AP:2a1a9cdf-e04d-429a-8416-3bfb72a1b26f"},
		shape: "networkRuleSet.ipRules", bad: edit(st, "stprobe1", "networkRuleSet.ipRules", list(obj("iPAddressOrRange", "203.0.113.0/24", "action", "Allow"))), good: st})
	add(probe{id: "st-no-infrastructure-encryption", anchors: []string{"AVD-AZU-0061", "AP:4733ea7b-a883-42fe-8cac-97454c2a9e4a"},
		shape: "encryption.requireInfrastructureEncryption omitted", bad: edit(st, "stprobe1", "encryption.requireInfrastructureEncryption", nil), good: st})
	add(probe{id: "st-name-invalid", anchors: []string{"CKV_AZURE_43"},
		shape: "upper case and hyphen in accountName", bad: edit(st, "stprobe1", "accountName", "St-Probe1"), good: st})
	add(probe{id: "st-local-users", anchors: []string{"CKV_AZURE_244"},
		shape: "isLocalUserEnabled true", bad: edit(st, "stprobe1", "isLocalUserEnabled", true), good: st})
	add(probe{id: "st-no-blob-soft-delete", anchors: []string{"CKV2_AZURE_38", "AVD-AZU-0056"},
		shape: "BlobServiceProperties child, retention disabled", bad: edit(st, "aux-blobsvc-stprobe1", "deleteRetentionPolicy.enabled", false), good: st})
	add(probe{id: "st-blob-service-omitted", anchors: []string{"CKV2_AZURE_38", "AVD-AZU-0056"},
		shape: "no BlobServiceProperties at all (default: soft delete off)", bad: without(st, "aux-blobsvc-stprobe1"), good: st})
	cont := func(typ, access string) []res {
		return append(storageStack(storageT, "stprobe3"), res{typ, "container-logs", obj("accountName", "stprobe3", "containerName", "logs", "publicAccess", access)})
	}
	add(probe{id: "st-container-public", anchors: []string{"CKV_AZURE_34", "AVD-AZU-0007"},
		shape: "BlobContainer child, publicAccess Container", bad: cont("azure-native:storage:BlobContainer", "Container"), good: cont("azure-native:storage:BlobContainer", "None")})
	add(probe{id: "st-container-blob-versioned", anchors: []string{"CKV_AZURE_34", "AVD-AZU-0007"},
		shape: "versioned BlobContainer, publicAccess blob (lower case)", bad: cont(ver("azure-native:storage:BlobContainer", "v20230501"), "blob"), good: cont(ver("azure-native:storage:BlobContainer", "v20230501"), "None")})

	// ---- Service Bus ------------------------------------------------------
	sb := sbStack(sbT, "sb-probe1")
	add(probe{id: "sb-local-auth-omitted", anchors: []string{"CKV_AZURE_203", "AP:cfb11c26-f069-4c14-8e36-56c394dae5af"},
		shape: "property omitted (default enabled)", bad: edit(sb, "sb-probe1", "disableLocalAuth", nil), good: sb})
	add(probe{id: "sb-public-network-enabled", anchors: []string{"CKV_AZURE_204", "AP:cbd11fd3-3002-4907-b6c8-579f0e700e13"},
		shape: "Enabled", bad: edit(sb, "sb-probe1", "publicNetworkAccess", "Enabled"), good: sb})
	add(probe{id: "sb-tls10-versioned", anchors: []string{"CKV_AZURE_205"},
		shape: "versioned token, 1.0", bad: edit(sbStack(ver(sbT, "v20221001preview"), "sb-probe2"), "sb-probe2", "minimumTlsVersion", "1.0"), good: sbStack(ver(sbT, "v20221001preview"), "sb-probe2")})
	add(probe{id: "sb-public-network-omitted", anchors: []string{"CKV_AZURE_204", "AP:cbd11fd3-3002-4907-b6c8-579f0e700e13"},
		shape: "property omitted (default Enabled)", bad: edit(sb, "sb-probe1", "publicNetworkAccess", nil), good: sb})
	add(probe{id: "sb-tls-omitted", anchors: []string{"CKV_AZURE_205"},
		shape: "property omitted (Checkov fails a missing attribute)", bad: edit(sb, "sb-probe1", "minimumTlsVersion", nil), good: sb})
	add(probe{id: "sb-no-private-endpoint", anchors: []string{"AP:1c06e275-d63d-4540-b761-71f364c2111d"},
		shape: "missing companion resource", bad: without(sb, "aux-pe-sb-probe1"), good: sb})
	add(probe{id: "sb-namespace-sas-rule", anchors: []string{"AP:a1817ec0-a368-432a-8057-8371e17ac6ee"},
		shape: "NamespaceAuthorizationRule child resource", bad: append(sb, res{"azure-native:servicebus:NamespaceAuthorizationRule", "sb-sender",
			obj("namespaceName", "sb-probe1", "authorizationRuleName", "sender", "rights", list("Send", "Listen"))}), good: sb})
	add(probe{id: "sb-queue-sas-rule-versioned", anchors: []string{"AP:a1817ec0-a368-432a-8057-8371e17ac6ee"},
		shape: "versioned QueueAuthorizationRule", bad: append(sb, res{ver("azure-native:servicebus:QueueAuthorizationRule", "v20221001preview"), "q-listen",
			obj("namespaceName", "sb-probe1", "queueName", "inbound", "authorizationRuleName", "listen", "rights", list("Listen"))}), good: sb})
	add(probe{id: "sb-no-diagnostics", anchors: []string{"AP:f8d36e2f-389b-4ee4-898d-21aeb69a0f45"},
		shape: "missing diagnostic setting", bad: without(sb, "aux-diag-sb-probe1"), good: sb})

	// ---- Network security groups ------------------------------------------
	withRule := func(rule map[string]any) []res { return nsgStack(nsgT, "nsg-probe1", rule) }
	okRule := secRule("allow-mgmt-vnet", 200, "Inbound", "Allow", "Tcp", "10.0.0.0/8", "22")
	add(probe{id: "nsg-ssh-from-internet", anchors: []string{"CKV_AZURE_10", "AVD-AZU-0050"},
		shape: "inline, Internet tag", bad: withRule(secRule("ssh", 200, "Inbound", "Allow", "Tcp", "Internet", "22")), good: withRule(okRule)})
	add(probe{id: "nsg-ssh-range-any-source", anchors: []string{"CKV_AZURE_10", "AVD-AZU-0050"},
		shape: "inline, port range 20-25 from *", bad: withRule(secRule("mgmt", 200, "Inbound", "Allow", "Tcp", "*", "20-25")), good: withRule(okRule)})
	add(probe{id: "nsg-rdp-prefixes-list", anchors: []string{"CKV_AZURE_9", "AVD-AZU-0048"},
		shape: "inline, sourceAddressPrefixes list with 0.0.0.0/0, destinationPortRanges",
		bad:   withRule(with(with(with(secRule("rdp", 200, "Inbound", "Allow", "*", "", ""), "sourceAddressPrefix", nil), "destinationPortRange", nil), "sourceAddressPrefixes", list("10.0.0.0/8", "0.0.0.0/0"))),
		good:  withRule(with(with(with(secRule("rdp", 200, "Inbound", "Allow", "*", "", ""), "sourceAddressPrefix", nil), "destinationPortRange", nil), "sourceAddressPrefixes", list("10.0.0.0/8")))})
	if last := ps[len(ps)-1]; true {
		last.bad = edit(last.bad, "nsg-probe1", "securityRules", list(
			secRule("allow-https-vnet", 100, "Inbound", "Allow", "Tcp", "VirtualNetwork", "443"),
			with(with(with(secRule("rdp", 200, "Inbound", "Allow", "*", "", ""), "sourceAddressPrefix", nil), "destinationPortRange", nil), "sourceAddressPrefixes", list("10.0.0.0/8", "0.0.0.0/0")),
			denyAllIn()))
		last.bad = edit(last.bad, "nsg-probe1", "securityRules", setPorts(last.bad[0].inputs["securityRules"].([]any), 1, "3380-3390", "443"))
		last.good = edit(last.good, "nsg-probe1", "securityRules", setPorts(last.good[0].inputs["securityRules"].([]any), 1, "3380-3390", "443"))
		ps[len(ps)-1] = last
	}
	sr := func(typ string, rule map[string]any) []res {
		in := with(rule, "name", nil)
		in["networkSecurityGroupName"] = "nsg-probe1"
		in["securityRuleName"] = rule["name"]
		return append(nsgStack(nsgT, "nsg-probe1"), res{typ, "nsg-probe1-" + rule["name"].(string), in})
	}
	srT := "azure-native:network:SecurityRule"
	add(probe{id: "nsg-ssh-security-rule-resource", anchors: []string{"CKV_AZURE_10", "AVD-AZU-0050"},
		shape: "SecurityRule child resource, lower-case enums", bad: sr(srT, secRule("ssh", 200, "inbound", "allow", "tcp", "0.0.0.0/0", "22")), good: sr(srT, okRule)})
	add(probe{id: "nsg-rdp-security-rule-versioned", anchors: []string{"CKV_AZURE_9", "AVD-AZU-0048"},
		shape: "versioned SecurityRule, port as a number-like range 3389-3389, source any", bad: sr(ver(srT, "v20230901"), secRule("rdp", 200, "Inbound", "Allow", "Tcp", "any", "3389-3389")),
		good: sr(ver(srT, "v20230901"), with(okRule, "destinationPortRange", "3389"))})
	add(probe{id: "nsg-http-from-internet", anchors: []string{"CKV_AZURE_160"},
		shape: "inline, port 80", bad: withRule(secRule("http", 200, "Inbound", "Allow", "Tcp", "Internet", "80")), good: withRule(secRule("http", 200, "Inbound", "Allow", "Tcp", "AzureFrontDoor.Backend", "80"))})
	add(probe{id: "nsg-udp-from-internet", anchors: []string{"CKV_AZURE_77"},
		shape: "inline, UDP range", bad: withRule(secRule("udp", 200, "Inbound", "Allow", "Udp", "*", "5000-6000")), good: withRule(secRule("udp", 200, "Inbound", "Allow", "Udp", "10.0.0.0/8", "5000-6000"))})
	add(probe{id: "nsg-all-ports-from-internet", anchors: []string{"AVD-AZU-0047"},
		shape: "inline, 0-65535 from Internet", bad: withRule(secRule("all", 200, "Inbound", "Allow", "*", "Internet", "0-65535")), good: withRule(secRule("all", 200, "Inbound", "Allow", "*", "10.1.0.0/16", "0-65535"))})
	for _, sp := range []struct {
		port  string
		proto string
		src   string
	}{{"23", "Tcp", "*"}, {"21", "Tcp", "0.0.0.0/0"}, {"25", "Tcp", "Internet"}, {"53", "Udp", "*"}, {"135", "Tcp", "*"}, {"161", "Udp", "0.0.0.0/0"}, {"389", "Tcp", "*"}, {"6379", "Tcp", "Internet"}} {
		add(probe{id: "nsg-sensitive-port-" + sp.port, anchors: []string{"AVD-AZU-0074"},
			shape: "inline, port " + sp.port + " from " + sp.src,
			bad:   withRule(secRule("legacy", 200, "Inbound", "Allow", sp.proto, sp.src, sp.port)), good: withRule(secRule("legacy", 200, "Inbound", "Allow", sp.proto, "10.0.0.0/8", sp.port))})
	}
	add(probe{id: "nsg-egress-internet", anchors: []string{"AVD-AZU-0051"},
		shape: "outbound * to 0.0.0.0/0", bad: withRule(with(secRule("egress", 200, "Outbound", "Allow", "*", "*", "*"), "destinationAddressPrefix", "0.0.0.0/0")),
		good: withRule(with(secRule("egress", 200, "Outbound", "Allow", "Tcp", "*", "443"), "destinationAddressPrefix", "AzureMonitor"))})
	add(probe{id: "nsg-database-from-internet", anchors: []string{"AVD-AZU-0047", "AVD-AZU-0074"},
		shape: "inline, 1433 from Internet", bad: withRule(secRule("sql", 200, "Inbound", "Allow", "Tcp", "Internet", "1433")), good: withRule(secRule("sql", 200, "Inbound", "Allow", "Tcp", "10.0.0.0/8", "1433"))})

	flowT := "azure-native:network:FlowLog"
	flow := func(typ string, in map[string]any) []res {
		return append(nsgStack(nsgT, "nsg-probe1"), res{typ, "fl-probe", in})
	}
	goodFlow := obj("networkWatcherName", "NetworkWatcher_westeurope", "resourceGroupName", "NetworkWatcherRG", "flowLogName", "fl-nsg",
		"targetResourceId", ref("nsg-probe1"), "storageId", rg+"/providers/Microsoft.Storage/storageAccounts/stflow", "enabled", true,
		"retentionPolicy", obj("enabled", true, "days", 90),
		"format", obj("type", "JSON", "version", 2),
		"flowAnalyticsConfiguration", obj("networkWatcherFlowAnalyticsConfiguration", obj("enabled", true, "workspaceResourceId", wsID, "trafficAnalyticsInterval", 10)))
	add(probe{id: "flowlog-retention-30", anchors: []string{"CKV_AZURE_12", "AVD-AZU-0049"},
		shape: "days as a string", bad: flow(flowT, with(goodFlow, "retentionPolicy.days", "30")), good: flow(flowT, goodFlow)})
	add(probe{id: "flowlog-retention-omitted-versioned", anchors: []string{"CKV_AZURE_12", "AVD-AZU-0049"},
		shape: "versioned token, retentionPolicy omitted", bad: flow(ver(flowT, "v20230901"), with(goodFlow, "retentionPolicy", nil)), good: flow(ver(flowT, "v20230901"), goodFlow)})
	add(probe{id: "flowlog-disabled", anchors: []string{"AVD-AZU-0073", "AP:27960feb-a23c-4577-8d36-ef8b5f35e0be"},
		shape: "enabled false", bad: flow(flowT, with(goodFlow, "enabled", false)), good: flow(flowT, goodFlow)})
	add(probe{id: "flowlog-no-traffic-analytics", anchors: []string{"AP:2f080164-9f4d-497e-9db6-416dc9f7b48a"},
		shape: "flowAnalyticsConfiguration omitted", bad: flow(flowT, with(goodFlow, "flowAnalyticsConfiguration", nil)), good: flow(flowT, goodFlow)})

	// ---- Virtual network ----------------------------------------------------
	vnetT := "azure-native:network:VirtualNetwork"
	subnetT := "azure-native:network:Subnet"
	vnet := func(subnets ...any) map[string]any {
		return obj("virtualNetworkName", "vnet-probe", "addressSpace", obj("addressPrefixes", list("10.20.0.0/16")), "subnets", subnets)
	}
	snet := func(name, prefix string, nsgRef any) map[string]any {
		m := obj("name", name, "addressPrefix", prefix, "defaultOutboundAccess", false)
		if nsgRef != nil {
			m["networkSecurityGroup"] = obj("id", nsgRef)
		}
		return m
	}
	vnetStack := func(in map[string]any, extra ...res) []res {
		return append(append([]res{{vnetT, "vnet-probe", in}}, nsgStack(nsgT, "nsg-probe1")...), extra...)
	}
	add(probe{id: "subnet-inline-no-nsg", anchors: []string{"CKV2_AZURE_31", "AP:e71308d3-144b-4262-b144-efdc3cc90517"},
		shape: "inline subnet without networkSecurityGroup", bad: vnetStack(vnet(snet("snet-app", "10.20.1.0/24", nil))), good: vnetStack(vnet(snet("snet-app", "10.20.1.0/24", ref("nsg-probe1"))))})
	subnetRes := func(typ string, withNSG bool) res {
		in := obj("virtualNetworkName", "vnet-probe", "subnetName", "snet-db", "addressPrefix", "10.20.2.0/24", "defaultOutboundAccess", false)
		if withNSG {
			in["networkSecurityGroup"] = obj("id", ref("nsg-probe1"))
		}
		return res{typ, "snet-db", in}
	}
	add(probe{id: "subnet-resource-no-nsg", anchors: []string{"CKV2_AZURE_31", "AP:e71308d3-144b-4262-b144-efdc3cc90517"},
		shape: "Subnet child resource without networkSecurityGroup", bad: vnetStack(with(vnet(), "subnets", nil), subnetRes(subnetT, false)), good: vnetStack(with(vnet(), "subnets", nil), subnetRes(subnetT, true))})
	add(probe{id: "subnet-resource-no-nsg-versioned", anchors: []string{"CKV2_AZURE_31", "AP:e71308d3-144b-4262-b144-efdc3cc90517"},
		shape: "versioned Subnet child resource", bad: vnetStack(with(vnet(), "subnets", nil), subnetRes(ver(subnetT, "v20230901"), false)), good: vnetStack(with(vnet(), "subnets", nil), subnetRes(ver(subnetT, "v20230901"), true))})
	add(probe{id: "vnet-public-dns", anchors: []string{"CKV_AZURE_183"},
		shape: "dhcpOptions.dnsServers 8.8.8.8", bad: vnetStack(with(vnet(snet("snet-app", "10.20.1.0/24", ref("nsg-probe1"))), "dhcpOptions", obj("dnsServers", list("8.8.8.8")))),
		good: vnetStack(with(vnet(snet("snet-app", "10.20.1.0/24", ref("nsg-probe1"))), "dhcpOptions", obj("dnsServers", list("10.20.0.4", "10.20.0.5"))))})
	add(probe{id: "vnet-single-dns-server", anchors: []string{"CKV_AZURE_182"},
		shape: "one private DNS server", bad: vnetStack(with(vnet(snet("snet-app", "10.20.1.0/24", ref("nsg-probe1"))), "dhcpOptions", obj("dnsServers", list("10.20.0.4")))),
		good: vnetStack(with(vnet(snet("snet-app", "10.20.1.0/24", ref("nsg-probe1"))), "dhcpOptions", obj("dnsServers", list("10.20.0.4", "10.20.0.5"))))})

	// ---- Container Apps -------------------------------------------------------
	app := appStack(appT, "ca-probe1")
	add(probe{id: "app-no-identity", anchors: []string{"AP:b874ab2d-72dd-47f1-8cb5-4a306478a4e7"},
		shape: "identity omitted", bad: edit(app, "ca-probe1", "identity", nil), good: app})
	add(probe{id: "app-insecure-ingress", anchors: []string{"AP:0e80e269-43a4-4ae9-b5bc-178126b8a5cb"},
		shape: "allowInsecure true", bad: edit(app, "ca-probe1", "configuration.ingress.allowInsecure", true), good: app})
	add(probe{id: "app-external-ingress-public-env", anchors: []string{"AP:783ea2a8-b8fd-46be-896a-9ae79643a0b1"},
		shape: "external ingress in a non-internal environment", bad: edit(edit(app, "ca-probe1", "configuration.ingress.external", true), "cae-ca-probe1", "vnetConfiguration.internal", false),
		good: edit(app, "ca-probe1", "configuration.ingress.external", false)})
	appV := appStack(ver(appT, "v20240301"), "ca-probe2")
	add(probe{id: "app-no-identity-versioned", anchors: []string{"AP:b874ab2d-72dd-47f1-8cb5-4a306478a4e7"},
		shape: "versioned token, identity type None", bad: edit(appV, "ca-probe2", "identity", obj("type", "None")), good: appV})
	add(probe{id: "env-not-internal", anchors: []string{"AP:d074ddf8-01a5-4b5e-a2b8-964aed452c0a"},
		shape: "vnetConfiguration.internal omitted", bad: edit(app, "cae-ca-probe1", "vnetConfiguration.internal", nil), good: app})
	add(probe{id: "env-no-vnet", anchors: []string{"AP:8b346db6-85af-419b-8557-92cee2c0f9bb"},
		shape: "vnetConfiguration omitted", bad: edit(app, "cae-ca-probe1", "vnetConfiguration", nil), good: app})
	// ---- Monitoring -----------------------------------------------------------
	add(probe{id: "appi-local-auth", anchors: []string{"AP:199d5677-e4d9-4264-9465-efe1839c06bd"},
		shape: "disableLocalAuth omitted", bad: []res{{appiT, "appi-probe", with(appiInputs("appi-probe"), "disableLocalAuth", nil)}}, good: []res{{appiT, "appi-probe", appiInputs("appi-probe")}}})
	add(probe{id: "appi-classic", anchors: []string{"AP:d550e854-df1a-4de9-bf44-cd894b39a95e"},
		shape: "no workspaceResourceId, ingestionMode ApplicationInsights", bad: []res{{ver(appiT, "v20200202"), "appi-probe", with(with(appiInputs("appi-probe"), "workspaceResourceId", nil), "ingestionMode", "ApplicationInsights")}},
		good: []res{{ver(appiT, "v20200202"), "appi-probe", appiInputs("appi-probe")}}})
	add(probe{id: "appi-public-ingestion", anchors: []string{"AP:1bc02227-0cb6-4e11-8f53-eb0b22eab7e8"},
		shape: "publicNetworkAccessForIngestion Enabled", bad: []res{{appiT, "appi-probe", with(appiInputs("appi-probe"), "publicNetworkAccessForIngestion", "Enabled")}}, good: []res{{appiT, "appi-probe", appiInputs("appi-probe")}}})
	add(probe{id: "ws-local-auth", anchors: []string{"AP:e15effd4-2278-4c65-a0da-4d6f6d1890e2"},
		shape: "features omitted", bad: []res{{wsT, "log-probe", with(wsInputs("log-probe"), "features", nil)}}, good: []res{{wsT, "log-probe", wsInputs("log-probe")}}})
	add(probe{id: "ws-public-query", anchors: []string{"AP:6c53d030-cc64-46f0-906d-2bc061cd1334"},
		shape: "publicNetworkAccessForQuery omitted", bad: []res{{ver(wsT, "v20221001"), "log-probe", with(wsInputs("log-probe"), "publicNetworkAccessForQuery", nil)}}, good: []res{{ver(wsT, "v20221001"), "log-probe", wsInputs("log-probe")}}})

	// ---- Identity ---------------------------------------------------------------
	roleDefT := "azure-native:authorization:RoleDefinition"
	rdef := func(typ string, actions []any, scopes ...any) []res {
		return []res{{typ, "role-custom", obj("roleName", "probe-operator", "scope", sub, "permissions", list(obj("actions", actions)), "assignableScopes", scopes)}}
	}
	readOnly := list("Microsoft.ServiceBus/namespaces/read", "Microsoft.ServiceBus/namespaces/queues/read")
	add(probe{id: "role-def-wildcard", anchors: []string{"CKV_AZURE_39", "AVD-AZU-0030", "AP:10ee2ea2-fb4d-45b8-a7e9-a2e770044cd9"},
		shape: "actions [*] at subscription", bad: rdef(roleDefT, list("*"), sub), good: rdef(roleDefT, readOnly, sub)})
	add(probe{id: "role-def-wildcard-root-versioned", anchors: []string{"CKV_AZURE_39", "AVD-AZU-0030", "AP:10ee2ea2-fb4d-45b8-a7e9-a2e770044cd9"},
		shape: "versioned token, actions [*] at /", bad: rdef(ver(roleDefT, "v20220401"), list("*"), "/"), good: rdef(ver(roleDefT, "v20220401"), readOnly, "/")})
	add(probe{id: "role-def-authorization-wildcard", anchors: []string{"AVD-AZU-0052"},
		shape: "Microsoft.Authorization/*", bad: rdef(roleDefT, list("Microsoft.Authorization/*"), rg), good: rdef(roleDefT, readOnly, rg)})
	add(probe{id: "role-def-role-definitions-write", anchors: []string{"AVD-AZU-0052"},
		shape: "Microsoft.Authorization/roleDefinitions/write among read actions", bad: rdef(roleDefT, append(readOnly, "Microsoft.Authorization/roleDefinitions/write"), sub), good: rdef(roleDefT, readOnly, sub)})
	add(probe{id: "role-def-authorization-star-write-versioned", anchors: []string{"AVD-AZU-0052"},
		shape: "versioned token, Microsoft.Authorization/*/Write", bad: rdef(ver(roleDefT, "v20220401"), list("Microsoft.Authorization/*/Write"), rg), good: rdef(ver(roleDefT, "v20220401"), readOnly, rg)})
	ficT := "azure-native:managedidentity:FederatedIdentityCredential"
	fic := func(typ, subject string) []res {
		return []res{{typ, "fic-gh", obj("resourceName", "id-deploy", "federatedIdentityCredentialResourceName", "github",
			"issuer", "https://token.actions.githubusercontent.com", "subject", subject, "audiences", list("api://AzureADTokenExchange"))}}
	}
	add(probe{id: "fic-github-wildcard", anchors: []string{"AP:fd1a8e20-2c4f-4a6c-9354-b58d786d9a1f"},
		shape: "subject repo:org/*", bad: fic(ficT, "repo:misybot/*"), good: fic(ficT, "repo:misybot/platform:environment:prod")})
	add(probe{id: "fic-github-any-ref-versioned", anchors: []string{"AP:fd1a8e20-2c4f-4a6c-9354-b58d786d9a1f"},
		shape: "versioned token, subject ref wildcard", bad: fic(ver(ficT, "v20230131"), "repo:misybot/platform:ref:refs/heads/*"), good: fic(ver(ficT, "v20230131"), "repo:misybot/platform:ref:refs/heads/main")})

	// ---- More shapes of the same checks ------------------------------------
	// Numbers where the schema says string, enum values in other cases,
	// ARM-style nesting under "properties", secrets, versioned tokens of
	// child resources, companions linked only through the engine's
	// dependencies.
	add(probe{id: "nsg-ssh-port-as-number", anchors: []string{"CKV_AZURE_10", "AVD-AZU-0050"},
		shape: "destinationPortRange written as a JSON number, priority as a string", bad: withRule(with(with(secRule("ssh", 200, "Inbound", "Allow", "TCP", "Internet", ""), "destinationPortRange", 22), "priority", "200")),
		good: withRule(with(with(secRule("ssh", 200, "Inbound", "Allow", "TCP", "10.0.0.0/8", ""), "destinationPortRange", 22), "priority", "200"))})
	add(probe{id: "nsg-rdp-upper-case-enums", anchors: []string{"CKV_AZURE_9", "AVD-AZU-0048"},
		shape: "ALLOW / INBOUND / TCP, ranges list with 3389", bad: withRule(with(with(secRule("rdp", 200, "INBOUND", "ALLOW", "TCP", "*", ""), "destinationPortRange", nil), "destinationPortRanges", list("443", "3389"))),
		good: withRule(with(with(secRule("rdp", 200, "INBOUND", "ALLOW", "TCP", "*", ""), "destinationPortRange", nil), "destinationPortRanges", list("443", "8443")))})
	add(probe{id: "nsg-all-ports-ipv6-any", anchors: []string{"AVD-AZU-0047"},
		shape: "source ::/0, all ports *", bad: withRule(secRule("all6", 200, "Inbound", "Allow", "*", "::/0", "*")), good: withRule(secRule("all6", 200, "Inbound", "Allow", "*", "fd00::/8", "*"))})
	add(probe{id: "nsg-egress-star", anchors: []string{"AVD-AZU-0051"},
		shape: "outbound to * on all ports", bad: withRule(secRule("egress", 200, "Outbound", "Allow", "*", "*", "*")),
		good: withRule(with(secRule("egress", 200, "Outbound", "Allow", "Tcp", "*", "443"), "destinationAddressPrefix", "Storage"))})
	add(probe{id: "acr-arm-style-properties", anchors: []string{"CKV_AZURE_139", "AP:0fdf0491-d080-4575-b627-ad0e843cba0f"},
		shape: "ARM-style nesting under properties", bad: swap(acr, "crprobe1", obj("registryName", "crprobe1", "sku", obj("name", "Premium"), "properties", with(with(registryInputs("crprobe1"), "sku", nil), "publicNetworkAccess", "Enabled"))),
		good: swap(acr, "crprobe1", obj("registryName", "crprobe1", "sku", obj("name", "Premium"), "properties", with(registryInputs("crprobe1"), "sku", nil)))})
	add(probe{id: "kv-flattened-properties", anchors: []string{"CKV_AZURE_110", "AVD-AZU-0016"},
		shape: "vault settings written at the top level (no properties block)", bad: swap(kv, "kv-probe1", with(flatten(vaultInputs("kv-probe1")), "enablePurgeProtection", false)),
		good: swap(kv, "kv-probe1", flatten(vaultInputs("kv-probe1")))})
	add(probe{id: "st-tls11", anchors: []string{"CKV_AZURE_44", "AVD-AZU-0011", "AP:fe83a0eb-a853-422d-aac2-1bffd182c5d0"},
		shape: "TLS1_1", bad: edit(st, "stprobe1", "minimumTlsVersion", "TLS1_1"), good: st})
	add(probe{id: "st-https-string", anchors: []string{"CKV_AZURE_3", "AVD-AZU-0008"},
		shape: "\"false\" as a string", bad: edit(st, "stprobe1", "enableHttpsTrafficOnly", "false"), good: edit(st, "stprobe1", "enableHttpsTrafficOnly", "true")})
	add(probe{id: "st-blob-kind-no-blob-service", anchors: []string{"CKV2_AZURE_38", "AVD-AZU-0056"},
		shape: "BlobStorage account, blob service only in the twin", bad: without(edit(st, "stprobe1", "kind", "BlobStorage"), "aux-blobsvc-stprobe1"), good: edit(st, "stprobe1", "kind", "BlobStorage")})
	add(probe{id: "sb-tls-number", anchors: []string{"CKV_AZURE_205"},
		shape: "minimumTlsVersion as a JSON number", bad: edit(sb, "sb-probe1", "minimumTlsVersion", 1.1), good: edit(sb, "sb-probe1", "minimumTlsVersion", 1.2)})
	add(probe{id: "sb-local-auth-string", anchors: []string{"CKV_AZURE_203", "AP:cfb11c26-f069-4c14-8e36-56c394dae5af"},
		shape: "disableLocalAuth \"False\"", bad: edit(sb, "sb-probe1", "disableLocalAuth", "False"), good: edit(sb, "sb-probe1", "disableLocalAuth", "True")})
	add(probe{id: "app-insecure-ingress-string", anchors: []string{"AP:0e80e269-43a4-4ae9-b5bc-178126b8a5cb"},
		shape: "allowInsecure \"true\", versioned token", bad: edit(appV, "ca-probe2", "configuration.ingress.allowInsecure", "true"), good: appV})
	add(probe{id: "env-internal-string", anchors: []string{"AP:d074ddf8-01a5-4b5e-a2b8-964aed452c0a"},
		shape: "internal \"false\"", bad: edit(app, "cae-ca-probe1", "vnetConfiguration.internal", "false"), good: edit(app, "cae-ca-probe1", "vnetConfiguration.internal", "true")})
	add(probe{id: "kv-secret-versioned-diag", anchors: []string{"AP:cf820ca0-f99e-4f3e-84fb-66e913812d21"},
		shape: "diagnostic setting under a versioned token sending metrics only", bad: retype(edit(kv, "aux-diag-kv-probe1", "logs", nil), "aux-diag-kv-probe1", ver("azure-native:insights:DiagnosticSetting", "v20210501preview")),
		good: retype(kv, "aux-diag-kv-probe1", ver("azure-native:insights:DiagnosticSetting", "v20210501preview"))})
	add(probe{id: "kv-private-endpoint-manual-connection", anchors: []string{"CKV2_AZURE_32", "AP:a6abeaec-4d90-4a02-805f-6b26c4d3fbe9"},
		shape: "private endpoint to another vault only; twin uses manualPrivateLinkServiceConnections and group id in other case",
		bad:   edit(kv, "aux-pe-kv-probe1", "privateLinkServiceConnections", list(obj("name", "c", "privateLinkServiceId", rg+"/providers/Microsoft.KeyVault/vaults/kv-other", "groupIds", list("vault")))),
		good:  edit(edit(kv, "aux-pe-kv-probe1", "privateLinkServiceConnections", nil), "aux-pe-kv-probe1", "manualPrivateLinkServiceConnections", list(obj("name", "c", "privateLinkServiceId", ref("kv-probe1"), "groupIds", list("Vault"))))})
	add(probe{id: "role-def-wildcard-with-others", anchors: []string{"CKV_AZURE_39", "AVD-AZU-0030"},
		shape: "\"*\" among other actions, several permission blocks", bad: []res{{roleDefT, "role-custom", obj("roleName", "ops", "permissions", list(obj("actions", readOnly), obj("actions", list("Microsoft.Web/sites/read", "*"))), "assignableScopes", list(sub))}},
		good: []res{{roleDefT, "role-custom", obj("roleName", "ops", "permissions", list(obj("actions", readOnly), obj("actions", list("Microsoft.Web/sites/read"))), "assignableScopes", list(sub))}}})
	adFicT := "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential"
	adFic := func(subject string) []res {
		return []res{{adFicT, "app-fic", obj("applicationId", "/applications/33333333-3333-3333-3333-333333333333", "displayName", "github",
			"issuer", "https://token.actions.githubusercontent.com", "subject", subject, "audiences", list("api://AzureADTokenExchange"))}}
	}
	add(probe{id: "azuread-fic-github-wildcard", anchors: []string{"AP:fd1a8e20-2c4f-4a6c-9354-b58d786d9a1f"},
		shape: "azuread application credential (module-file token), subject with *", bad: adFic("repo:misybot/platform:*"), good: adFic("repo:misybot/platform:environment:prod")})

	return ps
}

// flatten lifts a vault's properties block to the top level, as a user
// mistaking azure-native's shape for a flat one would write it.
func flatten(m map[string]any) map[string]any {
	out := clone(m)
	props, _ := out["properties"].(map[string]any)
	delete(out, "properties")
	for k, v := range props {
		out[k] = v
	}
	return out
}

// setPorts replaces the destination port of rule i with a list.
func setPorts(rules []any, i int, ports ...any) []any {
	out := clone(map[string]any{"r": rules})["r"].([]any)
	r := out[i].(map[string]any)
	delete(r, "destinationPortRange")
	r["destinationPortRanges"] = ports
	return out
}
