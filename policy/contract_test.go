package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/misybot/platform/policy/rules"
)

// startPack builds the policy pack and starts it the way the engine does:
// the engine address as argument, the port read from the first line of
// stdout.
func startPack(t *testing.T) pulumirpc.AnalyzerClient {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "pack")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build ./policy: %s", out)

	cmd := exec.Command(bin, "127.0.0.1:1")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	portc := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		portc <- strings.TrimSpace(line)
	}()
	var port string
	select {
	case port = <-portc:
	case <-time.After(30 * time.Second):
		t.Fatal("the policy pack did not print its port")
	}
	require.Regexp(t, `^\d+$`, port)
	conn, err := grpc.NewClient("127.0.0.1:"+port, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	return pulumirpc.NewAnalyzerClient(conn)
}

func props(t *testing.T, m resource.PropertyMap) *structpb.Struct {
	t.Helper()
	s, err := plugin.MarshalProperties(m, plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true})
	require.NoError(t, err)
	return s
}

func nsgProps(source string, withDenyAll bool) resource.PropertyMap {
	ruleList := []any{map[string]any{
		"name": "AllowSsh", "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
		"sourceAddressPrefix": source, "sourcePortRange": "*", "destinationAddressPrefix": "*", "destinationPortRange": "22",
	}}
	if withDenyAll {
		ruleList = append(ruleList, map[string]any{
			"name": "DenyAllInbound", "priority": 4096, "direction": "Inbound", "access": "Deny", "protocol": "*",
			"sourceAddressPrefix": "*", "sourcePortRange": "*", "destinationAddressPrefix": "*", "destinationPortRange": "*",
		})
	}
	return resource.NewPropertyMapFromMap(map[string]any{
		"networkSecurityGroupName": "nsg-misybot-apps-prod-weu",
		"securityRules":            ruleList,
		"tags":                     map[string]any{"environment": "prod", "application": "misybot", "owner": "o", "cost-center": "c", "managed-by": "pulumi"},
	})
}

