package naming

import "sort"

// region holds what this program needs to know of an Azure region.
type region struct {
	abbrev string
	zones  bool // availability zones, needed for zone-redundant SKUs
}

// regions are the Azure public-cloud regions the platform may deploy to, with
// the short codes used in names.
var regions = map[string]region{
	"australiaeast":      {"aue", true},
	"brazilsouth":        {"brs", true},
	"canadacentral":      {"cac", true},
	"centralindia":       {"inc", true},
	"centralus":          {"cus", true},
	"eastasia":           {"ea", true},
	"eastus":             {"eus", true},
	"eastus2":            {"eus2", true},
	"francecentral":      {"frc", true},
	"germanywestcentral": {"gwc", true},
	"italynorth":         {"itn", true},
	"japaneast":          {"jpe", true},
	"koreacentral":       {"krc", true},
	"northcentralus":     {"ncus", false},
	"northeurope":        {"neu", true},
	"norwayeast":         {"noe", true},
	"polandcentral":      {"plc", true},
	"southafricanorth":   {"san", true},
	"southcentralus":     {"scus", true},
	"southeastasia":      {"sea", true},
	"swedencentral":      {"sdc", true},
	"switzerlandnorth":   {"szn", true},
	"uaenorth":           {"uan", true},
	"uksouth":            {"uks", true},
	"ukwest":             {"ukw", false},
	"westcentralus":      {"wcus", false},
	"westeurope":         {"weu", true},
	"westus":             {"wus", false},
	"westus2":            {"wus2", true},
	"westus3":            {"wus3", true},
}

// RegionAbbreviation returns the short code of an Azure region name.
func RegionAbbreviation(location string) (string, bool) {
	r, ok := regions[location]
	return r.abbrev, ok
}

// HasZones reports whether the region has availability zones.
func HasZones(location string) bool { return regions[location].zones }

// Regions lists the known region names, sorted.
func Regions() []string {
	out := make([]string, 0, len(regions))
	for name := range regions {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}
