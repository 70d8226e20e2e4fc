package foundation

// PolicyExceptions are the policies of the pack the bootstrap breaks on
// purpose, each with its reason: bootstrap/policy-config.json makes
// exactly these advisory (a test keeps the two equal), and
// docs/deployment.md lists them. Every other policy is enforced on the
// bootstrap's plan as on a prod stack.
//
// They all come from one fact: the pipeline runs on GitHub-hosted
// runners, which reach Azure from the Internet at addresses that change,
// so the state backend, the secrets vault and the registry keep their
// public endpoints. Each accepts Entra ID only (no shared keys, no admin
// user, no anonymous pull, RBAC vault), and each identity's roles are
// narrowed to its own stack's state blobs and key.
// https://docs.github.com/actions/using-github-hosted-runners/about-github-hosted-runners#ip-addresses
// https://learn.microsoft.com/azure/container-registry/data-loss-prevention (export needs public access off)
var PolicyExceptions = map[string]string{
	"keyvault-no-public-network-access":           "GitHub-hosted runners decrypt the stacks' secrets through the vault's public endpoint, with Entra ID and a Crypto User role on their stack's key only.",
	"keyvault-network-acl-default-deny":           "GitHub-hosted runners have no fixed addresses to allow: a default-deny firewall would lock the pipeline out.",
	"keyvault-private-endpoint":                   "GitHub-hosted runners are not in a virtual network that a private endpoint could serve.",
	"storage-account-no-public-network-access":    "GitHub-hosted runners read and write the state blobs through the account's public endpoint, with Entra ID only (shared keys off) and an ABAC condition per stack.",
	"storage-account-network-default-deny":        "GitHub-hosted runners have no fixed addresses to allow: a default-deny firewall would lock the pipeline out.",
	"storage-account-private-endpoint":            "GitHub-hosted runners are not in a virtual network that a private endpoint could serve.",
	"container-registry-no-public-network-access": "Images are pushed from GitHub-hosted runners, and the stacks' Container Apps environments pull through the public endpoint with their managed identity (AcrPull), admin user and anonymous pull off.",
	"container-registry-network-default-deny":     "GitHub-hosted runners have no fixed addresses to allow: a default-deny firewall would stop the pushes.",
	"container-registry-private-endpoint":         "The stacks' networks have no private DNS zone for the registry, and the runners that push are outside any virtual network.",
	"container-registry-export-disabled":          "Azure allows disabling export only on a registry without public network access.",
}
