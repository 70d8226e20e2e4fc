package sdk_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/infra/bindgen"
)

const config = "bindings.conf"

// sdkSource parses the SDK package a binding binds, from the module cache
// (no compile of the SDK).
func sdkSource(t *testing.T, p bindgen.Package) *bindgen.Source {
	t.Helper()
	dir, _, _, err := bindgen.Locate(".", p.SDK)
	require.NoError(t, err)
	src, err := bindgen.ParseDir(dir, p.SDK)
	require.NoError(t, err)
	return src
}

// TestBindingsConformToSDK checks every generated binding against the source
// of the SDK version pinned in go.mod: the same declarations, struct fields,
// pulumi property names, types, enum values and function bodies.
func TestBindingsConformToSDK(t *testing.T) {
	pkgs, err := bindgen.LoadConfig(config)
	require.NoError(t, err)
	require.NotEmpty(t, pkgs)
	for _, p := range pkgs {
		t.Run(p.Binding, func(t *testing.T) {
			binding, err := bindgen.ParseDir(filepath.FromSlash(p.Binding), p.SDK)
			require.NoError(t, err, "run go generate ./sdk")
			assert.Empty(t, bindgen.Conform(sdkSource(t, p), binding, p.Names))
		})
	}
}

// TestConformanceCatchesEdits mutates a copy of the network binding the way a
// hand edit or a stale binding would differ, and expects the check to name
// the mismatch.
func TestConformanceCatchesEdits(t *testing.T) {
	pkgs, err := bindgen.LoadConfig(config)
	require.NoError(t, err)
	var network bindgen.Package
	for _, p := range pkgs {
		if p.Binding == "azurenative/network" {
			network = p
		}
	}
	require.NotEmpty(t, network.SDK, "bindings.conf binds azurenative/network")
	sdk := sdkSource(t, network)

	for _, tc := range []struct {
		name, file string
		old        string // a regular expression
		new, want  string
	}{
		{"property name", "networkSecurityGroup.go", "`pulumi:\"securityRules\"`", "`pulumi:\"securityRule\"`",
			`NetworkSecurityGroup.SecurityRules: property "securityRule", the SDK's is "securityRules"`},
		{"field type", "virtualNetwork.go", `EnableDdosProtection\s+pulumi.BoolPtrInput`, "EnableDdosProtection pulumi.StringPtrInput",
			"VirtualNetworkArgs.EnableDdosProtection: type pulumi.StringPtrInput, the SDK's is pulumi.BoolPtrInput"},
		{"enum value", "pulumiEnums.go", `SecurityRuleProtocolTcp\s+= SecurityRuleProtocol\("Tcp"\)`, `SecurityRuleProtocolTcp = SecurityRuleProtocol("TCP")`,
			`SecurityRuleProtocolTcp: value SecurityRuleProtocol("TCP"), the SDK's is SecurityRuleProtocol("Tcp")`},
		{"type token", "privateZone.go", `"azure-native:network:PrivateZone"`, `"azure-native:network:PrivateZones"`,
			"NewPrivateZone: differs from the SDK"},
		{"missing property", "subnet.go", "NatGateway\\s+\\*SubResource\\s+`pulumi:\"natGateway\"`", "",
			"subnetArgs.NatGateway: missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			ents, err := os.ReadDir(filepath.FromSlash(network.Binding))
			require.NoError(t, err)
			mutated := false
			for _, e := range ents {
				b, err := os.ReadFile(filepath.Join(filepath.FromSlash(network.Binding), e.Name()))
				require.NoError(t, err)
				s := string(b)
				if e.Name() == tc.file {
					re := regexp.MustCompile(tc.old)
					loc := re.FindStringIndex(s)
					require.NotNil(t, loc, "the mutation's anchor %s", tc.old)
					s = s[:loc[0]] + tc.new + s[loc[1]:]
					mutated = true
				}
				require.NoError(t, os.WriteFile(filepath.Join(dir, e.Name()), []byte(s), 0o644))
			}
			require.True(t, mutated, "no file %s", tc.file)
			binding, err := bindgen.ParseDir(dir, network.SDK)
			require.NoError(t, err)
			problems := bindgen.Conform(sdk, binding, network.Names)
			require.NotEmpty(t, problems)
			assert.Contains(t, strings.Join(problems, "\n"), tc.want)
		})
	}
}

// TestBindingsAreGenerated fails when bindings.conf and the generated files
// disagree (a line added without go generate, or a generated file edited).
func TestBindingsAreGenerated(t *testing.T) {
	bindings, err := bindgen.Build(config)
	require.NoError(t, err)
	for _, b := range bindings {
		for _, f := range b.Files {
			got, err := os.ReadFile(filepath.Join(b.Dir, f.Name))
			if !assert.NoError(t, err, "run go generate ./sdk") {
				continue
			}
			assert.Equal(t, string(f.Content), string(got), "%s/%s is stale: run go generate ./sdk", b.Binding, f.Name)
		}
		ents, err := os.ReadDir(b.Dir)
		require.NoError(t, err)
		var onDisk []string
		for _, e := range ents {
			if strings.HasSuffix(e.Name(), ".go") {
				onDisk = append(onDisk, e.Name())
			}
		}
		var want []string
		for _, f := range b.Files {
			want = append(want, f.Name)
		}
		assert.ElementsMatch(t, want, onDisk, "%s: files not produced by go generate ./sdk", b.Binding)
	}
}
