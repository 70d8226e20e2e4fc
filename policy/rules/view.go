package rules

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
