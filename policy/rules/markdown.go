package rules

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Markdown writes the policy catalogue reference (docs/policies.md) from
// the registry, so the documentation cannot drift from the rules.
func Markdown(w io.Writer) error {
	return NewRegistry().Markdown(w)
}

// Markdown writes the catalogue reference of this registry.
func (reg *Registry) Markdown(w io.Writer) error {
	b := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }

	p("<!-- Generated from policy/rules by `misyinfra policy docs` (or `go test ./policy/rules -run TestPoliciesDoc -update`). Do not edit by hand. -->\n\n")
	p("# MisyBot policy catalogue\n\n")
	p("The same rules run in three places with identical results:\n\n")
	p("1. `pulumi preview --policy-pack ./policy` (the Go policy pack in `policy/`),\n")
	p("2. `misyinfra plan` on the offline plan,\n")
	p("3. `misyinfra policy audit FILE` on a `pulumi stack export` file (deployment version 3) or `pulumi preview --json` output.\n\n")
	p("A mandatory violation fails the run (exit code 1); advisory ones are reported only. ")
	p("Unreadable input exits with code 2. ")
	p("A rule that needs a value Pulumi does not know yet (during a preview) reports the resource as *undecidable* ")
	p("instead of guessing; undecidable results never fail a run.\n\n")

	p("## Rules\n\n")
	p("| Rule | Level | Environments | Scope | Checkov | Trivy | Azure Policy |\n")
	p("|---|---|---|---|---|---|---|\n")
	for _, r := range reg.rules {
		p("| [`%s`](#%s) | %s | %s | %s | %s | %s | %s |\n", r.Name, r.Name, r.Enforcement, envText(r.Environments),
			r.Scope, orDash(r.Checkov), orDash(r.Trivy), policyLinks(r.AzurePolicy, true))
	}
	p("\n")

	categories := []string{}
	seen := map[string]bool{}
	for _, r := range reg.rules {
		if !seen[r.Category] {
			seen[r.Category] = true
			categories = append(categories, r.Category)
		}
	}
	for _, c := range categories {
		p("## %s\n\n", c)
		for _, r := range reg.rules {
			if r.Category != c {
				continue
			}
			p("### %s\n\n", r.Name)
			p("%s\n\n", r.Description)
			p("- Level: **%s**; environments: %s\n", r.Enforcement, envText(r.Environments))
			p("- Resources: %s\n", typesText(r))
			if len(r.Checkov) > 0 || len(r.Trivy) > 0 {
				p("- Equivalent checks: %s\n", strings.Join(append(append([]string{}, r.Checkov...), r.Trivy...), ", "))
			}
			if len(r.AzurePolicy) > 0 {
				p("- Azure Policy built-ins: %s\n", builtinLinks(r.AzurePolicy))
			}
			p("- Remediation: %s\n", r.Remediation)
			for _, o := range r.Options {
				p("- Option `%s`: %s\n", o.Key, o.Description)
			}
			p("\n")
		}
	}

	p("## Configuration\n\n")
	p("Policy configuration is the JSON file `pulumi preview --policy-pack-config` reads; `misyinfra plan` and ")
	p("`misyinfra policy audit` take the same file. Each key is a rule name, or `all` for the whole pack; the value ")
	p("is an enforcement level (`mandatory`, `advisory`, `disabled`) or an object with `enforcementLevel` and the ")
	p("rule's options. Unknown rule names and options are errors.\n\n")
	p("```json\n")
	p(`{
  "all": "mandatory",
  "stack-environment": {"environment": "prod"},
  "vnet-peering-allow-listed": {"allowedPeerings": ["vnet-hub-prod-weu"]},
  "address-space-no-overlap": {
    "otherEnvironmentRanges": {"dev": ["10.10.0.0/16"], "staging": ["10.20.0.0/16"], "prod": ["10.30.0.0/16"]}
  },
  "required-tags": {"enforcementLevel": "advisory", "requiredTags": ["environment", "owner"]}
}
`)
	p("```\n\n")
	p("The environment comes from the stack name: `dev`, `staging`, `prod`, or a name starting with one of them ")
	p("(`prod-weu`). The `stack-environment` option overrides it. When it cannot be told, every environment-specific ")
	p("rule applies.\n\n")
	p("Resource types match whatever API-version module registered them: `azure-native:keyvault/v20230701:Vault` is ")
	p("checked as `azure-native:keyvault:Vault`.\n\n")
	p("## Anchors\n\n")
	p("The Checkov, Trivy and Azure Policy columns name the equivalent checks of those catalogues (Checkov `CKV_AZURE_*`/`CKV2_AZURE_*`, ")
	p("Trivy `AVD-AZU-*`, Azure Policy built-in definition GUIDs), so the catalogue reads as a map against them. A rule that is ")
	p("stricter or looser than its anchor says so in its description (environments, advisory level).\n\n")
	p("Where an Azure Policy built-in audits or denies a security setting by default, the rule is mandatory at least in prod; ")
	p("the advisory exceptions say why in their description.\n\n")
	p("### Azure Policy built-ins\n\n")
	p("Every Azure Policy GUID a rule cites was checked against the built-in catalogue: the definition's JSON in ")
	p("[Azure/azure-policy](https://github.com/Azure/azure-policy/tree/master/built-in-policies/policyDefinitions) (its `name` ")
	p("field is the GUID) or the [built-in reference](%s), matching the display name and the effect. ", builtinPoliciesDoc)
	p("One GUID written from memory was wrong and is corrected (the registry admin-account definition). `go test ./policy/rules` ")
	p("fails when a rule cites a GUID that is not in this list.\n\n")
	p("| Definition | Display name | Effects (default first) | Checked against |\n|---|---|---|---|\n")
	builtins := builtinPolicies()
	sort.Slice(builtins, func(i, j int) bool { return builtins[i].ID < builtins[j].ID })
	for _, b := range builtins {
		p("| %s | %s | %s | [source](%s) |\n", policyLinks([]string{b.ID}, true), mdCell(b.DisplayName), strings.Join(b.Effects, ", "), b.Source)
	}
	p("\n## Coverage against the catalogues\n\n")
	p("The checks of Checkov, Trivy and Azure Policy for the resource types this platform deploys (or a platform like it ")
	p("would), and the rules that implement each, or why none does. Checkov titles are the checks' own names; Trivy titles ")
	p("paraphrase the AVD pages. Generated from `policy/rules/coverage.go`.\n\n")
	p("| Catalogue | Check | Title | Rules, or not applicable because |\n|---|---|---|---|\n")
	cov := reg.Coverage()
	implemented := 0
	for _, c := range cov {
		id := c.ID
		if c.Catalogue == AzurePolicy {
			id = policyLinks([]string{c.ID}, true)
		}
		what := "not applicable: " + c.NotApplicable
		if len(c.Rules) > 0 {
			implemented++
			links := make([]string, len(c.Rules))
			for i, n := range c.Rules {
				links[i] = fmt.Sprintf("[`%s`](#%s)", n, n)
			}
			what = strings.Join(links, ", ")
		}
		p("| %s | %s | %s | %s |\n", c.Catalogue, id, mdCell(c.Title), what)
	}
	p("\n%d of %d checks are implemented; the others are not applicable for the reasons given.\n\n", implemented, len(cov))
	p("## Scale\n\n")
	p("An audit is linear in the number of resources: stack rules link resources through indexes, never by scanning the stack ")
	p("per resource. The file is read in one pass by a decoder that builds the property maps straight from the bytes, its ")
	p("resources on every core; a document it does not take (a syntax error, a value of the wrong type, a field named twice) ")
	p("is decoded by encoding/json, whose values and errors it matches (differential, random and fuzz tests in policy/input). ")
	p("The rules run in parallel over runs of resources (stack rules one per task), with the report a single core gives, and ")
	p("name a property only when they report it. Measure it on synthetic stacks built from the reference stack:\n\n")
	p("```sh\n")
	p("go test ./policy/synth -run XXX -bench Audit -count 5    # in process: 10,000 and 40,000 resources, export and preview\n")
	p("go test ./policy/synth -run XXX -bench 'Parse|Evaluate'  # the two halves apart\n")
	p(".ci/policy-audit-time 5                                 # end to end, through the built CLI: medians of 5 runs\n")
	p("```\n")
	return b.Flush()
}

