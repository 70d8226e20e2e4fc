package input

import (
	"errors"
	"fmt"

	"github.com/misybot/platform/policy/rules"
)

// ParseExport reads `pulumi stack export` output. Versions 3 and 4 share
// the resource schema; other versions are refused.
func ParseExport(data []byte) (rules.Stack, error) {
	var doc document
	if err := decodeDocument(data, &doc); err != nil {
		return rules.Stack{}, err
	}
	return fromExport(doc)
}

func fromExport(doc document) (rules.Stack, error) {
	switch {
	case doc.Version == nil:
		return rules.Stack{}, errors.New("stack export has no version")
	case *doc.Version != 3 && *doc.Version != 4:
		return rules.Stack{}, fmt.Errorf("stack export version %d is not supported (want 3)", *doc.Version)
	case doc.Deployment == nil:
		return rules.Stack{}, errors.New("stack export has no deployment")
	}
	st := rules.Stack{Resources: make([]rules.Resource, 0, len(doc.Deployment.Resources))}
	for i, s := range doc.Deployment.Resources {
		stackOf(&st, s.URN)
		if s.skip() {
			continue
		}
		r, err := s.resource()
		if err != nil {
			return rules.Stack{}, fmt.Errorf("deployment.resources[%d]: %w", i, err)
		}
		st.Resources = append(st.Resources, r)
	}
	return st, nil
}
