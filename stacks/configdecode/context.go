package configdecode

import (
	"encoding/json"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// FromContext collects the stack configuration the engine passed to the
// program. The SDK gives access by key only, so the full map (needed to
// report misspelt keys) comes from the environment the language host sets;
// under mocks it is absent and the known keys (keys, below the project
// namespace) are read one by one.
func FromContext(ctx *pulumi.Context, keys []string) Source {
	src := Source{Project: ctx.Project(), Raw: map[string]string{}}
	if env := os.Getenv(pulumi.EnvConfig); env != "" {
		_ = json.Unmarshal([]byte(env), &src.Raw) // malformed: fall back to known keys
	}
	if env := os.Getenv(pulumi.EnvConfigSecretKeys); env != "" {
		_ = json.Unmarshal([]byte(env), &src.SecretKeys)
	}
	for _, k := range keys {
		key := ctx.Project() + ":" + k
		if v, ok := ctx.GetConfig(key); ok {
			src.Raw[key] = v
		}
		if ctx.IsConfigSecret(key) {
			src.SecretKeys = append(src.SecretKeys, key)
		}
	}
	return src
}
