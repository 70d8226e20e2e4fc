package bootstrapstate_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/bootstrap/foundation"
	"github.com/misybot/platform/infra/bootstrapstate"
	"github.com/misybot/platform/infra/offline"
	"github.com/misybot/platform/infra/stackfile"
)

var repoRoot = filepath.Join("..", "..")

// TestPlanAndFileAgree: the bootstrap planned offline and the same plan
// saved and read back from a file give the same state: the resources,
// and the stack outputs a StackReference reads.
func TestPlanAndFileAgree(t *testing.T) {
	planned, err := bootstrapstate.Resolve(context.Background(), repoRoot, "")
	require.NoError(t, err)
	assert.Equal(t, foundation.Project, planned.Project)
	assert.Equal(t, foundation.StackName, planned.Stack)
	require.True(t, planned.Outputs.HasValue("stacks"), "the stack outputs are kept")
	dev := planned.Outputs["stacks"].ObjectValue()["dev"].ObjectValue()
	assert.Equal(t, "rg-misybot-dev-weu", dev["resourceGroupName"].StringValue())

	rg, ok := planned.ByID(dev["resourceGroupId"].StringValue())
	require.True(t, ok, "the stack's resource group is in the state, by ID")
	assert.Equal(t, "azure-native:resources:ResourceGroup", rg.Type)

	plan, err := offline.Run(context.Background(), offline.Options{
		Project: foundation.Project, Stack: foundation.StackName, Program: foundation.Build,
		Config: mustConfig(t),
	})
	require.NoError(t, err)
	data, err := plan.SaveState()
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "bootstrap.json")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	loaded, err := bootstrapstate.Resolve(context.Background(), repoRoot, path)
	require.NoError(t, err)
	assert.Equal(t, len(planned.Resources), len(loaded.Resources))
	assert.Equal(t, planned.Outputs, loaded.Outputs)
}

func mustConfig(t *testing.T) map[string]string {
	t.Helper()
	st, err := stackfile.Load(filepath.Join(repoRoot, bootstrapstate.Dir), foundation.StackName)
	require.NoError(t, err)
	return st.Config
}

// TestLoadRefusesAnotherStack: an environment stack's state is not the
// bootstrap's.
func TestLoadRefusesAnotherStack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dev.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"version": 3, "deployment": {"resources": [
	  {"urn": "urn:pulumi:dev::misybot-platform::pulumi:pulumi:Stack::misybot-platform-dev", "type": "pulumi:pulumi:Stack"}]}}`), 0o600))
	_, err := bootstrapstate.Load(path)
	var stateErr *offline.StateError
	require.True(t, errors.As(err, &stateErr), "%v", err)
	assert.Contains(t, err.Error(), `the state is of project "misybot-platform", not "misybot-bootstrap"`)
}

// TestPlanWithoutTheProject: a directory without the bootstrap project
// says so.
func TestPlanWithoutTheProject(t *testing.T) {
	_, err := bootstrapstate.Plan(context.Background(), t.TempDir())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the bootstrap project")
}
