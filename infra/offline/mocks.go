package offline

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// mocks answers the SDK's mock monitor like the azure-native and azuread
// providers would, and records every resource.
type mocks struct {
	ctx          context.Context
	project      string
	stack        string
	subscription string
	tenant       string
	clientID     string
	location     string // azure-native:location, the provider's default
	rec          *recorder
	prior        *State
	existing     *State
	model        ModelRun
	forceNew     func(string) []string
	secrets      *secretHasher
	references   StackReferences

	mu     sync.Mutex
	states map[string]resource.PropertyMap // lower-cased resource ID -> state, for later lookups
	rgLoc  map[string]string               // resource group name -> location
}

var _ pulumi.MockResourceMonitor = (*mocks)(nil)

func newMocks(ctx context.Context, opts Options, rec *recorder) *mocks {
	get := func(key, fallback string) string {
		if v := opts.Config[key]; v != "" {
			return v
		}
		return fallback
	}
	m := &mocks{
		ctx:          ctx,
		project:      opts.Project,
		stack:        opts.Stack,
		subscription: get("azure-native:subscriptionId", PlaceholderSubscriptionID),
		tenant:       get("azure-native:tenantId", PlaceholderTenantID),
		clientID:     get("azure-native:clientId", PlaceholderClientID),
		location:     normalizeLocation(opts.Config["azure-native:location"]),
		rec:          rec,
		states:       map[string]resource.PropertyMap{},
		rgLoc:        map[string]string{},
		prior:        opts.Prior,
		existing:     opts.Existing,
		secrets:      newSecretHasher(opts.SecretHashKey),
		references:   opts.StackReferences,
	}
	if opts.Model != nil {
		m.forceNew = opts.Model.ForceNew
		m.model = opts.Model.Start(opts.Prior, Env{Subscription: m.subscription, Tenant: m.tenant})
	}
	return m
}

// call is one resource registration (or read) as the mocks see it.
type call struct {
	// token is the canonical type token: an API-version module
	// (azure-native:app/v20250101:ContainerApp) behaves like its default
	// module, as the provider serves both.
	token, name, urn string
	inputs           resource.PropertyMap
	// generation tells a replacement from the resource it replaces, so
	// that generated names (a role assignment's GUID) differ as Azure's
	// would: "" for a new resource.
	generation string
}

// NewResource is called for every resource, components included.
func (m *mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	if err := m.ctx.Err(); err != nil {
		return "", nil, err
	}
	inputs := args.Inputs
	if inputs == nil {
		inputs = resource.PropertyMap{}
	}
	res := Resource{Type: args.TypeToken, Name: args.Name, Inputs: inputs, Custom: args.Custom}
	deps := map[string]bool{}
	switch {
	case args.RegisterRPC != nil:
		rpc := args.RegisterRPC
		res.Parent = rpc.GetParent()
		res.Protect = rpc.GetProtect()
		res.Provider = rpc.GetProvider()
		res.Aliases = m.aliasURNs(rpc, args.TypeToken, args.Name)
		for _, d := range rpc.GetDependencies() {
			deps[d] = true
		}
		for prop, pd := range rpc.GetPropertyDependencies() {
			urns := append([]string(nil), pd.GetUrns()...)
			sort.Strings(urns)
			if res.PropertyDependencies == nil {
				res.PropertyDependencies = map[string][]string{}
			}
			res.PropertyDependencies[prop] = urns
			for _, d := range urns {
				deps[d] = true
			}
		}
	case args.ReadRPC != nil:
		rpc := args.ReadRPC
		res.Parent = rpc.GetParent()
		res.Provider = rpc.GetProvider()
		res.Custom, res.Read = true, true // the mock monitor reports reads as Custom=false
		for _, d := range rpc.GetDependencies() {
			deps[d] = true
		}
	}
	delete(deps, "")
	for d := range deps {
		res.Dependencies = append(res.Dependencies, d)
	}
	sort.Strings(res.Dependencies)
	if res.Dependencies == nil {
		res.Dependencies = []string{}
	}
	res.URN = newURN(m.project, m.stack, res.Parent, res.Type, res.Name)

	c := call{token: canonicalToken(args.TypeToken), name: args.Name, urn: res.URN, inputs: inputs}
	if res.Custom && !res.Read {
		if pr, ok := m.prior.Of(res); ok && changeOf(res, m.prior, m.forceNew, m.secrets).Op == OpReplace {
			c.generation = pr.ID
		}
	}
	var err error
	switch {
	case !res.Custom:
		// A component has no ID; its "state" is what it was given.
		res.State = inputs.Copy()
	case res.Read && c.token == StackReferenceType:
		res.ID, res.State, err = m.stackReference(args.ID)
	case res.Read:
		res.ID, res.State, err = m.read(c, args.ID)
	default:
		res.ID, res.State, err = m.create(c)
		if err == nil {
			err = m.update(&res)
		}
	}
	if err != nil {
		return "", nil, fmt.Errorf("%s %q: %w", res.Type, res.Name, err)
	}
	if err := m.rec.add(res); err != nil {
		return "", nil, err
	}
	return res.ID, res.State, nil
}

