package offline

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// computeOutputs adds the outputs that the provider computes and that later
// resources or stack outputs read.
func (m *mocks) computeOutputs(c call, id, name string, state resource.PropertyMap) {
	location, _ := stringAt(state, "location")
	m.userAssignedIdentities(state)
	switch c.token {
	case "azure-native:network:VirtualNetwork":
		m.inlineSubnets(id, state)
	case "azure-native:keyvault:Vault":
		setAt(state, str("https://"+name+".vault.azure.net/"), "properties", "vaultUri")
	case "azure-native:keyvault:Secret":
		// Azure never returns a secret's value, so the provider's state has
		// none; keeping it would also make every output read from
		// `properties` (the secret's URI) secret.
		if props, ok := lookup(state, "properties"); ok && props.IsObject() {
			trimmed := props.ObjectValue().Copy()
			delete(trimmed, "value")
			state["properties"] = resource.NewProperty(trimmed)
		}
		vault, _ := stringAt(c.inputs, "vaultName")
		uri := "https://" + vault + ".vault.azure.net/secrets/" + name
		setAt(state, str(uri), "properties", "secretUri")
		setAt(state, str(uri+"/"+hexString(32, c.urn, "version")), "properties", "secretUriWithVersion")
	case "azure-native:keyvault:Key":
		vault, _ := stringAt(c.inputs, "vaultName")
		uri := "https://" + vault + ".vault.azure.net/keys/" + name
		state["keyUri"] = str(uri)
		state["keyUriWithVersion"] = str(uri + "/" + hexString(32, c.urn, "version"))
	case "azure-native:servicebus:Namespace":
		state["serviceBusEndpoint"] = str("https://" + name + ".servicebus.windows.net:443/")
		state["metricId"] = str(m.subscription + ":" + name)
	case "azure-native:operationalinsights:Workspace":
		state["customerId"] = str(guid(c.urn, "customerId"))
	case "azure-native:insights:Component":
		m.appInsights(c, location, state)
	case "azure-native:app:ManagedEnvironment":
		m.managedEnvironment(c, location, state)
	case "azure-native:app:ContainerApp":
		m.containerApp(c, name, state)
	case "azure-native:loadtestservice:LoadTest":
		state["dataPlaneURI"] = str(hexString(32, c.urn, "dataPlane") + "." + location + ".cnt-prod.loadtesting.azure.com")
	case "azure-native:managedidentity:UserAssignedIdentity":
		state["principalId"] = str(guid(c.urn, "principalId"))
		state["clientId"] = str(guid(c.urn, "clientId"))
		state["tenantId"] = str(m.tenant)
	case "azure-native:containerregistry:Registry":
		state["loginServer"] = str(strings.ToLower(name) + ".azurecr.io")
	}
}

// userAssignedIdentities turns a managed service identity's input list of
// user-assigned identity IDs into what azure-native returns: a map from
// each ID to the identity's principal and client IDs (the SDK's
// ManagedServiceIdentity input has `userAssignedIdentities []string`, its
// ManagedServiceIdentityResponse a `map[string]UserAssignedIdentityResponse`).
// Left a list, the state would not decode into a Lookup...Result: the SDK
// drops the decoding error of an invoke and leaves the later fields empty.
func (m *mocks) userAssignedIdentities(state resource.PropertyMap) {
	v, ok := lookup(state, "identity")
	if !ok || !v.IsObject() {
		return
	}
	identity := v.ObjectValue()
	ids, ok := identity["userAssignedIdentities"]
	if !ok || !ids.IsArray() {
		return
	}
	out := resource.PropertyMap{}
	for _, e := range ids.ArrayValue() {
		if !e.IsString() {
			return // not known yet: leave the input as it is
		}
		entry := resource.PropertyMap{}
		if st, ok := m.stateOf(e.StringValue()); ok {
			for _, k := range []resource.PropertyKey{"principalId", "clientId"} {
				if x, ok := st[k]; ok {
					entry[k] = x
				}
			}
		}
		out[resource.PropertyKey(e.StringValue())] = resource.NewProperty(entry)
	}
	copied := identity.Copy()
	copied["userAssignedIdentities"] = resource.NewProperty(out)
	state["identity"] = resource.NewProperty(copied)
}

// inlineSubnets gives the subnets declared inside a virtual network their
// IDs, and remembers their address prefixes for environments placed in
// them.
func (m *mocks) inlineSubnets(vnetID string, state resource.PropertyMap) {
	subnets, ok := lookup(state, "subnets")
	if !ok || !subnets.IsArray() {
		return
	}
	secret := state["subnets"].IsSecret()
	out := make([]resource.PropertyValue, 0, len(subnets.ArrayValue()))
	for _, sv := range subnets.ArrayValue() {
		s, ok := plain(sv)
		if !ok || !s.IsObject() {
			out = append(out, sv)
			continue
		}
		obj := s.ObjectValue().Copy()
		if name, ok := stringAt(obj, "name"); ok {
			subnetID := vnetID + "/subnets/" + name
			obj["id"] = str(subnetID)
			m.remember(subnetID, obj)
		}
		out = append(out, resource.NewProperty(obj))
	}
	v := resource.NewProperty(out)
	if secret {
		v = resource.MakeSecret(v)
	}
	state["subnets"] = v
}

