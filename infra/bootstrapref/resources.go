package bootstrapref

import (
	"fmt"

	"github.com/misybot/platform/infra/offline"
)

// Resources is the bootstrap's state as an environment stack's plan takes
// it as existing (offline.Options.Existing, azuremodel.ExistingFromBootstrap):
// the state of its `pulumi stack export`, or the state its offline plan
// leaves, read back as a --save-state file is. It is nil, without an
// error, when only the bootstrap's outputs are known (a `pulumi stack
// output --json`).
func (b *Bootstrap) Resources() (*offline.State, error) {
	switch {
	case b == nil:
		return nil, nil
	case b.State != nil:
		return b.State, nil
	case b.Plan == nil:
		return nil, nil
	}
	data, err := b.Plan.SaveState()
	if err != nil {
		return nil, err
	}
	st, err := offline.ParseState(data)
	if err != nil {
		return nil, fmt.Errorf("the bootstrap's offline plan: reading back its state: %w", err)
	}
	return st, nil
}
