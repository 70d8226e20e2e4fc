package stacks

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// SecretsKey is the config key holding the Key Vault secrets to create.
const SecretsKey = "keyVaultSecrets"

// TopLevelKeys are the project config keys the program reads: the json
// names of Config's fields, and the secrets key.
func TopLevelKeys() []string {
	keys := []string{SecretsKey}
	t := reflect.TypeOf(Config{})
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			keys = append(keys, name)
		}
	}
	return keys
}

// contextConfig collects the stack configuration the engine passed to the
// program. The SDK gives access by key only, so the full map (needed to
// report misspelt keys) comes from the environment the language host sets;
// under mocks it is absent and the known keys are read one by one.
func contextConfig(ctx *pulumi.Context) (map[string]string, []string) {
	raw := map[string]string{}
	if env := os.Getenv(pulumi.EnvConfig); env != "" {
		_ = json.Unmarshal([]byte(env), &raw) // malformed: fall back to known keys
	}
	var secretKeys []string
	if env := os.Getenv(pulumi.EnvConfigSecretKeys); env != "" {
		_ = json.Unmarshal([]byte(env), &secretKeys)
	}
	for _, k := range TopLevelKeys() {
		key := ctx.Project() + ":" + k
		if v, ok := ctx.GetConfig(key); ok {
			raw[key] = v
		}
		if ctx.IsConfigSecret(key) {
			secretKeys = append(secretKeys, key)
		}
	}
	return raw, secretKeys
}