func (m *mocks) appInsights(c call, location string, state resource.PropertyMap) {
	key := guid(c.urn, "instrumentationKey")
	appID := guid(c.urn, "appId")
	if location == "" {
		location = "westeurope"
	}
	state["instrumentationKey"] = str(key)
	state["appId"] = str(appID)
	state["connectionString"] = str(fmt.Sprintf(
		"InstrumentationKey=%s;IngestionEndpoint=https://%s-0.in.applicationinsights.azure.com/;"+
			"LiveEndpoint=https://%s.livediagnostics.monitor.azure.com/;ApplicationId=%s",
		key, location, location, appID))
}

func (m *mocks) managedEnvironment(c call, location string, state resource.PropertyMap) {
	state["defaultDomain"] = str(envDomain(c.urn, location))
	ip := ""
	if subnetID, ok := stringAt(c.inputs, "vnetConfiguration", "infrastructureSubnetId"); ok {
		if subnet, ok := m.stateOf(subnetID); ok {
			prefix, ok := stringAt(subnet, "addressPrefix")
			if !ok {
				if v, found := lookup(subnet, "addressPrefixes"); found && v.IsArray() && len(v.ArrayValue()) > 0 {
					if p, known := plain(v.ArrayValue()[0]); known && p.IsString() {
						prefix = p.StringValue()
					}
				}
			}
			ip, _ = hostIn(prefix, c.urn, "staticIp")
		}
	}
	if ip == "" {
		ip = privateIP(c.urn, "staticIp")
	}
	state["staticIp"] = str(ip)
}

func (m *mocks) containerApp(c call, name string, state resource.PropertyMap) {
	domain := ""
	for _, prop := range []string{"managedEnvironmentId", "environmentId"} {
		envID, ok := stringAt(c.inputs, prop)
		if !ok {
			continue
		}
		if env, ok := m.stateOf(envID); ok {
			domain, _ = stringAt(env, "defaultDomain")
		}
		if domain == "" {
			location, _ := stringAt(state, "location")
			domain = envDomain(envID, location)
		}
		break
	}
	revision := name + "--" + hexString(7, c.urn, "revision")
	state["latestRevisionName"] = str(revision)
	state["latestReadyRevisionName"] = str(revision)
	state["outboundIpAddresses"] = resource.NewProperty([]resource.PropertyValue{
		str(documentationIP(c.urn, "outbound", "0")),
		str(documentationIP(c.urn, "outbound", "1")),
	})
	if domain == "" {
		return
	}
	if _, hasIngress := lookup(c.inputs, "configuration", "ingress"); !hasIngress {
		return
	}
	// An ingress that is not external is reachable only inside the
	// environment, under its "internal" subdomain.
	host := name + "." + domain
	revisionHost := revision + "." + domain
	if external, _ := boolAt(c.inputs, "configuration", "ingress", "external"); !external {
		host = name + ".internal." + domain
		revisionHost = revision + ".internal." + domain
	}
	setAt(state, str(host), "configuration", "ingress", "fqdn")
	state["latestRevisionFqdn"] = str(revisionHost)
}

// azureAD answers for azuread resources: Microsoft Graph objects have GUID
// object IDs, and applications a GUID client ID besides.
func (m *mocks) azureAD(c call) (string, resource.PropertyMap, error) {
	state := c.inputs.Copy()
	objectID := guid(c.urn, "objectId")
	id := objectID
	switch c.token {
	case "azuread:index/application:Application":
		clientID := guid(c.urn, "clientId")
		id = "/applications/" + objectID
		state["objectId"] = str(objectID)
		state["clientId"] = str(clientID)
		state["applicationId"] = str(clientID)
		state["publisherDomain"] = str("offline.onmicrosoft.com")
	case "azuread:index/servicePrincipal:ServicePrincipal":
		state["objectId"] = str(objectID)
		state["applicationTenantId"] = str(m.tenant)
		if _, ok := stringAt(c.inputs, "clientId"); !ok {
			if appID, ok := stringAt(c.inputs, "applicationId"); ok {
				state["clientId"] = str(appID)
			}
		}
	case "azuread:index/applicationFederatedIdentityCredential:ApplicationFederatedIdentityCredential":
		app, ok := stringAt(c.inputs, "applicationObjectId")
		if !ok {
			app, _ = stringAt(c.inputs, "applicationId")
		}
		app = strings.TrimPrefix(app, "/applications/")
		credentialID := guid(c.urn, "credentialId")
		id = app + "/federatedIdentityCredential/" + credentialID
		state["credentialId"] = str(credentialID)
	default:
		state["objectId"] = str(objectID)
	}
	state["id"] = str(id)
	return id, state, nil
}