func envText(envs []string) string {
	if len(envs) == 0 {
		return "all"
	}
	return strings.Join(envs, ", ")
}

func orDash(ids []string) string {
	if len(ids) == 0 {
		return "–"
	}
	return strings.Join(ids, ", ")
}

// policyLinks names Azure Policy definitions by GUID, linked to their page
// in the Azure portal's policy blade; short keeps the first 8 hex digits.
func policyLinks(guids []string, short bool) string {
	if len(guids) == 0 {
		return "–"
	}
	out := make([]string, len(guids))
	for i, g := range guids {
		label := g
		if short {
			label = g[:8]
		}
		out[i] = fmt.Sprintf("[%s](%s)", label, portalURL(g))
	}
	return strings.Join(out, ", ")
}

// portalURL is a built-in definition's page in the Azure portal.
func portalURL(guid string) string {
	return "https://portal.azure.com/#view/Microsoft_Azure_Policy/PolicyDetailBlade/definitionId/%2Fproviders%2FMicrosoft.Authorization%2FpolicyDefinitions%2F" + guid
}

// builtinLinks names Azure Policy built-ins by display name, linked to
// their portal page, with their default effect.
func builtinLinks(ids []string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		b, ok := Builtin(id)
		if !ok {
			out[i] = policyLinks([]string{id}, false)
			continue
		}
		out[i] = fmt.Sprintf("[%s](%s) (default %s)", mdCell(b.DisplayName), portalURL(id), b.DefaultEffect())
	}
	return strings.Join(out, ", ")
}

// mdCell escapes text for a Markdown table cell or link text.
func mdCell(s string) string {
	return strings.NewReplacer("|", "\\|", "[", "\\[", "]", "\\]").Replace(s)
}

func typesText(r Rule) string {
	if len(r.Types) == 0 {
		if r.Name == "required-tags" {
			return "every taggable azure-native resource"
		}
		return "every azure-native and azuread resource"
	}
	ts := append([]string(nil), r.Types...)
	sort.Strings(ts)
	for i, t := range ts {
		ts[i] = "`" + t + "`"
	}
	return strings.Join(ts, ", ")
}
