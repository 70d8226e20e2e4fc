package offline

import (
	"fmt"
	"reflect"
	"sort"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// recorder collects the resources the mocks see. The mocks are called
// concurrently, in whatever order the SDK's goroutines get their inputs
// resolved, so that order is not the program's. The program's order is
// taken from a stack transformation, which the SDK runs synchronously in
// RegisterResource; the recorded resources are sorted by it at the end.
type recorder struct {
	project, stack string

	mu        sync.Mutex
	seq       map[string]int             // URN -> position in the program's call order
	urns      map[pulumi.Resource]string // resource object -> URN, to give children their URN
	resources []Resource                 // in the order the mocks were called
}

func newRecorder(project, stack string) *recorder {
	return &recorder{
		project: project,
		stack:   stack,
		seq:     map[string]int{},
		urns:    map[pulumi.Resource]string{},
	}
}

// stackURN is the URN of the root stack resource, as RunWithContext names it.
func (r *recorder) stackURN() string {
	return newURN(r.project, r.stack, "", string(resource.RootStackType), r.project+"-"+r.stack)
}

// transformation notes the program's registration order. It changes
// nothing, so the program behaves as without it.
func (r *recorder) transformation(args *pulumi.ResourceTransformationArgs) *pulumi.ResourceTransformationResult {
	opts, err := pulumi.NewResourceOptions(args.Opts...)
	r.mu.Lock()
	defer r.mu.Unlock()
	parent := ""
	if err == nil && opts.Parent != nil && hashable(opts.Parent) {
		parent = r.urns[opts.Parent]
	}
	urn := newURN(r.project, r.stack, parent, args.Type, args.Name)
	if _, seen := r.seq[urn]; !seen {
		r.seq[urn] = len(r.seq)
	}
	if args.Resource != nil && hashable(args.Resource) {
		r.urns[args.Resource] = urn
	}
	return nil
}

// hashable guards the map lookups: resources are pointers in practice, but
// a map lookup with an incomparable dynamic type would panic.
func hashable(v any) bool {
	return reflect.TypeOf(v).Comparable()
}

// add records a resource. The Pulumi engine refuses two resources with the
// same URN, and so does the offline preview.
func (r *recorder) add(res Resource) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, prev := range r.resources {
		if prev.URN == res.URN {
			return fmt.Errorf("duplicate resource URN %s: give the resource a unique name", res.URN)
		}
	}
	r.resources = append(r.resources, res)
	return nil
}

// plan returns the recorded resources in the program's order. Resources the
// transformation did not see (none, unless another transformation renamed
// them) go last, by URN, to stay deterministic.
func (r *recorder) plan(outputs map[string]Output) *Plan {
	r.mu.Lock()
	defer r.mu.Unlock()
	resources := append([]Resource(nil), r.resources...)
	sort.SliceStable(resources, func(i, j int) bool {
		si, iok := r.seq[resources[i].URN]
		sj, jok := r.seq[resources[j].URN]
		switch {
		case iok && jok:
			return si < sj
		case iok != jok:
			return iok
		default:
			return resources[i].URN < resources[j].URN
		}
	})
	if outputs == nil {
		outputs = map[string]Output{}
	}
	return &Plan{
		Project:   r.project,
		Stack:     r.stack,
		StackURN:  r.stackURN(),
		Resources: resources,
		Outputs:   outputs,
	}
}

// newURN computes a URN exactly as the SDK's mock monitor does: the parent
// contributes its qualified type unless it is the stack.
func newURN(project, stack, parent, typ, name string) string {
	parentType := tokens.Type("")
	if p := resource.URN(parent); p != "" && p.QualifiedType() != resource.RootStackType {
		parentType = p.QualifiedType()
	}
	return string(resource.NewURN(tokens.QName(stack), tokens.PackageName(project), parentType, tokens.Type(typ), name))
}
