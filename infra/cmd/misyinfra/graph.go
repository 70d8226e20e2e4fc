package main

import (
	"context"
	"io"

	"github.com/spf13/cobra"

	"github.com/misybot/platform/infra/graph"
)

type graphFlags struct {
	planFlags
	output, format string
	allEdges       bool
}

func (a app) graphCommand() *cobra.Command {
	var f graphFlags
	cmd := &cobra.Command{
		Use:   "graph --stack NAME",
		Short: "Draw the offline plan as a Mermaid flowchart (`docs/diagrams/<stack>.md`)",
		Long: "graph previews the stack offline, as plan does, and draws its resources as a Mermaid\n" +
			"flowchart, which GitHub renders: each component is a subgraph, each resource a node\n" +
			"labelled with its type and logical name. A solid arrow A --> B means B depends on A\n" +
			"(A is created first); a dotted arrow joins a resource to its child resources.\n" +
			"Dependencies already implied by parenthood or by a longer chain of dependencies are\n" +
			"left out unless --all-edges is given. The output is sorted, so the same plan always\n" +
			"draws the same diagram: docs/diagrams/<stack>.md is this command's output, and a test\n" +
			"fails when it is stale.",
		Args: noArgs("graph"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.graph(cmd.Context(), f, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&f.stack, "stack", "", "stack to draw: dev, staging or prod (required)")
	cmd.Flags().StringVar(&f.configFile, "config-file", "", "stack config file to read instead of Pulumi.<stack>.yaml")
	cmd.Flags().StringVar(&f.dir, "dir", "", "project directory holding Pulumi.yaml (default: found by walking up from the current directory)")
	cmd.Flags().StringVarP(&f.output, "output", "o", "", "file to write (default: standard output)")
	cmd.Flags().StringVar(&f.format, "format", "markdown", "markdown (a heading and a mermaid code block) or mermaid (the flowchart alone)")
	cmd.Flags().BoolVar(&f.allEdges, "all-edges", false, "draw every direct dependency, even those implied by others")
	addBootstrapFlag(cmd, &f.planFlags)
	return cmd
}

func (a app) graph(ctx context.Context, f graphFlags, stdout io.Writer) error {
	if f.format != "markdown" && f.format != "mermaid" {
		return usagef("--format: unknown format %q (want markdown, mermaid)", f.format)
	}
	plan, _, err := a.offlinePlan(ctx, f.planFlags)
	if err != nil {
		return err
	}
	out := graph.Page(plan, f.allEdges)
	if f.format == "mermaid" {
		out = graph.Mermaid(plan, f.allEdges)
	}
	return writeOutput(stdout, f.output, []byte(out))
}
