package stacks

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// netJSON writes a network value with the given subnets and extra JSON fields.
func netJSON(space, apps, endpoints, extra string) string {
	s := `{"addressSpace":"` + space + `","appsSubnet":"` + apps + `","endpointsSubnet":"` + endpoints + `"`
	if extra != "" {
		s += "," + extra
	}
	return s + "}"
}

// ruleJSON writes a network value for prod's ranges with one extra rule.
func ruleJSON(fields string) string {
	return netJSON("10.22.0.0/16", "10.22.0.0/23", "10.22.2.0/24", `"extraRules":[{`+fields+`}]`)
}

const sshFromInternet = `"name":"AllowSsh","subnet":"apps","priority":200,"direction":"Inbound","access":"Allow",` +
	`"protocol":"Tcp","sourceAddressPrefix":"Internet","destinationPortRange":"22"`

func TestLoadRejectsBrokenConfigs(t *testing.T) {
	tests := []struct {
		name string
		dev  bool              // start from the dev configuration instead of prod
		set  map[string]string // key (project namespace unless it has one) -> raw value
		del  []string
		// The problem expected at wantKey mentions every one of want.
		wantKey string
		want    []string
	}{
		{
			name:    "typo adressSpace",
			set:     map[string]string{"network": `{"adressSpace":"10.22.0.0/16","appsSubnet":"10.22.0.0/23","endpointsSubnet":"10.22.2.0/24"}`},
			wantKey: "network.adressSpace",
			want:    []string{"10.22.0.0/16", "did you mean addressSpace?"},
		},
		{
			name:    "nested typo appSubnet",
			set:     map[string]string{"network": `{"addressSpace":"10.22.0.0/16","appSubnet":"10.22.0.0/23","endpointsSubnet":"10.22.2.0/24"}`},
			wantKey: "network.appSubnet",
			want:    []string{"10.22.0.0/23", "did you mean appsSubnet?"},
		},
		{
			name:    "typo in a list element",
			set:     map[string]string{"serviceBus": `{"queues":[{"name":"inbound-messages","lockDurration":"PT30S"}]}`},
			wantKey: "serviceBus.queues[0].lockDurration",
			want:    []string{"PT30S", "did you mean lockDuration?"},
		},
		{
			name:    "queue name one over Service Bus's 260",
			set:     map[string]string{"serviceBus": `{"queues":[{"name":"` + strings.Repeat("q", 261) + `"}]}`},
			wantKey: "serviceBus.queues[0].name",
			want:    []string{"a name of 1 to 260 letters"},
		},
		{
			name:    "typo in a top-level key",
			set:     map[string]string{"keyVualt": `{"sku":"premium"}`},
			wantKey: "keyVualt",
			want:    []string{`{\"sku\":\"premium\"}`, "did you mean keyVault?"},
		},
		{
			name:    "nested key set at the top level",
			set:     map[string]string{"adressSpace": "10.22.0.0/16"},
			wantKey: "adressSpace",
			want:    []string{"10.22.0.0/16", "did you mean network.addressSpace?"},
		},
		{
			name:    "dotted key instead of --path",
			set:     map[string]string{"network.addressSpace": "10.22.0.0/16"},
			wantKey: `["network.addressSpace"]`,
			want:    []string{"10.22.0.0/16", "--path 'network.addressSpace'"},
		},
		{
			name:    "prefix length /33",
			set:     map[string]string{"network": netJSON("10.22.0.0/33", "10.22.0.0/23", "10.22.2.0/24", "")},
			wantKey: "network.addressSpace",
			want:    []string{"10.22.0.0/33", "IPv4 CIDR"},
		},
		{
			name:    "host bits set",
			set:     map[string]string{"network": netJSON("10.22.0.1/16", "10.22.0.0/23", "10.22.2.0/24", "")},
			wantKey: "network.addressSpace",
			want:    []string{"10.22.0.1/16", "the network address 10.22.0.0/16"},
		},
		{
			name:    "public address space",
			set:     map[string]string{"network": netJSON("20.22.0.0/16", "20.22.0.0/23", "20.22.2.0/24", "")},
			wantKey: "network.addressSpace",
			want:    []string{"20.22.0.0/16", "RFC 1918"},
		},
		{
			name:    "address space too small",
			set:     map[string]string{"network": netJSON("10.22.0.0/25", "10.22.0.0/27", "10.22.0.96/28", "")},
			wantKey: "network.addressSpace",
			want:    []string{"10.22.0.0/25", "/8 to /24"},
		},
		{
			name:    "subnet outside the address space",
			set:     map[string]string{"network": netJSON("10.22.0.0/16", "10.99.0.0/23", "10.22.2.0/24", "")},
			wantKey: "network.appsSubnet",
			want:    []string{"10.99.0.0/23", "inside network.addressSpace 10.22.0.0/16"},
		},
		{
			name:    "overlapping subnets",
			set:     map[string]string{"network": netJSON("10.22.0.0/16", "10.22.0.0/23", "10.22.1.0/24", "")},
			wantKey: "network.endpointsSubnet",
			want:    []string{"10.22.1.0/24", "overlap", "10.22.0.0/23"},
		},
		{
			name:    "apps subnet /28",
			set:     map[string]string{"network": netJSON("10.22.0.0/16", "10.22.0.0/28", "10.22.2.0/24", "")},
			wantKey: "network.appsSubnet",
			want:    []string{"10.22.0.0/28", "/27 or larger"},
		},
		{
			name:    "endpoints subnet /29",
			set:     map[string]string{"network": netJSON("10.22.0.0/16", "10.22.0.0/23", "10.22.2.0/29", "")},
			wantKey: "network.endpointsSubnet",
			want:    []string{"10.22.2.0/29", "/28 or larger"},
		},
		{
			name:    "Internet as ingress source in prod",
			set:     map[string]string{"network": netJSON("10.22.0.0/16", "10.22.0.0/23", "10.22.2.0/24", `"ingressSources":["Internet"]`)},
			wantKey: "network.ingressSources[0]",
			want:    []string{"Internet", "only in dev"},
		},
		{
			name:    "misspelt service tag",
			set:     map[string]string{"network": netJSON("10.22.0.0/16", "10.22.0.0/23", "10.22.2.0/24", `"ingressSources":["AzureFrontDoor.Backend","virtualnetwork"]`)},
			wantKey: "network.ingressSources[1]",
			want:    []string{"virtualnetwork", "did you mean VirtualNetwork?"},
		},
		{
			name:    "SSH from the Internet, even in dev",
			dev:     true,
			set:     map[string]string{"network": strings.ReplaceAll(ruleJSON(sshFromInternet), "10.22.", "10.20.")},
			wantKey: "network.extraRules[0].sourceAddressPrefix",
			want:    []string{"Internet", "Container Apps ingress"},
		},
		{
			name:    "SSH from 0.0.0.0/0",
			set:     map[string]string{"network": ruleJSON(strings.Replace(sshFromInternet, `"Internet"`, `"0.0.0.0/0"`, 1))},
			wantKey: "network.extraRules[0].sourceAddressPrefix",
			want:    []string{"0.0.0.0/0", "Container Apps ingress"},
		},
		{
			name:    "rule priority of the platform",
			set:     map[string]string{"network": ruleJSON(`"name":"DenyOld","subnet":"apps","priority":4096,"direction":"Inbound","access":"Deny","protocol":"*","sourceAddressPrefix":"*","destinationPortRange":"*"`)},
			wantKey: "network.extraRules[0].priority",
			want:    []string{"4096", "reserved for the platform"},
		},
		{
			name:    "rule direction in lower case",
			set:     map[string]string{"network": ruleJSON(`"name":"AllowMonitoring","subnet":"apps","priority":300,"direction":"inbound","access":"Allow","protocol":"Tcp","sourceAddressPrefix":"VirtualNetwork","destinationPortRange":"9090"`)},
			wantKey: "network.extraRules[0].direction",
			want:    []string{"inbound", "did you mean Inbound?"},
		},
		{
			name:    "rule port range backwards",
			set:     map[string]string{"network": ruleJSON(`"name":"AllowRange","subnet":"apps","priority":300,"direction":"Inbound","access":"Allow","protocol":"Tcp","sourceAddressPrefix":"10.22.0.0/16","destinationPortRange":"9000-8000"`)},
			wantKey: "network.extraRules[0].destinationPortRange",
			want:    []string{"9000-8000"},
		},
		{
			name:    "rule priority as a string",
			set:     map[string]string{"network": ruleJSON(`"name":"AllowRange","subnet":"apps","priority":"300","direction":"Inbound","access":"Allow","protocol":"Tcp","sourceAddressPrefix":"10.22.0.0/16","destinationPortRange":"8080"`)},
			wantKey: "network.extraRules[0].priority",
			want:    []string{"300", "whole number", "without quotes"},
		},
		{
			name:    "extraRules not a list",
			set:     map[string]string{"network": netJSON("10.22.0.0/16", "10.22.0.0/23", "10.22.2.0/24", `"extraRules":{"name":"AllowSsh"}`)},
			wantKey: "network.extraRules",
			want:    []string{`{\"name\":\"AllowSsh\"}`, "a list"},
		},
		{
			name:    "network that is not JSON",
			set:     map[string]string{"network": "addressSpace=10.22.0.0/16"},
			wantKey: "network",
			want:    []string{"addressSpace=10.22.0.0/16", "JSON"},
		},
		{
			name:    "Standard Service Bus in prod",
			set:     map[string]string{"serviceBus": `{"sku":"Standard","capacity":0,"zoneRedundant":false}`},
			wantKey: "serviceBus.sku",
			want:    []string{"Standard", "Premium"},
		},
		{
			name:    "Basic Service Bus",
			dev:     true,
			set:     map[string]string{"serviceBus": `{"sku":"Basic","allowPublicNetworkAccess":true}`},
			wantKey: "serviceBus.sku",
			want:    []string{"Basic", "no topics"},
		},
		{
			name:    "Premium capacity 3",
			set:     map[string]string{"serviceBus": `{"capacity":3}`},
			wantKey: "serviceBus.capacity",
			want:    []string{`"3"`, "1, 2, 4, 8 or 16"},
		},
		{
			name:    "capacity written as a string",
			set:     map[string]string{"serviceBus": `{"capacity":"2"}`},
			wantKey: "serviceBus.capacity",
			want:    []string{`"2"`, "whole number, not a string"},
		},
		{
			name:    "Standard without stating public access",
			dev:     true,
			set:     map[string]string{"serviceBus": `{"queues":[{"name":"inbound-messages"}]}`},
			wantKey: "serviceBus.allowPublicNetworkAccess",
			want:    []string{"false", "no private endpoints"},
		},
		{
			name:    "public Service Bus in prod",
			set:     map[string]string{"serviceBus": `{"allowPublicNetworkAccess":true}`},
			wantKey: "serviceBus.allowPublicNetworkAccess",
			want:    []string{"true", "private endpoint"},
		},
		{
			name:    "zone redundancy in a region without zones",
			set:     map[string]string{"location": "westus", "azure-native:location": "westus"},
			wantKey: "serviceBus.zoneRedundant",
			want:    []string{"true", "westus has no availability zones"},
		},
		{
			name:    "lockDuration PT10M",
			set:     map[string]string{"serviceBus": `{"queues":[{"name":"inbound-messages"},{"name":"outbound-messages","lockDuration":"PT10M"}]}`},
			wantKey: "serviceBus.queues[1].lockDuration",
			want:    []string{"PT10M", "from PT5S to PT5M"},
		},
		{
			name:    "lockDuration written the Go way",
			set:     map[string]string{"serviceBus": `{"queues":[{"name":"inbound-messages","lockDuration":"10m"}]}`},
			wantKey: "serviceBus.queues[0].lockDuration",
			want:    []string{"10m", "ISO 8601"},
		},
		{
			name:    "duplicate detection window too short",
			set:     map[string]string{"serviceBus": `{"queues":[{"name":"inbound-messages","duplicateDetectionWindow":"PT10S"}]}`},
			wantKey: "serviceBus.queues[0].duplicateDetectionWindow",
			want:    []string{"PT10S", "PT20S to P7D"},
		},
		{
			name:    "message TTL in months",
			set:     map[string]string{"serviceBus": `{"topics":[{"name":"bot-events","subscriptions":[{"name":"audit","defaultMessageTtl":"P1M"}]}]}`},
			wantKey: "serviceBus.topics[0].subscriptions[0].defaultMessageTtl",
			want:    []string{"P1M", "use days"},
		},
		{
			name:    "queue and topic with one name",
			set:     map[string]string{"serviceBus": `{"queues":[{"name":"bot-events"}],"topics":[{"name":"bot-events"}]}`},
			wantKey: "serviceBus.topics[0].name",
			want:    []string{"bot-events", "serviceBus.queues[0]"},
		},
		{
			name:    "subscription twice",
			set:     map[string]string{"serviceBus": `{"topics":[{"name":"bot-events","subscriptions":[{"name":"analytics"},{"name":"Analytics"}]}]}`},
			wantKey: "serviceBus.topics[0].subscriptions[1].name",
			want:    []string{"Analytics", "subscriptions[0]"},
		},
		{
			name:    "maxDeliveryCount 0 written as -1",
			set:     map[string]string{"serviceBus": `{"queues":[{"name":"inbound-messages","maxDeliveryCount":-1}]}`},
			wantKey: "serviceBus.queues[0].maxDeliveryCount",
			want:    []string{"-1", "1 to 2000"},
		},
		{
			name:    "queue size not offered",
			set:     map[string]string{"serviceBus": `{"queues":[{"name":"inbound-messages","maxSizeMb":6000}]}`},
			wantKey: "serviceBus.queues[0].maxSizeMb",
			want:    []string{"6000", "multiples of 1024"},
		},
		{
			name:    "public vault in prod",
			set:     map[string]string{"keyVault": `{"allowPublicNetworkAccess":true,"allowedIps":["203.0.113.0/24"]}`},
			wantKey: "keyVault.allowPublicNetworkAccess",
			want:    []string{"true", "private endpoint"},
		},
		{
			name:    "allowedIps without public access",
			dev:     true,
			set:     map[string]string{"keyVault": `{"allowedIps":["203.0.113.7"]}`},
			wantKey: "keyVault.allowedIps",
			want:    []string{"203.0.113.7", "allowPublicNetworkAccess"},
		},
		{
			name:    "allowedIps open to everyone",
			dev:     true,
			set:     map[string]string{"keyVault": `{"allowPublicNetworkAccess":true,"allowedIps":["0.0.0.0/0"]}`},
			wantKey: "keyVault.allowedIps[0]",
			want:    []string{"0.0.0.0/0"},
		},
		{
			name:    "purge protection off in prod",
			set:     map[string]string{"keyVault": `{"purgeProtection":false}`},
			wantKey: "keyVault.purgeProtection",
			want:    []string{"false", "staging and prod"},
		},
		{
			name:    "soft delete 120 days",
			set:     map[string]string{"keyVault": `{"softDeleteRetentionDays":120}`},
			wantKey: "keyVault.softDeleteRetentionDays",
			want:    []string{"120", "7 to 90"},
		},
		{
			name:    "Key Vault sku capitalised",
			set:     map[string]string{"keyVault": `{"sku":"Premium"}`},
			wantKey: "keyVault.sku",
			want:    []string{"Premium", "did you mean premium?"},
		},
		{
			name:    "bad e-mail address",
			set:     map[string]string{"observability": `{"alertReceivers":{"emails":[{"name":"oncall","address":"oncall-at-misybot.example"}]}}`},
			wantKey: "observability.alertReceivers.emails[0].address",
			want:    []string{"oncall-at-misybot.example", "e-mail address"},
		},
		{
			name:    "http webhook",
			set:     map[string]string{"observability": `{"alertReceivers":{"webhooks":[{"name":"chatops","uri":"http://hooks.misybot.example/alerts"}]}}`},
			wantKey: "observability.alertReceivers.webhooks[0].uri",
			want:    []string{"http://hooks.misybot.example/alerts", "https://"},
		},
		{
			name:    "no alert receiver in prod",
			set:     map[string]string{"observability": `{"retentionDays":90}`},
			wantKey: "observability.alertReceivers",
			want:    []string{"not set", "in prod"},
		},
		{
			name:    "receiver names not unique",
			set:     map[string]string{"observability": `{"alertReceivers":{"emails":[{"name":"oncall","address":"a@misybot.example"}],"webhooks":[{"name":"oncall","uri":"https://hooks.misybot.example/a"}]}}`},
			wantKey: "observability.alertReceivers.webhooks[0].name",
			want:    []string{"oncall", "emails[0]"},
		},
		{
			name:    "log retention 7 days",
			set:     map[string]string{"observability": `{"retentionDays":7,"alertReceivers":{"emails":[{"name":"oncall","address":"a@misybot.example"}]}}`},
			wantKey: "observability.retentionDays",
			want:    []string{`"7"`, "30 to 730"},
		},
		{
			name:    "daily quota 0",
			dev:     true,
			set:     map[string]string{"observability": `{"dailyQuotaGb":0}`},
			wantKey: "observability.dailyQuotaGb",
			want:    []string{`"0"`, "-1"},
		},
		{
			name:    "unknown region westeurop",
			set:     map[string]string{"location": "westeurop", "azure-native:location": "westeurop"},
			wantKey: "location",
			want:    []string{"westeurop", "did you mean westeurope?"},
		},
		{
			name:    "location differs from the provider's",
			set:     map[string]string{"azure-native:location": "northeurope"},
			wantKey: "location",
			want:    []string{"westeurope", "northeurope"},
		},
		{
			name:    "missing owner",
			del:     []string{"owner"},
			wantKey: "owner",
			want:    []string{"not set", "owning team"},
		},
		{
			name:    "missing environment",
			del:     []string{"environment"},
			wantKey: "environment",
			want:    []string{"not set", "dev, staging or prod"},
		},
		{
			name:    "environment spelt out",
			set:     map[string]string{"environment": "production"},
			wantKey: "environment",
			want:    []string{"production", "did you mean prod?"},
		},
		{
			name:    "reserved tag key",
			set:     map[string]string{"tags": `{"cost-center":"cc-9999"}`},
			wantKey: "tags.cost-center",
			want:    []string{"cost-center", "the platform sets"},
		},
		{
			name:    "tag name with a slash",
			set:     map[string]string{"tags": `{"team/name":"bots"}`},
			wantKey: `tags["team/name"]`,
			want:    []string{"team/name"},
		},
		{
			name:    "keyVaultSecrets not secret",
			set:     map[string]string{"keyVaultSecrets": `{"bot-token":"abc"}`},
			wantKey: "keyVaultSecrets",
			want:    []string{"pulumi config set --secret --path 'keyVaultSecrets.<name>'", "bot-token"},
		},
		{
			name:    "protect yes",
			set:     map[string]string{"protect": "yes"},
			wantKey: "protect",
			want:    []string{"yes", "true or false"},
		},
		{
			name:    "owner given as an object",
			set:     map[string]string{"owner": `{"team":"platform"}`},
			wantKey: "owner",
			want:    []string{`{\"team\":\"platform\"}`, "plain string"},
		},
	}
	require.GreaterOrEqual(t, len(tests), 25)

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := prodRaw()
			if tt.dev {
				raw = devRaw()
			}
			for k, v := range tt.set {
				raw[fullKey(k)] = v
			}
			for _, k := range tt.del {
				delete(raw, fullKey(k))
			}
			// Sanity: without the mistake, the base configuration loads.
			base := prodRaw()
			if tt.dev {
				base = devRaw()
			}
			_, baseErr := Load(project, base, nil)
			require.NoError(t, baseErr)

			_, err := Load(project, raw, nil)
			ps := problemsOf(t, err)
			at := withKey(ps, tt.wantKey)
			require.NotEmpty(t, at, "want a problem at %q, got:\n%v", tt.wantKey, err)
			var found bool
			for _, p := range at {
				all := true
				for _, w := range tt.want {
					all = all && strings.Contains(p.String(), w)
				}
				found = found || all
			}
			assert.True(t, found, "no problem at %s mentions all of %q:\n%v", tt.wantKey, tt.want, err)
		})
	}
}

