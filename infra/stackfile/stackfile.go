// Package stackfile reads a Pulumi project file (Pulumi.yaml) and a stack
// configuration file (Pulumi.<stack>.yaml) into the configuration map that
// the Pulumi engine hands a program, so that the program can be previewed
// offline without the Pulumi CLI.
//
// Secure values (`{secure: v1:...}`) cannot be decrypted without the stack's
// secrets provider; each is replaced by SecretPlaceholder and its top-level
// key is reported as secret, as the engine reports decrypted secrets.
package stackfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// SecretPlaceholder stands for the value of each secure config value, which
// cannot be decrypted offline.
const SecretPlaceholder = "[secret]"

// Stack is a stack's configuration as the engine passes it to a program.
type Stack struct {
	// Project is the project name from Pulumi.yaml; it is the namespace of
	// config keys written without one.
	Project string
	// Config maps `namespace:key` to the value: strings as they are, other
	// scalars as their text, objects and arrays JSON-encoded. Keys the stack
	// does not set take the project file's default, if any.
	Config map[string]string
	// SecretKeys are the keys whose value is, or contains, a secure value;
	// sorted.
	SecretKeys []string
	// Missing are the keys Pulumi.yaml declares without a default that the
	// stack does not set; sorted. The Pulumi CLI refuses such a stack
	// (CheckMissing says so); reading it anyway lets tests use partial
	// stack files.
	Missing []string
	// ProjectFile and StackFile are the paths that were read.
	ProjectFile string
	StackFile   string
}

// CheckMissing returns an error naming the keys the stack must set but
// does not, as the Pulumi CLI would refuse the stack.
func (s *Stack) CheckMissing() error {
	if len(s.Missing) == 0 {
		return nil
	}
	return fmt.Errorf("%s: missing config %s, declared without a default in %s",
		s.StackFile, strings.Join(s.Missing, ", "), s.ProjectFile)
}

// stackNamePattern is what the Pulumi CLI accepts as a stack name (without
// an organization or project prefix). Checking it also keeps a stack name
// from escaping the project directory when it becomes a file name.
var stackNamePattern = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)

// Load reads dir/Pulumi.yaml and the stack file of the named stack, which is
// Pulumi.<stack>.yaml in dir or in the project's stackConfigDir.
func Load(dir, stack string) (*Stack, error) {
	if err := CheckStackName(stack); err != nil {
		return nil, err
	}
	projectFile, err := findYAML(dir, "Pulumi")
	if err != nil {
		return nil, err
	}
	proj, err := readProject(projectFile)
	if err != nil {
		return nil, err
	}
	stackDir := filepath.Dir(projectFile)
	if proj.stackConfigDir != "" {
		stackDir = filepath.Join(stackDir, proj.stackConfigDir)
	}
	stackFile, err := findYAML(stackDir, "Pulumi."+stack)
	if err != nil {
		return nil, fmt.Errorf("stack %s: %w", stack, err)
	}
	return load(proj, stackFile)
}

// CheckStackName returns an error for a name the Pulumi CLI would refuse.
func CheckStackName(stack string) error {
	if !stackNamePattern.MatchString(stack) || stack == "." || stack == ".." {
		return fmt.Errorf("invalid stack name %q: use letters, digits, '-', '_' and '.'", stack)
	}
	return nil
}

// LoadFile reads the given project file and stack file.
func LoadFile(projectFile, stackFile string) (*Stack, error) {
	proj, err := readProject(projectFile)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(stackFile); err != nil {
		return nil, fileError(stackFile, err)
	}
	return load(proj, stackFile)
}

func load(proj *project, stackFile string) (*Stack, error) {
	values, err := readStackConfig(stackFile, proj.name)
	if err != nil {
		return nil, err
	}
	st := &Stack{
		Project:     proj.name,
		Config:      map[string]string{},
		ProjectFile: proj.file,
		StackFile:   stackFile,
	}
	// Project defaults first, so that the stack's own values replace them.
	for _, src := range []map[string]configValue{proj.defaults, values} {
		for key, v := range src {
			st.Config[key] = v.text
			if v.secret {
				st.SecretKeys = append(st.SecretKeys, key)
			}
		}
	}
	st.SecretKeys = dedupSorted(st.SecretKeys)
	for _, key := range proj.required {
		if _, set := st.Config[key]; !set {
			st.Missing = append(st.Missing, key)
		}
	}
	sort.Strings(st.Missing)
	return st, nil
}

// findYAML returns dir/base.yaml, or dir/base.yml when only that exists, as
// the Pulumi CLI accepts both.
func findYAML(dir, base string) (string, error) {
	path := filepath.Join(dir, base+".yaml")
	_, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		alt := filepath.Join(dir, base+".yml")
		if _, altErr := os.Stat(alt); altErr == nil {
			return alt, nil
		}
	}
	if err != nil {
		return "", fileError(path, err)
	}
	return path, nil
}

// fileError makes a one-line error for a file that cannot be read.
func fileError(path string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: file does not exist", path)
	}
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		return fmt.Errorf("%s: %w", path, pathErr.Err)
	}
	return fmt.Errorf("%s: %w", path, err)
}

func dedupSorted(keys []string) []string {
	sort.Strings(keys)
	out := keys[:0]
	for i, k := range keys {
		if i == 0 || k != keys[i-1] {
			out = append(out, k)
		}
	}
	return out
}
