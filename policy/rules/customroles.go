package rules

import (
	"regexp"
	"strings"
)

// githubIssuer is the OIDC issuer of GitHub Actions tokens.
const githubIssuer = "https://token.actions.githubusercontent.com"

// pinnedGitHubSubject is a subject that names one repository and one
// environment, branch, tag or pull requests, with no wildcard:
// https://docs.github.com/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect#example-subject-claims
var pinnedGitHubSubject = regexp.MustCompile(`^repo:[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+:(environment:[^*?]+|ref:refs/(heads|tags)/[^*?]+|pull_request)$`)

// dangerousActions are the control-plane operations that let a role grant
// itself or others any access.
var dangerousActions = []string{
	"*",
	"microsoft.authorization/*",
	"microsoft.authorization/*/write",
	"microsoft.authorization/roleassignments/*",
	"microsoft.authorization/roleassignments/write",
	"microsoft.authorization/roledefinitions/*",
	"microsoft.authorization/roledefinitions/write",
}

// Custom roles and workload identity federation:
// https://learn.microsoft.com/azure/role-based-access-control/custom-roles
// https://learn.microsoft.com/entra/workload-id/workload-identity-federation-create-trust
func identityMoreRules() []Rule {
	return []Rule{
		{
			Name:        "custom-role-no-wildcard-actions",
			Category:    categoryIdentity,
			Description: "Custom role definitions do not grant every action (\"*\" in permissions[].actions): that is an Owner role under another name.",
			Remediation: "List the resource provider operations the role needs (Microsoft.KeyVault/vaults/read, ...) instead of \"*\".",
			Enforcement: Mandatory,
			Checkov:     []string{"CKV_AZURE_39"},
			Trivy:       []string{"AVD-AZU-0030"},
			AzurePolicy: []string{"10ee2ea2-fb4d-45b8-a7e9-a2e770044cd9"},
			Types:       []string{typeRoleDefinition},
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				return roleActions(r, func(a string) bool { return a == "*" }, "grants every action (\"*\")")
			},
		},
		{
			Name:        "custom-role-no-access-management",
			Category:    categoryIdentity,
			Description: "Custom role definitions do not grant role assignment or role definition writes (Microsoft.Authorization/roleAssignments/write, roleDefinitions/write or a wildcard over them): a role that can grant roles can grant itself anything.",
			Remediation: "Drop the Microsoft.Authorization write actions; use the built-in Role Based Access Control Administrator role with a condition where delegation is needed.",
			Enforcement: Mandatory,
			Trivy:       []string{"AVD-AZU-0052"},
			Types:       []string{typeRoleDefinition},
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				return roleActions(r, func(a string) bool {
					return a != "*" && contains(dangerousActions, a)
				}, "can manage access")
			},
		},
		{
			Name:     "federated-credential-github-subject-pinned",
			Category: categoryIdentity,
			Description: "Federated identity credentials that trust GitHub Actions pin the subject to one repository and one environment, branch, tag or pull requests (repo:org/repo:environment:prod), with the Entra token-exchange audience. " +
				"Its Azure Policy anchor checks the repository owner against an allow-list instead; this rule does not check the owner.",
			Remediation:   `Set subject to "repo:<org>/<repo>:environment:<environment>" and audiences to ["api://AzureADTokenExchange"]; do not use claimsMatchingExpression wildcards.`,
			Enforcement:   Mandatory,
			AzurePolicy:   []string{"fd1a8e20-2c4f-4a6c-9354-b58d786d9a1f"},
			Types:         []string{typeADAppFIC, typeADFIC, typeMIFIC},
			Scope:         PerResource,
			checkResource: checkGitHubSubject,
		},
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// roleActions reports the actions of a role definition's permissions that
// match bad.
func roleActions(r *Resource, bad func(string) bool, what string) []Finding {
	var out []Finding
	for _, p := range field(r.Properties, "permissions").elems() {
		if p.undecided() {
			out = append(out, undecidable(r, p.describeUnknown()))
			continue
		}
		for _, a := range field(p.v, "actions").elems() {
			if a.undecided() {
				out = append(out, undecidable(r, a.describeUnknown()))
				continue
			}
			s, _ := a.text()
			if bad(strings.ToLower(strings.TrimSpace(s))) {
				out = append(out, violation(r, "custom role %s: action %q", what, s))
			}
		}
	}
	return out
}

func checkGitHubSubject(_ Context, r *Resource, _ *view) []Finding {
	issuer := field(r.Properties, "issuer")
	if issuer.undecided() {
		return []Finding{undecidable(r, issuer.describeUnknown())}
	}
	iss, _ := issuer.str()
	if !strings.EqualFold(strings.TrimSuffix(strings.TrimSpace(iss), "/"), githubIssuer) {
		return nil
	}
	var out []Finding
	if field(r.Properties, "claimsMatchingExpression").isSet() {
		out = append(out, violation(r, "GitHub credential matches subjects with an expression instead of pinning one"))
	}
	subject := field(r.Properties, "subject")
	switch s, ok := subject.str(); {
	case subject.undecided():
		out = append(out, undecidable(r, subject.describeUnknown()))
	case !subject.isSet() && len(out) > 0:
	case !ok || !pinnedGitHubSubject.MatchString(strings.TrimSpace(s)):
		out = append(out, violation(r, "GitHub credential subject %q is not pinned to one repository and environment, branch, tag or pull requests", s))
	}
	for _, a := range field(r.Properties, "audiences").elems() {
		if a.undecided() {
			continue
		}
		if !a.is("api://AzureADTokenExchange") {
			s, _ := a.text()
			out = append(out, violation(r, "GitHub credential audience %q is not api://AzureADTokenExchange", s))
		}
	}
	return out
}
