package bindgen_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/infra/bindgen"
)

func TestParseConfig(t *testing.T) {
	for _, tc := range []struct {
		name, config string
		want         []bindgen.Package
		wantErr      string
	}{
		{name: "two packages", config: `
# comment
azurenative/network  example.com/sdk/network/v2  VirtualNetwork
azurenative/network  example.com/sdk/network/v2  NetworkSecurityGroup

azurenative/keyvault example.com/sdk/keyvault/v2 Vault`,
			want: []bindgen.Package{
				{Binding: "azurenative/keyvault", SDK: "example.com/sdk/keyvault/v2", Names: []string{"Vault"}},
				{Binding: "azurenative/network", SDK: "example.com/sdk/network/v2", Names: []string{"NetworkSecurityGroup", "VirtualNetwork"}},
			}},
		{name: "missing field", config: "azurenative/network example.com/sdk/network/v2", wantErr: "line 1: want <binding dir> <SDK package> <name>"},
		{name: "outside the config dir", config: "../network example.com/sdk/network/v2 Subnet", wantErr: "must be inside the config's directory"},
		{name: "duplicate", config: "a/network x/network/v2 Subnet\na/network x/network/v2 Subnet", wantErr: "line 2: a/network Subnet already listed on line 1"},
		{name: "one binding, two SDK packages", config: "a/network x/network/v2 Subnet\na/network y/network/v2 Zone", wantErr: "binding a/network binds x/network/v2, not y/network/v2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			entries, err := bindgen.ParseConfig(strings.NewReader(tc.config))
			var pkgs []bindgen.Package
			if err == nil {
				pkgs, err = bindgen.Packages(entries)
			}
			if tc.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, pkgs)
		})
	}
}
