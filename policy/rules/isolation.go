package rules

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

var stagingAndProd = []string{"staging", "prod"}

func isolationRules() []Rule {
	return []Rule{
		{
			Name:         "keyvault-no-public-network-access",
			Category:     categoryIsolation,
			Description:  "Key Vaults have public network access disabled in staging and prod.",
			Remediation:  `Set properties.publicNetworkAccess to "Disabled" and reach the vault through its private endpoint.`,
			Enforcement:  Mandatory,
			Environments: stagingAndProd,
			Checkov:      []string{"CKV_AZURE_189"},
			AzurePolicy:  []string{"405c5871-3e91-4644-8a63-58e19d68ff5b"},
			Types:        []string{typeVault},
			Scope:        PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				return publicAccessDisabled(r, field(r.Properties, "properties", "publicNetworkAccess"))
			},
		},
		{
			Name:         "keyvault-private-endpoint",
			Category:     categoryIsolation,
			Description:  "Every Key Vault has a private endpoint (group id vault) in the stack, in staging and prod.",
			Remediation:  "Add an azure-native:network:PrivateEndpoint whose privateLinkServiceConnections target the vault with groupIds [\"vault\"], and register it in privatelink.vaultcore.azure.net.",
			Enforcement:  Mandatory,
			Environments: stagingAndProd,
			Checkov:      []string{"CKV2_AZURE_32"},
			AzurePolicy:  []string{"a6abeaec-4d90-4a02-805f-6b26c4d3fbe9"},
			Types:        []string{typeVault, typePrivateEndpoint},
			Scope:        PerStack,
			checkStack:   privateEndpointCheck(typeVault, armVault, "vault", "Key Vault"),
		},
		{
			Name:         "servicebus-no-public-network-access",
			Category:     categoryIsolation,
			Description:  "Service Bus namespaces have public network access disabled in staging and prod.",
			Remediation:  `Set publicNetworkAccess to "Disabled" and reach the namespace through its private endpoint (Premium tier).`,
			Enforcement:  Mandatory,
			Environments: stagingAndProd,
			Checkov:      []string{"CKV_AZURE_204"},
			AzurePolicy:  []string{"cbd11fd3-3002-4907-b6c8-579f0e700e13"},
			Types:        []string{typeSBNamespace},
			Scope:        PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				return publicAccessDisabled(r, field(r.Properties, "publicNetworkAccess"))
			},
		},
		{
			Name:         "servicebus-private-endpoint",
			Category:     categoryIsolation,
			Description:  "Every Service Bus namespace has a private endpoint (group id namespace) in the stack, in staging and prod.",
			Remediation:  "Add an azure-native:network:PrivateEndpoint whose privateLinkServiceConnections target the namespace with groupIds [\"namespace\"], and register it in privatelink.servicebus.windows.net.",
			Enforcement:  Mandatory,
			Environments: stagingAndProd,
			AzurePolicy:  []string{"1c06e275-d63d-4540-b761-71f364c2111d"},
			Types:        []string{typeSBNamespace, typePrivateEndpoint},
			Scope:        PerStack,
			checkStack:   privateEndpointCheck(typeSBNamespace, armSBNamespace, "namespace", "Service Bus namespace"),
		},
		{
			Name:         "containerapps-environment-vnet-integrated",
			Category:     categoryIsolation,
			Description:  "Container Apps environments are integrated in a virtual network (vnetConfiguration.infrastructureSubnetId) in staging and prod.",
			Remediation:  "Set vnetConfiguration.infrastructureSubnetId to a delegated subnet of the stack's virtual network.",
			Enforcement:  Mandatory,
			Environments: stagingAndProd,
			AzurePolicy:  []string{"8b346db6-85af-419b-8557-92cee2c0f9bb"},
			Types:        []string{typeManagedEnv},
			Scope:        PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				id := field(r.Properties, "vnetConfiguration", "infrastructureSubnetId")
				if id.undecided() {
					if id.path() != "vnetConfiguration.infrastructureSubnetId" {
						return []Finding{undecidable(r, id.describeUnknown())}
					}
					return nil // set to an ID not known yet
				}
				if s, ok := id.str(); ok && strings.TrimSpace(s) != "" {
					return nil
				}
				return []Finding{violation(r, "Container Apps environment is not integrated in a virtual network (vnetConfiguration.infrastructureSubnetId is not set)")}
			},
		},
		{
			Name:         "servicebus-premium-in-prod",
			Category:     categoryIsolation,
			Description:  "Service Bus namespaces use the Premium tier in prod (private endpoints, zone redundancy, dedicated capacity).",
			Remediation:  `Set sku.name and sku.tier to "Premium" with a capacity of 1 or more.`,
			Enforcement:  Mandatory,
			Environments: []string{"prod"},
			Types:        []string{typeSBNamespace},
			Scope:        PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				name := field(r.Properties, "sku", "name")
				if name.undecided() {
					return []Finding{undecidable(r, name.describeUnknown())}
				}
				if !name.is(serviceBusPremium) {
					got, _ := name.text()
					if got == "" {
						got = "not set"
					}
					return []Finding{violation(r, "Service Bus namespace SKU is %s, not Premium", got)}
				}
				return nil
			},
		},
		{
			Name:     "no-cross-environment-references",
			Category: categoryIsolation,
			Description: "No resource refers to a resource ID, name, host or URL of another environment: a dev stack must not " +
				"point at prod's vault, subnet or namespace, and the reverse.",
			Remediation: "Point the property at this environment's resource; if a resource is shared on purpose, add a distinctive substring of its ID to allowedReferences.",
			Enforcement: Mandatory,
			Scope:       PerResource,
			Options: []Option{stringListOption("allowedReferences",
				"Substrings (case-insensitive) of values that may name another environment, such as a shared DNS zone's resource ID.",
				func(o *Options, l []string) { o.AllowedReferences = l })},
			checkResource: checkCrossEnvironment,
		},
	}
}

