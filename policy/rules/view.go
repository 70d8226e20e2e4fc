package rules

import (
	"slices"
)

// view indexes a stack's resources for rules that link them.
type view struct {
	resources []Resource
	byURN     map[string]*Resource
	byType    map[string][]*Resource // canonical type
}

func newView(resources []Resource) *view {
	v := &view{
		resources: resources,
		byURN:     make(map[string]*Resource, len(resources)),
		byType:    map[string][]*Resource{},
	}
	for i := range resources {
		r := &resources[i]
		v.byURN[r.URN] = r
		t := CanonicalType(r.Type)
		v.byType[t] = append(v.byType[t], r)
	}
	return v
}

func (v *view) ofType(t string) []*Resource { return v.byType[t] }

// dependsOn decides whether r's property prop got its value from the
// resource target, from the dependencies Pulumi recorded: every output used
// as an input is one. Without any recorded dependency it cannot tell.
func dependsOn(r *Resource, prop string, target string) tri {
	if deps, ok := r.PropertyDependencies[prop]; ok && len(deps) > 0 {
		return triOf(slices.Contains(deps, target))
	}
	if len(r.Dependencies) > 0 || len(r.PropertyDependencies) > 0 {
		return triOf(slices.Contains(r.Dependencies, target))
	}
	return maybe("")
}

// physicalNameKeys are the inputs holding the Azure name of the types that
// other resources refer to by ID.
var physicalNameKeys = map[string]string{
	typeVault:                              "vaultName",
	typeSBNamespace:                        "namespaceName",
	typeNSG:                                "networkSecurityGroupName",
	typeVNet:                               "virtualNetworkName",
	typeSubnet:                             "subnetName",
	typeRegistry:                           "registryName",
	typeStorageAccount:                     "accountName",
	typeManagedEnv:                         "environmentName",
	typeContainerApp:                       "containerAppName",
	"azure-native:resources:ResourceGroup": "resourceGroupName",
}

// physicalName returns a resource's Azure name when its inputs set it.
func physicalName(r *Resource) (string, bool) {
	key, ok := physicalNameKeys[CanonicalType(r.Type)]
	if !ok {
		return "", false
	}
	return lookup(r.Properties, key).str()
}
