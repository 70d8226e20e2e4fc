// Package foundation is the bootstrap: what an administrator deploys once,
// with `pulumi up` in bootstrap/, before any environment stack can deploy
// through the pipeline. It owns everything that needs rights beyond one
// environment's resource group:
//
//   - the state backend (a storage account reached with Entra ID only, one
//     container for every stack, each identity limited to its own stack's
//     blobs by an ABAC condition) and the secrets provider (an RBAC Key
//     Vault with purge protection, one key per stack, exported as versioned
//     key URLs);
//   - the shared container registry, or the adoption of an existing one;
//   - per environment stack: its resource group, the app's user-assigned
//     identity with AcrPull on the registry, the deploy, preview and drift
//     identities with their roles, and the stack's GitHub environments with
//     the variables the workflows read (no secrets: the bootstrap's
//     state and configuration hold no secret value).
//
// An environment stack finds what the bootstrap made for it by name: the
// names derive from the stack's name (naming.Token), and the stack reads
// the app's identity by its resource ID. Its outputs (`stacks`) list the
// same for operators and the docs.
package foundation

import (
	"github.com/misybot/platform/components/azurenative"
	"github.com/misybot/platform/stacks"
)

// Project is the bootstrap's Pulumi project name, the namespace of its
// configuration (stacks.BootstrapProjectName, which the environment stacks
// reference).
const Project = stacks.BootstrapProjectName

// StackName is the bootstrap's one stack.
const StackName = stacks.BootstrapStackName

// Config is the bootstrap's configuration: one field per config key
// (`misybot-bootstrap:<key>`).
type Config struct {
	// Location is the region of the shared resources. Required.
	Location string `json:"location"`
	// Owner and CostCenter become the owner and cost-center tags. Required.
	Owner      string `json:"owner"`
	CostCenter string `json:"costCenter"`
	// NameSeed changes the suffix of globally unique names (state account,
	// vault, registry) when one is taken.
	NameSeed string `json:"nameSeed,omitempty"`
	// GitHub is the repository whose workflows deploy the stacks. Required.
	GitHub GitHubConfig `json:"github"`
	// Owners are the Entra object IDs owning the CI applications and
	// service principals. At least one.
	Owners []string `json:"owners"`
	// Registry is the shared container registry. Default: create one.
	Registry RegistryConfig `json:"registry"`
	// StateRetentionDays keeps deleted or overwritten state blobs (soft
	// delete, 1-365). Default 30.
	StateRetentionDays int `json:"stateRetentionDays,omitempty"`
	// SecretsKeys sets the expiry and rotation of every stack's secrets
	// key. Expires is required.
	SecretsKeys KeysConfig `json:"secretsKeys"`
	// Stacks are the environment stacks. At least one.
	Stacks []StackConfig `json:"stacks"`
}

// GitHubConfig names the repository.
type GitHubConfig struct {
	Owner      string `json:"owner"`
	Repository string `json:"repository"`
}

// RegistryConfig is the shared container registry. The environment
// stacks name it too (app.registry): a test keeps the two equal.
type RegistryConfig struct {
	// Name is the registry's name: 5-50 letters and digits. Required.
	Name string `json:"name"`
	// Existing adopts a registry created elsewhere, in ResourceGroup,
	// instead of creating one in the shared resource group: the bootstrap
	// then only grants AcrPull on it.
	Existing      bool   `json:"existing,omitempty"`
	ResourceGroup string `json:"resourceGroup,omitempty"`
	// Sku of a created registry: Basic, Standard or Premium
	// (azurenative.RegistrySkus). Default
	// Premium, the tier with zone redundancy (on where the region has
	// availability zones) and the one Azure Policy asks for.
	// https://learn.microsoft.com/azure/container-registry/container-registry-skus
	Sku azurenative.RegistrySku `json:"sku,omitempty"`
}

// StackConfig is one environment stack. Its name is its identity: it names
// its resources, its identities, its GitHub environments and the subjects
// they federate.
type StackConfig struct {
	// Name is the stack, such as prod or prod-eu2 (naming.CheckStack). Required.
	Name string `json:"name"`
	// Location is the stack's region; it must equal the stack's own
	// location key. Default: the bootstrap's location.
	Location string `json:"location,omitempty"`
	// Reviewers must approve a deployment in the stack's GitHub
	// environment, and a pull request's preview in its preview
	// environment. Required for the prod family.
	Reviewers *ReviewersConfig `json:"reviewers,omitempty"`
	// Operators and Readers are Entra object IDs (users or groups) made
	// members of the stack's operators group (Contributor on its resource
	// group) and readers group (Reader on it). Without members, no group.
	Operators []string `json:"operators,omitempty"`
	Readers   []string `json:"readers,omitempty"`
}

// KeysConfig is the lifecycle of the secrets keys (one per stack). Key
// Vault refuses encrypt with an expired key version but still decrypts
// with it, so a stack whose secrets provider URL names an expired version
// keeps working; rotation adds a new version and leaves the old ones as
// they are, so versioned URLs keep working too. Azure Resource Manager
// creates a key once and never updates it: these settings apply when a
// key is created; later changes go through `az keyvault key
// rotation-policy update` (docs/deployment.md).
// https://learn.microsoft.com/azure/key-vault/keys/about-keys-details#date-time-controlled-operations
// https://learn.microsoft.com/azure/key-vault/keys/how-to-configure-key-rotation
// https://learn.microsoft.com/rest/api/keyvault/keyvault/keys/create-if-not-exist
type KeysConfig struct {
	// Expires is the date (YYYY-MM-DD, UTC) the first version of each key
	// expires. Required.
	Expires string `json:"expires"`
	// RotateAfter is how long after its creation a version is replaced by
	// a new one (ISO 8601 duration, at most 2 years). Default P1Y.
	RotateAfter string `json:"rotateAfter,omitempty"`
	// ExpireAfter is the lifetime of each rotated version (ISO 8601
	// duration, longer than RotateAfter). Default P2Y.
	ExpireAfter string `json:"expireAfter,omitempty"`
}

// ReviewersConfig are GitHub user and team IDs (numbers, as the API takes them).
type ReviewersConfig struct {
	Users []int `json:"users,omitempty"`
	Teams []int `json:"teams,omitempty"`
}

// ResourceProviders must be registered in the subscription before the
// stacks deploy. azure-native has no resource for a registration, so
// docs/deployment.md has the administrator run `az provider register`.
var ResourceProviders = []string{
	"Microsoft.App", "Microsoft.ContainerRegistry", "Microsoft.Insights", "Microsoft.KeyVault",
	"Microsoft.LoadTestService", "Microsoft.ManagedIdentity", "Microsoft.Network",
	"Microsoft.OperationalInsights", "Microsoft.ServiceBus", "Microsoft.Storage",
}
