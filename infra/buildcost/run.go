package buildcost

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// Target is a build to measure: `go build <Args>` in Dir.
type Target struct {
	Name string
	Dir  string
	Args []string
}

// Floor is the build every program of this module pays at least: the Pulumi
// Go SDK and the azure-native SDK's root package (the provider version pin).
func Floor(dir string) Target {
	return Target{Name: "floor", Dir: dir, Args: []string{
		"github.com/pulumi/pulumi/sdk/v3/go/pulumi",
		"github.com/pulumi/pulumi-azure-native-sdk/v2/utilities",
	}}
}

// Run builds t with an empty build cache of its own (GOCACHE in a temporary
// directory, removed afterwards) and the action graph written to a
// temporary file. The module cache is used as is: downloads are not
// measured.
func Run(t Target) (Result, error) {
	tmp, err := os.MkdirTemp("", "buildcost-")
	if err != nil {
		return Result{}, fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(tmp)
	graph := filepath.Join(tmp, "actiongraph.json")
	args := append([]string{"build", "-debug-actiongraph=" + graph, "-o", filepath.Join(tmp, "out")}, t.Args...)
	if len(t.Args) > 1 {
		// Several packages: compile them, write nothing (-o needs one main package).
		args = append([]string{"build", "-debug-actiongraph=" + graph}, t.Args...)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = t.Dir
	cmd.Env = append(os.Environ(), "GOCACHE="+filepath.Join(tmp, "gocache"))
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return Result{}, fmt.Errorf("go %v in %s: %w: %s", args, t.Dir, err, stderr.String())
	}
	r := Result{Name: t.Name, Wall: wall}
	ps := cmd.ProcessState
	r.CPU = ps.UserTime() + ps.SystemTime()
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		// On Linux, wait4 reports the largest resident set of the process
		// and all its waited-for descendants, in KiB (as /usr/bin/time -v).
		r.MaxRSS = ru.Maxrss << 10
	}
	f, err := os.Open(graph)
	if err != nil {
		return Result{}, fmt.Errorf("action graph: %w", err)
	}
	defer f.Close()
	if r.Graph, err = ParseGraph(f); err != nil {
		return Result{}, err
	}
	return r, nil
}
