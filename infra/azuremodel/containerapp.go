package azuremodel

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/misybot/platform/components/crosscut"
	"github.com/misybot/platform/infra/offline"
)

const (
	srcRevisions     = "https://learn.microsoft.com/azure/container-apps/revisions"
	srcTraffic       = "https://learn.microsoft.com/azure/container-apps/traffic-splitting"
	srcSecrets       = "https://learn.microsoft.com/azure/container-apps/manage-secrets#reference-secret-from-key-vault"
	srcKVRBAC        = "https://learn.microsoft.com/azure/key-vault/general/rbac-guide"
	srcKVNetwork     = "https://learn.microsoft.com/azure/key-vault/general/network-security"
	srcKVTrusted     = "https://learn.microsoft.com/azure/key-vault/general/overview-vnet-service-endpoints#trusted-services"
	srcImagePull     = "https://learn.microsoft.com/azure/container-apps/managed-identity-image-pull"
	srcScaleIdentity = "https://learn.microsoft.com/azure/container-apps/scale-app#authentication"
	srcKEDASB        = "https://keda.sh/docs/2.17/scalers/azure-service-bus/"
	srcScaleLimits   = "https://learn.microsoft.com/azure/container-apps/scale-app#scale-definition"
)

// Rule ids of container apps.
const (
	ruleTrafficTarget   = "CA001"
	ruleTrafficWeights  = "CA002"
	ruleSuffixReused    = "CA003"
	ruleKVSecretExists  = "CA004"
	ruleKVSecretRead    = "CA005"
	ruleKVNetwork       = "CA006"
	ruleAcrPull         = "CA007"
	ruleKEDAManage      = "CA008"
	ruleReplicaLimits   = "CA009"
	ruleRevisionCompute = "CA101"
)

var containerAppType = &Type{
	Token: "azure-native:app:ContainerApp",
	Rules: []Rule{
		{ID: ruleTrafficTarget, Code: "ContainerAppInvalidTrafficRevision", Source: srcTraffic,
			Summary: "every `configuration.ingress.traffic[].revisionName` is a revision of the app's history or the revision this update creates"},
		{ID: ruleTrafficWeights, Code: "ContainerAppInvalidTrafficWeight", Source: srcTraffic,
			Summary: "the traffic weights sum to 100"},
		{ID: ruleSuffixReused, Code: "ContainerAppRevisionSuffixInUse", Source: srcRevisions,
			Summary: "a revision-scope change (anything under `template`) creates a revision named `<app>--<revisionSuffix>`; a suffix already in the app's history is refused (\"revision with suffix already exists\", https://github.com/Azure/terraform-azurerm-avm-res-app-containerapp/issues/115)"},
		{ID: ruleKVSecretExists, Code: "ContainerAppSecretInvalid", Source: srcSecrets,
			Summary: "a secret's `keyVaultUrl` names a Key Vault secret that exists after the update (in state or created by it); otherwise revision provisioning fails (https://github.com/microsoft/azure-container-apps/issues/930)"},
		{ID: ruleKVSecretRead, Code: "ContainerAppSecretInvalid", Source: srcKVRBAC,
			Summary: "the secret's identity holds Key Vault Secrets User, Secrets Officer or Administrator (or Owner) on the vault, the secret or a scope above them (RBAC vaults)"},
		{ID: ruleKVNetwork, Code: "ContainerAppSecretInvalid", Source: srcKVTrusted,
			Summary: "the vault is reachable from the app's environment: public network access with an allow-all ACL, or a private endpoint with a DNS zone group in a privatelink.vaultcore.azure.net zone linked to the environment's VNet; Container Apps is not a trusted Microsoft service, so `bypass: AzureServices` does not let it in (" + srcKVNetwork + ")"},
		{ID: ruleAcrPull, Code: "ContainerAppRegistryPullDenied", Source: srcImagePull,
			Summary: "a registry pulled with a managed identity grants that identity AcrPull (or a role above it) on the registry"},
		{ID: ruleKEDAManage, Code: "ContainerAppScaleRuleUnauthorized", Source: srcKEDASB,
			Summary: "the KEDA `azure-servicebus` scale rule's identity needs the Manage right to read entity counts: Azure Service Bus Data Owner on the queue or the namespace (" + srcScaleIdentity + ")"},
		{ID: ruleReplicaLimits, Code: "ContainerAppInvalidScaleLimits", Source: srcScaleLimits,
			Summary: "`template.scale.minReplicas` is 0 to 1,000 and `maxReplicas` 1 to 1,000 (the scale limits table: maximum replicas configurable are 1,000)"},
		{ID: ruleRevisionCompute, Computes: true, Source: srcRevisions,
			Summary: "a create or a change under `template` creates a revision `<app>--<revisionSuffix>` (a generated suffix when none is given); `latestRevisionName` and `latestReadyRevisionName` name it; the app's revision history persists in the saved state"},
	},
}

