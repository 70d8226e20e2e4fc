package rules

import (
	"fmt"
	"sort"
	"strings"
)

const categoryOperations = "Operations"

// DefaultRequiredTags are the tag keys every taggable resource carries
// unless configuration says otherwise.
var defaultRequiredTags = []string{"environment", "application", "owner", "cost-center", "managed-by"}

// DefaultRequiredTags returns the default required tag keys.
func DefaultRequiredTags() []string { return append([]string(nil), defaultRequiredTags...) }

func operationsRules() []Rule {
	return []Rule{
		{
			Name:        "diagnostic-settings-enabled",
			Category:    categoryOperations,
			Description: "Key Vaults, Service Bus namespaces and network security groups send their logs somewhere: a diagnostic setting of the stack targets each of them with a destination and at least one enabled log.",
			Remediation: "Add an azure-native:insights:DiagnosticSetting with resourceUri set to the resource's ID, workspaceId set to the Log Analytics workspace, and logs [{categoryGroup: allLogs, enabled: true}].",
			Enforcement: Mandatory,
			// Resource logs in Key Vault / in Service Bus should be enabled.
			AzurePolicy: []string{"cf820ca0-f99e-4f3e-84fb-66e913812d21", "f8d36e2f-389b-4ee4-898d-21aeb69a0f45"},
			Types:       []string{typeVault, typeSBNamespace, typeNSG, typeDiagnostic},
			Scope:       PerStack,
			checkStack:  checkDiagnostics,
		},
		{
			Name:        "required-tags",
			Category:    categoryOperations,
			Description: "Every taggable resource carries the required tags with non-empty values (default: " + strings.Join(defaultRequiredTags, ", ") + "), and its environment tag names the stack's environment.",
			Remediation: "Add the missing tags; in this program stacks.Tags builds them for every resource.",
			Enforcement: Mandatory,
			Scope:       PerResource,
			Options: []Option{stringListOption("requiredTags",
				"Tag keys every taggable resource must carry, replacing the default list.",
				func(o *Options, l []string) { o.RequiredTags = l })},
			checkResource: checkTags,
		},
		{
			Name:        "container-registry-admin-disabled",
			Category:    categoryOperations,
			Description: "Container registries keep the admin user disabled.",
			Remediation: "Set adminUserEnabled to false and pull with a managed identity that has AcrPull.",
			Enforcement: Mandatory,
			Checkov:     []string{"CKV_AZURE_137"},
			AzurePolicy: []string{"dc921057-6b28-4fbe-9b83-f7bec05db6c2"},
			Types:       []string{typeRegistry},
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				return requireBool(r, field(r.Properties, "adminUserEnabled"), false, false, "the admin user is enabled")
			},
		},
		{
			Name:        "storage-account-no-public-blob-access",
			Category:    categoryOperations,
			Description: "Storage accounts do not allow anonymous public access to blobs: allowBlobPublicAccess is set to false. Left out, it is flagged as the built-in (not equals false) and Checkov (a missing attribute fails) flag it: the REST API's documented default has been true in older API versions and false in newer ones.",
			Remediation: "Set allowBlobPublicAccess to false.",
			Enforcement: Mandatory,
			Checkov:     []string{"CKV_AZURE_190", "CKV2_AZURE_47"},
			AzurePolicy: []string{"4fa4b6c0-31ca-4c0d-b10d-24b96f62a751"},
			Types:       []string{typeStorageAccount},
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				// https://github.com/Azure/azure-policy/blob/master/built-in-policies/policyDefinitions/Storage/ASC_Storage_DisallowPublicBlobAccess_Audit.json
				// https://learn.microsoft.com/azure/storage/blobs/anonymous-read-access-prevent
				return requireBool(r, field(r.Properties, "allowBlobPublicAccess"), false, true, "anonymous public blob access is allowed")
			},
		},
		{
			Name:        "storage-account-https-only",
			Category:    categoryOperations,
			Description: "Storage accounts accept HTTPS only (enableHttpsTrafficOnly; true by default, an explicit false is a violation).",
			Remediation: "Set enableHttpsTrafficOnly to true or leave it out.",
			Enforcement: Mandatory,
			Checkov:     []string{"CKV_AZURE_3", "CKV_AZURE_60"},
			Trivy:       []string{"AVD-AZU-0008"},
			AzurePolicy: []string{"404c3081-a854-4457-ae30-26a93ef643f9"},
			Types:       []string{typeStorageAccount},
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				return requireBool(r, field(r.Properties, "enableHttpsTrafficOnly"), true, true, "plain HTTP is accepted")
			},
		},
		{
			Name:          "storage-account-min-tls-12",
			Category:      categoryOperations,
			Description:   "Storage accounts set a minimum TLS version of TLS1_2 or later, explicitly (Azure's default is TLS1_0 on older API versions).",
			Remediation:   `Set minimumTlsVersion to "TLS1_2".`,
			Enforcement:   Mandatory,
			Checkov:       []string{"CKV_AZURE_44"},
			Trivy:         []string{"AVD-AZU-0011"},
			AzurePolicy:   []string{"fe83a0eb-a853-422d-aac2-1bffd182c5d0"},
			Types:         []string{typeStorageAccount},
			Scope:         PerResource,
			checkResource: requireMinimumTLS("TLS1_2", "TLS1_2", "TLS1_3"),
		},
	}
}

