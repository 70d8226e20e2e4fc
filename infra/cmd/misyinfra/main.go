// Command misyinfra previews the MisyBot platform offline:
//
//	go run ./infra/cmd/misyinfra plan --stack dev [--format text|json]
//
// It reads Pulumi.yaml and the stack's Pulumi.<stack>.yaml, validates the
// configuration, and runs the Pulumi program in-process under mocks that
// behave like the azure-native provider: no Pulumi CLI, no plugins, no
// Azure calls. Exit status: 0 on success, 2 for a mistake in the command
// line or the configuration (one problem a line on stderr), 1 when the
// program fails.
package main

import (
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run runs the command line and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	return platform().run(args, stdout, stderr)
}