// publicAccessDisabled requires publicNetworkAccess to be Disabled. Azure's
// default when it is not set is Enabled.
func publicAccessDisabled(r *Resource, v val) []Finding {
	switch {
	case v.undecided():
		return []Finding{undecidable(r, v.describeUnknown())}
	case v.is("Disabled"):
		return nil
	case !v.isSet():
		return []Finding{violation(r, "%s is not set (Azure's default is Enabled)", v.path())}
	}
	got, _ := v.text()
	return []Finding{violation(r, "%s is %q, not Disabled", v.path(), got)}
}

// privateEndpointCheck finds, for every resource of a type, a private
// endpoint of the stack that connects to it with the right group id.
func privateEndpointCheck(typ, armType, groupID, label string) func(Context, *view) []Finding {
	return func(_ Context, s *view) []Finding {
		targets := s.ofType(typ)
		if len(targets) == 0 {
			return nil
		}
		l := newLinker(targets, armType)
		found := map[*Resource]bool{}
		pending := ""
		for _, pe := range s.ofType(typePrivateEndpoint) {
			for _, key := range []string{"privateLinkServiceConnections", "manualPrivateLinkServiceConnections"} {
				for _, conn := range field(pe.Properties, key).elems() {
					if conn.undecided() {
						pending = fmt.Sprintf("private endpoint %s: %s", pe.URN, conn.describeUnknown())
						continue
					}
					if hasGroup(field(conn.v, "groupIds"), groupID).state != 1 {
						continue
					}
					id := field(conn.v, "privateLinkServiceId")
					id = id.named(conn.path() + ".privateLinkServiceId")
					hits, why := l.resolve(id, pe, key)
					if why != "" {
						pending = fmt.Sprintf("private endpoint %s: %s", pe.URN, why)
					}
					for _, t := range hits {
						found[t] = true
					}
				}
			}
		}
		var out []Finding
		for _, target := range targets {
			switch {
			case found[target]:
			case pending != "":
				out = append(out, undecidable(target, pending))
			default:
				out = append(out, violation(target, "no private endpoint of the stack connects to this %s (group id %s)", label, groupID))
			}
		}
		return out
	}
}

// hasGroup: the connection's group ids include want. Unset group ids do
// not rule the connection out: the ID decides then.
func hasGroup(groups val, want string) tri {
	if groups.undecided() {
		return yes
	}
	if !groups.isSet() {
		return yes
	}
	for _, g := range groups.elems() {
		if g.undecided() || g.is(want) {
			return yes
		}
	}
	return no
}

