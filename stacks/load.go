package stacks

import (
	"fmt"
	"reflect"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/misybot/platform/stacks/configdecode"
)

// Config keys that Load treats specially.
const (
	// EnvironmentKey selects the defaults the other keys overlay.
	EnvironmentKey = "environment"
	// SecretsKey holds the Key Vault secrets to create (Config.KeyVaultSecrets).
	SecretsKey = "keyVaultSecrets"
	// azureLocationKey is the azure-native provider's region; when set it
	// must agree with the location key.
	azureLocationKey = "azure-native:location"
)

// TopLevelKeys are the project config keys the program reads, sorted: the
// config names of Config's fields (configdecode.Fields).
func TopLevelKeys() []string { return configdecode.Keys(reflect.TypeFor[Config]()) }

// Load builds the Config of a stack from its Pulumi configuration.
//
// raw is the whole config map as Pulumi hands it to the program: keys are
// "<namespace>:<name>", object and list values are JSON-encoded, other
// values are plain text. Only keys of the project namespace are read.
// secretKeys are the full keys whose values are secrets (the program's
// ConfigSecretKeys).
//
// The environment key selects Defaults; every other key is overlaid on
// them (package configdecode), entity defaults are applied and the result is
// validated. On any mistake Load returns Problems listing all of them,
// sorted by key; secret values never appear in them.
func Load(project string, raw map[string]string, secretKeys []string) (Config, error) {
	src := configdecode.Source{Project: project, Raw: raw, SecretKeys: secretKeys}
	cfg := Defaults(Environment(src.Value(EnvironmentKey)))
	// The environment already picked the defaults; Validate checks it.
	dec := configdecode.Decode(src, &cfg, EnvironmentKey)

	if loc, ok := raw[azureLocationKey]; ok && cfg.Location != "" && loc != cfg.Location {
		dec.Add(Problem{
			Key:      "location",
			Value:    cfg.Location,
			Expected: fmt.Sprintf("the region of %s (%q): set both to the same region", azureLocationKey, loc),
		})
	}

	cfg.ApplyEntityDefaults()
	if problems := dec.Merge(src, cfg.Validate()); len(problems) > 0 {
		return Config{}, problems
	}
	return cfg, nil
}

// loadContext loads the configuration the engine passed to the program.
func loadContext(ctx *pulumi.Context) (Config, error) {
	src := configdecode.FromContext(ctx, TopLevelKeys())
	return Load(src.Project, src.Raw, src.SecretKeys)
}
