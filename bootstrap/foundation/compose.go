package foundation

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/pulumi/pulumi-github/sdk/v6/go/github"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/misybot/platform/components/apphosting"
	"github.com/misybot/platform/components/azurenative"
	"github.com/misybot/platform/components/crosscut"
	"github.com/misybot/platform/components/identity"
	"github.com/misybot/platform/components/loadtesting"
	"github.com/misybot/platform/naming"
	"github.com/misybot/platform/sdk/azurenative/authorization"
	"github.com/misybot/platform/sdk/azurenative/keyvault"
	"github.com/misybot/platform/sdk/azurenative/operationalinsights"
	"github.com/misybot/platform/sdk/azurenative/resources"
	"github.com/misybot/platform/stacks"
)

// sharedToken is the environment part of the shared resources' names.
const sharedToken = "shared"

// Deploy is the bootstrap's Pulumi program.
func Deploy(ctx *pulumi.Context) error { return stacks.ExportAll(ctx, Build) }

// Build reads and validates the configuration, then composes the
// bootstrap. It returns the stack outputs by name.
func Build(ctx *pulumi.Context) (map[string]pulumi.Output, error) {
	raw := map[string]string{}
	var secretKeys []string
	keys := slices.Clone(ProviderConfigKeys)
	for _, k := range Keys() {
		keys = append(keys, ctx.Project()+":"+k)
	}
	for _, k := range keys {
		if v, ok := ctx.GetConfig(k); ok {
			raw[k] = v
		}
		if ctx.IsConfigSecret(k) {
			secretKeys = append(secretKeys, k)
		}
	}
	cfg, err := Load(ctx.Project(), raw, secretKeys)
	if err != nil {
		return nil, fmt.Errorf("stack %s: invalid configuration:\n%w", ctx.Stack(), err)
	}
	client, err := authorization.GetClientConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("stack %s: reading the Azure client configuration: %w", ctx.Stack(), err)
	}
	return compose(ctx, cfg, client.TenantId, client.SubscriptionId)
}

// Keys are the bootstrap's config keys: the json names of Config's fields.
func Keys() []string {
	t := reflect.TypeFor[Config]()
	keys := make([]string, 0, t.NumField())
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		keys = append(keys, name)
	}
	return keys
}

// DeployAssignableRoles are the roles an environment stack's deploy
// identity may assign in its resource group: the app's roles on the
// stack's resources.
func DeployAssignableRoles() []string { return apphosting.AssignedRoles() }

func tags(cfg Config, env string) map[string]string {
	return map[string]string{
		"environment": env, "application": stacks.Application, "owner": cfg.Owner,
		"cost-center": cfg.CostCenter, "managed-by": "pulumi",
	}
}

type shared struct {
	rg                      *resources.ResourceGroup
	account                 *azurenative.StorageAccount
	containerID             pulumi.StringOutput
	vault                   *keyvault.Vault
	registryID, loginServer pulumi.StringOutput
}

func compose(ctx *pulumi.Context, cfg Config, tenantID, subscriptionID string) (map[string]pulumi.Output, error) {
	n, err := naming.New(stacks.Application, sharedToken, cfg.Location, cfg.NameSeed)
	if err != nil {
		return nil, err
	}
	s, err := newShared(ctx, cfg, n, tenantID, subscriptionID)
	if err != nil {
		return nil, err
	}
	backendURL := s.account.Name.ApplyT(BackendURL).(pulumi.StringOutput)
	if _, err := github.NewActionsVariable(ctx, "github-backend-url", &github.ActionsVariableArgs{
		Repository: pulumi.String(cfg.GitHub.Repository), VariableName: pulumi.String(VarBackendURL), Value: backendURL,
	}); err != nil {
		return nil, fmt.Errorf("github variable: %w", err)
	}
	// No repository variables beyond the backend: every job that signs in
	// to Azure runs in one of a stack's environments, which hold the
	// tenant and subscription with the identity's client ID.

	bootstrapKey, err := newAdministration(ctx, cfg, s)
	if err != nil {
		return nil, err
	}
	bootstrapKeyID := bootstrapKey.ID().ToStringOutput()

	stackOutputs := pulumi.Map{}
	for _, st := range cfg.Stacks {
		out, err := newStack(ctx, cfg, s, st, tenantID, subscriptionID, backendURL, bootstrapKeyID)
		if err != nil {
			return nil, fmt.Errorf("stack %s: %w", st.Name, err)
		}
		stackOutputs[st.Name] = out
	}
	return map[string]pulumi.Output{
		"backendUrl":          backendURL,
		"stacks":              stackOutputs.ToMapOutput(),
		"stateStorageAccount": s.account.Name,
		"secretsVaultName":    s.vault.Name,
		"registryId":          s.registryID,
		"registryLoginServer": s.loginServer,
		"secretsProvider":     bootstrapKey.KeyUriWithVersion.ApplyT(SecretsProviderURL).(pulumi.StringOutput),
	}, nil
}

