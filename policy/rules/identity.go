package rules

import (
	"regexp"
	"strings"
)

const categoryIdentity = "Identity"

// privilegedRoles are the built-in roles that can change a subscription or
// its access, by definition GUID (the same in every tenant).
var privilegedRoles = map[string]string{
	"8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
	"b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
	"18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
}

// broadScope matches a subscription scope with nothing after it, or a
// wider one (management group, tenant root).
var broadScope = regexp.MustCompile(`(?i)^(/subscriptions/[^/]+|/providers/microsoft\.management/managementgroups/[^/]+|)/?$`)

func identityRules() []Rule {
	return []Rule{
		{
			Name:        "no-privileged-role-at-subscription",
			Category:    categoryIdentity,
			Description: "No Owner, Contributor or User Access Administrator role assignment at subscription scope (or wider).",
			Remediation: "Assign a narrower built-in role (for example Key Vault Secrets User) at the scope of the resource or resource group that needs it.",
			Enforcement: Mandatory,
			Types:       []string{typeRoleAssignment},
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				role := field(r.Properties, "roleDefinitionId")
				scope := field(r.Properties, "scope")
				privileged, roleName := no, ""
				if role.undecided() {
					privileged = maybe(role.describeUnknown())
				} else if s, ok := role.str(); ok {
					guid := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(s), "/"))
					if i := strings.LastIndexByte(guid, '/'); i >= 0 {
						guid = guid[i+1:]
					}
					roleName = privilegedRoles[guid]
					privileged = triOf(roleName != "")
				}
				broad := no
				if scope.undecided() {
					broad = maybe(scope.describeUnknown())
				} else if s, ok := scope.str(); ok {
					broad = triOf(broadScope.MatchString(strings.TrimSpace(s)))
				}
				switch t := and(privileged, broad); t.state {
				case 1:
					s, _ := scope.str()
					return []Finding{violation(r, "assigns %s at scope %q", roleName, s)}
				case -1:
					return []Finding{undecidable(r, t.why)}
				}
				return nil
			},
		},
		{
			Name:        "no-application-passwords",
			Category:    categoryIdentity,
			Description: "No application password or client secret is created (azuread ApplicationPassword, ServicePrincipalPassword, or Application passwords).",
			Remediation: "Use managed identities inside Azure and workload identity federation (federated credentials) outside it.",
			Enforcement: Mandatory,
			Types:       []string{typeADAppPassword, typeADSPPassword, typeADApplication},
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				if CanonicalType(r.Type) != typeADApplication {
					return []Finding{violation(r, "creates a client secret (%s)", r.Type)}
				}
				var out []Finding
				for _, key := range []string{"passwords", "password"} {
					for _, p := range field(r.Properties, key).elems() {
						if p.undecided() {
							out = append(out, undecidable(r, p.describeUnknown()))
							continue
						}
						out = append(out, violation(r, "application declares a client secret (%s)", p.path()))
					}
				}
				return out
			},
		},
	}
}
