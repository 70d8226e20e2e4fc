package rules

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestStackNameExamples: the stack-name table of docs/policies.md says
// what EnvironmentFromStack decides for each name.
func TestStackNameExamples(t *testing.T) {
	for _, row := range stackNameExamples() {
		for _, name := range row.names {
			assert.Equal(t, row.env, EnvironmentFromStack(name), name)
			assert.Equal(t, row.env, ResolveEnvironment(Stack{Name: name}, Config{}), name)
		}
	}
}