// appRevisions is one app's revision history.
type appRevisions struct {
	name, resourceGroup string
	// history are the revisions before the update.
	history []string
	// created is the revision the update creates ("" when none).
	created string
	// reused is set when created is already in history.
	reused bool
}

func (a *appRevisions) exists(rev string) bool {
	return slices.Contains(a.history, rev) || (a.created != "" && a.created == rev)
}

// annotation keys of a container app.
const annotationRevisions = "revisions"

// priorHistory is the app's revisions before the update: from the saved
// annotations, else (a real stack export) what the state shows existed.
func (r *run) priorHistory(prior *offline.StateResource) []string {
	if prior == nil {
		return nil
	}
	if a, ok := r.prior.Annotations[prior.URN]; ok {
		if revs, ok := a[annotationRevisions].([]any); ok {
			var out []string
			for _, v := range revs {
				if s, ok := v.(string); ok {
					out = append(out, s)
				}
			}
			return out
		}
	}
	var out []string
	if s := psval(*prior, "latestRevisionName"); s != "" {
		out = append(out, s)
	}
	traffic, _ := prior.Input("configuration.ingress.traffic")
	items, _ := traffic.([]any)
	for _, t := range items {
		if n := field(t, "revisionName"); n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// computeRevision gives the app the revision Azure would create.
func (r *run) computeRevision(res *offline.Resource, op offline.Op, prior *offline.StateResource) {
	name := sval(*res, "name")
	a := &appRevisions{name: name, resourceGroup: sval(*res, "resourceGroupName")}
	if op != offline.OpReplace {
		a.history = r.priorHistory(prior)
	}
	newRevision := op == offline.OpCreate || op == offline.OpReplace || prior == nil
	if !newRevision {
		before, _ := prior.Input("template")
		after, _ := res.Input("template")
		newRevision = !sameJSON(before, after)
	}
	latest := ""
	if len(a.history) > 0 {
		latest = a.history[len(a.history)-1]
	}
	if newRevision {
		suffix := sval(*res, "template.revisionSuffix")
		if suffix == "" {
			// Azure generates a fresh random suffix: never one in the
			// history, whatever the template (the history's length keeps
			// the stand-in deterministic and new).
			tmpl, _ := res.Input("template")
			suffix = generatedSuffix(res.URN, tmpl, len(a.history))
			a.created = name + "--" + suffix
		} else {
			a.created = name + "--" + suffix
			a.reused = slices.Contains(a.history, a.created)
		}
		latest = a.created
	}
	r.apps[res.URN] = a
	if latest == "" {
		return
	}
	res.State["latestRevisionName"] = resource.NewProperty(latest)
	res.State["latestReadyRevisionName"] = resource.NewProperty(latest)
	if fqdn := sval(*res, "configuration.ingress.fqdn"); fqdn != "" {
		if _, domain, ok := strings.Cut(fqdn, "."); ok {
			res.State["latestRevisionFqdn"] = resource.NewProperty(latest + "." + domain)
		}
	}
}

// generatedSuffix stands for the random suffix Azure generates.
func generatedSuffix(urn string, template any, generation int) string {
	data, _ := json.Marshal(template)
	sum := sha256.Sum256(append([]byte(fmt.Sprintf("%s\x00%d\x00", urn, generation)), data...))
	return hex.EncodeToString(sum[:])[:7]
}

func sameJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// annotations are the apps' histories after the update.
func (r *run) annotations() map[string]map[string]any {
	out := map[string]map[string]any{}
	for urn, a := range r.apps {
		revs := append([]string(nil), a.history...)
		if a.created != "" && !a.reused {
			revs = append(revs, a.created)
		}
		list := make([]any, len(revs))
		for i, s := range revs {
			list[i] = s
		}
		out[urn] = map[string]any{annotationRevisions: list}
	}
	return out
}

// getRevision answers azure-native:app:getContainerAppRevision from the
// prior state and the run's creations; an unknown revision is an error,
// as Azure's 404.
func (r *run) getRevision(args resource.PropertyMap) (resource.PropertyMap, error) {
	app, rg, rev := argString(args, "containerAppName"), argString(args, "resourceGroupName"), argString(args, "revisionName")
	match := func(name, group string) bool {
		return strings.EqualFold(name, app) && strings.EqualFold(group, rg)
	}
	found := false
	for _, a := range r.apps {
		if match(a.name, a.resourceGroup) && a.exists(rev) {
			found = true
		}
	}
	if !found && r.prior != nil {
		for _, pr := range r.prior.Resources {
			if canonical(pr.Type) != containerAppType.Token || !match(psval(pr, "name"), psval(pr, "resourceGroupName")) {
				continue
			}
			if slices.Contains(r.priorHistory(&pr), rev) {
				found = true
			}
		}
	}
	if !found {
		return nil, fmt.Errorf("ContainerAppRevisionNotFound: revision %q of container app %q in resource group %q does not exist", rev, app, rg)
	}
	return resource.PropertyMap{
		"name":   resource.NewProperty(rev),
		"active": resource.NewProperty(true),
		"id": resource.NewProperty("/subscriptions/" + r.env.Subscription + "/resourceGroups/" + rg +
			"/providers/Microsoft.App/containerApps/" + app + "/revisions/" + rev),
	}, nil
}

// getApp answers azure-native:app:getContainerApp from the run's
// creations and the prior state: the app as Azure reports it (its latest
// revision, its traffic), or an error as Azure's 404.
func (r *run) getApp(args resource.PropertyMap) (resource.PropertyMap, error) {
	app, rg := argString(args, "containerAppName"), argString(args, "resourceGroupName")
	suffix := strings.ToLower("/resourceGroups/" + rg + "/providers/Microsoft.App/containerApps/" + app)
	for id, res := range r.created {
		if strings.HasSuffix(id, suffix) {
			return res.State.Copy(), nil
		}
	}
	if r.prior != nil {
		for _, pr := range r.prior.Resources {
			if strings.HasSuffix(strings.ToLower(pr.ID), suffix) && canonical(pr.Type) == containerAppType.Token {
				return pr.Outputs.Copy(), nil
			}
		}
	}
	return nil, fmt.Errorf("ResourceNotFound: container app %q in resource group %q does not exist", app, rg)
}

// getSecret answers azure-native:keyvault:getSecret from the prior state
// and the run's creations.
func (r *run) getSecret(args resource.PropertyMap) (resource.PropertyMap, error) {
	vault, rg, name := argString(args, "vaultName"), argString(args, "resourceGroupName"), argString(args, "secretName")
	suffix := strings.ToLower("/resourceGroups/" + rg + "/providers/Microsoft.KeyVault/vaults/" + vault + "/secrets/" + name)
	for id, res := range r.created {
		if strings.HasSuffix(id, suffix) {
			return res.State.Copy(), nil
		}
	}
	if r.prior != nil {
		for _, pr := range r.prior.Resources {
			if strings.HasSuffix(strings.ToLower(pr.ID), suffix) {
				return pr.Outputs.Copy(), nil
			}
		}
	}
	return nil, fmt.Errorf("SecretNotFound: secret %q of Key Vault %q in resource group %q does not exist", name, vault, rg)
}

func argString(m resource.PropertyMap, key string) string {
	v, ok := m[resource.PropertyKey(key)]
	for ok && v.IsSecret() {
		v = v.SecretValue().Element
	}
	if !ok || !v.IsString() {
		return ""
	}
	return v.StringValue()
}

func checkContainerApp(c *checker, r offline.Resource, ch offline.Change) {
	t := containerAppType
	for _, lim := range []struct {
		path     string
		min, max float64
	}{{"template.scale.minReplicas", 0, 1000}, {"template.scale.maxReplicas", 1, 1000}} {
		if n, ok := fval(r, lim.path); ok && (n < lim.min || n > lim.max) {
			c.failRes(t, ruleReplicaLimits, r, ch.Op, lim.path, "%g replicas: want %g to %g", n, lim.min, lim.max)
		}
	}
	a := c.run.apps[r.URN]
	if a == nil {
		a = &appRevisions{}
	}
	if a.reused {
		c.failRes(t, ruleSuffixReused, r, ch.Op, "template.revisionSuffix",
			"revision %s already exists in the app's history: a change under template needs a new revisionSuffix", a.created)
	}
	traffic := list(r, "configuration.ingress.traffic")
	sum := 0.0
	for i, tw := range traffic {
		w, _ := tw.(map[string]any)["weight"].(float64)
		sum += w
		rev := field(tw, "revisionName")
		if rev != "" && !a.exists(rev) {
			created := "none"
			if a.created != "" {
				created = a.created
			}
			c.failRes(t, ruleTrafficTarget, r, ch.Op, fmt.Sprintf("configuration.ingress.traffic[%d].revisionName", i),
				"revision %s does not exist (history: [%s]; this update creates: %s)", rev, strings.Join(a.history, ", "), created)
		}
	}
	if len(traffic) > 0 && sum != 100 {
		c.failRes(t, ruleTrafficWeights, r, ch.Op, "configuration.ingress.traffic", "the weights sum to %g, not 100", sum)
	}
	checkAppSecrets(c, r, ch)
	checkAppRegistries(c, r, ch)
	checkAppScaleRules(c, r, ch)
}

// identityPrincipal is the principal ID of a user-assigned identity
// resource ID (or "" when the model does not know it).
func (c *checker) identityPrincipal(identityID string) string {
	if id, ok := c.resource(identityID); ok {
		return sval(id, "principalId")
	}
	return ""
}

// appIdentity is the identity a secret, registry or scale rule of the app
// uses: a user-assigned identity ID, or "system".
func (c *checker) appIdentityPrincipal(app offline.Resource, identity string) (string, bool) {
	if strings.EqualFold(identity, "system") {
		p := sval(app, "identity.principalId")
		return p, p != ""
	}
	p := c.identityPrincipal(identity)
	return p, p != ""
}

// secretReaders are the roles that may read a secret's value.
var secretReaders = []string{
	crosscut.RoleKeyVaultSecretsUser, crosscut.RoleKeyVaultSecretsOfficer,
	crosscut.RoleKeyVaultAdministrator, crosscut.RoleOwner,
}

func checkAppSecrets(c *checker, app offline.Resource, ch offline.Change) {
	t := containerAppType
	for i, s := range list(app, "configuration.secrets") {
		uri := field(s, "keyVaultUrl")
		if uri == "" {
			continue
		}
		prop := fmt.Sprintf("configuration.secrets[%d].keyVaultUrl", i)
		vaultName, secretName, ok := parseSecretURI(uri)
		if !ok {
			c.failRes(t, ruleKVSecretExists, app, ch.Op, prop, "%q is not a Key Vault secret URI", uri)
			continue
		}
		vault, vaultKnown := c.vaultNamed(vaultName)
		if !vaultKnown {
			continue // a vault outside the stack: the model cannot know it
		}
		secretID := vault.ID + "/secrets/" + secretName
		if _, ok := c.resource(secretID); !ok {
			c.failRes(t, ruleKVSecretExists, app, ch.Op, prop,
				"secret %q does not exist in Key Vault %s after this update (declare it, e.g. in keyVaultSecrets)", secretName, vaultName)
		}
		identity := field(s, "identity")
		if principal, ok := c.appIdentityPrincipal(app, identity); ok {
			if !c.holds(principal, secretID, secretReaders...) {
				c.failRes(t, ruleKVSecretRead, app, ch.Op, prop,
					"identity %s (principal %s) may not read secrets of Key Vault %s: no Key Vault Secrets User on the vault or the secret", lastSegment(identity), principal, vaultName)
			}
		}
		if why := c.vaultUnreachable(vault, sval(app, "managedEnvironmentId")); why != "" {
			c.failRes(t, ruleKVNetwork, app, ch.Op, prop, "Key Vault %s is not reachable from the app's environment: %s", vaultName, why)
		}
	}
}

// parseSecretURI splits https://<vault>.vault.azure.net/secrets/<name>[/<version>].
func parseSecretURI(uri string) (vault, secret string, ok bool) {
	rest, found := strings.CutPrefix(uri, "https://")
	if !found {
		return "", "", false
	}
	host, path, _ := strings.Cut(rest, "/")
	vault, _, found = strings.Cut(strings.ToLower(host), ".vault.azure.net")
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if !found || len(parts) < 2 || !strings.EqualFold(parts[0], "secrets") || parts[1] == "" {
		return "", "", false
	}
	return vault, parts[1], true
}

func (c *checker) vaultNamed(name string) (offline.Resource, bool) {
	for _, v := range c.of(vaultType.Token) {
		if strings.EqualFold(sval(v, "name"), name) {
			return v, true
		}
	}
	return offline.Resource{}, false
}

// vaultUnreachable says why the environment cannot reach the vault ("" when
// it can).
func (c *checker) vaultUnreachable(vault offline.Resource, envID string) string {
	public := !strings.EqualFold(sval(vault, "properties.publicNetworkAccess"), "Disabled")
	defaultAction := sval(vault, "properties.networkAcls.defaultAction")
	if public && (defaultAction == "" || strings.EqualFold(defaultAction, "Allow")) {
		return ""
	}
	vnet := ""
	if env, ok := c.resource(envID); ok {
		vnet = subnetVNet(sval(env, "vnetConfiguration.infrastructureSubnetId"))
	}
	if vnet != "" && c.privateDNSReaches(vault.ID, "privatelink.vaultcore.azure.net", vnet) {
		return ""
	}
	switch {
	case !public:
		return "public network access is disabled and no private endpoint with a DNS zone group in a privatelink.vaultcore.azure.net zone linked to the environment's VNet exists"
	default:
		return fmt.Sprintf("the network ACL denies by default (bypass %q does not cover Container Apps, which is not a trusted service), the environment's outbound addresses are not known to be allowed, and no private endpoint with a DNS zone linked to the environment's VNet exists",
			sval(vault, "properties.networkAcls.bypass"))
	}
}

// subnetVNet is the VNet ID of a subnet ID.
func subnetVNet(subnetID string) string {
	i := strings.Index(strings.ToLower(subnetID), "/subnets/")
	if i < 0 {
		return ""
	}
	return subnetID[:i]
}

// privateDNSReaches reports whether a private endpoint to target exists
// with a DNS zone group in a zone named zoneName linked to vnet.
func (c *checker) privateDNSReaches(target, zoneName, vnet string) bool {
	for _, pe := range c.of(privateEndpointType.Token) {
		if !privateEndpointTargets(pe, target) {
			continue
		}
		peID := strings.ToLower(pe.ID)
		for _, g := range c.of("azure-native:network:PrivateDnsZoneGroup") {
			if !strings.HasPrefix(strings.ToLower(g.ID), peID+"/") {
				continue
			}
			for _, cfg := range list(g, "privateDnsZoneConfigs") {
				zoneID := field(cfg, "privateDnsZoneId")
				if !strings.EqualFold(lastSegment(zoneID), zoneName) {
					continue
				}
				if c.zoneLinked(zoneID, vnet) {
					return true
				}
			}
		}
	}
	return false
}

func privateEndpointTargets(pe offline.Resource, target string) bool {
	for _, conn := range list(pe, "privateLinkServiceConnections") {
		if strings.EqualFold(field(conn, "privateLinkServiceId"), target) {
			return true
		}
	}
	return false
}

// zoneLinked reports whether a private DNS zone is linked to a VNet.
func (c *checker) zoneLinked(zoneID, vnet string) bool {
	for _, link := range c.of("azure-native:network:VirtualNetworkLink") {
		if strings.EqualFold(parentID(link.ID), zoneID) && strings.EqualFold(sval(link, "virtualNetwork.id"), vnet) {
			return true
		}
	}
	return false
}

// pullers are the roles that may pull images.
var pullers = []string{crosscut.RoleAcrPull, crosscut.RoleContributor, crosscut.RoleOwner}

func checkAppRegistries(c *checker, app offline.Resource, ch offline.Change) {
	for i, reg := range list(app, "configuration.registries") {
		identity, server := field(reg, "identity"), field(reg, "server")
		if identity == "" || server == "" {
			continue
		}
		principal, ok := c.appIdentityPrincipal(app, identity)
		if !ok {
			continue
		}
		registry := strings.ToLower(strings.TrimSuffix(server, ".azurecr.io"))
		granted := false
		for _, a := range c.assignments() {
			if a.principal != strings.ToLower(principal) || !slices.Contains(pullers, a.role) {
				continue
			}
			// The registry may live outside the stack (a shared registry):
			// then its ID is known only from the assignment's scope.
			if strings.HasSuffix(strings.ToLower(a.scope), "/providers/microsoft.containerregistry/registries/"+registry) ||
				c.registryIn(registry, a.scope) {
				granted = true
			}
		}
		if !granted {
			c.failRes(containerAppType, ruleAcrPull, app, ch.Op, fmt.Sprintf("configuration.registries[%d].identity", i),
				"identity %s (principal %s) has no AcrPull on registry %s", lastSegment(identity), principal, server)
		}
	}
}

// registryIn reports whether a registry of the plan lies under scope.
func (c *checker) registryIn(name, scope string) bool {
	for _, r := range c.of("azure-native:containerregistry:Registry") {
		if strings.EqualFold(sval(r, "name"), name) && within(r.ID, scope) {
			return true
		}
	}
	return false
}

func checkAppScaleRules(c *checker, app offline.Resource, ch offline.Change) {
	for i, rule := range list(app, "template.scale.rules") {
		if field(rule, "custom", "type") != "azure-servicebus" {
			continue
		}
		identity := field(rule, "custom", "identity")
		if identity == "" {
			continue // a connection string (secretRef) carries its own rights
		}
		principal, ok := c.appIdentityPrincipal(app, identity)
		if !ok {
			continue
		}
		ns, queue := field(rule, "custom", "metadata", "namespace"), field(rule, "custom", "metadata", "queueName")
		namespace, known := c.namespaceNamed(ns)
		if !known {
			continue
		}
		scope := namespace.ID
		if queue != "" {
			scope += "/queues/" + queue
		}
		if !c.holds(principal, scope, crosscut.RoleServiceBusDataOwner, crosscut.RoleOwner) {
			c.failRes(containerAppType, ruleKEDAManage, app, ch.Op, fmt.Sprintf("template.scale.rules[%d].custom.identity", i),
				"identity %s (principal %s) lacks Manage on %s: KEDA cannot read the queue length (grant Azure Service Bus Data Owner on the queue)", lastSegment(identity), principal, strings.TrimPrefix(scope, namespace.ID+"/"))
		}
	}
}

func (c *checker) namespaceNamed(name string) (offline.Resource, bool) {
	name = strings.TrimSuffix(strings.ToLower(name), ".servicebus.windows.net")
	for _, n := range c.of(namespaceType.Token) {
		if strings.EqualFold(sval(n, "name"), name) {
			return n, true
		}
	}
	return offline.Resource{}, false
}
