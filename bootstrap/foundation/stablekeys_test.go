package foundation_test

import (
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/bootstrap/foundation"
	"github.com/misybot/platform/infra/offline"
	"github.com/misybot/platform/stacks"
)

// planFrom plans the bootstrap with config from the prior state.
func planFrom(t *testing.T, config map[string]string, prior *offline.State) *offline.Plan {
	t.Helper()
	p, err := offline.Run(t.Context(), offline.Options{
		Project: foundation.Project, Stack: foundation.StackName, Config: config, Program: foundation.Build, Prior: prior,
		// One key for every plan of the test, so that the saved states'
		// secret hashes compare.
		SecretHashKey: []byte("stable-keys-test"),
	})
	require.NoError(t, err)
	return p
}

func stateOf(t *testing.T, p *offline.Plan, rename func(string) string) *offline.State {
	t.Helper()
	data, err := p.SaveState()
	require.NoError(t, err)
	st, err := offline.ParseState([]byte(rename(string(data))))
	require.NoError(t, err)
	return st
}

// requireUnchanged fails on any change but same (or a read).
func requireUnchanged(t *testing.T, p *offline.Plan) {
	t.Helper()
	for _, c := range p.Changes {
		assert.Contains(t, []offline.Op{offline.OpSame, offline.OpRead}, c.Op, "%s: %s %v", c.URN, c.Op, c.Keys)
	}
}

// The administrators' grants are keyed by the owner's object ID: the
// owners in another order change nothing, and a stack deployed when they
// were named by position (admin-0-state) carries over through the alias.
func TestOwnerGrantsAreKeyedByObjectID(t *testing.T) {
	config := bootstrapConfig(t)
	key := foundation.Project + ":owners"
	var owners []string
	require.NoError(t, json.Unmarshal([]byte(config[key]), &owners))
	require.GreaterOrEqual(t, len(owners), 2, "the committed bootstrap has several owners to reorder")
	first := planFrom(t, config, nil)

	var grants []string
	for _, r := range first.Find("azure-native:authorization:RoleAssignment") {
		if strings.HasPrefix(r.Name, "admin-") {
			grants = append(grants, r.Name)
		}
	}
	assert.Contains(t, grants, "admin-"+strings.ToLower(owners[0])+"-state")
	assert.Len(t, grants, 2*len(owners))

	t.Run("owners reordered", func(t *testing.T) {
		reordered := maps.Clone(config)
		reversed := slices.Clone(owners)
		slices.Reverse(reversed)
		data, err := json.Marshal(reversed)
		require.NoError(t, err)
		reordered[key] = string(data)
		requireUnchanged(t, planFrom(t, reordered, stateOf(t, first, func(s string) string { return s })))
	})
	t.Run("state with positional names", func(t *testing.T) {
		positional := func(s string) string {
			for i, o := range owners {
				s = strings.ReplaceAll(s, "::admin-"+strings.ToLower(o)+"-", "::admin-"+string(rune('0'+i))+"-")
			}
			return s
		}
		prior := stateOf(t, first, positional)
		var old []string
		for _, r := range prior.Resources {
			if strings.Contains(r.URN, "::admin-0-") {
				old = append(old, r.URN)
			}
		}
		require.Len(t, old, 2, "the prior state names the first owner's grants by position")
		requireUnchanged(t, planFrom(t, config, prior))
	})
	t.Run("an owner twice", func(t *testing.T) {
		twice := maps.Clone(config)
		data, err := json.Marshal(append(slices.Clone(owners), strings.ToUpper(owners[0])))
		require.NoError(t, err)
		twice[key] = string(data)
		_, err = foundation.Load(foundation.Project, twice, nil)
		var problems stacks.Problems
		require.True(t, errors.As(err, &problems), "%v", err)
		require.Len(t, problems, 1)
		assert.Equal(t, "owners[2]", problems[0].Key)
		assert.Contains(t, problems[0].Expected, "each owner once")
	})
}
