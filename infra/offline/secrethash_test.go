package offline_test

import (
	"context"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/infra/offline"
)

// secretProgram registers one resource whose input "value" is a secret
// and "label" is not.
func secretProgram(value, label string) offline.Program {
	return func(ctx *pulumi.Context) (map[string]pulumi.Output, error) {
		var res pulumi.CustomResourceState
		err := ctx.RegisterResource("test:index:Thing", "thing", pulumi.Map{
			"value": pulumi.ToSecret(pulumi.String(value)),
			"label": pulumi.String(label),
		}, &res)
		return nil, err
	}
}

func secretRun(t *testing.T, program offline.Program, prior *offline.State, key string) *offline.Plan {
	t.Helper()
	opts := offline.Options{Project: "p", Stack: "dev", Program: program, Prior: prior}
	if key != "" {
		opts.SecretHashKey = []byte(key)
	}
	plan, err := offline.Run(context.Background(), opts)
	require.NoError(t, err)
	return plan
}

func savedOf(t *testing.T, p *offline.Plan) *offline.State {
	t.Helper()
	data, err := p.SaveState()
	require.NoError(t, err)
	assert.NotContains(t, string(data), "hunter2", "a saved state never holds a secret's plaintext")
	assert.NotContains(t, string(data), "correct-horse")
	st, err := offline.ParseState(data)
	require.NoError(t, err)
	return st
}

func thingChange(t *testing.T, p *offline.Plan) offline.Change {
	t.Helper()
	ch, ok := p.ChangeOf("urn:pulumi:dev::p::test:index:Thing::thing")
	require.True(t, ok)
	return ch
}

// TestSecretValueChanges: a change to a secret's value alone is an
// update when the prior state is the engine's own (it keeps a keyed hash,
// never the plaintext); against a state whose secret cannot be compared
// offline it is "update?", never "same".
func TestSecretValueChanges(t *testing.T) {
	const key = "test-key"
	saved := savedOf(t, secretRun(t, secretProgram("hunter2", "a"), nil, key))

	tests := []struct {
		name     string
		program  offline.Program
		prior    *offline.State
		key      string
		wantOp   offline.Op
		wantKeys []string
	}{
		{"same secret, same key", secretProgram("hunter2", "a"), saved, key, offline.OpSame, nil},
		{"changed secret", secretProgram("correct-horse", "a"), saved, key, offline.OpUpdate, []string{"value"}},
		{"changed secret and label", secretProgram("correct-horse", "b"), saved, key, offline.OpUpdate, []string{"label", "value"}},
		{"saved under another key", secretProgram("hunter2", "a"), saved, "other-key", offline.OpMaybeUpdate, []string{"value"}},
		{"no key now", secretProgram("hunter2", "a"), saved, "", offline.OpMaybeUpdate, []string{"value"}},
		{"value not known offline", secretProgram(offline.SecretCiphertext, "a"), saved, key, offline.OpMaybeUpdate, []string{"value"}},
		{"label change beside an uncomparable secret", secretProgram("hunter2", "b"), saved, "other-key", offline.OpUpdate, []string{"label"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := thingChange(t, secretRun(t, tt.program, tt.prior, tt.key))
			assert.Equal(t, tt.wantOp, ch.Op)
			assert.Equal(t, tt.wantKeys, ch.Keys)
		})
	}
}

// TestSecretOfARealExport: a `pulumi stack export` holds the secret as
// ciphertext, which cannot be decrypted offline: the value cannot be
// compared, and the plan says so.
func TestSecretOfARealExport(t *testing.T) {
	export := `{"version": 3, "deployment": {"resources": [
	  {"urn": "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev", "type": "pulumi:pulumi:Stack"},
	  {"urn": "urn:pulumi:dev::p::test:index:Thing::thing", "custom": true, "id": "thing-1", "type": "test:index:Thing",
	   "inputs": {"label": "a", "value": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "AAABAJxyz"}}}]}}`
	prior, err := offline.ParseState([]byte(export))
	require.NoError(t, err)
	ch := thingChange(t, secretRun(t, secretProgram("hunter2", "a"), prior, "test-key"))
	assert.Equal(t, offline.OpMaybeUpdate, ch.Op)
	assert.Equal(t, []string{"value"}, ch.Keys)

	// An export made with --show-secrets holds the plaintext: it compares.
	shown := `{"version": 3, "deployment": {"resources": [
	  {"urn": "urn:pulumi:dev::p::test:index:Thing::thing", "custom": true, "id": "thing-1", "type": "test:index:Thing",
	   "inputs": {"label": "a", "value": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "plaintext": "\"hunter2\""}}}]}}`
	prior, err = offline.ParseState([]byte(shown))
	require.NoError(t, err)
	assert.Equal(t, offline.OpSame, thingChange(t, secretRun(t, secretProgram("hunter2", "a"), prior, "test-key")).Op)
	ch = thingChange(t, secretRun(t, secretProgram("correct-horse", "a"), prior, "test-key"))
	assert.Equal(t, offline.OpUpdate, ch.Op)
	assert.Equal(t, []string{"value"}, ch.Keys)
}
