// Command misybot-platform is the Pulumi program of the MisyBot platform.
// Run it with `pulumi up --stack <dev|staging|prod>`; preview it offline with
// `go run ./infra/cmd/misyinfra plan --stack dev`.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/misybot/platform/stacks"
)

func main() {
	pulumi.Run(stacks.Deploy)
}
