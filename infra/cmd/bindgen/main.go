// Command bindgen generates the typed SDK bindings listed in a config file
// (see package infra/bindgen). Run it through `go generate ./sdk`.
//
//	bindgen [-config sdk/bindings.conf]
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/misybot/platform/infra/bindgen"
)

func main() {
	config := flag.String("config", "bindings.conf", "the bindings config file; binding directories are relative to it")
	flag.Parse()
	if err := run(*config); err != nil {
		fmt.Fprintln(os.Stderr, "bindgen:", err)
		os.Exit(1)
	}
}

func run(config string) error {
	bindings, err := bindgen.Build(config)
	if err != nil {
		return err
	}
	for _, b := range bindings {
		if err := b.Write(); err != nil {
			return err
		}
		fmt.Printf("%s: %d files from %s@%s\n", b.Binding, len(b.Files), b.Module, b.Version)
	}
	return nil
}