// newAdministration gives the administrators (the owners) what running
// the bootstrap itself needs once the backend exists: Owner grants no data
// access, so they get Storage Blob Data Contributor on the state container
// and Key Vault Crypto User on the bootstrap's own key. It returns that
// key.
// https://learn.microsoft.com/azure/storage/blobs/assign-azure-role-data-access
// https://learn.microsoft.com/azure/key-vault/general/rbac-guide
func newAdministration(ctx *pulumi.Context, cfg Config, s *shared) (*keyvault.Key, error) {
	key, err := newKey(ctx, "bootstrap-secrets-key", StackName, s, cfg.SecretsKeys, tags(cfg, sharedToken))
	if err != nil {
		return nil, err
	}
	for i, owner := range cfg.Owners {
		for _, g := range []struct {
			key, role string
			scope     pulumi.StringInput
			why       string
		}{
			{"state", crosscut.RoleStorageBlobDataContributor, s.containerID, "An administrator runs the bootstrap and repairs state"},
			{"key-user", crosscut.RoleKeyVaultCryptoUser, key.ID().ToStringOutput(), "An administrator decrypts the bootstrap's secrets"},
		} {
			// Keyed by the owner's object ID, so that reordering the owners
			// replaces nothing; the alias is the former name by position.
			if _, err := crosscut.NewRoleAssignment(ctx, fmt.Sprintf("admin-%s-%s", strings.ToLower(owner), g.key), g.scope, crosscut.RoleAssignment{
				PrincipalID: pulumi.String(owner), RoleDefinitionID: g.role, Description: g.why,
			}, pulumi.Aliases([]pulumi.Alias{{Name: pulumi.String(fmt.Sprintf("admin-%d-%s", i, g.key))}})); err != nil {
				return nil, err
			}
		}
	}
	return key, nil
}

// newKey creates the secrets key of one stack: RSA, encrypt and decrypt
// only, protected (deleting it makes the stack's secrets unreadable). It
// is created through Azure Resource Manager, so the administrator needs no
// Key Vault data-plane role for it.
// https://learn.microsoft.com/rest/api/keyvault/keyvault/keys/create-if-not-exist
func newKey(ctx *pulumi.Context, name, stack string, s *shared, k KeysConfig, t map[string]string) (*keyvault.Key, error) {
	expires, err := time.Parse(time.DateOnly, k.Expires)
	if err != nil {
		return nil, fmt.Errorf("secrets key %s: secretsKeys.expires: %w", stack, err) // Load reports it first
	}
	key, err := keyvault.NewKey(ctx, name, &keyvault.KeyArgs{
		KeyName:           pulumi.String("pulumi-" + stack),
		VaultName:         s.vault.Name,
		ResourceGroupName: s.rg.Name,
		Properties: &keyvault.KeyPropertiesArgs{
			Kty:     pulumi.String("RSA"),
			KeySize: pulumi.Int(3072),
			KeyOps:  pulumi.ToStringArray([]string{"encrypt", "decrypt"}),
			// The first version expires on the configured date; each
			// rotation (RotateAfter after a version's creation) adds a
			// version living ExpireAfter, and Event Grid is notified 30
			// days before a version expires. Expired versions still
			// decrypt, so the stacks' versioned URLs keep working.
			// https://learn.microsoft.com/azure/key-vault/keys/how-to-configure-key-rotation
			Attributes: &keyvault.KeyAttributesArgs{Expires: pulumi.Float64(float64(expires.Unix()))},
			RotationPolicy: &keyvault.RotationPolicyArgs{
				Attributes: &keyvault.KeyRotationPolicyAttributesArgs{ExpiryTime: pulumi.String(k.ExpireAfter)},
				LifetimeActions: keyvault.LifetimeActionArray{
					keyvault.LifetimeActionArgs{
						Action:  &keyvault.ActionArgs{Type: keyvault.KeyRotationPolicyActionTypeRotate},
						Trigger: &keyvault.TriggerArgs{TimeAfterCreate: pulumi.String(k.RotateAfter)},
					},
					keyvault.LifetimeActionArgs{
						Action:  &keyvault.ActionArgs{Type: keyvault.KeyRotationPolicyActionTypeNotify},
						Trigger: &keyvault.TriggerArgs{TimeBeforeExpiry: pulumi.String("P30D")},
					},
				},
			},
		},
		Tags: pulumi.ToStringMap(t),
	}, pulumi.Parent(s.vault), pulumi.Protect(true))
	if err != nil {
		return nil, fmt.Errorf("secrets key %s: %w", stack, err)
	}
	return key, nil
}

