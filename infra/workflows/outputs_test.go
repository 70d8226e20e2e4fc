package workflows

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stackOutputRead is a workflow reading a stack output by name.
var stackOutputRead = regexp.MustCompile(`pulumi stack output ([A-Za-z][A-Za-z0-9]*)`)

// Every stack output a workflow reads is one that some stack exports: a
// renamed output would otherwise break the deploy only after `pulumi up`.
func TestStackOutputsTheWorkflowsReadExist(t *testing.T) {
	cli := buildCLI(t)
	exported := map[string]bool{}
	for _, stack := range []string{"dev", "staging", "prod"} {
		cmd := exec.Command(cli.bin, "plan", "--stack", stack, "--format", "json")
		cmd.Dir = repoRoot
		out, err := cmd.Output()
		require.NoError(t, err, "misyinfra plan --stack %s", stack)
		var doc struct {
			Outputs map[string]json.RawMessage `json:"outputs"`
		}
		require.NoError(t, json.Unmarshal(out, &doc))
		for name := range doc.Outputs {
			exported[name] = true
		}
	}
	files, err := filepath.Glob(filepath.Join(repoRoot, ".github", "workflows", "*.yml"))
	require.NoError(t, err)
	read := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, m := range stackOutputRead.FindAllStringSubmatch(string(data), -1) {
			read++
			assert.True(t, exported[m[1]], "%s reads stack output %q, which no stack exports", filepath.Base(f), m[1])
		}
	}
	assert.Greater(t, read, 5, "the workflows read the stacks' outputs")
}