// aliasURNs resolves the aliases of a registration as the Pulumi engine
// does: a full URN as is; a spec's empty name, type, project or stack are
// the resource's own, and its parent is the resource's parent unless the
// spec names another or none.
func (m *mocks) aliasURNs(rpc *pulumirpc.RegisterResourceRequest, typ, name string) []string {
	out := append([]string(nil), rpc.GetAliasURNs()...)
	for _, a := range rpc.GetAliases() {
		if urn := a.GetUrn(); urn != "" {
			out = append(out, urn)
			continue
		}
		spec := a.GetSpec()
		if spec == nil {
			continue
		}
		orDefault := func(v, def string) string {
			if v == "" {
				return def
			}
			return v
		}
		parent := rpc.GetParent()
		switch {
		case spec.GetNoParent():
			parent = ""
		case spec.GetParentUrn() != "":
			parent = spec.GetParentUrn()
		}
		out = append(out, newURN(orDefault(spec.GetProject(), m.project), orDefault(spec.GetStack(), m.stack),
			parent, orDefault(spec.GetType(), typ), orDefault(spec.GetName(), name)))
	}
	return out
}

// create returns the ID and state a provider would give a new resource.
func (m *mocks) create(c call) (string, resource.PropertyMap, error) {
	switch {
	case strings.HasPrefix(c.token, "pulumi:providers:"):
		return guid(c.urn, "provider"), c.inputs.Copy(), nil
	case c.token == "azure-native:resources:ResourceGroup":
		return m.resourceGroup(c)
	case strings.HasPrefix(c.token, "azure-native:"):
		return m.azureNative(c)
	case strings.HasPrefix(c.token, "azuread:"):
		return m.azureAD(c)
	default:
		state := c.inputs.Copy()
		id := c.name + "-" + hexString(8, c.urn, "id")
		return id, state, nil
	}
}

// update turns a created resource into the update of the prior one with
// the same URN: unless it is replaced, it keeps its ID and the outputs
// Azure computed (a principal ID, a default domain), as a real update
// would. The model then adjusts what it computes.
func (m *mocks) update(res *Resource) error {
	change := changeOf(*res, m.prior, m.forceNew, m.secrets)
	var prior *StateResource
	if pr, ok := m.prior.Of(*res); ok && pr.Type == res.Type {
		prior = &pr
	}
	if prior != nil && change.Op != OpReplace {
		if prior.ID != "" {
			res.ID = prior.ID
		}
		for k, v := range prior.Outputs {
			if _, isInput := res.Inputs[k]; !isInput {
				res.State[k] = v
			}
		}
		res.State["id"] = str(res.ID)
	}
	if m.model != nil {
		if err := m.model.Computed(res, change.Op, prior); err != nil {
			return err
		}
	}
	if strings.HasPrefix(res.Type, "azure-native:") {
		m.remember(res.ID, res.State)
	}
	return nil
}

// read answers a Get: the resource's outputs in the existing state when
// it is there, else the given ID's state, named by its last segment, with
// the outputs a create would compute.
func (m *mocks) read(c call, id string) (string, resource.PropertyMap, error) {
	if ex, ok := m.existing.ByID(id); ok && strings.HasPrefix(c.token, "azure-native:") {
		state := ex.Outputs.Copy()
		state["id"] = str(ex.ID)
		m.remember(ex.ID, state)
		return ex.ID, state, nil
	}
	_, state, err := m.create(c)
	if err != nil {
		// A read names the resource by ID only; missing inputs are fine.
		state = c.inputs.Copy()
	}
	state["id"] = str(id)
	if i := strings.LastIndex(id, "/"); i >= 0 && i < len(id)-1 {
		state["name"] = str(id[i+1:])
	}
	return id, state, nil
}

