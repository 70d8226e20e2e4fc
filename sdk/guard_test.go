package sdk_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/infra/bindgen"
)

// program is the Pulumi program: what `pulumi preview` and `pulumi up`
// compile on every run.
const program = "github.com/misybot/platform"

// TestProgramImportsNoHeavySDK keeps the SDK packages that bindings.conf
// binds out of the program's build: compiling one of them costs minutes and
// gigabytes (docs/build-cost.md), the binding a fraction of it.
func TestProgramImportsNoHeavySDK(t *testing.T) {
	pkgs, err := bindgen.LoadConfig(config)
	require.NoError(t, err)
	heavy := map[string]string{} // SDK module -> binding dir
	for _, p := range pkgs {
		_, mod, _, err := bindgen.Locate(".", p.SDK)
		require.NoError(t, err)
		heavy[mod] = p.Binding
	}
	out, err := exec.Command("go", "list", "-deps", program).Output()
	require.NoError(t, err)
	for _, dep := range strings.Fields(string(out)) {
		for mod, binding := range heavy {
			if dep == mod || strings.HasPrefix(dep, mod+"/") {
				assert.Failf(t, "the program imports a heavy SDK package",
					"%s is in the build of %s (go list -deps %s). Import the binding %s/sdk/%s instead; "+
						"if it lacks a type or function, add a line to sdk/bindings.conf and run go generate ./sdk.",
					dep, program, program, program, binding)
			}
		}
	}
}
