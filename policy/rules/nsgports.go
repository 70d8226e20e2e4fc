package rules

// riskyPorts are clear-text, legacy or infrastructure protocols that must
// not face the Internet: Telnet, FTP, SMB, NetBIOS, RPC, WinRM over HTTP,
// and the rest of Trivy's sensitive ports (AVD-AZU-0074: SMTP, DNS, POP3,
// IMAP, SNMP, LDAP; its database ports are nsg-no-internet-database-ports').
// https://github.com/aquasecurity/trivy-checks/blob/main/checks/cloud/azure/network/sensitive_port_exposed_to_network.rego
var riskyPorts = []namedPort{
	{20, "FTP data"}, {21, "FTP"}, {23, "Telnet"}, {25, "SMTP"}, {53, "DNS"}, {110, "POP3"}, {135, "RPC"},
	{137, "NetBIOS"}, {138, "NetBIOS"}, {139, "NetBIOS"}, {143, "IMAP"}, {161, "SNMP"}, {389, "LDAP"},
	{445, "SMB"}, {636, "LDAPS"}, {993, "IMAPS"}, {995, "POP3S"}, {5985, "WinRM"}, {5986, "WinRM"},
}

// More security-group checks, for the catalogues' remaining NSG checks:
// https://learn.microsoft.com/azure/virtual-network/network-security-groups-overview
// https://learn.microsoft.com/azure/network-watcher/nsg-flow-logs-overview
func nsgMoreRules() []Rule {
	types := []string{typeNSG, typeSecurityRule}
	return []Rule{
		{
			Name:        "nsg-no-internet-http",
			Category:    categoryNSG,
			Description: "No security rule allows inbound plain HTTP (port 80) from the Internet.",
			Remediation: "Serve HTTPS (443) only, or put the workload behind Application Gateway or Front Door.",
			Enforcement: Mandatory,
			Checkov:     []string{"CKV_AZURE_160"},
			Types:       types,
			Scope:       PerResource,
			checkResource: eachSecRule(func(s secRule) (tri, string) {
				return and(s.isAllow(), s.isInbound(), s.fromInternet(), s.protocol("Tcp"), s.coversPort(80)), "allows HTTP (80) from the Internet"
			}),
		},
		{
			Name:        "nsg-no-internet-udp",
			Category:    categoryNSG,
			Description: "No security rule allows inbound UDP from the Internet (UDP services are amplification and scanning targets).",
			Remediation: "Restrict the rule to TCP, or its source to the networks that need the UDP service.",
			Enforcement: Mandatory,
			Checkov:     []string{"CKV_AZURE_77"},
			Types:       types,
			Scope:       PerResource,
			checkResource: eachSecRule(func(s secRule) (tri, string) {
				return and(s.isAllow(), s.isInbound(), s.fromInternet(), s.protocol("Udp")), "allows UDP from the Internet"
			}),
		},
		{
			Name:        "nsg-no-internet-legacy-ports",
			Category:    categoryNSG,
			Description: "No security rule allows inbound Telnet, FTP, SMTP, DNS, POP3, IMAP, SNMP, LDAP, SMB, NetBIOS, RPC or WinRM from the Internet.",
			Remediation: "Drop the rule; reach machines through Azure Bastion or a VPN and use encrypted protocols.",
			Enforcement: Mandatory,
			Trivy:       []string{"AVD-AZU-0074"},
			Types:       types,
			Scope:       PerResource,
			checkResource: eachSecRule(func(s secRule) (tri, string) {
				t, hits := s.allowsFromInternet(riskyPorts)
				return t, "allows " + hits + " from the Internet"
			}),
		},
		{
			Name:        "nsg-no-unrestricted-egress",
			Category:    categoryNSG,
			Description: "No security rule allows outbound traffic to the Internet (Internet, *, 0.0.0.0/0) on all ports.",
			Remediation: "Allow only the destinations and ports the workload needs (service tags such as AzureMonitor, or 443 to named ranges).",
			Enforcement: Mandatory,
			Trivy:       []string{"AVD-AZU-0051"},
			Types:       types,
			Scope:       PerResource,
			checkResource: eachSecRule(func(s secRule) (tri, string) {
				out := not(s.isInbound())
				return and(s.isAllow(), out, s.toInternet(), s.allPorts()), "allows all outbound traffic to the Internet"
			}),
		},
		{
			Name:        "flow-log-retention",
			Category:    categoryNSG,
			Description: "Network Watcher flow logs are enabled and keep their records at least 90 days (retentionPolicy.enabled, days 0 for forever or 90 and more).",
			Remediation: "Set enabled to true and retentionPolicy to {enabled: true, days: 90}.",
			Enforcement: Mandatory,
			Checkov:     []string{"CKV_AZURE_12"},
			Trivy:       []string{"AVD-AZU-0049", "AVD-AZU-0073"},
			AzurePolicy: []string{"27960feb-a23c-4577-8d36-ef8b5f35e0be"},
			Types:       []string{typeFlowLog},
			Scope:       PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				if f := requireBool(r, field(r.Properties, "enabled"), true, true, "the flow log is disabled"); f != nil {
					return f
				}
				if f := requireBool(r, field(r.Properties, "retentionPolicy", "enabled"), true, false, "flow-log records are not retained"); f != nil {
					return f
				}
				days := field(r.Properties, "retentionPolicy", "days")
				if n, ok := days.number(); ok && n == 0 {
					return nil // 0 keeps records forever
				}
				return requireMinNumber(r, days, 90, 0, "flow-log records are kept too briefly")
			},
		},
		{
			Name:         "flow-log-traffic-analytics",
			Category:     categoryNSG,
			Description:  "Network Watcher flow logs feed traffic analytics in prod (flowAnalyticsConfiguration.networkWatcherFlowAnalyticsConfiguration.enabled, with a processing interval of 10 or 60 minutes).",
			Remediation:  "Enable traffic analytics with the stack's Log Analytics workspace and trafficAnalyticsInterval 10 or 60.",
			Enforcement:  Mandatory,
			Environments: []string{"prod"},
			AzurePolicy:  []string{"2f080164-9f4d-497e-9db6-416dc9f7b48a"},
			Types:        []string{typeFlowLog},
			Scope:        PerResource,
			checkResource: func(_ Context, r *Resource, _ *view) []Finding {
				cfg := []string{"flowAnalyticsConfiguration", "networkWatcherFlowAnalyticsConfiguration"}
				if f := requireBool(r, field(r.Properties, append(cfg, "enabled")...), true, false, "traffic analytics is off"); f != nil {
					return f
				}
				interval := field(r.Properties, append(cfg, "trafficAnalyticsInterval")...)
				if !interval.isSet() {
					return nil // Azure's default is 60 minutes
				}
				return requireOneOf(r, interval, "", "traffic analytics runs at an interval Azure does not offer", "10", "60")
			},
		},
	}
}

// not negates a three-valued truth.
func not(t tri) tri {
	switch t.state {
	case 1:
		return no
	case 0:
		return yes
	}
	return t
}

// toInternet: some destination prefix is the Internet or any address.
func (s secRule) toInternet() tri {
	return anyPrefix(s.prefixes("destinationAddressPrefix", "destinationAddressPrefixes"), isInternetPrefix)
}
