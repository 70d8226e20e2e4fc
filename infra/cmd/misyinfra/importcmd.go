package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/misybot/platform/infra/importmap"
)

type importFlags struct {
	planFlags
	output           string
	allowUnmatched   bool
	componentsExists bool
}

func (a app) importCommand() *cobra.Command {
	var f importFlags
	cmd := &cobra.Command{
		Use:   "import --stack NAME FILE",
		Short: "Turn a list of Azure resource IDs into the file `pulumi import --file` reads",
		Long: "import reads Azure resource IDs, one a line (blank lines and # comments are skipped;\n" +
			"use - for standard input), finds each one among the resources the offline plan of the\n" +
			"stack would create, and prints the JSON that `pulumi import --file` reads: for each ID\n" +
			"this program's type token, logical name and parent, so that the imported resources get\n" +
			"the URNs the program registers. IDs are compared without their subscription and without\n" +
			"regard to case; every other segment (resource group, resource names) must match.\n\n" +
			"The components the resources belong to are listed as components for `pulumi import` to\n" +
			"create, or, with --components-exist, referred to by URN in the name table.\n\n" +
			"Exit status: 0 every ID matched, 1 some IDs matched nothing (they are listed on stderr\n" +
			"and left out; --allow-unmatched exits 0), 2 unreadable file, invalid IDs or flags.",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("import takes one file of resource IDs: misyinfra import --stack NAME FILE")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.importIDs(cmd.Context(), f, args[0], cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVar(&f.stack, "stack", "", "stack the resources belong to: dev, staging or prod (required)")
	cmd.Flags().StringVar(&f.configFile, "config-file", "", "stack config file to read instead of Pulumi.<stack>.yaml")
	cmd.Flags().StringVar(&f.dir, "dir", "", "project directory holding Pulumi.yaml (default: found by walking up from the current directory)")
	cmd.Flags().StringVarP(&f.output, "output", "o", "", "file to write (default: standard output)")
	cmd.Flags().BoolVar(&f.allowUnmatched, "allow-unmatched", false, "exit 0 even when some IDs match no resource of the program")
	cmd.Flags().BoolVar(&f.componentsExists, "components-exist", false, "the stack already holds the components: refer to them by URN instead of creating them")
	addBootstrapFlag(cmd, &f.planFlags)
	return cmd
}

func (a app) importIDs(ctx context.Context, f importFlags, path string, stdin io.Reader, stdout, stderr io.Writer) error {
	var data []byte
	var err error
	name := path
	if path == "-" {
		name = "standard input"
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return usagef("reading %s: %v", name, err)
	}
	ids, err := importmap.ParseIDs(name, data)
	var inputErr *importmap.InputError
	if errors.As(err, &inputErr) {
		return &usageError{lines: inputErr.Lines}
	}
	if err != nil {
		return err
	}
	plan, _, err := a.offlinePlan(ctx, f.planFlags)
	if err != nil {
		return err
	}
	res := importmap.Map(plan, ids, f.componentsExists)
	out, err := json.MarshalIndent(res.File, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the import file: %w", err)
	}
	out = append(out, '\n')
	if err := writeOutput(stdout, f.output, out); err != nil {
		return err
	}
	for _, w := range res.Warnings {
		fmt.Fprintln(stderr, "warning: "+w)
	}
	if res.Unmatched > 0 && !f.allowUnmatched {
		return fmt.Errorf("%d of %d resource IDs match no resource of stack %s and were left out (--allow-unmatched to accept)",
			res.Unmatched, res.Total, plan.Stack)
	}
	return nil
}
