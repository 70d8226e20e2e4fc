package azuremodel

import (
	"fmt"
	"strings"
)

// RulesMarkdown renders the rule tables, one per type token, for
// docs/azure-model.md (between its generated-section markers).
func RulesMarkdown() string {
	var b strings.Builder
	for _, t := range append(Types(), NamingType, AuthorizationType) {
		fmt.Fprintf(&b, "### `%s`\n\n", t.Token)
		if len(t.ForceNew) > 0 {
			fmt.Fprintf(&b, "Replaced when these change (beyond the ARM path and location): `%s`.\n\n", strings.Join(t.ForceNew, "`, `"))
		}
		b.WriteString("| Rule | Rejects or computes | Code | Source |\n|---|---|---|---|\n")
		for _, r := range t.Rules {
			kind, code := "rejects", "`"+r.Code+"`"
			if r.Computes {
				kind, code = "computes", "—"
			}
			fmt.Fprintf(&b, "| %s | %s: %s | %s | %s |\n", r.ID, kind, cell(r.Summary), code, r.Source)
		}
		b.WriteString("\n")
	}
	b.WriteString("### Built-in roles modelled for `--as`\n\n")
	for _, n := range BuiltinRoleNames() {
		fmt.Fprintf(&b, "- %s\n", n)
	}
	return b.String()
}

func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