// envAliases are the words that name each environment in resource names
// and IDs.
var envAliases = map[string][]string{
	"dev":     {"dev", "development"},
	"staging": {"staging", "stg"},
	"prod":    {"prod", "prd", "production"},
}

// checkCrossEnvironment scans the string values that name other resources
// (IDs, names, hosts, URLs) for another environment's name as a whole word.
// Tags are left out: the environment tag is required-tags' business.
func checkCrossEnvironment(ctx Context, r *Resource, _ *view) []Finding {
	if ctx.Environment == "" || !isAzurePackage(r.Type) {
		return nil
	}
	others := map[string]string{}
	for _, env := range otherEnvironments(ctx.Environment) {
		for _, a := range envAliases[env] {
			others[a] = env
		}
	}
	var out []Finding
	aliases := make([]string, 0, len(others))
	for a := range others {
		aliases = append(aliases, a)
	}
	walkStrings(r.Properties, func(path func() string, key, s string) {
		// Cheap test first: most values name no other environment at all.
		if !containsAnyFold(s, aliases) || !isReferenceValue(key, s) || allowedReference(ctx.Options.AllowedReferences, s) {
			return
		}
		for _, word := range words(s) {
			if env, ok := others[word]; ok {
				out = append(out, violation(r, "%s refers to the %s environment: %q", path(), env, s))
				return
			}
		}
	})
	return out
}

// containsAnyFold reports whether s contains one of the lower-case words,
// ignoring ASCII case, without allocating.
func containsAnyFold(s string, words []string) bool {
	for _, w := range words {
		if len(w) == 0 || len(w) > len(s) {
			continue
		}
		for i := 0; i+len(w) <= len(s); i++ {
			if asciiLower(s[i]) == w[0] && strings.EqualFold(s[i:i+len(w)], w) {
				return true
			}
		}
	}
	return false
}

func asciiLower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func isAzurePackage(t string) bool {
	p := pkgOf(t)
	return p == "azure-native" || p == "azuread"
}

// walkStrings visits every known string under v with its path and the
// nearest map key, skipping tags. The path is built only when a visitor
// asks for it: most strings are not reported, and building every path
// would allocate for each value of every resource.
func walkStrings(v any, visit func(path func() string, key, s string)) {
	type seg struct {
		key   string
		index int // -1 for a map key
	}
	var segs []seg
	path := func() string {
		var b strings.Builder
		for _, sg := range segs {
			if sg.index >= 0 {
				fmt.Fprintf(&b, "[%d]", sg.index)
				continue
			}
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(sg.key)
		}
		return b.String()
	}
	var walk func(v any, key string, depth int)
	walk = func(v any, key string, depth int) {
		if depth > 32 {
			return
		}
		x, st, _ := unwrap(v)
		if st != known {
			return
		}
		switch t := x.(type) {
		case string:
			visit(path, key, t)
		case map[string]any:
			for k, child := range t {
				if strings.EqualFold(k, "tags") {
					continue
				}
				segs = append(segs, seg{key: k, index: -1})
				walk(child, k, depth+1)
				segs = segs[:len(segs)-1]
			}
		case []any:
			for i, child := range t {
				segs = append(segs, seg{index: i})
				walk(child, key, depth+1)
				segs = segs[:len(segs)-1]
			}
		}
	}
	walk(v, "", 0)
}

// isReferenceValue says whether a string names another resource: an ARM
// ID, a URL or host, or the value of a key that holds a name or an ID.
func isReferenceValue(key, s string) bool {
	ls := strings.ToLower(s)
	if strings.HasPrefix(ls, "/subscriptions/") || strings.HasPrefix(ls, "/providers/") || strings.Contains(ls, "://") {
		return true
	}
	k := strings.ToLower(key)
	for _, suffix := range []string{"id", "ids", "uri", "url", "name", "names", "scope", "host", "hostname", "fqdn", "server", "endpoint"} {
		if strings.HasSuffix(k, suffix) {
			return true
		}
	}
	return false
}

func allowedReference(allowed []string, s string) bool {
	ls := strings.ToLower(s)
	return slices.ContainsFunc(allowed, func(a string) bool { return strings.Contains(ls, strings.ToLower(a)) })
}

// words splits a value into lower-case alphanumeric words.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}
