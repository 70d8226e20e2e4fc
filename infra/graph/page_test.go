package graph

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The page is the heading, the command that regenerates it and the chart.
func TestPage(t *testing.T) {
	p := graphPlan()
	page := Page(p, false)
	assert.True(t, strings.HasPrefix(page, "# Resource graph: `"+p.Project+"/"+p.Stack+"`\n"), page)
	assert.Contains(t, page, "misyinfra graph --stack "+p.Stack+" -o docs/diagrams/"+p.Stack+".md")
	assert.True(t, strings.HasSuffix(page, "```mermaid\n"+Mermaid(p, false)+"```\n"), page)
}
