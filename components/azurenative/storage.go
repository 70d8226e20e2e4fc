package azurenative

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

// Type tokens of the storage resources the state backend uses, as in the
// azure-native schema (module storage).
const (
	StorageAccountType        = "azure-native:storage:StorageAccount"
	BlobServicePropertiesType = "azure-native:storage:BlobServiceProperties"
	BlobContainerType         = "azure-native:storage:BlobContainer"
)

// SASExpirationPeriod (DD.HH:MM:SS) is the longest validity a shared access
// signature of the account should have; Azure logs longer ones
// (https://learn.microsoft.com/azure/storage/common/sas-expiration-policy).
const SASExpirationPeriod = "1.00:00:00"

// StorageAccount is an azure-native:storage:StorageAccount.
type StorageAccount struct {
	pulumi.CustomResourceState

	Name pulumi.StringOutput `pulumi:"name"`
}

// StorageAccountArgs are the inputs of an Entra-only blob account: shared
// keys off, no anonymous blob access, TLS 1.2, HTTPS only, Entra ID as the
// portal's default, a SAS expiration policy.
// https://learn.microsoft.com/azure/storage/common/shared-key-authorization-prevent
// https://learn.microsoft.com/azure/storage/blobs/anonymous-read-access-prevent
type StorageAccountArgs struct {
	// AccountName is 3-24 lowercase letters and digits, unique in Azure. Required.
	AccountName       string
	ResourceGroupName pulumi.StringInput
	Location          string
	// Sku such as Standard_ZRS. Required.
	Sku  string
	Tags map[string]string
}

func (a StorageAccountArgs) props() pulumi.Map {
	return pulumi.Map{
		"accountName":                  pulumi.String(a.AccountName),
		"resourceGroupName":            a.ResourceGroupName,
		"location":                     pulumi.String(a.Location),
		"kind":                         pulumi.String("StorageV2"),
		"sku":                          pulumi.Map{"name": pulumi.String(a.Sku)},
		"allowSharedKeyAccess":         pulumi.Bool(false),
		"allowBlobPublicAccess":        pulumi.Bool(false),
		"defaultToOAuthAuthentication": pulumi.Bool(true),
		"enableHttpsTrafficOnly":       pulumi.Bool(true),
		"minimumTlsVersion":            pulumi.String("TLS1_2"),
		"sasPolicy": pulumi.Map{
			"sasExpirationPeriod": pulumi.String(SASExpirationPeriod),
			"expirationAction":    pulumi.String("Log"),
		},
		"tags": pulumi.ToStringMap(a.Tags),
	}
}

// NewStorageAccount registers a storage account.
func NewStorageAccount(ctx *pulumi.Context, name string, args StorageAccountArgs, opts ...pulumi.ResourceOption) (*StorageAccount, error) {
	var res StorageAccount
	if err := register(ctx, StorageAccountType, name, args.props(), &res, opts); err != nil {
		return nil, err
	}
	return &res, nil
}

// BlobServiceProperties is an azure-native:storage:BlobServiceProperties.
type BlobServiceProperties struct {
	pulumi.CustomResourceState
}

// BlobServicePropertiesArgs turn on blob versioning and soft delete of blobs
// and containers, so that an overwritten or deleted state file can be
// restored. https://learn.microsoft.com/azure/storage/blobs/versioning-overview
// https://learn.microsoft.com/azure/storage/blobs/soft-delete-blob-overview
type BlobServicePropertiesArgs struct {
	AccountName       pulumi.StringInput
	ResourceGroupName pulumi.StringInput
	// RetentionDays of deleted blobs and containers: 1-365. Required.
	RetentionDays int
}

func (args BlobServicePropertiesArgs) props() pulumi.Map {
	retention := pulumi.Map{"enabled": pulumi.Bool(true), "days": pulumi.Int(args.RetentionDays)}
	return pulumi.Map{
		"accountName":                    args.AccountName,
		"resourceGroupName":              args.ResourceGroupName,
		"blobServicesName":               pulumi.String("default"),
		"isVersioningEnabled":            pulumi.Bool(true),
		"deleteRetentionPolicy":          retention,
		"containerDeleteRetentionPolicy": retention,
	}
}

// NewBlobServiceProperties registers the blob service settings of an account.
func NewBlobServiceProperties(ctx *pulumi.Context, name string, args BlobServicePropertiesArgs, opts ...pulumi.ResourceOption) (*BlobServiceProperties, error) {
	var res BlobServiceProperties
	if err := register(ctx, BlobServicePropertiesType, name, args.props(), &res, opts); err != nil {
		return nil, err
	}
	return &res, nil
}

// BlobContainer is an azure-native:storage:BlobContainer.
type BlobContainer struct {
	pulumi.CustomResourceState

	Name pulumi.StringOutput `pulumi:"name"`
}

// blobContainerProps are a private container's inputs.
func blobContainerProps(accountName, resourceGroupName pulumi.StringInput, containerName string) pulumi.Map {
	return pulumi.Map{
		"accountName":       accountName,
		"resourceGroupName": resourceGroupName,
		"containerName":     pulumi.String(containerName),
		"publicAccess":      pulumi.String("None"),
	}
}

// NewBlobContainer registers a private container (no anonymous access).
func NewBlobContainer(ctx *pulumi.Context, name string, accountName, resourceGroupName pulumi.StringInput, containerName string, opts ...pulumi.ResourceOption) (*BlobContainer, error) {
	var res BlobContainer
	if err := register(ctx, BlobContainerType, name, blobContainerProps(accountName, resourceGroupName, containerName), &res, opts); err != nil {
		return nil, err
	}
	return &res, nil
}