// A value that cannot be decoded is reported once, at its own key, not again
// by Validate as missing or out of range.
func TestDecodeProblemsAreNotRepeated(t *testing.T) {
	tests := []struct {
		name, key, value string
		wantKeys         []string
	}{
		{"priority as a string", "network",
			ruleJSON(`"name":"AllowRange","subnet":"apps","priority":"300","direction":"Inbound","access":"Allow","protocol":"Tcp","sourceAddressPrefix":"10.22.0.0/16","destinationPortRange":"8080"`),
			[]string{"network.extraRules[0].priority"}},
		{"network not JSON", "network", "10.22.0.0/16", []string{"network"}},
		{"queues not a list", "serviceBus", `{"queues":{"name":"q"}}`, []string{"serviceBus.queues"}},
		{"receivers not an object", "observability", `{"alertReceivers":["oncall@misybot.example"]}`, []string{"observability.alertReceivers"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := prodRaw()
			raw[fullKey(tt.key)] = tt.value
			_, err := Load(project, raw, nil)
			ps := problemsOf(t, err)
			var keys []string
			for _, p := range ps {
				keys = append(keys, p.Key)
			}
			assert.Equal(t, tt.wantKeys, keys, "%v", err)
		})
	}
}

func TestValidateAcceptsGoodVariants(t *testing.T) {
	tests := []struct {
		name string
		dev  bool
		set  map[string]string
	}{
		{"Internet ingress in dev", true, map[string]string{"network": netJSON("10.20.0.0/16", "10.20.0.0/23", "10.20.2.0/24", `"ingressSources":["Internet"]`)}},
		{"Front Door and a CIDR in prod", false, map[string]string{"network": netJSON("10.22.0.0/16", "10.22.0.0/23", "10.22.2.0/24", `"ingressSources":["AzureFrontDoor.Backend","198.51.100.0/24"]`)}},
		{"deny rule from anywhere", false, map[string]string{"network": ruleJSON(`"name":"DenyTelnet","subnet":"apps","priority":100,"direction":"Inbound","access":"Deny","protocol":"Tcp","sourceAddressPrefix":"*","destinationPortRange":"23"`)}},
		{"allow rule from a partner range", false, map[string]string{"network": ruleJSON(`"name":"AllowPartner_1","subnet":"apps","priority":4000,"direction":"Inbound","access":"Allow","protocol":"Tcp","sourceAddressPrefix":"198.51.100.7","destinationPortRange":"8000-8099"`)}},
		{"premium large queue", false, map[string]string{"serviceBus": `{"capacity":16,"queues":[{"name":"q","maxSizeMb":81920,"lockDuration":"PT5M","duplicateDetectionWindow":"P7D","defaultMessageTtl":"PT5S"}]}`}},
		{"premium in dev", true, map[string]string{"serviceBus": `{"sku":"Premium","capacity":1}`}},
		{"standard 5 GB queue in dev", true, map[string]string{"serviceBus": `{"allowPublicNetworkAccess":true,"queues":[{"name":"a.b_c-d","maxSizeMb":5120}]}`}},
		{"unlimited quota, long retention", false, map[string]string{"observability": `{"retentionDays":730,"dailyQuotaGb":-1,"alertReceivers":{"webhooks":[{"name":"w","uri":"https://hooks.misybot.example/x"}]}}`}},
		{"fractional quota", true, map[string]string{"observability": `{"dailyQuotaGb":0.5}`}},
		{"custom tags", false, map[string]string{"tags": `{"team":"bots","data-classification":"internal"}`}},
		{"secret names", false, map[string]string{"keyVaultSecrets": `{"bot-token":"x","OpenAI-Key-2":"y"}`}},
		{"longest secret name", false, map[string]string{"keyVaultSecrets": `{"` + strings.Repeat("k", 127) + `":"x"}`}},
		{"longest queue name", false, map[string]string{"serviceBus": `{"queues":[{"name":"` + strings.Repeat("q", 260) + `"}]}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := prodRaw()
			if tt.dev {
				raw = devRaw()
			}
			for k, v := range tt.set {
				raw[fullKey(k)] = v
			}
			_, err := Load(project, raw, []string{fullKey("keyVaultSecrets")})
			assert.NoError(t, err)
		})
	}
}

func TestValidateConfigBuiltInCode(t *testing.T) {
	c := Defaults(Staging)
	c.Location = "westeurope"
	c.Owner = "platform-team"
	c.CostCenter = "cc-misybot-1001"
	c.Network = NetworkConfig{AddressSpace: "10.21.0.0/16", AppsSubnet: "10.21.0.0/23", EndpointsSubnet: "10.21.2.0/24", LoadTestSubnet: "10.21.3.0/24"}
	c.ServiceBus.Queues = []QueueConfig{{Name: "inbound-messages"}}
	c.App.Release = "1.4.2"

	ps := c.Validate()
	require.NotEmpty(t, ps, "entity defaults are not applied yet")
	assert.NotEmpty(t, withKey(ps, "serviceBus.queues[0].lockDuration"))

	c.ApplyEntityDefaults()
	assert.Empty(t, c.Validate())
}

func TestSuggest(t *testing.T) {
	tests := []struct {
		in         string
		candidates []string
		want       string
	}{
		{"adressSpace", []string{"addressSpace", "appsSubnet"}, "addressSpace"},
		{"westeurop", []string{"northeurope", "westeurope", "westus"}, "westeurope"},
		{"production", []string{"dev", "staging", "prod"}, "prod"},
		{"Standard", []string{"standard", "premium"}, "standard"},
		{"zzzzzz", []string{"dev", "staging", "prod"}, ""},
		{"", []string{"dev"}, ""},
		{"sku", []string{"tags", "lock"}, ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, suggest(tt.in, tt.candidates), tt.in)
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"PT1M", time.Minute, false},
		{"PT5S", 5 * time.Second, false},
		{"P14D", 14 * 24 * time.Hour, false},
		{"P7D", 7 * 24 * time.Hour, false},
		{"PT1H30M", 90 * time.Minute, false},
		{"P1DT2H3M4S", 26*time.Hour + 3*time.Minute + 4*time.Second, false},
		{"PT0.5S", 500 * time.Millisecond, false},
		{"PT5.4775807S", 5*time.Second + 477580700*time.Nanosecond, false},
		{"PT90S", 90 * time.Second, false},
		{"PT0S", 0, false},
		{"P0D", 0, false},
		{"", 0, true},
		{"P", 0, true},
		{"PT", 0, true},
		{"1M", 0, true},
		{"10m", 0, true},
		{"pt1m", 0, true},
		{"P1M", 0, true},  // months
		{"P1Y", 0, true},  // years
		{"P2W", 0, true},  // weeks
		{"PT1D", 0, true}, // days after T
		{"P1H", 0, true},  // hours before T
		{"PT1S1M", 0, true},
		{"PT1M1M", 0, true},
		{"PT1.5M", 0, true}, // fractions only on seconds
		{"PT.5S", 0, true},
		{"PT1.S", 0, true},
		{"PT1..5S", 0, true},
		{"PT-1S", 0, true},
		{"PT+1S", 0, true},
		{"PT1", 0, true},
		{"P1DT", 0, true},
		{"P1D1D", 0, true},
		{"P10675199DT2H48M5.4775807S", 0, true}, // Azure's "forever": longer than time.Duration
		{"PT9223372036854775807S", 0, true},
		{"P99999999999999999999D", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseDuration(tt.in)
			if tt.wantErr {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	// The largest value that fits is accepted exactly.
	got, err := parseDuration("PT9223372036.854775807S")
	require.NoError(t, err)
	assert.Equal(t, time.Duration(math.MaxInt64), got)
}

func TestPortRange(t *testing.T) {
	good := []string{"*", "1", "22", "65535", "8000-8099", "443-443"}
	bad := []string{"", "0", "65536", "-1", "+80", "80-", "-80", "443-80", "a", "80,443", " 80", "1-2-3"}
	for _, s := range good {
		assert.True(t, portRange(s), s)
	}
	for _, s := range bad {
		assert.False(t, portRange(s), s)
	}
}

func TestTooManyIngressSources(t *testing.T) {
	cfg := Defaults(Dev)
	cfg.Environment, cfg.Location, cfg.Owner, cfg.CostCenter = Dev, "westeurope", "platform-team", "cc-1"
	cfg.Network = NetworkConfig{AddressSpace: "10.20.0.0/16", AppsSubnet: "10.20.0.0/23", EndpointsSubnet: "10.20.2.0/24"}
	for i := 0; i < 50; i++ {
		cfg.Network.IngressSources = append(cfg.Network.IngressSources, fmt.Sprintf("198.51.%d.0/24", i))
	}
	cfg.KeyVault.AllowPublicNetworkAccess, cfg.ServiceBus.AllowPublicNetworkAccess = true, true
	cfg.App.Release = "1.4.2"
	cfg.ApplyEntityDefaults()
	var keys []string
	for _, p := range cfg.Validate() {
		keys = append(keys, p.Key)
	}
	assert.Equal(t, []string{"network.ingressSources"}, keys)
}
