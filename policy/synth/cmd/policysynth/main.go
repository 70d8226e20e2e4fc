// Command policysynth writes a synthetic stack export (or preview JSON) of
// any size for `misyinfra policy audit` scale runs:
//
//	go run ./policy/synth/cmd/policysynth -n 10000 -o big.json
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/misybot/platform/policy/synth"
)

func main() {
	n := flag.Int("n", 10000, "number of custom resources")
	preview := flag.Bool("preview", false, "write `pulumi preview --json` output instead of a stack export")
	template := flag.String("template", "policy/rules/testdata/compliant-prod.json", "stack export to copy")
	out := flag.String("o", "", "output file (default: standard output)")
	flag.Parse()
	if err := run(*template, *out, synth.Options{Resources: *n, Preview: *preview}); err != nil {
		fmt.Fprintln(os.Stderr, "policysynth:", err)
		os.Exit(1)
	}
}

func run(template, out string, o synth.Options) error {
	data, err := os.ReadFile(template)
	if err != nil {
		return err
	}
	b, err := synth.Generate(data, o)
	if err != nil {
		return err
	}
	if out == "" {
		_, err = os.Stdout.Write(b)
		return err
	}
	return os.WriteFile(out, b, 0o600)
}
