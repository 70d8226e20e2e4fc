// Command policy is the MisyBot Pulumi policy pack. The engine builds and
// starts it for `pulumi preview --policy-pack ./policy`; it serves the
// analyzer gRPC protocol through policyx and prints its port on stdout.
package main

import (
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
)

func main() {
	if err := policyx.Main(newPolicyPack); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
