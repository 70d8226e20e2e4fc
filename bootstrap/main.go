// Command bootstrap is the bootstrap Pulumi program (project
// misybot-bootstrap): an administrator runs `pulumi up` in this directory
// once, before the pipeline deploys any environment stack. See
// docs/deployment.md.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/misybot/platform/bootstrap/foundation"
)

func main() { pulumi.Run(foundation.Deploy) }
