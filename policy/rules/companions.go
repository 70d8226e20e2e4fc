package rules

import (
	"fmt"
	"strings"
)

// Rules whose setting lives on a child resource that a compliant
// deployment has next to its parent (a registry's replication, a storage
// account's blob service), and the storage account's local users. Found
// missing by the anchor probe corpus (policy/anchors).

const (
	typeReplication   = "azure-native:containerregistry:Replication"
	serviceBlobKindNo = "FileStorage" // the only storage account kind without a blob service
)

// registryCompanionRules: geo-replication.
// https://learn.microsoft.com/azure/container-registry/container-registry-geo-replication
func registryCompanionRules() []Rule {
	return []Rule{{
		Name:     "container-registry-geo-replication",
		Category: categoryRegistry,
		Description: "Container registries are Premium and geo-replicated: a containerregistry:Replication of the stack targets each " +
			"registry (Checkov fails any registry that is not Premium with a replication). Advisory: a replica is billed like a " +
			"second Premium registry, an availability choice rather than a security setting.",
		Remediation: "Use the Premium SKU and add an azure-native:containerregistry:Replication (registryName, location of a second region).",
		Enforcement: Advisory,
		Checkov:     []string{"CKV_AZURE_165"},
		Types:       []string{typeRegistry, typeReplication},
		Scope:       PerStack,
		checkStack: func(_ Context, s *view) []Finding {
			registries := s.ofType(typeRegistry)
			if len(registries) == 0 {
				return nil
			}
			has, pending := childrenByParent(s, registries, typeReplication, "registryName")
			var out []Finding
			for _, r := range registries {
				sku := field(r.Properties, "sku", "name")
				switch {
				case sku.undecided():
					out = append(out, undecidable(r, sku.describeUnknown()))
				case !sku.is("Premium"):
					name, _ := sku.text()
					out = append(out, violation(r, "SKU %q cannot be geo-replicated (Premium only)", name))
				case len(has[r]) > 0:
				case pending != "":
					out = append(out, undecidable(r, pending))
				default:
					out = append(out, violation(r, "the registry is not geo-replicated: no containerregistry:Replication of the stack targets it"))
				}
			}
			return out
		},
	}}
}

// storageCompanionRules: blob soft delete configured for every account,
// and no local users.
// https://learn.microsoft.com/azure/storage/blobs/soft-delete-blob-overview
// https://learn.microsoft.com/azure/storage/blobs/secure-file-transfer-protocol-support-authorize-access
func storageCompanionRules() []Rule {
	return []Rule{
		{
			Name:     "storage-account-blob-soft-delete-configured",
			Category: categoryStorage,
			Description: "Every storage account with a blob service has a storage:BlobServiceProperties in the stack (which " +
				"storage-blob-soft-delete then checks): without one, blob and container soft delete keep the service's " +
				"default, off, and deleted blobs are lost at once. Advisory: the absence of a resource in one stack does not prove " +
				"the setting is off (the account's blob service can be configured outside the stack, by a DeployIfNotExists " +
				"policy or another stack); storage-blob-soft-delete is mandatory on the blob service properties a stack declares.",
			Remediation: "Add an azure-native:storage:BlobServiceProperties for the account (accountName, blobServicesName \"default\") " +
				"with deleteRetentionPolicy and containerDeleteRetentionPolicy {enabled: true, days: 7}.",
			Enforcement: Advisory,
			Checkov:     []string{"CKV2_AZURE_38"},
			Trivy:       []string{"AVD-AZU-0056"},
			Types:       []string{typeStorageAccount, typeBlobService},
			Scope:       PerStack,
			checkStack: func(_ Context, s *view) []Finding {
				accounts := s.ofType(typeStorageAccount)
				if len(accounts) == 0 {
					return nil
				}
				has, pending := childrenByParent(s, accounts, typeBlobService, "accountName")
				var out []Finding
				for _, a := range accounts {
					kind := field(a.Properties, "kind")
					switch {
					case kind.is(serviceBlobKindNo):
					case len(has[a]) > 0:
					case pending != "":
						out = append(out, undecidable(a, pending))
					default:
						out = append(out, violation(a, "no storage:BlobServiceProperties of the stack targets this account: blob soft delete stays off"))
					}
				}
				return out
			},
		},
		{
			Name:     "storage-account-no-local-users",
			Category: categoryStorage,
			Description: "Storage accounts do not enable local users (isLocalUserEnabled), the SFTP and NFS identities with their own " +
				"passwords and keys outside Entra ID. As Checkov does, an account that leaves the setting out is flagged only " +
				"when SFTP or the hierarchical namespace SFTP needs is on.",
			Remediation: "Set isLocalUserEnabled to false (and isSftpEnabled to false), and reach the data with Entra ID.",
			Enforcement: Mandatory,
			Checkov:     []string{"CKV_AZURE_244"},
			Types:       []string{typeStorageAccount},
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				v := field(r.Properties, "isLocalUserEnabled")
				if v.isSet() {
					return requireBool(r, v, false, false, "local users (SFTP/NFS passwords and keys) are enabled")
				}
				for _, key := range []string{"isSftpEnabled", "isHnsEnabled"} {
					on := field(r.Properties, key)
					if on.undecided() {
						return []Finding{undecidable(r, on.describeUnknown())}
					}
					if b, ok := on.boolean(); ok && b {
						return []Finding{violation(r, "%s is on and isLocalUserEnabled is not set to false: local users can be created", key)}
					}
				}
				return nil
			},
		},
	}
}

// childrenByParent matches the child resources of type childType to the
// parents they configure: by the child's input naming the parent's Azure
// name (nameKey), by the child's Pulumi parent, or, while the name is not
// known yet, by the dependency Pulumi recorded for that input. pending is
// set when a child's parent cannot be told yet.
func childrenByParent(s *view, parents []*Resource, childType, nameKey string) (map[*Resource][]*Resource, string) {
	byName := map[string][]*Resource{}
	byURN := map[string]*Resource{}
	for _, p := range parents {
		byURN[p.URN] = p
		n, ok := physicalName(p)
		if !ok && p.ID != "" { // auto-named: the export's ID ends with the name
			n, ok = p.ID[strings.LastIndexByte(p.ID, '/')+1:], true
		}
		if ok {
			byName[strings.ToLower(n)] = append(byName[strings.ToLower(n)], p)
		}
	}
	out := map[*Resource][]*Resource{}
	pending := ""
	for _, c := range s.ofType(childType) {
		if p, ok := byURN[c.Parent]; ok {
			out[p] = append(out[p], c)
			continue
		}
		name := lookup(c.Properties, nameKey)
		if n, ok := name.str(); ok {
			for _, p := range byName[strings.ToLower(strings.TrimSpace(n))] {
				out[p] = append(out[p], c)
			}
			continue
		}
		if !name.undecided() {
			continue
		}
		deps := c.PropertyDependencies[nameKey]
		if len(deps) == 0 {
			deps = c.Dependencies
		}
		found := false
		for _, d := range deps {
			if p, ok := byURN[d]; ok {
				out[p] = append(out[p], c)
				found = true
			}
		}
		if !found {
			pending = fmt.Sprintf("%s %s: %s", childType[strings.LastIndexByte(childType, ':')+1:], c.URN, name.describeUnknown())
		}
	}
	return out, pending
}