// newShared creates the resources every stack uses: the state backend, the
// secrets vault and the registry, in the shared resource group. The
// stateful ones are protected and locked: nothing in the pipeline ever
// replaces them, so a CanNotDelete lock costs nothing and stops a slip.
func newShared(ctx *pulumi.Context, cfg Config, n naming.Namer, tenantID, subscriptionID string) (*shared, error) {
	names := map[string]string{}
	for key, r := range map[string]struct {
		rule      naming.Rule
		qualifier string
	}{
		"rg": {naming.ResourceGroup, ""}, "state": {naming.StorageAccount, "state"},
		"vault": {naming.KeyVault, ""}, "audit": {naming.LogAnalytics, "audit"},
	} {
		name, err := n.Name(r.rule, r.qualifier)
		if err != nil {
			return nil, err
		}
		names[key] = name
	}
	t := tags(cfg, sharedToken)
	stateful := pulumi.Protect(true)
	s := &shared{}
	var err error
	if s.rg, err = resources.NewResourceGroup(ctx, "shared", &resources.ResourceGroupArgs{
		ResourceGroupName: pulumi.String(names["rg"]), Location: pulumi.String(cfg.Location), Tags: pulumi.ToStringMap(t),
	}, stateful); err != nil {
		return nil, fmt.Errorf("shared resource group: %w", err)
	}

	if s.account, err = azurenative.NewStorageAccount(ctx, "state", azurenative.StorageAccountArgs{
		AccountName: names["state"], ResourceGroupName: s.rg.Name, Location: cfg.Location, Sku: StateSku(cfg.Location), Tags: t,
	}, stateful); err != nil {
		return nil, err
	}
	if _, err := crosscut.NewLock(ctx, "state", s.account.ID().ToStringOutput(), pulumi.Parent(s.account)); err != nil {
		return nil, err
	}
	if _, err := azurenative.NewBlobServiceProperties(ctx, "state-blobs", azurenative.BlobServicePropertiesArgs{
		AccountName: s.account.Name, ResourceGroupName: s.rg.Name, RetentionDays: cfg.StateRetentionDays,
	}, pulumi.Parent(s.account)); err != nil {
		return nil, err
	}
	container, err := azurenative.NewBlobContainer(ctx, "state-container", s.account.Name, s.rg.Name, StateContainer, pulumi.Parent(s.account), stateful)
	if err != nil {
		return nil, err
	}
	s.containerID = container.ID().ToStringOutput()

	// RBAC only, purge protection on: a deleted key would make every
	// stack's secrets unreadable. Public network access stays on: GitHub's
	// hosted runners reach it over the Internet, with Entra ID.
	// https://learn.microsoft.com/azure/key-vault/general/soft-delete-overview
	if s.vault, err = keyvault.NewVault(ctx, "secrets", &keyvault.VaultArgs{
		VaultName:         pulumi.String(names["vault"]),
		ResourceGroupName: s.rg.Name,
		Location:          pulumi.String(cfg.Location),
		Properties: &keyvault.VaultPropertiesArgs{
			TenantId:                     pulumi.String(tenantID),
			Sku:                          &keyvault.SkuArgs{Family: pulumi.String("A"), Name: keyvault.SkuNameStandard},
			EnableRbacAuthorization:      pulumi.Bool(true),
			EnableSoftDelete:             pulumi.Bool(true),
			SoftDeleteRetentionInDays:    pulumi.Int(90),
			EnablePurgeProtection:        pulumi.Bool(true),
			PublicNetworkAccess:          pulumi.String("Enabled"),
			EnabledForDeployment:         pulumi.Bool(false),
			EnabledForDiskEncryption:     pulumi.Bool(false),
			EnabledForTemplateDeployment: pulumi.Bool(false),
		},
		Tags: pulumi.ToStringMap(t),
	}, stateful); err != nil {
		return nil, fmt.Errorf("secrets vault: %w", err)
	}
	if _, err := crosscut.NewLock(ctx, "secrets", s.vault.ID().ToStringOutput(), pulumi.Parent(s.vault)); err != nil {
		return nil, err
	}

	// Who decrypted with which key, who read or wrote which state blob:
	// the vault's and the state blobs' logs go to an audit workspace, with
	// Entra-only access, kept AuditRetentionDays.
	// https://learn.microsoft.com/azure/key-vault/general/logging
	// https://learn.microsoft.com/azure/storage/blobs/monitor-blob-storage
	audit, err := operationalinsights.NewWorkspace(ctx, "audit", &operationalinsights.WorkspaceArgs{
		WorkspaceName:     pulumi.String(names["audit"]),
		ResourceGroupName: s.rg.Name,
		Location:          pulumi.String(cfg.Location),
		Sku:               &operationalinsights.WorkspaceSkuArgs{Name: pulumi.String("PerGB2018")},
		RetentionInDays:   pulumi.Int(AuditRetentionDays),
		Features: &operationalinsights.WorkspaceFeaturesArgs{
			DisableLocalAuth: pulumi.Bool(true),
			EnableLogAccessUsingOnlyResourcePermissions: pulumi.Bool(true),
		},
		Tags: pulumi.ToStringMap(t),
	}, stateful)
	if err != nil {
		return nil, fmt.Errorf("audit workspace: %w", err)
	}
	diagnostics := crosscut.Diagnostics{WorkspaceID: audit.ID().ToStringOutput()}
	if _, err := crosscut.NewDiagnosticSetting(ctx, "secrets", s.vault.ID().ToStringOutput(), diagnostics, true, pulumi.Parent(s.vault)); err != nil {
		return nil, err
	}
	blobService := pulumi.Sprintf("%s/blobServices/default", s.account.ID())
	if _, err := crosscut.NewDiagnosticSetting(ctx, "state-blobs", blobService, diagnostics, true, pulumi.Parent(s.account)); err != nil {
		return nil, err
	}

	if r := cfg.Registry; r.Existing {
		s.registryID = pulumi.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.ContainerRegistry/registries/%s", subscriptionID, r.ResourceGroup, r.Name)
		s.loginServer = pulumi.String(strings.ToLower(r.Name) + ".azurecr.io").ToStringOutput()
	} else {
		reg, err := azurenative.NewRegistry(ctx, "registry", azurenative.RegistryArgs{
			RegistryName: r.Name, ResourceGroupName: s.rg.Name, Location: cfg.Location, Sku: cfg.Registry.Sku, Tags: t,
			ZoneRedundant: cfg.Registry.Sku == azurenative.RegistrySkuPremium && naming.HasZones(cfg.Location),
		}, stateful)
		if err != nil {
			return nil, err
		}
		s.registryID, s.loginServer = reg.ID().ToStringOutput(), reg.LoginServer
	}
	return s, nil
}

