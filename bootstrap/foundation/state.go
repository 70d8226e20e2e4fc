package foundation

import "strings"

// The state of every stack lives in one blob container, in the layout of
// Pulumi's DIY backend: .pulumi/stacks/<project>/<stack>.json (and .bak,
// .gz), .pulumi/{history,backups,journal,locks}/<project>/<stack>/ and
// .pulumi/meta.yaml (pkg/backend/diy in github.com/pulumi/pulumi). One
// container rather than one per stack: the workflows log in to one backend
// URL for every stack (the pull-request previews run them in one matrix),
// and a StackReference can only read stacks of the backend it is logged in
// to. Each identity's blob role is narrowed to its own stack's paths by an
// ABAC condition on the blob path, so one container isolates the stacks as
// well as one container each would.
// https://learn.microsoft.com/azure/storage/blobs/storage-auth-abac-attributes
// https://learn.microsoft.com/azure/storage/blobs/storage-auth-abac-examples

// StateContainer is the container holding every stack's state.
const StateContainer = "pulumi-state"

const (
	blobPath   = "@Resource[Microsoft.Storage/storageAccounts/blobServices/containers/blobs:path]"
	blobAction = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/"
)

// StatePaths are the blob path prefixes of one stack's state.
func StatePaths(project, stack string) []string {
	return []string{
		".pulumi/stacks/" + project + "/" + stack + ".json",
		".pulumi/history/" + project + "/" + stack + "/",
		".pulumi/backups/" + project + "/" + stack + "/",
		".pulumi/journal/" + project + "/" + stack + "/",
		".pulumi/locks/" + project + "/" + stack + "/",
	}
}

// BootstrapCheckpoint is the blob of the bootstrap stack's latest
// checkpoint (and, by prefix, its .gz and .bak siblings): what an
// environment stack's StackReference to the bootstrap reads on the DIY
// backend. Reading it needs no key: the outputs the environment stacks
// read are plain, and only secret values are encrypted.
// https://www.pulumi.com/docs/iac/concepts/stacks/#stackreferences
// https://www.pulumi.com/docs/iac/concepts/state-and-backends/#azure-blob-storage
func BootstrapCheckpoint() string { return ".pulumi/stacks/" + Project + "/" + StackName + ".json" }

// sharedReadPaths are what every environment stack reads besides its own
// state: the backend's metadata (layout version) and the bootstrap's
// checkpoint.
func sharedReadPaths() []string { return []string{".pulumi/meta.yaml", BootstrapCheckpoint()} }

// StateCondition is the ABAC condition (version 2.0) on a stack's blob role
// on the state container: it reads blobs only under the stack's own paths,
// the backend's meta.yaml and the bootstrap's checkpoint, lists the
// container, and — when write is set — writes, creates and deletes blobs
// only under its own paths.
func StateCondition(project, stack string, write bool) string {
	own := StatePaths(project, stack)
	read := "((!(ActionMatches{'" + blobAction + "read'} AND NOT SubOperationMatches{'Blob.List'})) OR (" +
		startsWith(append(own, sharedReadPaths()...)) + "))"
	if !write {
		return read
	}
	return read + " AND ((!(ActionMatches{'" + blobAction + "write'}) AND !(ActionMatches{'" + blobAction +
		"add/action'}) AND !(ActionMatches{'" + blobAction + "delete'})) OR (" + startsWith(own) + "))"
}

func startsWith(paths []string) string {
	terms := make([]string, len(paths))
	for i, p := range paths {
		terms[i] = blobPath + " StringStartsWith '" + p + "'"
	}
	return strings.Join(terms, " OR ")
}

// BackendURL is the DIY backend URL of the state container.
// https://www.pulumi.com/docs/iac/concepts/state-and-backends/#azure-blob-storage
func BackendURL(account string) string {
	return "azblob://" + StateContainer + "?storage_account=" + account
}

// SecretsProviderURL turns a Key Vault key's versioned URI
// (https://<vault>.vault.azure.net/keys/<key>/<version>) into Pulumi's
// secrets provider URL. The version is kept: after a rotation, stacks keep
// decrypting with the version their secrets were encrypted with until
// `pulumi stack change-secrets-provider` moves them to the new one.
// https://www.pulumi.com/docs/iac/concepts/secrets/#azure-key-vault
func SecretsProviderURL(keyURIWithVersion string) string {
	return "azurekeyvault://" + strings.TrimPrefix(keyURIWithVersion, "https://")
}
