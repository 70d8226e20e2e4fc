package crosscut_test

import (
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/components/crosscut"
)

// aliasMocks records the logical name and the alias names of every
// resource. The SDK adds type aliases (older API versions of the type) with
// no name; those are left out.
type aliasMocks struct {
	mu      sync.Mutex
	aliases map[string][]string
}

func (m *aliasMocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var names []string
	for _, a := range args.RegisterRPC.GetAliases() {
		switch {
		case a.GetSpec().GetName() != "":
			names = append(names, a.GetSpec().GetName())
		case a.GetUrn() != "":
			names = append(names, a.GetUrn())
		}
	}
	m.aliases[args.Name] = names
	return args.Name + "-id", args.Inputs, nil
}

func (m *aliasMocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return args.Args, nil
}

const scope = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"

// Keyed role assignments are named by their key; one that was in the list
// keeps its former name as an alias, so an existing stack sees the same
// resource (no delete, no create), whatever order the keys sort in.
func TestRoleAssignmentsKeyedWithAliasesFromTheList(t *testing.T) {
	m := &aliasMocks{aliases: map[string][]string{}}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		return crosscut.AssignRoles(ctx, "kv-ra", pulumi.String(scope), map[string]crosscut.RoleAssignment{
			"zeta-app":  {PrincipalID: pulumi.String("p1"), RoleDefinitionID: crosscut.RoleReader, ListIndex: crosscut.Index(0)},
			"alpha-ops": {PrincipalID: pulumi.String("p2"), RoleDefinitionID: crosscut.RoleReader, ListIndex: crosscut.Index(1)},
			"new":       {PrincipalID: pulumi.String("p3"), RoleDefinitionID: crosscut.RoleReader},
		})
	}, pulumi.WithMocks("p", "dev", m))
	require.NoError(t, err)
	assert.Equal(t, map[string][]string{
		"kv-ra-zeta-app":  {"kv-ra-0"},
		"kv-ra-alpha-ops": {"kv-ra-1"},
		"kv-ra-new":       nil,
	}, m.aliases)
}

func TestRoleAssignmentKeysAndIndicesAreChecked(t *testing.T) {
	in := crosscut.Inputs{ResourceGroupName: pulumi.String("rg"), Location: "westeurope"}
	ra := crosscut.RoleAssignment{PrincipalID: pulumi.String("p"), RoleDefinitionID: crosscut.RoleReader}
	in.RoleAssignments = map[string]crosscut.RoleAssignment{"app": ra, "ops": ra}
	require.NoError(t, in.Validate())

	for name, tt := range map[string]struct {
		ras  map[string]crosscut.RoleAssignment
		want string
	}{
		"key with a capital":  {map[string]crosscut.RoleAssignment{"App": ra}, `args.RoleAssignments["App"]: a key of 1-64`},
		"key with a space":    {map[string]crosscut.RoleAssignment{"my app": ra}, `args.RoleAssignments["my app"]`},
		"empty key":           {map[string]crosscut.RoleAssignment{"": ra}, `args.RoleAssignments[""]`},
		"no principal":        {map[string]crosscut.RoleAssignment{"app": {RoleDefinitionID: crosscut.RoleReader}}, `args.RoleAssignments["app"] needs PrincipalID`},
		"bad principal type":  {map[string]crosscut.RoleAssignment{"app": {PrincipalID: pulumi.String("p"), RoleDefinitionID: "r", PrincipalType: "Robot"}}, `PrincipalType "Robot"`},
		"two at one position": {map[string]crosscut.RoleAssignment{"a": withIndex(ra, 0), "b": withIndex(ra, 0)}, `args.RoleAssignments["b"].ListIndex 0: already the index of "a"`},
	} {
		in.RoleAssignments = tt.ras
		err := in.Validate()
		if assert.Error(t, err, name) {
			assert.Contains(t, err.Error(), tt.want, name)
		}
	}
}

func withIndex(ra crosscut.RoleAssignment, i int) crosscut.RoleAssignment {
	ra.ListIndex = crosscut.Index(i)
	return ra
}
