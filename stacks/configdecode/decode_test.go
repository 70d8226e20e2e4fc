package configdecode_test

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/stacks/configdecode"
)

type inner struct {
	Size  int    `json:"size"`
	Label string `json:"label,omitempty"`
}

type sample struct {
	Name    string            `json:"name"`
	Inner   inner             `json:"inner"`
	List    []inner           `json:"list,omitempty"`
	Hidden  string            `json:"-"`
	Secrets map[string]string `json:"-" config:"secrets,secret"`
}

func TestKeysComeFromTagsAndIncludeTheSecretMap(t *testing.T) {
	assert.Equal(t, []string{"inner", "list", "name", "secrets"}, configdecode.Keys(reflect.TypeFor[sample]()))
}

func TestDecodeOverlaysDefaults(t *testing.T) {
	src := configdecode.Source{Project: "p", Raw: map[string]string{
		"p:name":  "n1",
		"p:inner": `{"label":"x"}`,
		"other:x": "ignored",
	}}
	got := sample{Inner: inner{Size: 3}}
	dec := configdecode.Decode(src, &got)
	assert.Empty(t, dec.Merge(src, nil))
	assert.Equal(t, sample{Name: "n1", Inner: inner{Size: 3, Label: "x"}}, got)
}

func TestDecodeSkipsNamedKeys(t *testing.T) {
	src := configdecode.Source{Project: "p", Raw: map[string]string{"p:name": "n1"}}
	got := sample{Name: "kept"}
	dec := configdecode.Decode(src, &got, "name")
	assert.Empty(t, dec.Merge(src, nil))
	assert.Equal(t, "kept", got.Name)
}

func TestDecodeReportsPathsAndCoversUndecodedValues(t *testing.T) {
	src := configdecode.Source{Project: "p", Raw: map[string]string{
		"p:inner": `{"size":"big","colour":1}`,
		"p:list":  `{"size":1}`,
		"p:names": "typo",
	}}
	var got sample
	dec := configdecode.Decode(src, &got)
	assert.True(t, dec.Covers("list[0].size"), "a list that did not decode covers its elements")
	assert.False(t, dec.Covers("name"))
	// A validation problem under an undecoded value is dropped; others are kept.
	ps := dec.Merge(src, configdecode.Problems{{Key: "list", Expected: "not empty"}, {Key: "name", Expected: "a name"}})
	var keys []string
	for _, p := range ps {
		keys = append(keys, p.Key)
	}
	assert.Equal(t, []string{"inner.colour", "inner.size", "list", "name", "names"}, keys)
	assert.Contains(t, ps[4].Expected, "did you mean name?")
	assert.Equal(t, "a list, not an object", ps[2].Expected)
}

func TestSecretMapMustBeSecretAndIsNeverShown(t *testing.T) {
	raw := map[string]string{"p:secrets": `{"token":"hunter22"}`}
	var got sample

	plain := configdecode.Source{Project: "p", Raw: raw}
	ps := configdecode.Decode(plain, &got).Merge(plain, nil)
	require.Len(t, ps, 1)
	assert.Equal(t, configdecode.RedactedValue, ps[0].Value)
	assert.Contains(t, ps[0].Expected, "pulumi config set --secret --path 'secrets.<name>'")
	assert.NotContains(t, ps.Error(), "hunter22")

	secret := configdecode.Source{Project: "p", Raw: raw, SecretKeys: []string{"p:secrets"}}
	got = sample{}
	assert.Empty(t, configdecode.Decode(secret, &got).Merge(secret, nil))
	assert.Equal(t, map[string]string{"token": "hunter22"}, got.Secrets)

	// A message that would quote a secret value is scrubbed.
	ps = configdecode.Decode(secret, &got).Merge(secret, configdecode.Problems{{Key: "name", Expected: "not hunter22"}})
	require.Len(t, ps, 1)
	assert.Equal(t, "not "+configdecode.RedactedValue, ps[0].Expected)
}

func TestPathsWalkStructsNotListsOrMaps(t *testing.T) {
	type withPointer struct {
		Inner *inner          `json:"inner,omitempty"`
		Env   map[string]bool `json:"env"`
		Plain sample          `json:"plain"`
	}
	assert.Equal(t, []configdecode.Path{
		{Key: "env", Map: true},
		{Key: "inner"},
		{Key: "inner.label"},
		{Key: "inner.size"},
		{Key: "plain"},
		{Key: "plain.inner"},
		{Key: "plain.inner.label"},
		{Key: "plain.inner.size"},
		{Key: "plain.list"},
		{Key: "plain.name"},
		{Key: "plain.secrets", Map: true},
	}, configdecode.Paths(reflect.TypeFor[withPointer]()))
}
