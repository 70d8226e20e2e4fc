package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/infra/importmap"
	"github.com/misybot/platform/infra/offline"
)

// realPlan is the offline plan of a committed stack.
func realPlan(t *testing.T, stack string) offline.Document {
	t.Helper()
	r := runMain("plan", "--stack", stack, "--dir", repoRoot, "--format", "json")
	require.Equal(t, exitOK, r.code, r.stderr)
	var doc offline.Document
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &doc))
	return doc
}

func decodeImport(t *testing.T, out string) importmap.File {
	t.Helper()
	var f importmap.File
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&f), out)
	return f
}

// The list a user would write for dev: the portal's IDs with their own
// subscription, a resource group in capitals, a trailing slash, a typo, an
// ID of prod, a repeated line, comments.
func TestImportUserList(t *testing.T) {
	list := filepath.Join("testdata", "import-dev.txt")
	r := runMain("import", "--stack", "dev", "--dir", repoRoot, list)
	assert.Equal(t, exitFailure, r.code, r.stderr)

	f := decodeImport(t, r.stdout)
	doc := realPlan(t, "dev")
	byName := map[string]offline.ResourceJSON{}
	for _, res := range doc.Resources {
		byName[res.Name] = res
	}
	var got []string
	for _, res := range f.Resources {
		got = append(got, res.Type+" "+res.Name)
		planned, ok := byName[res.Name]
		require.True(t, ok, res.Name)
		assert.Equal(t, planned.Type, res.Type, res.Name)
		if res.Component {
			assert.Empty(t, res.ID, res.Name)
			continue
		}
		assert.Contains(t, res.ID, "/subscriptions/5f2c9a1e-1111-4d2b-9c3a-0123456789ab/", "the ID as the user gave it")
	}
	assert.Equal(t, []string{
		"misybot:network:Network network",
		"azure-native:network:VirtualNetwork network-vnet",
		"misybot:keyvault:KeyVault keyvault",
		"azure-native:keyvault:Vault keyvault-vault",
		"azure-native:servicebus:Queue servicebus-queue-inbound-messages",
	}, got, "parents before children, each ID once")

	// Parents: components in the file by name; the queue's namespace, not
	// in the list, by URN in the name table.
	parents := map[string]string{}
	for _, res := range f.Resources {
		parents[res.Name] = res.Parent
	}
	assert.Equal(t, "network", parents["network-vnet"])
	assert.Equal(t, "keyvault", parents["keyvault-vault"])
	assert.Equal(t, "servicebus-namespace", parents["servicebus-queue-inbound-messages"])
	assert.Equal(t, map[string]string{"servicebus-namespace": byName["servicebus-namespace"].URN}, f.NameTable)

	stderr := r.stderrLines()
	require.Len(t, stderr, 5, r.stderr)
	assert.Contains(t, stderr[0], "warning: line 8: ")
	assert.Contains(t, stderr[0], "(did you mean /subscriptions/5f2c9a1e-1111-4d2b-9c3a-0123456789ab/resourceGroups/rg-misybot-dev-weu/providers/Microsoft.ServiceBus/namespaces/"+
		strings.TrimPrefix(byName["servicebus-namespace"].ID[strings.LastIndex(byName["servicebus-namespace"].ID, "/"):], "/")+"/queues/inbound-messages, servicebus-queue-inbound-messages?)")
	assert.Contains(t, stderr[1], "warning: line 10: ")
	assert.Contains(t, stderr[1], "its name says prod")
	assert.Contains(t, stderr[2], "warning: line 12: ")
	assert.Contains(t, stderr[2], "repeats line 4")
	assert.Contains(t, stderr[3], "servicebus-namespace (azure-native:servicebus:Namespace) is not in the list: it must already be in the stack")
	assert.Equal(t, "error: 2 of 5 resource IDs match no resource of stack dev and were left out (--allow-unmatched to accept)", stderr[4])

	ok := runMain("import", "--stack", "dev", "--dir", repoRoot, "--allow-unmatched", list)
	assert.Equal(t, exitOK, ok.code, ok.stderr)
	assert.Equal(t, r.stdout, ok.stdout)
	assert.Len(t, ok.stderrLines(), 4, "the warnings stay")
}

