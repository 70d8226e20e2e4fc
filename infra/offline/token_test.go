package offline

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCanonicalToken(t *testing.T) {
	for in, want := range map[string]string{
		"azure-native:app/v20250101:ContainerApp": "azure-native:app:ContainerApp",
		"azure-native:keyvault/v20230701:Vault":   "azure-native:keyvault:Vault",
		"azure-native:keyvault:Vault":             "azure-native:keyvault:Vault",
		"azuread:index/application:Application":   "azuread:index/application:Application",
		"pulumi:providers:azure-native":           "pulumi:providers:azure-native",
		"misybot:network:Network":                 "misybot:network:Network",
	} {
		assert.Equal(t, want, canonicalToken(in), in)
	}
}
