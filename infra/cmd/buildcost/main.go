// Command buildcost measures the cold build of the program against its
// floor (the Pulumi Go SDK plus the azure-native SDK's root package), each
// with an empty build cache, back to back, and prints wall time, CPU time,
// peak RSS and the most expensive packages (docs/build-cost.md).
//
//	go run ./infra/cmd/buildcost [-runs 1] [-top 10] [package ...]
//
// Packages default to "." (the program); ./infra/cmd/misyinfra is the other
// one worth measuring. Run it from the module root.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/misybot/platform/infra/buildcost"
)

func main() {
	runs := flag.Int("runs", 1, "measure floor and packages this many times, alternating")
	top := flag.Int("top", 10, "packages listed per build, by compile CPU")
	flag.Parse()
	pkgs := flag.Args()
	if len(pkgs) == 0 {
		pkgs = []string{"."}
	}
	if err := run(*runs, *top, pkgs); err != nil {
		fmt.Fprintln(os.Stderr, "buildcost:", err)
		os.Exit(1)
	}
}

func run(runs, top int, pkgs []string) error {
	dir, err := os.Getwd()
	if err != nil {
		return err
	}
	targets := []buildcost.Target{buildcost.Floor(dir)}
	for _, p := range pkgs {
		targets = append(targets, buildcost.Target{Name: p, Dir: dir, Args: []string{p}})
	}
	for i := 0; i < runs; i++ {
		var results []buildcost.Result
		for _, t := range targets {
			r, err := buildcost.Run(t)
			if err != nil {
				return err
			}
			results = append(results, r)
		}
		fmt.Printf("== run %d of %d\n", i+1, runs)
		if err := buildcost.WriteReport(os.Stdout, results, top); err != nil {
			return err
		}
		fmt.Println()
	}
	return nil
}
