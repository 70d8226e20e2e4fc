package stacks

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/misybot/platform/infra/stackfile"
)

const project = "misybot-platform"

// repoRoot holds Pulumi.yaml and the stack files; tests run in stacks/.
const repoRoot = ".."

var stackNames = []string{"dev", "staging", "prod"}

// readStackConfig reads the config: section of a Pulumi.<stack>.yaml as
// yaml.v3 values.
func readStackConfig(tb testing.TB, stack string) map[string]any {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "Pulumi."+stack+".yaml"))
	require.NoError(tb, err)
	var file struct {
		Config map[string]any `yaml:"config"`
	}
	require.NoError(tb, yaml.Unmarshal(b, &file), "parsing Pulumi.%s.yaml", stack)
	return file.Config
}

// flatten encodes stack config values the way Pulumi passes them to a
// program: strings as they are, other scalars as their text, objects and
// lists as JSON.
func flatten(tb testing.TB, config map[string]any) map[string]string {
	tb.Helper()
	raw := make(map[string]string, len(config))
	for k, v := range config {
		switch v := v.(type) {
		case nil:
			raw[k] = ""
		case string:
			raw[k] = v
		case map[string]any, []any:
			b, err := json.Marshal(v)
			require.NoError(tb, err, "encoding %s", k)
			raw[k] = string(b)
		default:
			raw[k] = fmt.Sprint(v)
		}
	}
	return raw
}

// projectFile is the part of Pulumi.yaml the tests read.
type projectFile struct {
	Name    string `yaml:"name"`
	Runtime string `yaml:"runtime"`
	Config  map[string]struct {
		Type    string `yaml:"type"`
		Default any    `yaml:"default"`
	} `yaml:"config"`
}

func readProjectFile(tb testing.TB) projectFile {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "Pulumi.yaml"))
	require.NoError(tb, err)
	var p projectFile
	require.NoError(tb, yaml.Unmarshal(b, &p))
	return p
}

// stackRaw is what the engine would pass the program for a committed stack:
// the stack file's config, plus the project defaults of Pulumi.yaml for the
// keys the stack does not set.
func stackRaw(tb testing.TB, stack string) map[string]string {
	tb.Helper()
	// Through infra/stackfile, as the engine reads it: secure values (the
	// declared Key Vault secrets) become placeholders.
	st, err := stackfile.Load(repoRoot, stack)
	require.NoError(tb, err)
	raw := maps.Clone(st.Config)
	for name, decl := range readProjectFile(tb).Config {
		key := project + ":" + name
		if _, set := raw[key]; set || decl.Default == nil {
			continue
		}
		raw[key] = flatten(tb, map[string]any{key: decl.Default})[key]
	}
	return raw
}

// stackSecretKeys are the keys of the stack file that hold secure values.
func stackSecretKeys(tb testing.TB, stack string) []string {
	tb.Helper()
	st, err := stackfile.Load(repoRoot, stack)
	require.NoError(tb, err)
	return st.SecretKeys
}

func TestCommittedStacksLoad(t *testing.T) {
	for _, stack := range stackNames {
		t.Run(stack, func(t *testing.T) {
			cfg, err := Load(project, stackRaw(t, stack), stackSecretKeys(t, stack))
			require.NoError(t, err)

			env := Environment(stack)
			def := Defaults(env)
			assert.Equal(t, env, cfg.Environment, "environment must match the file name")
			assert.Equal(t, "westeurope", cfg.Location)
			assert.Equal(t, def.Protect, cfg.Protect, "protect")
			assert.Equal(t, def.KeyVault.Sku, cfg.KeyVault.Sku)
			assert.Equal(t, def.KeyVault.SoftDeleteRetentionDays, cfg.KeyVault.SoftDeleteRetentionDays)
			assert.Equal(t, def.KeyVault.PurgeProtection, cfg.KeyVault.PurgeProtection)
			assert.Equal(t, def.ServiceBus.Sku, cfg.ServiceBus.Sku)
			assert.Equal(t, def.ServiceBus.Capacity, cfg.ServiceBus.Capacity)
			assert.Equal(t, def.ServiceBus.ZoneRedundant, cfg.ServiceBus.ZoneRedundant)
			assert.Equal(t, def.Observability.RetentionDays, cfg.Observability.RetentionDays)
			assert.Equal(t, def.Observability.DailyQuotaGB, cfg.Observability.DailyQuotaGB)
			assert.Equal(t, []string{"VirtualNetwork"}, cfg.Network.IngressSources)

			// The same entities everywhere, with their defaults filled in.
			names := []string{}
			for _, q := range cfg.ServiceBus.Queues {
				names = append(names, q.Name)
				assert.Equal(t, "PT1M", q.LockDuration, q.Name)
				assert.Equal(t, "P14D", q.DefaultMessageTTL, q.Name)
				require.NotNil(t, q.DeadLetterOnExpiration, q.Name)
				assert.True(t, *q.DeadLetterOnExpiration, q.Name)
			}
			for _, tp := range cfg.ServiceBus.Topics {
				names = append(names, tp.Name)
				for _, s := range tp.Subscriptions {
					names = append(names, tp.Name+"/"+s.Name)
					require.NotNil(t, s.DeadLetterOnFilterErrors, s.Name)
					assert.True(t, *s.DeadLetterOnFilterErrors, s.Name)
				}
			}
			assert.Equal(t, []string{"inbound-messages", "outbound-messages", "bot-events", "bot-events/analytics", "bot-events/audit"}, names)
			// Declared with a placeholder (TestStackFilesHoldNoSecrets): the
			// secrets the app reads.
			assert.Equal(t, map[string]string{"bot-token": stackfile.SecretPlaceholder}, cfg.KeyVaultSecrets)
		})
	}
}

