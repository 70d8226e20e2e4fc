package lifecycle

import (
	"strconv"
	"strings"

	"github.com/misybot/platform/infra/azuremodel"
)

// Scenario is a named sequence of updates.
type Scenario struct {
	Name  string
	Steps []Step
}

// Secrets are the Key Vault secret values of the base configuration: what
// a deployed stack sets with `pulumi config set --secret --path
// 'keyVaultSecrets.bot-token'` (README), never committed.
var Secrets = map[string]string{"bot-token": "offline-placeholder-bot-token"}

var (
	firstDeploy = Step{Name: "first deploy"}

	releaseBump = Step{Name: "release bump to 1.4.3", Change: func(c *Config) error {
		return c.EditApp(func(app map[string]any) {
			app["release"] = "1.4.3"
			delete(app, "canary")
		})
	}}

	// canaryAt sets a canary of release at weight.
	canaryAt = func(release string, weight int, raiseMinReplicas bool) Step {
		return Step{Name: "canary " + release + " at " + strconv.Itoa(weight) + "%", Change: func(c *Config) error {
			return c.EditApp(func(app map[string]any) {
				app["canary"] = map[string]any{"release": release, "weight": weight}
				// The configuration refuses a canary that scales to zero
				// (dev's default): a dev user raises minReplicas with it.
				if raiseMinReplicas {
					app["minReplicas"] = 1
				}
			})
		}}
	}

	promote = Step{Name: "promote the canary", Change: func(c *Config) error {
		return c.EditApp(func(app map[string]any) {
			if canary, ok := app["canary"].(map[string]any); ok {
				app["release"] = canary["release"]
			}
			delete(app, "canary")
		})
	}}

	removeCanary = Step{Name: "remove the canary", Change: func(c *Config) error {
		return c.EditApp(func(app map[string]any) { delete(app, "canary") })
	}}

	// revisionScopeChange changes an environment variable: a new revision
	// without a release bump.
	revisionScopeChange = Step{Name: "revision-scope change without a release bump", Change: func(c *Config) error {
		return c.EditApp(func(app map[string]any) {
			env, _ := app["env"].(map[string]any)
			if env == nil {
				env = map[string]any{}
			}
			env["FEATURE_FLAGS"] = "beta-replies"
			app["env"] = env
		})
	}}

	addSecret = Step{Name: "add a secret", Change: func(c *Config) error {
		secrets, err := c.Object("keyVaultSecrets")
		if err != nil {
			return err
		}
		secrets["openai-key"] = "offline-placeholder-openai-key"
		if err := c.SetObject("keyVaultSecrets", secrets, true); err != nil {
			return err
		}
		return c.EditApp(func(app map[string]any) {
			list, _ := app["secrets"].([]any)
			app["secrets"] = append(list, map[string]any{"name": "openai-key", "envVar": "OPENAI_API_KEY"})
		})
	}}

	// rotateSecret changes the value of a Key Vault secret, as `pulumi
	// config set --secret --path 'keyVaultSecrets.bot-token'` does.
	rotateSecret = Step{Name: "rotate a secret", Change: func(c *Config) error {
		secrets, err := c.Object("keyVaultSecrets")
		if err != nil {
			return err
		}
		secrets["bot-token"] = "offline-placeholder-bot-token-rotated"
		return c.SetObject("keyVaultSecrets", secrets, true)
	}}

	previewRefresh = Step{Name: "preview and refresh as the preview identity", As: azuremodel.AsPreview}

	// driftRefresh is the drift check (drift.yml): `pulumi preview
	// --refresh` as the stack's drift identity.
	driftRefresh = Step{Name: "refresh as the drift identity", As: azuremodel.AsDrift}

	destroy = Step{Name: "destroy", Destroy: true}

	// asDeploy is a step run as the stack's deploy identity (deploy.yml),
	// with the grants the bootstrap gives it.
	asDeploy = func(s Step) Step {
		s.Name += " as the deploy identity"
		s.As = azuremodel.AsDeploy
		return s
	}
)

// Scenarios are the lifecycle scenarios of a stack; destroy only in prod.
func Scenarios(stack string) []Scenario {
	dev := strings.HasPrefix(stack, "dev")
	out := []Scenario{
		{Name: "first deploy", Steps: []Step{firstDeploy}},
		{Name: "release bump", Steps: []Step{firstDeploy, removeCanary, releaseBump}},
		{Name: "canary stepped and promoted", Steps: []Step{firstDeploy, removeCanary, canaryAt("1.5.0", 10, dev), canaryAt("1.5.0", 100, dev), promote}},
		{Name: "canary aborted", Steps: []Step{firstDeploy, removeCanary, canaryAt("1.6.0", 10, dev), canaryAt("1.6.0", 0, dev), removeCanary}},
		{Name: "revision-scope change", Steps: []Step{firstDeploy, revisionScopeChange}},
		{Name: "remove the canary", Steps: []Step{firstDeploy, canaryAt("1.5.0", 0, dev), removeCanary}},
		{Name: "add a secret", Steps: []Step{firstDeploy, addSecret}},
		{Name: "rotate a secret", Steps: []Step{firstDeploy, rotateSecret}},
		{Name: "preview as the preview identity", Steps: []Step{firstDeploy, previewRefresh}},
		{Name: "refresh as the drift identity", Steps: []Step{firstDeploy, releaseBump, driftRefresh}},
		{Name: "updates as the deploy identity", Steps: []Step{firstDeploy, asDeploy(releaseBump), asDeploy(addSecret), asDeploy(canaryAt("1.5.0", 10, dev))}},
	}
	if stack == "prod" {
		out = append(out, Scenario{Name: "destroy attempt", Steps: []Step{firstDeploy, destroy}})
	}
	return out
}