// Every Azure resource of staging, listed by its ID in another
// subscription and in lower case, maps back to itself; --components-exist
// refers to the components by URN. (Entra objects of the azuread provider
// have no ARM ID and are not this command's business.)
func TestImportWholeStack(t *testing.T) {
	doc := realPlan(t, "staging")
	var lines []string
	custom := 0
	for _, res := range doc.Resources {
		if res.Custom && strings.HasPrefix(res.ID, "/subscriptions/") {
			custom++
			lines = append(lines, strings.ToLower(strings.Replace(res.ID, "00000000-0000-0000-0000-000000000000", "7d1c0f2a-2222-4e5f-8a9b-abcdefabcdef", 1)))
		}
	}
	list := filepath.Join(t.TempDir(), "ids.txt")
	require.NoError(t, os.WriteFile(list, []byte("# every resource\n"+strings.Join(lines, "\n")+"\n"), 0o600))
	out := filepath.Join(t.TempDir(), "import.json")
	r := runMain("import", "--stack", "staging", "--dir", repoRoot, "--components-exist", "-o", out, list)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Empty(t, r.stdout)
	assert.Empty(t, r.stderr)
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	f := decodeImport(t, string(data))
	require.Len(t, f.Resources, custom)

	urns := map[string]string{}
	for _, res := range doc.Resources {
		urns[res.Name] = res.URN
	}
	for _, res := range f.Resources {
		assert.False(t, res.Component)
		if res.Parent == "" {
			continue
		}
		// The parent is in the file or in the name table, by its URN.
		if urn, ok := f.NameTable[res.Parent]; ok {
			assert.Equal(t, urns[res.Parent], urn)
		} else {
			assert.Contains(t, urns, res.Parent)
		}
	}
	for name, urn := range f.NameTable {
		assert.Contains(t, urn, "::misybot:", "only components are referred to by URN here: %s", name)
	}
}

func TestImportRejectsInvalidIDs(t *testing.T) {
	list := filepath.Join(t.TempDir(), "ids.txt")
	require.NoError(t, os.WriteFile(list, []byte(strings.Join([]string{
		"# copied from the portal",
		"https://portal.azure.com/#@misybot/resource/subscriptions/1/resourceGroups/rg/overview",
		"/subscriptions/1/resourceGroups/rg-misybot-dev-weu/providers/Microsoft.KeyVault/vaults",
		"/subscriptions/1/resourceGroups/rg-misybot-dev-weu",
		"kv-misybot-dev-weu",
	}, "\n")), 0o600))
	r := runMain("import", "--stack", "dev", "--dir", repoRoot, list)
	assert.Equal(t, exitUsage, r.code)
	assert.Empty(t, r.stdout)
	assert.Equal(t, []string{
		list + `:2: "https://portal.azure.com/" is not an Azure resource ID: want /subscriptions/<subscription>/resourceGroups/<group>/providers/<namespace>/<type>/<name>`,
		list + `:3: "/subscriptions/1/resourceGroups/rg-misybot-dev-weu/providers/Microsoft.KeyVault/vaults" is not an Azure resource ID: type "vaults" without a name`,
		list + `:5: "kv-misybot-dev-weu" is not an Azure resource ID: want /subscriptions/<subscription>/resourceGroups/<group>/providers/<namespace>/<type>/<name>`,
	}, r.stderrLines())

	for args, want := range map[string]string{
		"import --stack dev":                                    "import takes one file of resource IDs: misyinfra import --stack NAME FILE",
		"import --stack dev " + list + "-missing":               "reading " + list + "-missing: open " + list + "-missing: no such file or directory",
		"import " + filepath.Join("testdata", "import-dev.txt"): "missing --stack: name the stack, e.g. --stack dev",
	} {
		r := runMain(append(strings.Fields(args), "--dir", repoRoot)...)
		assert.Equal(t, exitUsage, r.code, args)
		assert.Empty(t, r.stdout, args)
		assert.Equal(t, []string{want}, r.stderrLines(), args)
	}

	empty := filepath.Join(t.TempDir(), "empty.txt")
	require.NoError(t, os.WriteFile(empty, []byte("# nothing yet\n\n"), 0o600))
	r = runMain("import", "--stack", "dev", "--dir", repoRoot, empty)
	assert.Equal(t, exitUsage, r.code)
	assert.Equal(t, []string{empty + ": no resource IDs (one a line; # starts a comment)"}, r.stderrLines())
}

func TestImportFromStandardInput(t *testing.T) {
	a := platform()
	var stdout, stderr strings.Builder
	root := a.rootCommand()
	root.SetArgs([]string{"import", "--stack", "prod", "--dir", repoRoot, "-"})
	root.SetIn(strings.NewReader("/subscriptions/abc/resourceGroups/rg-misybot-prod-weu\n"))
	root.SetOut(&stdout)
	root.SetErr(&stderr)
	// The line is read from standard input; the resource group is the
	// bootstrap's, so it matches nothing of the stack.
	err := root.Execute()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "1 of 1 resource IDs match no resource of stack prod")
}