func TestCommittedStacksDefaultsPerEnvironment(t *testing.T) {
	load := func(stack string) Config {
		cfg, err := Load(project, stackRaw(t, stack), stackSecretKeys(t, stack))
		require.NoError(t, err)
		return cfg
	}
	dev, staging, prod := load("dev"), load("staging"), load("prod")

	assert.Equal(t, 7, dev.KeyVault.SoftDeleteRetentionDays)
	assert.False(t, dev.KeyVault.PurgeProtection)
	assert.Equal(t, "Standard", dev.ServiceBus.Sku)
	assert.Equal(t, 0, dev.ServiceBus.Capacity)
	assert.True(t, dev.KeyVault.AllowPublicNetworkAccess, "dev states public access explicitly")
	assert.True(t, dev.ServiceBus.AllowPublicNetworkAccess, "dev states public access explicitly")

	assert.Equal(t, "Premium", staging.ServiceBus.Sku)
	assert.Equal(t, 1, staging.ServiceBus.Capacity)
	assert.True(t, staging.KeyVault.PurgeProtection)
	assert.False(t, staging.KeyVault.AllowPublicNetworkAccess)
	assert.False(t, staging.ServiceBus.AllowPublicNetworkAccess)

	assert.True(t, prod.Protect)
	assert.Equal(t, "Premium", prod.ServiceBus.Sku)
	assert.Equal(t, 2, prod.ServiceBus.Capacity)
	assert.True(t, prod.ServiceBus.ZoneRedundant)
	assert.Equal(t, "premium", prod.KeyVault.Sku)
	assert.Equal(t, float64(-1), prod.Observability.DailyQuotaGB)
	assert.False(t, prod.KeyVault.AllowPublicNetworkAccess)
	assert.NotEmpty(t, prod.Observability.AlertReceivers.Emails)
}

func TestCommittedAddressSpacesDoNotOverlap(t *testing.T) {
	spaces := map[string]netip.Prefix{}
	for _, stack := range stackNames {
		cfg, err := Load(project, stackRaw(t, stack), stackSecretKeys(t, stack))
		require.NoError(t, err)
		spaces[stack] = netip.MustParsePrefix(cfg.Network.AddressSpace)
	}
	for i, a := range stackNames {
		for _, b := range stackNames[i+1:] {
			assert.False(t, spaces[a].Overlaps(spaces[b]), "%s %s overlaps %s %s", a, spaces[a], b, spaces[b])
		}
	}
}

