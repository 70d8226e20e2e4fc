package workflows

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/stacks/configkeys"
)

var (
	// configCommand matches a pulumi config command that names a key.
	configCommand = regexp.MustCompile(`pulumi\s+config\s+(set|get|rm)\s+(.*)`)
	// listIndex is a list index in a config path: [0].
	listIndex = regexp.MustCompile(`\[\d+\]`)
)

// configKeysNamed returns the project config keys the pulumi config
// commands of a script name, as written (without the namespace).
func configKeysNamed(script string) []string {
	var keys []string
	for _, line := range strings.Split(script, "\n") {
		m := configCommand.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		fields := shellFields(m[2])
		for i := 0; i < len(fields); i++ {
			f := fields[i]
			switch {
			case f == "--stack" || f == "-s" || f == "--cwd" || f == "-C" || f == "--config-file":
				i++ // the flag's value
				continue
			case strings.HasPrefix(f, "-"):
				continue
			}
			key, ok := strings.CutPrefix(f, "misybot-platform:")
			if ok || !strings.Contains(f, ":") { // another namespace (azure-native:location) is not ours
				keys = append(keys, key)
			}
			break
		}
	}
	return keys
}

// knownConfigKey reports whether key is a config path of the program: a
// path of stacks.Config (list indices aside) or an entry of a map setting.
func knownConfigKey(key string) bool {
	key = listIndex.ReplaceAllString(key, "")
	if slices.Contains(configkeys.All(), key) {
		return true
	}
	for _, m := range configkeys.Maps() {
		if rest, ok := strings.CutPrefix(key, m+"."); ok && rest != "" && !strings.Contains(rest, ".") {
			return true
		}
	}
	return false
}

// Every config key a workflow sets, reads or removes is a key of the
// program (stacks.Config, through package configkeys): a renamed key fails
// here, not in a rollback at night.
func TestWorkflowsNameRealConfigKeys(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(repoRoot, ".github", "workflows", "*.y*ml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	named := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, key := range configKeysNamed(string(data)) {
			named++
			assert.True(t, knownConfigKey(key), "%s: pulumi config names %q, which is not a config key of the program (stacks/configkeys)", filepath.Base(f), key)
		}
	}
	assert.Positive(t, named, "the workflows name no config key: the pattern no longer matches their commands")
}

func TestConfigKeysNamedAndKnown(t *testing.T) {
	assert.Equal(t, []string{"app.canary.weight", "app.release", "tags.team"}, configKeysNamed(strings.Join([]string{
		`pulumi config set --stack "$STACK" --path 'app.canary.weight' 0`,
		`  pulumi config get -s prod --path misybot-platform:app.release`,
		`pulumi config set azure-native:location westeurope`,
		`pulumi config rm --path "tags.team"`,
		`echo pulumi config`,
	}, "\n")))

	for key, want := range map[string]bool{
		configkeys.AppCanaryWeight:         true,
		"app.canary.wieght":                false,
		"serviceBus.queues":                true,
		"serviceBus.queues[0]":             true,
		"network.extraRules[1]":            true,
		"tags.team":                        true,
		"app.env.LOG_LEVEL":                true,
		"keyVaultSecrets.bot-token":        true,
		"tags":                             true,
		"tags.team.x":                      false,
		"canary.weight":                    false,
		configkeys.KeyVaultSecrets + ".":   false,
		configkeys.ServiceBusZoneRedundant: true,
	} {
		assert.Equal(t, want, knownConfigKey(key), key)
	}
}