func TestAnalyzerContract(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the policy pack")
	}
	client := startPack(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir, err := os.Getwd()
	require.NoError(t, err)

	_, err = client.Handshake(ctx, &pulumirpc.AnalyzerHandshakeRequest{RootDirectory: &dir, ProgramDirectory: &dir})
	require.NoError(t, err)
	_, err = client.ConfigureStack(ctx, &pulumirpc.AnalyzerStackConfigureRequest{
		Stack: "prod", Project: "misybot-platform", Organization: "misybot", DryRun: true,
	})
	require.NoError(t, err)

	info, err := client.GetAnalyzerInfo(ctx, &emptypb.Empty{})
	require.NoError(t, err)
	assert.Equal(t, packName, info.GetName())
	assert.True(t, info.GetSupportsConfig())
	reg := rules.NewRegistry()
	var names []string
	for _, p := range info.GetPolicies() {
		names = append(names, p.GetName())
		r, ok := reg.Lookup(p.GetName())
		require.True(t, ok, "unknown policy %s", p.GetName())
		want := pulumirpc.EnforcementLevel_ADVISORY
		if r.Enforcement == rules.Mandatory {
			want = pulumirpc.EnforcementLevel_MANDATORY
		}
		assert.Equal(t, want, p.GetEnforcementLevel(), "%s: enforcement level set explicitly", p.GetName())
		assert.Equal(t, r.Description, p.GetDescription())
		if len(r.Options) > 0 {
			require.NotNil(t, p.GetConfigSchema(), p.GetName())
			for _, o := range r.Options {
				assert.Contains(t, p.GetConfigSchema().GetProperties().GetFields(), o.Key)
			}
		}
	}
	assert.ElementsMatch(t, reg.Names(), names)

	// The engine sends the reconciled configuration of every policy.
	cfg := map[string]*pulumirpc.PolicyConfig{}
	for _, r := range reg.Rules() {
		lvl := pulumirpc.EnforcementLevel_MANDATORY
		if r.Enforcement == rules.Advisory {
			lvl = pulumirpc.EnforcementLevel_ADVISORY
		}
		cfg[r.Name] = &pulumirpc.PolicyConfig{EnforcementLevel: lvl}
	}
	peerings, err := structpb.NewStruct(map[string]any{"allowedPeerings": []any{"vnet-hub"}})
	require.NoError(t, err)
	cfg["vnet-peering-allow-listed"].Properties = peerings
	cfg["required-tags"].EnforcementLevel = pulumirpc.EnforcementLevel_ADVISORY
	_, err = client.Configure(ctx, &pulumirpc.ConfigureAnalyzerRequest{PolicyConfig: cfg})
	require.NoError(t, err)

	const nsgURN = "urn:pulumi:prod::misybot-platform::azure-native:network/v20230201:NetworkSecurityGroup::apps-nsg"
	analyze := func(typ, urn string, p resource.PropertyMap) []*pulumirpc.AnalyzeDiagnostic {
		t.Helper()
		_, _, _, name, _ := rules.ParseURN(urn)
		resp, err := client.Analyze(ctx, &pulumirpc.AnalyzeRequest{Type: typ, Urn: urn, Name: name, Properties: props(t, p)})
		require.NoError(t, err)
		return resp.GetDiagnostics()
	}

	t.Run("bad NSG", func(t *testing.T) {
		ds := analyze("azure-native:network/v20230201:NetworkSecurityGroup", nsgURN, nsgProps("Internet", true))
		require.Len(t, ds, 1, "%v", ds)
		d := ds[0]
		assert.Equal(t, "nsg-no-internet-ssh-rdp", d.GetPolicyName())
		assert.Equal(t, packName, d.GetPolicyPackName())
		assert.Equal(t, pulumirpc.EnforcementLevel_MANDATORY, d.GetEnforcementLevel())
		assert.Equal(t, nsgURN, d.GetUrn())
		assert.Contains(t, d.GetMessage(), `securityRules[0] "AllowSsh" allows SSH (22) from the Internet`)
	})
	t.Run("good NSG", func(t *testing.T) {
		assert.Empty(t, analyze("azure-native:network:NetworkSecurityGroup", nsgURN, nsgProps("10.30.0.0/23", true)))
	})
	t.Run("unknown source at preview is not a violation", func(t *testing.T) {
		p := nsgProps("x", true)
		p["securityRules"].ArrayValue()[0].ObjectValue()["sourceAddressPrefix"] = resource.MakeComputed(resource.NewStringProperty(""))
		assert.Empty(t, analyze("azure-native:network:NetworkSecurityGroup", nsgURN, p))
	})
	t.Run("secret values are read", func(t *testing.T) {
		p := nsgProps("x", true)
		p["securityRules"].ArrayValue()[0].ObjectValue()["sourceAddressPrefix"] = resource.MakeSecret(resource.NewStringProperty("*"))
		ds := analyze("azure-native:network:NetworkSecurityGroup", nsgURN, p)
		require.Len(t, ds, 1)
		assert.Equal(t, "nsg-no-internet-ssh-rdp", ds[0].GetPolicyName())
	})
	t.Run("configuration reaches the policies", func(t *testing.T) {
		peering := func(remote string) resource.PropertyMap {
			return resource.NewPropertyMapFromMap(map[string]any{"remoteVirtualNetwork": map[string]any{"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/" + remote}})
		}
		urn := "urn:pulumi:prod::misybot-platform::azure-native:network:VirtualNetworkPeering::to-hub"
		assert.Empty(t, analyze("azure-native:network:VirtualNetworkPeering", urn, peering("vnet-hub")))
		ds := analyze("azure-native:network:VirtualNetworkPeering", urn, peering("vnet-partner"))
		require.Len(t, ds, 1)
		assert.Equal(t, "vnet-peering-allow-listed", ds[0].GetPolicyName())

		vaultURN := "urn:pulumi:prod::misybot-platform::azure-native:keyvault:Vault::kv"
		ds = analyze("azure-native:keyvault:Vault", vaultURN, resource.NewPropertyMapFromMap(map[string]any{
			"properties": map[string]any{"enableRbacAuthorization": true, "enablePurgeProtection": true, "publicNetworkAccess": "Disabled", "networkAcls": map[string]any{"defaultAction": "Deny"}},
		}))
		require.Len(t, ds, 1, "%v", ds)
		assert.Equal(t, "required-tags", ds[0].GetPolicyName())
		assert.Equal(t, pulumirpc.EnforcementLevel_ADVISORY, ds[0].GetEnforcementLevel(), "level from configuration")
	})

	t.Run("AnalyzeStack", func(t *testing.T) {
		vaultURN := "urn:pulumi:prod::misybot-platform::azure-native:keyvault:Vault::kv"
		resp, err := client.AnalyzeStack(ctx, &pulumirpc.AnalyzeStackRequest{Resources: []*pulumirpc.AnalyzerResource{
			{Type: "azure-native:network:NetworkSecurityGroup", Urn: nsgURN, Name: "apps-nsg", Properties: props(t, nsgProps("10.30.0.0/23", false))},
			{Type: "azure-native:keyvault:Vault", Urn: vaultURN, Name: "kv", Properties: props(t, resource.NewPropertyMapFromMap(map[string]any{"vaultName": "kv"}))},
			{Type: "azure-native:insights:DiagnosticSetting", Urn: "urn:pulumi:prod::misybot-platform::azure-native:insights:DiagnosticSetting::d", Name: "d",
				Properties: props(t, resource.PropertyMap{
					"resourceUri": resource.MakeComputed(resource.NewStringProperty("")),
					"workspaceId": resource.NewStringProperty("/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/log"),
					"logs":        resource.NewArrayProperty([]resource.PropertyValue{resource.NewObjectProperty(resource.PropertyMap{"enabled": resource.NewBoolProperty(true)})}),
				}),
				Dependencies:         []string{nsgURN, vaultURN},
				PropertyDependencies: map[string]*pulumirpc.AnalyzerPropertyDependencies{"resourceUri": {Urns: []string{vaultURN}}},
			},
		}})
		require.NoError(t, err)
		got := map[string]string{}
		for _, d := range resp.GetDiagnostics() {
			got[d.GetPolicyName()+" "+d.GetUrn()] = d.GetMessage()
		}
		assert.Contains(t, got, "nsg-explicit-deny-all-inbound "+nsgURN)
		assert.Contains(t, got, "keyvault-private-endpoint "+vaultURN)
		assert.Contains(t, got, "diagnostic-settings-enabled "+nsgURN, "the setting's resourceUri depends on the vault only")
		assert.NotContains(t, got, "diagnostic-settings-enabled "+vaultURN)
	})
}