// TestProjectFile checks Pulumi.yaml with Pulumi's own loader and applies
// the checks the engine makes before running the program: every key the
// program reads is declared, defaults have their declared type, keys without
// a default are set by every stack, and stack values have the declared type.
func TestProjectFile(t *testing.T) {
	proj, err := workspace.LoadProject(filepath.Join(repoRoot, "Pulumi.yaml"))
	require.NoError(t, err)
	assert.Equal(t, project, proj.Name.String())
	assert.Equal(t, "go", proj.Runtime.Name())

	// protect and loadTesting are left undeclared on purpose: a declared key takes
	// either a project default, which would override the environment's, or
	// none, which makes Pulumi require it in every stack.
	undeclared := []string{"loadTesting", "protect"}
	declared := sortedKeys(proj.Config)
	var want []string
	for _, k := range TopLevelKeys() {
		if !slices.Contains(undeclared, k) {
			want = append(want, k)
		}
	}
	sort.Strings(want)
	assert.Equal(t, want, declared, "Pulumi.yaml must declare the keys Load reads")
	text, err := os.ReadFile(filepath.Join(repoRoot, "Pulumi.yaml"))
	require.NoError(t, err)
	for _, k := range undeclared {
		assert.Contains(t, string(text), "#   "+k+" ", "Pulumi.yaml must document %s in a comment", k)
	}
	for name, decl := range proj.Config {
		if decl.Default == nil {
			continue
		}
		// A non-neutral default would replace the Go default of some
		// environment: only "" and {} are allowed.
		assert.Contains(t, []any{"", map[string]any{}}, decl.Default, "default of %s", name)
	}

	for _, stack := range stackNames {
		config := readStackConfig(t, stack)
		for _, name := range declared {
			decl := proj.Config[name]
			value, set := config[project+":"+name]
			if !set {
				assert.NotNil(t, decl.Default, "Pulumi.%s.yaml must set %s: it has no project default", stack, name)
				continue
			}
			assert.True(t, workspace.ValidateConfigValue(decl.TypeName(), decl.Items, value),
				"Pulumi.%s.yaml: %s must be of type %s", stack, name, decl.TypeName())
		}
	}
}

// The committed stack files hold no secret values: keyVaultSecrets only
// declares, with a placeholder secure value, the secrets the app reads
// (a plain value is refused); every other key is plain.
func TestStackFilesHoldNoSecrets(t *testing.T) {
	for _, stack := range stackNames {
		b, err := os.ReadFile(filepath.Join(repoRoot, "Pulumi."+stack+".yaml"))
		require.NoError(t, err)
		assert.Equal(t, 1, strings.Count(string(b), "secure:"), "Pulumi.%s.yaml: only the bot-token declaration is secure", stack)
		secrets, ok := readStackConfig(t, stack)[project+":"+SecretsKey].(map[string]any)
		require.True(t, ok, "Pulumi.%s.yaml declares the app's Key Vault secrets", stack)
		for name, v := range secrets {
			value, ok := v.(map[string]any)
			require.True(t, ok, "Pulumi.%s.yaml: keyVaultSecrets.%s is not a secure value", stack, name)
			ciphertext, _ := value["secure"].(string)
			assert.True(t, strings.HasPrefix(ciphertext, "v1:"), "Pulumi.%s.yaml: keyVaultSecrets.%s", stack, name)
			decoded, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(ciphertext, "v1:"))
			require.NoError(t, err)
			assert.True(t, strings.HasPrefix(string(decoded), "placeholder: "), "Pulumi.%s.yaml: keyVaultSecrets.%s is the documented placeholder", stack, name)
		}
		assert.Equal(t, []string{project + ":" + SecretsKey}, stackSecretKeys(t, stack))
	}
}

func TestDefaults(t *testing.T) {
	tests := []struct {
		env           Environment
		kvSku         string
		softDelete    int
		purge         bool
		sbSku         string
		capacity      int
		zoneRedundant bool
		retention     int
		quota         float64
		protect       bool
	}{
		{Dev, "standard", 7, false, "Standard", 0, false, 30, 1, false},
		{Staging, "standard", 90, true, "Premium", 1, true, 60, 5, false},
		{Prod, "premium", 90, true, "Premium", 2, true, 90, -1, true},
	}
	for _, tt := range tests {
		t.Run(string(tt.env), func(t *testing.T) {
			c := Defaults(tt.env)
			assert.Equal(t, tt.env, c.Environment)
			assert.Equal(t, tt.kvSku, c.KeyVault.Sku)
			assert.Equal(t, tt.softDelete, c.KeyVault.SoftDeleteRetentionDays)
			assert.Equal(t, tt.purge, c.KeyVault.PurgeProtection)
			assert.Equal(t, tt.sbSku, c.ServiceBus.Sku)
			assert.Equal(t, tt.capacity, c.ServiceBus.Capacity)
			assert.Equal(t, tt.zoneRedundant, c.ServiceBus.ZoneRedundant)
			assert.Equal(t, tt.retention, c.Observability.RetentionDays)
			assert.Equal(t, tt.quota, c.Observability.DailyQuotaGB)
			assert.Equal(t, tt.protect, c.Protect)
			// Defaults never open anything up.
			assert.False(t, c.KeyVault.AllowPublicNetworkAccess)
			assert.False(t, c.ServiceBus.AllowPublicNetworkAccess)
			assert.Empty(t, c.KeyVault.AllowedIPs)
			assert.Empty(t, c.Network.IngressSources)
		})
	}
}

