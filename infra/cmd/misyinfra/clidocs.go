package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/misybot/platform/stacks"
)

func (a app) docsGroupCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "docs",
		Short: "Generate the documentation that is derived from the code",
		Args:  noArgs("docs"),
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	var output string
	cli := &cobra.Command{
		Use:   "cli",
		Short: "Write the command-line reference (docs/cli.md) from the command definitions",
		Long: "cli walks the command tree of misyinfra and writes every command's usage, description\n" +
			"and flags with their defaults as Markdown. docs/cli.md is this command's output, and a\n" +
			"test fails when it is stale: refresh it with\n" +
			"go run ./infra/cmd/misyinfra docs cli -o docs/cli.md",
		Args: noArgs("docs cli"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			var buf bytes.Buffer
			writeCLIReference(&buf, cmd.Root())
			return writeOutput(cmd.OutOrStdout(), output, buf.Bytes())
		},
	}
	cli.Flags().StringVarP(&output, "output", "o", "", "file to write (default: standard output)")
	cmd.AddCommand(cli)

	var configOutput string
	config := &cobra.Command{
		Use:   "config",
		Short: "Write the generated part of the configuration reference (docs/configuration.md)",
		Long: "config prints the defaults by environment (stacks.DefaultsTable), the defaults of every\n" +
			"environment and of each queue, topic and subscription (stacks.EntityDefaultsTable) and\n" +
			"every config key path, as Markdown between the config-reference markers. With -o FILE it\n" +
			"replaces the part between the markers in FILE and keeps the rest. docs/configuration.md\n" +
			"holds this command's output, and a test fails when it is stale: refresh it with\n" +
			"go run ./infra/cmd/misyinfra docs config -o docs/configuration.md",
		Args: noArgs("docs config"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if configOutput == "" || configOutput == "-" {
				return writeOutput(cmd.OutOrStdout(), configOutput, []byte(stacks.ReferenceMarkdown()))
			}
			doc, err := os.ReadFile(configOutput)
			if err != nil {
				return usagef("reading %s: %v", configOutput, err)
			}
			out, err := stacks.WithReference(doc)
			if err != nil {
				return usagef("%s: %v", configOutput, err)
			}
			return writeOutput(cmd.OutOrStdout(), configOutput, out)
		},
	}
	config.Flags().StringVarP(&configOutput, "output", "o", "", "Markdown file whose generated part to replace (default: print the part to standard output)")
	cmd.AddCommand(config)
	return cmd
}

// writeCLIReference writes the Markdown reference of root and every
// command below it, depth first in name order.
func writeCLIReference(w io.Writer, root *cobra.Command) {
	fmt.Fprintf(w, "# `%s` command reference\n\n", root.Name())
	fmt.Fprintln(w, "Generated from the command definitions by")
	fmt.Fprintln(w, "`go run ./infra/cmd/misyinfra docs cli -o docs/cli.md`; do not edit (a test fails when")
	fmt.Fprintln(w, "this file is stale). Run any command with `--help` for the same text.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Exit status of every command: 0 success; 1 the program failed, a mandatory policy was")
	fmt.Fprintln(w, "violated or (import) IDs matched nothing; 2 a mistake in the command line, the")
	fmt.Fprintln(w, "configuration or an input file, one problem a line on stderr.")
	fmt.Fprintln(w)
	var all []*cobra.Command
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		all = append(all, c)
		for _, sub := range c.Commands() { // sorted by name
			if sub.IsAvailableCommand() {
				walk(sub)
			}
		}
	}
	walk(root)

	fmt.Fprintln(w, "| Command | Summary |")
	fmt.Fprintln(w, "|---|---|")
	for _, c := range all {
		fmt.Fprintf(w, "| [`%s`](#%s) | %s |\n", c.CommandPath(), anchor(c.CommandPath()), tableCell(c.Short))
	}
	for _, c := range all {
		fmt.Fprintf(w, "\n## %s\n\n", c.CommandPath())
		if c.Short != "" {
			fmt.Fprintf(w, "%s\n\n", mdText(c.Short))
		}
		fmt.Fprintf(w, "```\n%s\n```\n", c.UseLine())
		if c.Long != "" {
			fmt.Fprintf(w, "\n```text\n%s\n```\n", strings.TrimRight(c.Long, "\n"))
		}
		if subs := availableSubcommands(c); len(subs) > 0 {
			fmt.Fprintln(w, "\nSubcommands:")
			fmt.Fprintln(w)
			for _, s := range subs {
				fmt.Fprintf(w, "- [`%s`](#%s): %s\n", s.CommandPath(), anchor(s.CommandPath()), mdText(s.Short))
			}
		}
		var flags []*pflag.Flag
		c.NonInheritedFlags().VisitAll(func(f *pflag.Flag) {
			if !f.Hidden && f.Name != "help" {
				flags = append(flags, f)
			}
		})
		if len(flags) == 0 {
			continue
		}
		fmt.Fprintln(w, "\n| Flag | Default | Description |")
		fmt.Fprintln(w, "|---|---|---|")
		for _, f := range flags { // VisitAll visits in name order
			name := "`--" + f.Name + "`"
			if f.Shorthand != "" {
				name = "`-" + f.Shorthand + "`, " + name
			}
			def := f.DefValue
			switch {
			case def == "" || (f.Value.Type() == "bool" && def == "false"):
				def = ""
			default:
				def = "`" + def + "`"
			}
			fmt.Fprintf(w, "| %s | %s | %s |\n", name, def, tableCell(f.Usage))
		}
	}
}

func availableSubcommands(c *cobra.Command) []*cobra.Command {
	var out []*cobra.Command
	for _, s := range c.Commands() {
		if s.IsAvailableCommand() {
			out = append(out, s)
		}
	}
	return out
}

// anchor is GitHub's heading anchor for a command path.
func anchor(path string) string {
	return strings.ReplaceAll(strings.ToLower(path), " ", "-")
}

// tableCell keeps text inside one Markdown table cell.
func tableCell(s string) string {
	return mdText(strings.NewReplacer("|", `\|`, "\n", " ").Replace(s))
}

// mdText escapes < and > outside code spans, where GitHub would take
// <stack> for an HTML tag and hide it.
func mdText(s string) string {
	var b strings.Builder
	code := false
	for _, c := range s {
		switch {
		case c == '`':
			code = !code
			b.WriteRune(c)
		case !code && c == '<':
			b.WriteString("&lt;")
		case !code && c == '>':
			b.WriteString("&gt;")
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}
