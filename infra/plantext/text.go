package plantext

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/misybot/platform/infra/offline"
)

// Placeholders shown instead of values in the text output.
const (
	secretText  = "[secret]"
	unknownText = "[unknown]"
)

// row is one line of the resource tree.
type row struct {
	op, prefix, typ, name string
}

// WriteText prints the plan like `pulumi preview`: the resource tree (with
// each resource's operation), the count of each operation, the changes of
// an update, the count per type and the stack outputs, secrets hidden.
func WriteText(w io.Writer, plan *offline.Plan) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Previewing %s/%s (offline: Pulumi mocks, no Azure calls)\n\n", plan.Project, plan.Stack)

	rows := treeRows(plan)
	typeWidth, nameWidth := len("Type"), len("Name")
	for _, r := range rows {
		typeWidth = max(typeWidth, utf8.RuneCountInString(r.prefix+r.typ))
		nameWidth = max(nameWidth, utf8.RuneCountInString(r.name))
	}
	fmt.Fprintf(&b, "     %s\n", strings.TrimRight(pad("Type", typeWidth)+"  Name", " "))
	for _, r := range rows {
		fmt.Fprintf(&b, " %-3s %s  %s\n", r.op, pad(r.prefix+r.typ, typeWidth), r.name)
	}

	ops := map[offline.Op]int{}
	for _, c := range plan.Changes {
		ops[c.Op]++
	}
	if len(plan.Changes) == 0 {
		for _, r := range plan.Resources {
			if r.Read {
				ops[offline.OpRead]++
			} else {
				ops[offline.OpCreate]++
			}
		}
	}
	b.WriteString("\nResources:\n")
	fmt.Fprintf(&b, "    + %d to create\n", ops[offline.OpCreate])
	for _, o := range []struct {
		op   offline.Op
		line string
	}{
		{offline.OpUpdate, "~ %d to update"}, {offline.OpMaybeUpdate, "~? %d to update if a secret changed (not comparable offline)"}, {offline.OpReplace, "+- %d to replace"},
		{offline.OpDelete, "- %d to delete"}, {offline.OpSame, "  %d unchanged"}, {offline.OpRead, "> %d to read"},
	} {
		if ops[o.op] > 0 {
			fmt.Fprintf(&b, "    "+o.line+"\n", ops[o.op])
		}
	}
	writeChanges(&b, plan)
	counts := plan.CountByType()
	types := make([]string, 0, len(counts))
	width := 0
	for t := range counts {
		types = append(types, t)
		width = max(width, len(t))
	}
	sort.Strings(types)
	if len(types) > 0 {
		b.WriteString("\n")
	}
	for _, t := range types {
		fmt.Fprintf(&b, "    %s  %d\n", pad(t, width), counts[t])
	}

	if names := plan.OutputNames(); len(names) > 0 {
		b.WriteString("\nOutputs:\n")
		width := 0
		for _, n := range names {
			width = max(width, len(n))
		}
		for _, n := range names {
			fmt.Fprintf(&b, "    %s: %s\n", pad(n, width), OutputText(plan.Outputs[n]))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// treeRows lays the resources out under the stack, children indented under
// their parent in registration order.
func treeRows(plan *offline.Plan) []row {
	known := map[string]bool{plan.StackURN: true}
	for _, r := range plan.Resources {
		known[r.URN] = true
	}
	children := map[string][]offline.Resource{}
	for _, r := range plan.Resources {
		parent := r.Parent
		if !known[parent] || parent == r.URN {
			parent = plan.StackURN // keep resources with an unlisted parent visible
		}
		children[parent] = append(children[parent], r)
	}
	changes := make(map[string]offline.Change, len(plan.Changes))
	for _, c := range plan.Changes {
		changes[c.URN] = c
	}
	rows := []row{{op: "+", typ: "pulumi:pulumi:Stack", name: plan.Project + "-" + plan.Stack}}
	var walk func(urn, indent string)
	walk = func(urn, indent string) {
		kids := children[urn]
		for i, r := range kids {
			branch, next := "├─ ", "│  "
			if i == len(kids)-1 {
				branch, next = "└─ ", "   "
			}
			op := "+"
			if r.Read {
				op = ">-"
			}
			if c, ok := changes[r.URN]; ok {
				op = opSymbol(c.Op)
			}
			rows = append(rows, row{op: op, prefix: indent + branch, typ: r.Type, name: r.Name})
			walk(r.URN, indent+next)
		}
	}
	walk(plan.StackURN, "")
	return rows
}

// opSymbol is the column `pulumi preview` shows for an operation.
func opSymbol(op offline.Op) string {
	switch op {
	case offline.OpUpdate:
		return "~"
	case offline.OpMaybeUpdate:
		return "~?"
	case offline.OpReplace:
		return "+-"
	case offline.OpDelete:
		return "-"
	case offline.OpSame:
		return ""
	case offline.OpRead:
		return ">-"
	default:
		return "+"
	}
}

// writeChanges lists what changes in an update from a prior state: the
// updates and replacements with their keys, and the deletions.
func writeChanges(b *strings.Builder, plan *offline.Plan) {
	var lines []string
	for _, c := range plan.Changes {
		switch c.Op {
		case offline.OpUpdate:
			lines = append(lines, fmt.Sprintf("    ~ %s: %s", c.URN, strings.Join(c.Keys, ", ")))
		case offline.OpMaybeUpdate:
			lines = append(lines, fmt.Sprintf("    ~? %s: %s (a secret the prior state holds as ciphertext or under another key: its value cannot be compared offline)", c.URN, strings.Join(c.Keys, ", ")))
		case offline.OpReplace:
			lines = append(lines, fmt.Sprintf("    +- %s: %s (replace forced by %s)", c.URN, strings.Join(c.Keys, ", "), strings.Join(c.ReplaceKeys, ", ")))
		case offline.OpDelete:
			lines = append(lines, fmt.Sprintf("    - %s", c.URN))
		}
	}
	if len(lines) == 0 {
		return
	}
	b.WriteString("\nChanges:\n")
	for _, l := range lines {
		b.WriteString(l + "\n")
	}
}

// pad pads s with spaces to width runes.
func pad(s string, width int) string {
	return s + strings.Repeat(" ", max(0, width-utf8.RuneCountInString(s)))
}

// OutputText renders a stack output on one line: [secret] for a secret,
// [unknown] for a value known only after deployment.
func OutputText(o offline.Output) string {
	return ValueText(resource.NewProperty(resource.Output{Element: o.Value, Known: o.Known, Secret: o.Secret}))
}

// ValueText renders a value on one line; secrets anywhere inside it are
// shown as [secret], unknowns as [unknown], objects with sorted keys.
func ValueText(v resource.PropertyValue) string {
	switch {
	case v.IsSecret():
		return secretText
	case v.IsComputed():
		return unknownText
	case v.IsOutput():
		o := v.OutputValue()
		switch {
		case o.Secret:
			return secretText
		case !o.Known:
			return unknownText
		default:
			return ValueText(o.Element)
		}
	case v.IsNull():
		return "null"
	case v.IsBool():
		return strconv.FormatBool(v.BoolValue())
	case v.IsNumber():
		return strconv.FormatFloat(v.NumberValue(), 'f', -1, 64)
	case v.IsString():
		return strconv.Quote(v.StringValue())
	case v.IsArray():
		items := make([]string, len(v.ArrayValue()))
		for i, e := range v.ArrayValue() {
			items[i] = ValueText(e)
		}
		return "[" + strings.Join(items, ", ") + "]"
	case v.IsObject():
		obj := v.ObjectValue()
		items := make([]string, 0, len(obj))
		for _, k := range obj.StableKeys() {
			items = append(items, string(k)+": "+ValueText(obj[k]))
		}
		return "{" + strings.Join(items, ", ") + "}"
	case v.IsResourceReference():
		return strconv.Quote(string(v.ResourceReferenceValue().URN))
	default:
		return "<" + v.TypeString() + ">"
	}
}