func TestDefaultsAreIndependentCopies(t *testing.T) {
	a := Defaults(Dev)
	a.ServiceBus.Queues = append(a.ServiceBus.Queues, QueueConfig{Name: "q"})
	a.ApplyEntityDefaults()
	*a.ServiceBus.Queues[0].DeadLetterOnExpiration = false

	b := Defaults(Dev)
	assert.Empty(t, b.ServiceBus.Queues)
	b.ServiceBus.Queues = append(b.ServiceBus.Queues, QueueConfig{Name: "q"})
	b.ApplyEntityDefaults()
	assert.True(t, *b.ServiceBus.Queues[0].DeadLetterOnExpiration)
}

func TestLoadOverlaysDefaults(t *testing.T) {
	raw := prodRaw()
	raw[project+":keyVault"] = `{"softDeleteRetentionDays": 30}`
	cfg, err := Load(project, raw, nil)
	require.NoError(t, err)
	assert.Equal(t, 30, cfg.KeyVault.SoftDeleteRetentionDays, "given field")
	assert.Equal(t, "premium", cfg.KeyVault.Sku, "field left to the default")
	assert.True(t, cfg.KeyVault.PurgeProtection, "field left to the default")
}

func TestLoadIgnoresOtherNamespaces(t *testing.T) {
	raw := prodRaw()
	raw["azure-native:subscriptionId"] = "00000000-0000-0000-0000-000000000000"
	raw["pulumi:tags"] = `{"a":"b"}`
	raw["other-project:network"] = "not json"
	_, err := Load(project, raw, nil)
	require.NoError(t, err)
}

func TestLoadEntityDefaultsKeepGivenValues(t *testing.T) {
	raw := prodRaw()
	raw[project+":serviceBus"] = `{"queues":[{"name":"q","maxDeliveryCount":3,"lockDuration":"PT30S","deadLetterOnExpiration":false,"defaultMessageTtl":"P1D"}],
		"topics":[{"name":"t","subscriptions":[{"name":"s","deadLetterOnFilterErrors":false}]}]}`
	cfg, err := Load(project, raw, nil)
	require.NoError(t, err)
	q := cfg.ServiceBus.Queues[0]
	assert.Equal(t, 3, q.MaxDeliveryCount)
	assert.Equal(t, "PT30S", q.LockDuration)
	assert.False(t, *q.DeadLetterOnExpiration)
	assert.Equal(t, "P1D", q.DefaultMessageTTL)
	assert.Equal(t, 1024, q.MaxSizeMB)
	s := cfg.ServiceBus.Topics[0].Subscriptions[0]
	assert.False(t, *s.DeadLetterOnFilterErrors)
	assert.True(t, *s.DeadLetterOnExpiration)
	assert.Equal(t, 10, s.MaxDeliveryCount)
	assert.Equal(t, "PT1M", s.LockDuration)
	assert.Equal(t, "P14D", s.DefaultMessageTTL)
}

func TestLoadKeyVaultSecrets(t *testing.T) {
	raw := prodRaw()
	raw[project+":keyVaultSecrets"] = `{"bot-token":"t0k3n","openai-key":"k3y"}`
	cfg, err := Load(project, raw, []string{project + ":keyVaultSecrets"})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"bot-token": "t0k3n", "openai-key": "k3y"}, cfg.KeyVaultSecrets)

	// An empty object is what Pulumi.yaml's default passes: nothing to protect.
	raw[project+":keyVaultSecrets"] = `{}`
	_, err = Load(project, raw, nil)
	require.NoError(t, err)
}

// secretValues are distinctive so that a leak cannot pass unnoticed.
var secretValues = []string{"S3cr3t-Value-One", "S3cr3t-Value-Two", "987654321", "S3cr3t-Region"}

