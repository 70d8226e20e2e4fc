package rules

const categoryServiceBus = "Service Bus"

func serviceBusRules() []Rule {
	return []Rule{
		{
			Name:        "servicebus-local-auth-disabled",
			Category:    categoryServiceBus,
			Description: "Service Bus namespaces disable local (SAS key) authentication: clients authenticate with Entra ID.",
			Remediation: "Set disableLocalAuth to true and grant Azure Service Bus Data Sender/Receiver roles to the apps' identities.",
			Enforcement: Mandatory,
			Checkov:     []string{"CKV_AZURE_203"},
			AzurePolicy: []string{"cfb11c26-f069-4c14-8e36-56c394dae5af"},
			Types:       []string{typeSBNamespace},
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				return requireBool(r, field(r.Properties, "disableLocalAuth"), true, false,
					"local (SAS) authentication is enabled")
			},
		},
		{
			Name:          "servicebus-min-tls-12",
			Category:      categoryServiceBus,
			Description:   "Service Bus namespaces set a minimum TLS version of 1.2 or later, explicitly.",
			Remediation:   `Set minimumTlsVersion to "1.2".`,
			Enforcement:   Mandatory,
			Checkov:       []string{"CKV_AZURE_205"},
			Types:         []string{typeSBNamespace},
			Scope:         PerResource,
			checkResource: requireMinimumTLS("1.2", "1.2", "1.3"),
		},
		{
			Name:        "servicebus-no-sas-rules",
			Category:    categoryServiceBus,
			Description: "No shared access (SAS) authorization rule is declared on a Service Bus namespace, queue or topic.",
			Remediation: "Delete the authorization rule and grant the client an Entra ID role on the entity instead.",
			Enforcement: Mandatory,
			AzurePolicy: []string{"a1817ec0-a368-432a-8057-8371e17ac6ee"},
			Types:       []string{typeSBNamespaceRule, typeSBQueueRule, typeSBTopicRule},
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				return []Finding{violation(r, "shared access authorization rule %q hands out keys that bypass Entra ID", r.Name)}
			},
		},
	}
}

// requireMinimumTLS checks that minimumTlsVersion is set explicitly to one
// of the accepted spellings (the services spell versions differently:
// "1.2" for Service Bus, "TLS1_2" for storage); floor names the lowest in
// messages.
func requireMinimumTLS(floor string, accepted ...string) func(Context, *Resource, *view) []Finding {
	return func(_ Context, r *Resource, _ *view) []Finding {
		v := field(r.Properties, "minimumTlsVersion")
		switch {
		case v.undecided():
			return []Finding{undecidable(r, v.describeUnknown())}
		case v.is(accepted...):
			return nil
		case !v.isSet():
			return []Finding{violation(r, "minimumTlsVersion is not set")}
		}
		got, _ := v.text()
		return []Finding{violation(r, "minimumTlsVersion is %q, below %s", got, floor)}
	}
}
