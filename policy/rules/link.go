package rules

import "strings"

// linker resolves resource-ID properties (a private endpoint's target, a
// diagnostic setting's resourceUri) to the resources of one type in the
// stack, in constant time per reference so that stack rules stay linear.
type linker struct {
	armType string
	byID    map[string]*Resource   // lower-case provider ID
	byName  map[string][]*Resource // lower-case Azure name
	byURN   map[string]*Resource
}

func newLinker(targets []*Resource, armType string) linker {
	l := linker{
		armType: strings.ToLower(armType),
		byID:    map[string]*Resource{},
		byName:  map[string][]*Resource{},
		byURN:   map[string]*Resource{},
	}
	for _, t := range targets {
		l.byURN[t.URN] = t
		if t.ID != "" {
			l.byID[strings.ToLower(t.ID)] = t
		}
		if name, ok := physicalName(t); ok {
			l.byName[strings.ToLower(name)] = append(l.byName[strings.ToLower(name)], t)
		}
	}
	return l
}

// resolve returns the targets an ID property refers to. A known ID matches
// by provider ID, else by ARM type and Azure name. An unknown ID (preview)
// matches the targets Pulumi recorded as dependencies of the property (or
// of the resource); with no dependency recorded at all it cannot tell, and
// why says so.
func (l linker) resolve(id val, owner *Resource, prop string) (hits []*Resource, why string) {
	if s, ok := id.str(); ok {
		ls := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), "/")
		if t, ok := l.byID[ls]; ok {
			return []*Resource{t}, ""
		}
		i := strings.LastIndex(ls, "/providers/"+l.armType+"/")
		if i < 0 {
			return nil, ""
		}
		name := ls[i+len("/providers/"+l.armType+"/"):]
		for _, t := range l.byName[name] {
			if t.ID == "" || strings.EqualFold(t.ID, ls) {
				hits = append(hits, t)
			}
		}
		return hits, ""
	}
	if !id.undecided() {
		return nil, ""
	}
	deps, ok := owner.PropertyDependencies[prop]
	if !ok || len(deps) == 0 {
		if len(owner.Dependencies) == 0 && len(owner.PropertyDependencies) == 0 {
			return nil, id.describeUnknown()
		}
		deps = owner.Dependencies
	}
	for _, d := range deps {
		if t, ok := l.byURN[d]; ok {
			hits = append(hits, t)
		}
	}
	return hits, ""
}