func TestSecretValuesNeverInProblems(t *testing.T) {
	tests := []struct {
		name      string
		set       map[string]string
		secretKey []string
		wantKey   string
	}{
		{
			name:      "bad secret name",
			set:       map[string]string{"keyVaultSecrets": `{"bad name!":"S3cr3t-Value-One","good-name":"S3cr3t-Value-Two"}`},
			secretKey: []string{"keyVaultSecrets"},
			wantKey:   `keyVaultSecrets["bad name!"]`,
		},
		{
			name:    "secrets stored in plain text",
			set:     map[string]string{"keyVaultSecrets": `{"bot-token":"S3cr3t-Value-One"}`},
			wantKey: "keyVaultSecrets",
		},
		{
			name:      "secret of the wrong type",
			set:       map[string]string{"keyVaultSecrets": `{"bot-token":987654321}`},
			secretKey: []string{"keyVaultSecrets"},
			wantKey:   "keyVaultSecrets.bot-token",
		},
		{
			name:    "plain-text secret of the wrong type",
			set:     map[string]string{"keyVaultSecrets": `{"bot-token":987654321}`},
			wantKey: "keyVaultSecrets.bot-token",
		},
		{
			name:    "plain-text secrets that are not JSON",
			set:     map[string]string{"keyVaultSecrets": `S3cr3t-Value-One`},
			wantKey: "keyVaultSecrets",
		},
		{
			name:      "secrets that are not JSON",
			set:       map[string]string{"keyVaultSecrets": `{"bot-token":"S3cr3t-Value-One"`},
			secretKey: []string{"keyVaultSecrets"},
			wantKey:   "keyVaultSecrets",
		},
		{
			name:      "secrets that are a list",
			set:       map[string]string{"keyVaultSecrets": `["S3cr3t-Value-One"]`},
			secretKey: []string{"keyVaultSecrets"},
			wantKey:   "keyVaultSecrets",
		},
		{
			name: "another key set as a secret",
			set: map[string]string{
				"location":              "S3cr3t-Region",
				"azure-native:location": "S3cr3t-Region",
			},
			secretKey: []string{"location"},
			wantKey:   "location",
		},
		{
			name:      "secret quoted by the message of another key",
			set:       map[string]string{"azure-native:location": "S3cr3t-Region"},
			secretKey: []string{"azure-native:location"},
			wantKey:   "location",
		},
		{
			name:      "unknown secret key with an odd name",
			set:       map[string]string{"api key": "S3cr3t-Value-One"},
			secretKey: []string{"api key"},
			wantKey:   `["api key"]`,
		},
		{
			name:      "secret object with an unknown key",
			set:       map[string]string{"network": `{"addressSpace":"10.22.0.0/16","appsSubnet":"10.22.0.0/23","endpointsSubnet":"10.22.2.0/24","password":"S3cr3t-Value-Two"}`},
			secretKey: []string{"network"},
			wantKey:   "network.password",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := prodRaw()
			for k, v := range tt.set {
				raw[fullKey(k)] = v
			}
			var secretKeys []string
			for _, k := range tt.secretKey {
				secretKeys = append(secretKeys, fullKey(k))
			}
			_, err := Load(project, raw, secretKeys)
			ps := problemsOf(t, err)
			assert.NotEmpty(t, withKey(ps, tt.wantKey), "want a problem at %s in:\n%v", tt.wantKey, err)
			for _, s := range secretValues {
				assert.NotContains(t, err.Error(), s)
				for _, p := range ps {
					assert.NotContains(t, p.Value, s)
					assert.NotContains(t, p.Expected, s)
				}
			}
		})
	}
}

func TestSecretsNotSecretTellsTheCommand(t *testing.T) {
	raw := prodRaw()
	raw[project+":keyVaultSecrets"] = `{"bot-token":"S3cr3t-Value-One"}`
	_, err := Load(project, raw, nil)
	ps := withKey(problemsOf(t, err), "keyVaultSecrets")
	require.Len(t, ps, 1)
	assert.Contains(t, ps[0].String(), "pulumi config set --secret --path 'keyVaultSecrets.<name>' <value>")
	assert.Contains(t, ps[0].String(), "bot-token")
	assert.Contains(t, ps[0].String(), RedactedValue)
}

func TestProblemString(t *testing.T) {
	p := Problem{Key: "serviceBus.queues[1].lockDuration", Value: "PT10M", Expected: "an ISO 8601 duration from PT5S to PT5M"}
	assert.Equal(t, `serviceBus.queues[1].lockDuration: "PT10M" — expected an ISO 8601 duration from PT5S to PT5M`, p.String())
	assert.Equal(t, p.String(), p.Error())

	missing := Problem{Key: "owner", Expected: "the owning team"}
	assert.Equal(t, "owner: not set — expected the owning team", missing.String())

	secret := Problem{Key: "keyVaultSecrets", Value: RedactedValue, Expected: "x"}
	assert.Equal(t, "keyVaultSecrets: [secret] — expected x", secret.String())

	multiline := Problem{Key: "owner", Value: "a\nb", Expected: "one\nline"}
	assert.NotContains(t, multiline.String(), "\n")

	long := Problem{Key: "network", Value: strings.Repeat("x", 500), Expected: "an object"}
	assert.Less(t, len(long.String()), 200)

	ps := Problems{missing, p}
	assert.Equal(t, missing.String()+"\n"+p.String(), ps.Error())
}