// AuditRetentionDays is how long the audit workspace keeps the vault's and
// the state blobs' logs.
const AuditRetentionDays = 365

// StateSku is the state account's replication: geo-zone-redundant where
// the region has availability zones, else geo-redundant. The state of
// every stack survives the loss of a zone and of the region.
// https://learn.microsoft.com/azure/storage/common/storage-redundancy
func StateSku(location string) string {
	if naming.HasZones(location) {
		return "Standard_GZRS"
	}
	return "Standard_GRS"
}

// newStack creates what one environment stack needs before its first
// deploy, and returns its outputs.Stack.
func newStack(ctx *pulumi.Context, cfg Config, s *shared, st StackConfig, tenantID, subscriptionID string, backendURL, bootstrapKeyID pulumi.StringOutput) (pulumi.Output, error) {
	env := naming.EnvironmentOf(st.Name)
	n, err := naming.New(stacks.Application, naming.Token(st.Name), st.Location, "")
	if err != nil {
		return nil, err
	}
	rgName, err := n.Name(naming.ResourceGroup, "")
	if err != nil {
		return nil, err
	}
	idName, err := n.Name(naming.ManagedIdentity, "app")
	if err != nil {
		return nil, err
	}
	t := tags(cfg, env)
	t["stack"] = st.Name
	prefix := st.Name + "-"

	rg, err := resources.NewResourceGroup(ctx, prefix+"rg", &resources.ResourceGroupArgs{
		ResourceGroupName: pulumi.String(rgName), Location: pulumi.String(st.Location), Tags: pulumi.ToStringMap(t),
	})
	if err != nil {
		return nil, fmt.Errorf("resource group: %w", err)
	}
	rgID := rg.ID().ToStringOutput()

	// The app's identity exists, with AcrPull, before the stack's first
	// revision pulls an image: no chicken and egg between the stack and
	// the registry, and the deploy identity needs no rights on the registry.
	appID, err := azurenative.NewUserAssignedIdentity(ctx, prefix+"app-identity", azurenative.UserAssignedIdentityArgs{
		ResourceName: idName, ResourceGroupName: rg.Name, Location: st.Location, Tags: t,
	}, pulumi.Parent(rg))
	if err != nil {
		return nil, err
	}
	if _, err := crosscut.NewRoleAssignment(ctx, prefix+"app-acr-pull", s.registryID, crosscut.RoleAssignment{
		PrincipalID: appID.PrincipalID, PrincipalType: "ServicePrincipal", RoleDefinitionID: crosscut.RoleAcrPull,
		Description: "The " + st.Name + " app pulls its images",
	}, pulumi.Parent(appID)); err != nil {
		return nil, err
	}

	key, err := newKey(ctx, prefix+"secrets-key", st.Name, s, cfg.SecretsKeys, t)
	if err != nil {
		return nil, err
	}
	keyID := key.ID().ToStringOutput()

	condition, err := identity.AssignmentCondition(DeployAssignableRoles())
	if err != nil {
		return nil, err
	}
	grant := func(key, role string, scope pulumi.StringInput, condition, why string) identity.Grant {
		return identity.Grant{Key: key, Scope: scope, RoleDefinitionID: role, Condition: condition, Description: why}
	}
	// The stack's StackReference to the bootstrap builds the bootstrap's
	// secrets manager before it reads any output, so every identity that
	// runs the stack decrypts with the bootstrap's key
	// (pulumi/pulumi#11109, #21436). Key Vault Crypto User is the narrowest
	// built-in role with keys/decrypt/action (Crypto Service Encryption User
	// only wraps and unwraps); the key allows encrypt and decrypt only, and
	// protects nothing: the bootstrap's configuration and state hold no
	// secret value (NoSecretsProblems, TestBootstrapHoldsNoSecret).
	// https://learn.microsoft.com/azure/key-vault/general/rbac-guide#azure-built-in-roles-for-key-vault-data-plane-operations
	// https://github.com/pulumi/pulumi/issues/11109
	bootstrapKeyUser := func(what string) identity.Grant {
		return grant("bootstrap-key-user", crosscut.RoleKeyVaultCryptoUser, bootstrapKeyID, "", what+" reads the bootstrap's outputs (its StackReference opens the bootstrap's secrets manager)")
	}
	readOnly := func(what string) []identity.Grant {
		return []identity.Grant{
			grant("reader", crosscut.RoleReader, rgID, "", what+" reads the "+st.Name+" resource group"),
			grant("state-reader", crosscut.RoleStorageBlobDataReader, s.containerID, StateCondition(stacks.Project, st.Name, false), what+" reads the "+st.Name+" state"),
			grant("key-user", crosscut.RoleKeyVaultCryptoUser, keyID, "", what+" decrypts the "+st.Name+" secrets"),
			bootstrapKeyUser(what),
		}
	}
	ci, err := identity.New(ctx, prefix+"ci", identity.Args{
		Stack: st.Name, GitHubOwner: cfg.GitHub.Owner, GitHubRepository: cfg.GitHub.Repository,
		NamePrefix: stacks.Application, Owners: cfg.Owners,
		Deploy: []identity.Grant{
			grant("contributor", crosscut.RoleContributor, rgID, "", "CI deploys the "+st.Name+" resources"),
			grant("rbac-admin", crosscut.RoleRBACAdministrator, rgID, condition, "CI assigns the app's roles in the "+st.Name+" resource group, and no other role"),
			grant("state", crosscut.RoleStorageBlobDataContributor, s.containerID, StateCondition(stacks.Project, st.Name, true), "CI writes the "+st.Name+" state, and no other stack's"),
			grant("key-user", crosscut.RoleKeyVaultCryptoUser, keyID, "", "CI encrypts and decrypts the "+st.Name+" secrets"),
			grant("load-test", loadtesting.RoleLoadTestContributor, rgID, "", "CI runs loadtest/plan.yaml on the "+st.Name+" load testing resource, if it has one"),
			bootstrapKeyUser("CI"),
		},
		Preview:   readOnly("Pull-request preview"),
		Drift:     readOnly("The drift check"),
		Operators: group(st.Name, "operators", st.Operators, grant("contributor", crosscut.RoleContributor, rgID, "", "Operators run the "+st.Name+" resources")),
		Readers:   group(st.Name, "readers", st.Readers, grant("reader", crosscut.RoleReader, rgID, "", "Readers read the "+st.Name+" resources")),
	})
	if err != nil {
		return nil, err
	}

	secretsProvider := key.KeyUriWithVersion.ApplyT(SecretsProviderURL).(pulumi.StringOutput)
	if err := newGitHub(ctx, cfg, st, ci, tenantID, subscriptionID, backendURL, secretsProvider); err != nil {
		return nil, err
	}

	return pulumi.ToMap(map[string]any{
		"environment":            env,
		"resourceGroupName":      rg.Name,
		"resourceGroupId":        rgID,
		"appIdentityId":          appID.ID(),
		"appIdentityClientId":    appID.ClientID,
		"appIdentityPrincipalId": appID.PrincipalID,
		"registryId":             s.registryID,
		"registryLoginServer":    s.loginServer,
		"deployPrincipalId":      ci.DeployPrincipalID,
		"deployClientId":         ci.DeployClientID,
		"previewClientId":        ci.PreviewClientID,
		"driftClientId":          ci.DriftClientID,
		"secretsProvider":        secretsProvider,
	}).ToMapOutput(), nil
}

