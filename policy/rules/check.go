package rules

import "strings"

// requireOneOf checks that a string property is one of want (ignoring
// case). def is what Azure uses when the property is not set ("" when
// there is no default worth trusting: then not setting it is a violation).
func requireOneOf(r *Resource, v val, def, problem string, want ...string) []Finding {
	switch {
	case v.undecided():
		return []Finding{undecidable(r, v.describeUnknown())}
	case v.is(want...):
		return nil
	case !v.isSet():
		if def != "" && (val{v: def, state: known}).is(want...) {
			return nil
		}
		if def != "" {
			return []Finding{violation(r, "%s: %s is not set (Azure's default is %s)", problem, v.path(), def)}
		}
		return []Finding{violation(r, "%s: %s is not set", problem, v.path())}
	}
	got, _ := v.text()
	return []Finding{violation(r, "%s: %s is %q, not %s", problem, v.path(), got, strings.Join(want, " or "))}
}

// requireSet checks that a property is set to a non-blank value.
func requireSet(r *Resource, v val, problem string) []Finding {
	if v.undecided() {
		return nil // set to a value not known yet
	}
	if nonEmpty(v) && v.isSet() {
		return nil
	}
	return []Finding{violation(r, "%s (%s is not set)", problem, v.path())}
}

// requireMinNumber checks that a number property is at least floor; def
// is Azure's default when it is not set.
func requireMinNumber(r *Resource, v val, floor, def float64, problem string) []Finding {
	if v.undecided() {
		return []Finding{undecidable(r, v.describeUnknown())}
	}
	got := def
	if v.isSet() {
		n, ok := v.number()
		if !ok {
			return []Finding{violation(r, "%s is not a number", v.path())}
		}
		got = n
	}
	if got < floor {
		return []Finding{violation(r, "%s: %s is %g, below %g", problem, v.path(), got, floor)}
	}
	return nil
}