func (m *mocks) resourceGroup(c call) (string, resource.PropertyMap, error) {
	name, ok := stringAt(c.inputs, "resourceGroupName")
	if !ok {
		name = autoName(c.urn, c.name)
	}
	loc, ok := stringAt(c.inputs, "location")
	if ok {
		loc = normalizeLocation(loc)
	} else {
		loc = m.location
	}
	id := "/subscriptions/" + m.subscription + "/resourceGroups/" + name
	state := c.inputs.Copy()
	state["id"] = str(id)
	state["name"] = str(name)
	state["type"] = str("Microsoft.Resources/resourceGroups")
	if loc != "" {
		state["location"] = str(loc)
	}
	m.mu.Lock()
	m.rgLoc[strings.ToLower(name)] = loc
	m.mu.Unlock()
	m.remember(id, state)
	return id, state, nil
}

func (m *mocks) azureNative(c call) (string, resource.PropertyMap, error) {
	spec := specFor(c.token, c.inputs)
	name, ok := stringAt(c.inputs, spec.nameInput())
	if !ok {
		if spec.guidName {
			name = guid(c.urn, "name")
			if c.generation != "" {
				name = guid(c.urn, "name", c.generation)
			}
		} else {
			name = autoName(c.urn+c.generation, c.name)
		}
	}
	id, err := spec.armID(m.subscription, c.inputs, name)
	if err != nil {
		return "", nil, err
	}
	state := c.inputs.Copy()
	state["id"] = str(id)
	state["name"] = str(name)
	state["type"] = str(spec.armType(c.inputs))
	if loc := m.locationOf(spec, c.inputs); loc != "" {
		state["location"] = str(loc)
	}
	m.computeOutputs(c, id, name, state)
	m.remember(id, state)
	return id, state, nil
}

// locationOf resolves a resource's location as azure-native does: the
// input, else the resource group's location, else the provider's.
func (m *mocks) locationOf(spec armSpec, inputs resource.PropertyMap) string {
	if loc, ok := stringAt(inputs, "location"); ok && spec.location != noLocation {
		if spec.location == global {
			return loc
		}
		return normalizeLocation(loc)
	}
	switch spec.location {
	case global:
		return "global"
	case regional:
		if rg, ok := stringAt(inputs, "resourceGroupName"); ok {
			m.mu.Lock()
			loc := m.rgLoc[strings.ToLower(rg)]
			m.mu.Unlock()
			if loc != "" {
				return loc
			}
		}
		return m.location
	default:
		return ""
	}
}

// remember keeps a state for resources created later that refer to this one
// by ID (a container app to its environment, an environment to its subnet).
func (m *mocks) remember(id string, state resource.PropertyMap) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.states[strings.ToLower(id)] = state
}

func (m *mocks) stateOf(id string) (resource.PropertyMap, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.states[strings.ToLower(id)]
	return s, ok
}

// Call answers invokes (provider functions).
func (m *mocks) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	if err := m.ctx.Err(); err != nil {
		return nil, err
	}
	if m.model != nil {
		result, handled, err := m.model.Call(args.Token, args.Args)
		if handled {
			return result, err
		}
	}
	switch args.Token {
	case "azure-native:authorization:getClientConfig":
		return resource.PropertyMap{
			"clientId":       str(m.clientID),
			"objectId":       str(PlaceholderObjectID),
			"subscriptionId": str(m.subscription),
			"tenantId":       str(m.tenant),
		}, nil
	case "azuread:index/getClientConfig:getClientConfig":
		return resource.PropertyMap{
			"id":       str(m.tenant + "-" + m.clientID + "-" + PlaceholderObjectID),
			"clientId": str(m.clientID),
			"objectId": str(PlaceholderObjectID),
			"tenantId": str(m.tenant),
		}, nil
	case "azure-native:authorization:getClientToken":
		return resource.PropertyMap{"token": resource.MakeSecret(str("offline-placeholder-token"))}, nil
	default:
		return nil, fmt.Errorf("offline preview has no mock for function %s", args.Token)
	}
}

// canonicalToken drops the API version from a type token's module:
// azure-native:app/v20250101:ContainerApp → azure-native:app:ContainerApp.
// Other modules with a slash (azuread:index/application:Application) keep it.
func canonicalToken(token string) string {
	pkg, rest, ok := strings.Cut(token, ":")
	if !ok {
		return token
	}
	module, typ, ok := strings.Cut(rest, ":")
	if !ok || pkg != "azure-native" {
		return token
	}
	if base, version, found := strings.Cut(module, "/"); found && strings.HasPrefix(version, "v") {
		return pkg + ":" + base + ":" + typ
	}
	return token
}
