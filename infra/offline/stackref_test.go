package offline_test

import (
	"context"
	"errors"
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

// A saved state (or a `pulumi stack export`) answers references to its
// stack: its outputs, secrets kept secret; another stack is refused.
func TestStateAnswersReferencesToItsStack(t *testing.T) {
	p, err := offline.Run(context.Background(), offline.Options{Project: "misybot-bootstrap", Stack: "platform",
		Program: func(ctx *pulumi.Context) (map[string]pulumi.Output, error) {
			return map[string]pulumi.Output{
				"registryId": pulumi.String("/subscriptions/s/registries/cr").ToStringOutput(),
				"nested":     pulumi.ToMap(map[string]any{"a": "b"}).ToMapOutput(),
				"token":      pulumi.ToSecret(pulumi.String("t0ken")).(pulumi.StringOutput),
			}, nil
		}})
	require.NoError(t, err)
	data, err := p.SaveState()
	require.NoError(t, err)
	st, err := offline.ParseState(data)
	require.NoError(t, err)

	outs, err := st.References()(refName)
	require.NoError(t, err)
	assert.Equal(t, []string{"token"}, outs.Secret)
	assert.Equal(t, "b", outs.Outputs["nested"].ObjectValue()["a"].StringValue())

	plan, err := offline.Run(context.Background(), offline.Options{Project: "p", Stack: "dev", Program: readRef, StackReferences: st.References()})
	require.NoError(t, err)
	assert.Equal(t, "/subscriptions/s/registries/cr", plan.Outputs["plain"].Value.StringValue())
	assert.True(t, plan.Outputs["wasSecret"].Value.BoolValue())

	for _, name := range []string{"organization/misybot-platform/dev", "organization/misybot-bootstrap/other", "misybot-bootstrap/platform"} {
		_, err := st.References()(name)
		assert.Error(t, err, name)
	}
	empty, err := offline.ParseState([]byte(`{"version": 3, "deployment": {"resources": []}}`))
	require.NoError(t, err)
	_, err = empty.StackOutputs()
	assert.ErrorContains(t, err, "never deployed")
}
