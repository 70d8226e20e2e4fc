//go:build tools

// The SDK modules the bindings are generated from stay required in go.mod
// (go mod tidy keeps what a build-tagged file imports) without any build of
// ours compiling them: bindgen and the conformance test read their source.
package sdk

import (
	_ "github.com/pulumi/pulumi-azure-native-sdk/app/v2"
	_ "github.com/pulumi/pulumi-azure-native-sdk/app/v2/v20250101"
	_ "github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	_ "github.com/pulumi/pulumi-azure-native-sdk/containerregistry/v2"
	_ "github.com/pulumi/pulumi-azure-native-sdk/insights/v2"
	_ "github.com/pulumi/pulumi-azure-native-sdk/keyvault/v2"
	_ "github.com/pulumi/pulumi-azure-native-sdk/network/v2"
	_ "github.com/pulumi/pulumi-azure-native-sdk/operationalinsights/v2"
	_ "github.com/pulumi/pulumi-azure-native-sdk/resources/v2"
	_ "github.com/pulumi/pulumi-azure-native-sdk/storage/v2"
)
