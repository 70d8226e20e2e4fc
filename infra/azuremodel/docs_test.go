package azuremodel_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/infra/azuremodel"
)

var update = flag.Bool("update", false, "rewrite the generated section of docs/azure-model.md")

const (
	beginMarker = "<!-- BEGIN GENERATED: azuremodel.RulesMarkdown; go test ./infra/azuremodel -run TestDocsUpToDate -update -->\n"
	endMarker   = "<!-- END GENERATED -->"
)

// TestDocsUpToDate fails when docs/azure-model.md's rule tables differ
// from the Go tables.
func TestDocsUpToDate(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "azure-model.md")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	doc := string(data)
	start := strings.Index(doc, beginMarker)
	end := strings.Index(doc, endMarker)
	require.True(t, start >= 0 && end > start, "markers missing in %s", path)
	fresh := doc[:start+len(beginMarker)] + azuremodel.RulesMarkdown() + doc[end:]
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(fresh), 0o644))
		return
	}
	assert.Equal(t, fresh, doc, "docs/azure-model.md is stale: go test ./infra/azuremodel -run TestDocsUpToDate -update")
}
