package configdecode

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// RedactedValue replaces the value of a Problem whose value is a secret.
const RedactedValue = "[secret]"

// maxShownValue bounds how much of a value a Problem prints, so that a
// whole JSON object set on the wrong key does not flood the output.
const maxShownValue = 120

// Problem is one mistake in a stack's configuration.
type Problem struct {
	// Key is the dotted path of the offending setting below the project
	// namespace, with list indices: serviceBus.queues[1].lockDuration.
	Key string
	// Value is the offending value as written; empty when the setting is
	// missing, RedactedValue when it is a secret.
	Value string
	// Expected says what would be accepted, as a phrase that follows
	// "expected", and how to fix it when that is not obvious.
	Expected string
}

// String renders the problem on one line:
//
//	serviceBus.queues[1].lockDuration: "PT10M" — expected an ISO 8601 duration from PT5S to PT5M
func (p Problem) String() string {
	value := "not set"
	switch p.Value {
	case "":
	case RedactedValue:
		value = RedactedValue
	default:
		value = strconv.Quote(truncate(p.Value, maxShownValue))
	}
	return fmt.Sprintf("%s: %s — expected %s", p.Key, value, oneLine(p.Expected))
}

func (p Problem) Error() string { return p.String() }

// Problems are all the mistakes found in a stack's configuration, sorted by
// key. A non-empty Problems is the error Load returns.
type Problems []Problem

// Error lists the problems, one a line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Sort orders problems by key (then message, for stable output).
func Sort(ps Problems) {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].Key != ps[j].Key {
			return ps[i].Key < ps[j].Key
		}
		return ps[i].Expected < ps[j].Expected
	})
}

// plainSegment is a key segment that can be shown without quoting.
var plainSegment = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// JoinKey appends a map or object key to a dotted path. Keys that are not
// plain identifiers (tag names with dots or spaces, keys typed by mistake)
// are quoted in brackets so that the path stays unambiguous and on one line.
func JoinKey(path, name string) string {
	if !plainSegment.MatchString(name) {
		return path + "[" + strconv.Quote(truncate(name, maxShownValue)) + "]"
	}
	if path == "" {
		return name
	}
	return path + "." + name
}

// JoinIndex appends a list index to a dotted path.
func JoinIndex(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// TopKey returns the top-level key of a dotted path: "network" for
// "network.extraRules[0].name".
func TopKey(path string) string {
	if i := strings.IndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return path
}

// Under reports whether path is key itself or a setting nested in it.
func Under(path, key string) bool {
	if path == key {
		return true
	}
	return strings.HasPrefix(path, key) && (path[len(key)] == '.' || path[len(key)] == '[')
}

// truncate shortens s to at most n runes, marking the cut.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// oneLine keeps a message on one line even if it quotes user input.
func oneLine(s string) string {
	return strings.NewReplacer("\r", `\r`, "\n", `\n`).Replace(s)
}

// Suggest returns the candidate closest to input when it is close enough to
// be a likely typo, or "". Comparison ignores case; a candidate that is a
// prefix of input or the reverse ("prod" for "production") also counts.
func Suggest(input string, candidates []string) string {
	in := strings.ToLower(input)
	if in == "" {
		return ""
	}
	best, bestDist := "", -1
	for _, c := range candidates {
		lc := strings.ToLower(c)
		d := editDistance(in, lc)
		limit := min(3, max(1, utf8.RuneCountInString(lc)/3))
		if d > limit {
			prefix := utf8.RuneCountInString(lc) >= 3 && utf8.RuneCountInString(in) >= 3 &&
				(strings.HasPrefix(in, lc) || strings.HasPrefix(lc, in))
			if !prefix {
				continue
			}
			d = limit
		}
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// DidYouMean formats a suggestion as a clause to append to a message.
func DidYouMean(input string, candidates []string) string {
	if s := Suggest(input, candidates); s != "" && s != input {
		return "; did you mean " + s + "?"
	}
	return ""
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// Values turns a package's typed allowed values (a SKU, a rule's
// direction) into the strings a configuration file holds.
func Values[T ~string](typed []T) []string {
	out := make([]string, len(typed))
	for i, t := range typed {
		out[i] = string(t)
	}
	return out
}

// OneOf formats a list of accepted values: "a, b or c".
func OneOf(values []string) string {
	switch len(values) {
	case 0:
		return ""
	case 1:
		return values[0]
	}
	return strings.Join(values[:len(values)-1], ", ") + " or " + values[len(values)-1]
}