// The GitHub Actions variables the bootstrap sets in every environment of
// a stack (vars.<name> in the workflows). The bootstrap sets no secrets.
const (
	VarClientID        = "AZURE_CLIENT_ID"
	VarTenantID        = "AZURE_TENANT_ID"
	VarSubscriptionID  = "AZURE_SUBSCRIPTION_ID"
	VarBackendURL      = "PULUMI_BACKEND_URL"
	VarSecretsProvider = "PULUMI_SECRETS_PROVIDER"
)

// EnvironmentVariables are the names of the variables of every stack
// environment; PULUMI_BACKEND_URL is also a repository variable.
func EnvironmentVariables() []string {
	return []string{VarClientID, VarSubscriptionID, VarTenantID, VarBackendURL, VarSecretsProvider}
}

// newGitHub creates the stack's GitHub environments, <stack> for deploys,
// <stack>-drift for the drift check and <stack>-preview for pull-request
// previews, each with its identity's client ID and the variables the
// workflows read. Each identity federates its environment's subject only
// (identity.PreviewSubject), so no pull request signs in as a stack's
// preview identity without passing that environment's rules.
// Deploys and drift checks come from main only. A pull request runs from
// its own branch, so the preview environment takes every branch; in the
// prod family it needs a reviewer other than the pull request's author,
// since a preview decrypts the stack's secrets. Deploys of the prod family
// need one too.
// https://docs.github.com/actions/managing-workflow-runs-and-deployments/managing-deployments/managing-environments-for-deployment
// https://docs.github.com/actions/reference/security/oidc
func newGitHub(ctx *pulumi.Context, cfg Config, st StackConfig, ci *identity.Identity, tenantID, subscriptionID string, backendURL, secretsProvider pulumi.StringOutput) error {
	repo := pulumi.String(cfg.GitHub.Repository)
	prod := naming.EnvironmentOf(st.Name) == "prod"
	for _, e := range []struct {
		env              string
		clientID         pulumi.StringOutput
		review, mainOnly bool
	}{
		{st.Name, ci.DeployClientID, prod, true},
		{identity.DriftEnvironment(st.Name), ci.DriftClientID, false, true},
		{identity.PreviewEnvironment(st.Name), ci.PreviewClientID, prod, false},
	} {
		args := &github.RepositoryEnvironmentArgs{
			Repository:      repo,
			Environment:     pulumi.String(e.env),
			CanAdminsBypass: pulumi.Bool(false),
		}
		if e.mainOnly {
			args.DeploymentBranchPolicy = &github.RepositoryEnvironmentDeploymentBranchPolicyArgs{
				ProtectedBranches: pulumi.Bool(false), CustomBranchPolicies: pulumi.Bool(true),
			}
		}
		if e.review && st.Reviewers != nil {
			args.PreventSelfReview = pulumi.Bool(true)
			args.Reviewers = github.RepositoryEnvironmentReviewerArray{github.RepositoryEnvironmentReviewerArgs{
				Users: pulumi.ToIntArray(st.Reviewers.Users), Teams: pulumi.ToIntArray(st.Reviewers.Teams),
			}}
		}
		environment, err := github.NewRepositoryEnvironment(ctx, "github-env-"+e.env, args)
		if err != nil {
			return fmt.Errorf("github environment %s: %w", e.env, err)
		}
		child := pulumi.Parent(environment)
		if e.mainOnly {
			if _, err := github.NewRepositoryEnvironmentDeploymentPolicy(ctx, "github-env-"+e.env+"-main", &github.RepositoryEnvironmentDeploymentPolicyArgs{
				Repository: repo, Environment: environment.Environment, BranchPattern: pulumi.String("main"),
			}, child); err != nil {
				return fmt.Errorf("github environment %s: branch policy: %w", e.env, err)
			}
		}
		// Identifiers, not credentials (the federated subject protects
		// the sign-in): plain environment variables, so that the
		// bootstrap's state holds no secret value.
		// https://docs.github.com/actions/reference/security/oidc
		// https://docs.github.com/actions/concepts/workflows-and-actions/variables
		variables := map[string]pulumi.StringInput{
			VarClientID: e.clientID, VarTenantID: pulumi.String(tenantID), VarSubscriptionID: pulumi.String(subscriptionID),
			VarBackendURL: backendURL, VarSecretsProvider: secretsProvider,
		}
		for _, name := range sortedKeys(variables) {
			if _, err := github.NewActionsEnvironmentVariable(ctx, "github-env-"+e.env+"-"+name, &github.ActionsEnvironmentVariableArgs{
				Repository: repo, Environment: environment.Environment, VariableName: pulumi.String(name), Value: variables[name],
			}, child); err != nil {
				return fmt.Errorf("github environment %s: variable %s: %w", e.env, name, err)
			}
		}
	}
	return nil
}

// group is a stack's Entra group with its members and grant, or nil
// without members.
func group(stack, kind string, members []string, g identity.Grant) *identity.Group {
	if len(members) == 0 {
		return nil
	}
	return &identity.Group{DisplayName: stacks.Application + "-" + stack + "-" + kind, Members: members, Grants: []identity.Grant{g}}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
