package crosscut

// Built-in Azure role definition GUIDs, named after the role. They are the
// same in every tenant. https://learn.microsoft.com/azure/role-based-access-control/built-in-roles
const (
	RoleOwner                   = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635" // Owner
	RoleContributor             = "b24988ac-6180-42a0-ab88-20f7382dd24c" // Contributor
	RoleReader                  = "acdd72a7-3385-48ef-bd42-f606fba81ae7" // Reader
	RoleUserAccessAdministrator = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9" // User Access Administrator
	RoleKeyVaultAdministrator   = "00482a5a-887f-4fb3-b363-3b7fe8e74483" // Key Vault Administrator
	RoleKeyVaultSecretsOfficer  = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7" // Key Vault Secrets Officer
	RoleKeyVaultSecretsUser     = "4633458b-17de-408a-b874-0445c86b69e6" // Key Vault Secrets User
	RoleServiceBusDataOwner     = "090c5cfd-751d-490a-894a-3ce6f1109419" // Azure Service Bus Data Owner
	RoleServiceBusDataSender    = "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39" // Azure Service Bus Data Sender
	RoleServiceBusDataReceiver  = "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0" // Azure Service Bus Data Receiver
	RoleAcrPull                 = "7f951dda-4ed3-4680-a7ca-43fe172d538d" // AcrPull
	RoleMonitoringReader        = "43d0d8ad-25c7-4714-9337-8ba259a9fe05" // Monitoring Reader
	RoleLogAnalyticsReader      = "73c42c96-874c-492b-b04d-ab87d138a893" // Log Analytics Reader
)

// Roles of the CI identities and the state backend. Storage roles:
// https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/storage;
// Key Vault: https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/security;
// RBAC administrator: https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/privileged
const (
	RoleStorageBlobDataContributor = "ba92f5b4-2d11-453d-a403-e96b0029c9fe" // Storage Blob Data Contributor
	RoleStorageBlobDataReader      = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1" // Storage Blob Data Reader
	RoleKeyVaultCryptoUser         = "12338af0-0e69-4776-bea7-57ae8d297424" // Key Vault Crypto User
	RoleRBACAdministrator          = "f58310d9-a9f6-439a-9e8d-f62e7b41a168" // Role Based Access Control Administrator
)
