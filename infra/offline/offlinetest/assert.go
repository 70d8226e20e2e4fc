package offlinetest

import (
	"testing"

	"github.com/misybot/platform/infra/offline"
)

// One returns the only resource of a type in the plan, and fails the test
// when there is none or more than one.
func One(t testing.TB, p *offline.Plan, typ string) offline.Resource {
	t.Helper()
	rs := p.Find(typ)
	if len(rs) != 1 {
		t.Fatalf("want one %s, the plan has %d", typ, len(rs))
	}
	return rs[0]
}

// Named returns the resource of a type with the given logical name, and
// fails the test when the plan has none.
func Named(t testing.TB, p *offline.Plan, typ, name string) offline.Resource {
	t.Helper()
	for _, r := range p.Find(typ) {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no %s named %s", typ, name)
	return offline.Resource{}
}

// Input returns a resource's input at a property path (see
// offline.Resource.Input), and fails the test when it is not set.
func Input(t testing.TB, r offline.Resource, path string) any {
	t.Helper()
	v, ok := r.Input(path)
	if !ok {
		t.Fatalf("%s has no input %s", r.URN, path)
	}
	return v
}
