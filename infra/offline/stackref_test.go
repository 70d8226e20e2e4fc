package offline_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/infra/offline"
)

const refName = "organization/misybot-bootstrap/platform"

// readRef is a program that reads two outputs of refName and returns them.
func readRef(ctx *pulumi.Context) (map[string]pulumi.Output, error) {
	ref, err := pulumi.NewStackReference(ctx, "bootstrap", &pulumi.StackReferenceArgs{Name: pulumi.String(refName)})
	if err != nil {
		return nil, err
	}
	plain, err := ref.GetOutputDetails("registryId")
	if err != nil {
		return nil, err
	}
	secret, err := ref.GetOutputDetails("token")
	if err != nil {
		return nil, err
	}
	return map[string]pulumi.Output{
		"plain":     pulumi.Any(plain.Value),
		"secret":    pulumi.ToSecret(pulumi.Any(secret.SecretValue)).(pulumi.AnyOutput),
		"wasSecret": pulumi.Bool(secret.SecretValue != nil && secret.Value == nil).ToBoolOutput(),
	}, nil
}

func TestStackReferenceAnsweredFromOutputs(t *testing.T) {
	var asked []string
	p, err := offline.Run(context.Background(), offline.Options{
		Project: "p", Stack: "dev", Program: readRef,
		StackReferences: func(name string) (offline.StackOutputs, error) {
			asked = append(asked, name)
			return offline.StackOutputs{Outputs: resource.PropertyMap{
				"registryId": resource.NewProperty("/subscriptions/s/registries/cr"),
				"token":      resource.NewProperty("t0ken"),
			}, Secret: []string{"token"}}, nil
		},
	})
	require.NoError(t, err)
	assert.Equal(t, []string{refName}, asked)
	assert.Equal(t, "/subscriptions/s/registries/cr", p.Outputs["plain"].Value.StringValue())
	assert.True(t, p.Outputs["wasSecret"].Value.BoolValue(), "a secret output reads as a secret")
	assert.True(t, p.Outputs["secret"].Secret)

	var ref *offline.Resource
	for i := range p.Resources {
		if p.Resources[i].Type == offline.StackReferenceType {
			ref = &p.Resources[i]
		}
	}
	require.NotNil(t, ref, "the reference is in the plan, as a read")
	assert.True(t, ref.Read)
	assert.Equal(t, refName, ref.ID)
}

func TestStackReferenceWithoutAnswerFailsNamingIt(t *testing.T) {
	_, err := offline.Run(context.Background(), offline.Options{Project: "p", Stack: "dev", Program: readRef})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `stack reference "`+refName+`"`)

	_, err = offline.Run(context.Background(), offline.Options{Project: "p", Stack: "dev", Program: readRef,
		StackReferences: func(string) (offline.StackOutputs, error) { return offline.StackOutputs{}, errors.New("no such stack") }})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no such stack")
}

func TestPlanStackOutputsRoundTripThroughExportAndOutputJSON(t *testing.T) {
	p, err := offline.Run(context.Background(), offline.Options{Project: "p", Stack: "dev",
		Program: func(ctx *pulumi.Context) (map[string]pulumi.Output, error) {
			return map[string]pulumi.Output{
				"name":   pulumi.String("x").ToStringOutput(),
				"nested": pulumi.ToMap(map[string]any{"a": "b"}).ToMapOutput(),
				"key":    pulumi.ToSecret(pulumi.String("k")).(pulumi.StringOutput),
			}, nil
		}})
	require.NoError(t, err)
	outs, err := p.StackOutputs()
	require.NoError(t, err)
	assert.Equal(t, []string{"key"}, outs.Secret)
	assert.Equal(t, "b", outs.Outputs["nested"].ObjectValue()["a"].StringValue())

	dir := t.TempDir()
	export, err := p.SaveState()
	require.NoError(t, err)
	exportPath := filepath.Join(dir, "export.json")
	require.NoError(t, os.WriteFile(exportPath, export, 0o600))
	fromExport, err := offline.LoadStackOutputs(exportPath)
	require.NoError(t, err)
	assert.Equal(t, exportPath, fromExport.Name)
	assert.Equal(t, []string{"key"}, fromExport.Secret, "a secret of the export stays a secret")
	assert.Equal(t, "x", fromExport.Outputs["name"].StringValue())
	assert.Equal(t, "b", fromExport.Outputs["nested"].ObjectValue()["a"].StringValue())

	// `pulumi stack output --json`: a plain object, secrets as "[secret]".
	jsonPath := filepath.Join(dir, "outputs.json")
	require.NoError(t, os.WriteFile(jsonPath, []byte(`{"name": "x", "nested": {"a": "b"}, "key": "[secret]"}`), 0o600))
	fromJSON, err := offline.LoadStackOutputs(jsonPath)
	require.NoError(t, err)
	assert.Equal(t, "x", fromJSON.Outputs["name"].StringValue())
	assert.Empty(t, fromJSON.Secret)
}

func TestLoadStackOutputsRefusesWhatIsNotOutputs(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"list.json":    `[1, 2]`,
		"version.json": `{"version": 2, "deployment": {}}`,
		"nostack.json": `{"version": 3, "deployment": {"resources": []}}`,
		"notjson.json": `outputs: yes`,
	} {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(body), 0o600))
		_, err := offline.LoadStackOutputs(path)
		assert.Error(t, err, name)
		if err != nil {
			assert.Contains(t, err.Error(), path, name)
		}
	}
	_, err := offline.LoadStackOutputs(filepath.Join(dir, "missing.json"))
	assert.ErrorContains(t, err, "cannot read it")
}

func TestPlanStackOutputsRefusesUnknownOutputs(t *testing.T) {
	p := &offline.Plan{Project: "p", Stack: "s", Outputs: map[string]offline.Output{
		"later": {Known: false, Value: resource.NewNullProperty()},
		"now":   {Known: true, Value: resource.NewProperty("v")},
	}}
	_, err := p.StackOutputs()
	assert.ErrorContains(t, err, "later")
}