// checkDiagnostics matches diagnostic settings to the resources that need
// one, by resourceUri (ID or Azure name) or, while the URI is unknown, by
// the dependency Pulumi recorded.
func checkDiagnostics(_ Context, s *view) []Finding {
	needs := []struct{ typ, arm, label string }{
		{typeVault, armVault, "Key Vault"},
		{typeSBNamespace, armSBNamespace, "Service Bus namespace"},
		{typeNSG, armNSG, "network security group"},
	}
	settings := s.ofType(typeDiagnostic)
	var out []Finding
	for _, n := range needs {
		targets := s.ofType(n.typ)
		if len(targets) == 0 {
			continue
		}
		l := newLinker(targets, n.arm)
		found := map[*Resource]bool{}
		weak := map[*Resource]string{}
		pending := ""
		for _, ds := range settings {
			hits, why := l.resolve(field(ds.Properties, "resourceUri"), ds, "resourceUri")
			if why != "" {
				pending = fmt.Sprintf("diagnostic setting %s: %s", ds.URN, why)
			}
			problem := diagnosticProblem(ds)
			for _, t := range hits {
				if problem == "" {
					found[t] = true
				} else {
					weak[t] = problem
				}
			}
		}
		for _, target := range targets {
			switch {
			case found[target]:
			case pending != "":
				out = append(out, undecidable(target, pending))
			case weak[target] != "":
				out = append(out, violation(target, "the %s's diagnostic setting %s", n.label, weak[target]))
			default:
				out = append(out, violation(target, "no diagnostic setting of the stack targets this %s", n.label))
			}
		}
	}
	return out
}

// diagnosticProblem explains why a diagnostic setting sends nothing.
func diagnosticProblem(ds *Resource) string {
	dest := false
	for _, k := range []string{"workspaceId", "storageAccountId", "eventHubAuthorizationRuleId", "marketplacePartnerId"} {
		if nonEmpty(field(ds.Properties, k)) {
			dest = true
		}
	}
	if !dest {
		return fmt.Sprintf("%s has no destination", ds.URN)
	}
	for _, l := range field(ds.Properties, "logs").elems() {
		if l.undecided() {
			return ""
		}
		en := field(l.v, "enabled")
		if b, ok := en.boolean(); en.undecided() || (ok && b) {
			return ""
		}
	}
	return fmt.Sprintf("%s enables no log category", ds.URN)
}

// checkTags requires the tag keys on taggable azure-native resources.
func checkTags(ctx Context, r *Resource, _ *view) []Finding {
	t := CanonicalType(r.Type)
	tags := field(r.Properties, "tags")
	if untaggableTypes[t] || (!taggableTypes[t] && !(pkgOf(t) == "azure-native" && tags.isSet())) {
		return nil
	}
	if tags.undecided() {
		return []Finding{undecidable(r, tags.describeUnknown())}
	}
	required := ctx.Options.RequiredTags
	if required == nil {
		required = defaultRequiredTags
	}
	m, _ := tags.dict()
	var missing []string
	var out []Finding
	for _, key := range required {
		v := lookup(m, key)
		if v.undecided() {
			out = append(out, undecidable(r, "tags."+key+" is unknown until the update runs"))
			continue
		}
		if s, ok := v.text(); !ok || strings.TrimSpace(s) == "" {
			missing = append(missing, key)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		out = append(out, violation(r, "missing required tags: %s", strings.Join(missing, ", ")))
	}
	if env, ok := lookup(m, "environment").text(); ok && ctx.Environment != "" && env != "" &&
		EnvironmentFromStack(env) != ctx.Environment {
		out = append(out, violation(r, "tag environment=%q in a %s stack", env, ctx.Environment))
	}
	return out
}
