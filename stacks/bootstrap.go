package stacks

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/misybot/platform/components/crosscut"
	"github.com/misybot/platform/stacks/configkeys"
)

// BootstrapProjectName is the bootstrap's Pulumi project name (bootstrap/),
// the namespace of its configuration; BootstrapStackName is its one stack.
// The bootstrap (bootstrap/foundation) names itself with these.
const (
	BootstrapProjectName = "misybot-bootstrap"
	BootstrapStackName   = "platform"
)

// DefaultBootstrap is the bootstrap stack an environment stack references
// (config key bootstrap): project BootstrapProjectName, stack BootstrapStackName,
// on the DIY backend the bootstrap creates, where the organization part of
// a fully qualified stack name is always "organization".
// https://www.pulumi.com/docs/iac/concepts/stacks/#stackreferences
// https://www.pulumi.com/docs/reference/pkg/nodejs/pulumi/pulumi/functions/automation.fullyQualifiedStackName.html
const DefaultBootstrap = "organization/" + BootstrapProjectName + "/" + BootstrapStackName

// BootstrapStacksOutput is the bootstrap's output listing, by stack name,
// what it made for each environment stack (a BootstrapStack each).
const BootstrapStacksOutput = "stacks"

// stackRefPattern is a fully qualified stack name: organization, project
// and stack of letters, digits, '-', '_' and '.'.
var stackRefPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)

// BootstrapStack is what the bootstrap made for one environment stack,
// read from its output stacks.<stack> through a StackReference. Every
// field is required and a plain (non-secret) string: the environment
// identities may read the bootstrap's state, never decrypt its secrets.
// The bootstrap (bootstrap/foundation) exports these keys; a test there
// decodes its plan's output with ReadBootstrapStack.
type BootstrapStack struct {
	// ResourceGroupName and ResourceGroupID are the stack's resource group.
	ResourceGroupName string `json:"resourceGroupName"`
	ResourceGroupID   string `json:"resourceGroupId"`
	// AppIdentityID is the app's user-assigned identity, which has AcrPull
	// on the registry.
	AppIdentityID string `json:"appIdentityId"`
	// RegistryID and RegistryLoginServer are the shared registry.
	RegistryID          string `json:"registryId"`
	RegistryLoginServer string `json:"registryLoginServer"`
}

// bootstrapFields are BootstrapStack's output keys, in field order, with
// where each goes.
func (b *BootstrapStack) fields() []struct {
	key string
	dst *string
} {
	return []struct {
		key string
		dst *string
	}{
		{"resourceGroupName", &b.ResourceGroupName}, {"resourceGroupId", &b.ResourceGroupID},
		{"appIdentityId", &b.AppIdentityID}, {"registryId", &b.RegistryID}, {"registryLoginServer", &b.RegistryLoginServer},
	}
}

// BootstrapStackKeys are the output keys of stacks.<stack> the environment
// stacks read.
func BootstrapStackKeys() []string {
	var b BootstrapStack
	var keys []string
	for _, f := range b.fields() {
		keys = append(keys, f.key)
	}
	return keys
}

// ReadBootstrapStack picks stack's entry out of the bootstrap's stacks
// output (its decoded value) and checks it: every missing, empty or
// non-string key is reported at once, by its full output path.
func ReadBootstrapStack(bootstrap, stack string, stacksOutput any) (BootstrapStack, error) {
	all, ok := stacksOutput.(map[string]any)
	if !ok {
		return BootstrapStack{}, fmt.Errorf("bootstrap stack %s: output %q is missing or not an object: run `pulumi up` in bootstrap/ first", bootstrap, BootstrapStacksOutput)
	}
	entry, ok := all[stack].(map[string]any)
	if !ok {
		return BootstrapStack{}, fmt.Errorf("bootstrap stack %s: output %s.%s is missing: list the stack under stacks in bootstrap/Pulumi.platform.yaml and run `pulumi up` in bootstrap/", bootstrap, BootstrapStacksOutput, stack)
	}
	var out BootstrapStack
	var bad []string
	for _, f := range out.fields() {
		v, ok := entry[f.key].(string)
		if !ok || v == "" {
			bad = append(bad, BootstrapStacksOutput+"."+stack+"."+f.key)
			continue
		}
		*f.dst = v
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return BootstrapStack{}, fmt.Errorf("bootstrap stack %s: outputs missing or not a non-empty string: %s (is the bootstrap older than this program? run `pulumi up` in bootstrap/)", bootstrap, strings.Join(bad, ", "))
	}
	return out, nil
}

// readBootstrap reads what the bootstrap made for the stack through a
// StackReference. The read happens before any resource is registered, so
// that a missing output is one clear error rather than a failed resource.
func readBootstrap(ctx *pulumi.Context, stack string, cfg Config) (BootstrapStack, error) {
	ref, err := pulumi.NewStackReference(ctx, "bootstrap", &pulumi.StackReferenceArgs{Name: pulumi.String(cfg.Bootstrap)})
	if err != nil {
		return BootstrapStack{}, fmt.Errorf("bootstrap stack %s: %w", cfg.Bootstrap, err)
	}
	d, err := ref.GetOutputDetails(BootstrapStacksOutput)
	if err != nil {
		return BootstrapStack{}, fmt.Errorf("bootstrap stack %s: reading output %q: %w", cfg.Bootstrap, BootstrapStacksOutput, err)
	}
	if d.SecretValue != nil {
		return BootstrapStack{}, errors.New("bootstrap stack " + cfg.Bootstrap + ": output " + BootstrapStacksOutput + " is a secret: the environment identities cannot decrypt the bootstrap's secrets, so it must be plain")
	}
	return ReadBootstrapStack(cfg.Bootstrap, stack, d.Value)
}

// BootstrapGrant is a role assignment the bootstrap project
// (bootstrap/foundation) makes for a stack's app identity, outside the
// stack's plan.
type BootstrapGrant struct {
	IdentityID, Role, Scope string
}

// BootstrapGrants are the grants the stack's program relies on without
// making them: the app identity's AcrPull on the shared registry.
func BootstrapGrants(b BootstrapStack) []BootstrapGrant {
	return []BootstrapGrant{{IdentityID: b.AppIdentityID, Role: crosscut.RoleAcrPull, Scope: b.RegistryID}}
}

func (v *validator) bootstrap(ref string) {
	if !stackRefPattern.MatchString(ref) {
		v.add(configkeys.Bootstrap, ref, "the bootstrap's fully qualified stack name, such as "+DefaultBootstrap+" (organization/project/stack)")
	}
}