func TestLoadReportsAllProblemsSorted(t *testing.T) {
	raw := prodRaw()
	delete(raw, project+":owner")
	raw[project+":tags"] = `{"owner":"someone"}`
	raw[project+":serviceBus"] = `{"capacity":3,"queues":[{"name":"inbound-messages"},{"name":"outbound-messages","lockDuration":"PT10M"}]}`
	raw[project+":observability"] = `{"alertReceivers":{"emails":[{"name":"oncall","address":"platform-oncall@misybot.example"}],
		"webhooks":[{"name":"chatops","uri":"http://hooks.misybot.example/alerts"}]}}`

	_, err := Load(project, raw, nil)
	ps := problemsOf(t, err)
	keys := make([]string, len(ps))
	for i, p := range ps {
		keys[i] = p.Key
	}
	assert.Equal(t, []string{
		"observability.alertReceivers.webhooks[0].uri",
		"owner",
		"serviceBus.capacity",
		"serviceBus.queues[1].lockDuration",
		"tags.owner",
	}, keys, "every independent mistake, sorted by key:\n%v", err)
	assert.Len(t, strings.Split(err.Error(), "\n"), len(ps))
}

// prodRaw is a valid prod configuration as Pulumi passes it to the program.
func prodRaw() map[string]string {
	return map[string]string{
		"azure-native:location":            "westeurope",
		project + ":environment":           "prod",
		project + ":location":              "westeurope",
		project + ":owner":                 "platform-team",
		project + ":costCenter":            "cc-misybot-1001",
		project + ":protect":               "true",
		project + ":network":               `{"addressSpace":"10.22.0.0/16","appsSubnet":"10.22.0.0/23","endpointsSubnet":"10.22.2.0/24"}`,
		project + ":serviceBus":            `{"queues":[{"name":"inbound-messages","duplicateDetectionWindow":"PT10M"},{"name":"outbound-messages"}],"topics":[{"name":"bot-events","subscriptions":[{"name":"analytics"},{"name":"audit"}]}]}`,
		project + ":observability":         `{"alertReceivers":{"emails":[{"name":"oncall","address":"platform-oncall@misybot.example"}],"webhooks":[{"name":"chatops","uri":"https://hooks.misybot.example/alerts/prod"}]}}`,
		project + ":keyVaultSecrets":       `{}`,
		project + ":tags":                  `{}`,
		project + ":nameSeed":              "",
		project + ":keyVault":              `{}`,
		project + ":app":                   `{"release":"1.4.2"}`,
		project + ":alerts":                `{}`,
		"pulumi:disable-default-providers": `[]`,
	}
}

// devRaw is a valid dev configuration.
func devRaw() map[string]string {
	raw := prodRaw()
	raw[project+":environment"] = "dev"
	raw[project+":protect"] = "false"
	raw[project+":network"] = `{"addressSpace":"10.20.0.0/16","appsSubnet":"10.20.0.0/23","endpointsSubnet":"10.20.2.0/24"}`
	raw[project+":keyVault"] = `{"allowPublicNetworkAccess":true,"allowedIps":["203.0.113.0/24"]}`
	raw[project+":serviceBus"] = `{"allowPublicNetworkAccess":true,"queues":[{"name":"inbound-messages"}]}`
	delete(raw, project+":observability")
	return raw
}

// fullKey prefixes a key with the project namespace unless it has one.
func fullKey(k string) string {
	if strings.Contains(k, ":") {
		return k
	}
	return project + ":" + k
}

func problemsOf(t *testing.T, err error) Problems {
	t.Helper()
	require.Error(t, err)
	var ps Problems
	require.True(t, errors.As(err, &ps), "error is %T, want Problems", err)
	require.NotEmpty(t, ps)
	return ps
}

func withKey(ps Problems, key string) Problems {
	var out Problems
	for _, p := range ps {
		if p.Key == key {
			out = append(out, p)
		}
	}
	return out
}
