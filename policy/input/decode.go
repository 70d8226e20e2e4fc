package input

import (
	"bytes"
	"encoding/json"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// This file reads the two document formats straight from the bytes, in one
// pass, without reflection: about half the CPU time and far fewer
// allocations than encoding/json, which scans a document twice (once to
// validate it, once to decode it) and grows every map as it goes.
//
// It is a fast path, not a second JSON dialect. It accepts exactly the
// documents encoding/json decodes into a document without error, and
// gives the same values: numbers as float64, objects as map[string]any,
// arrays as []any (empty, not nil, when written []), strings with
// encoding/json's escapes and its replacement of invalid UTF-8. Whenever a
// document is anything else (a syntax error, a value of the wrong type, a
// field named twice or in another letter case, nesting deeper than
// encoding/json allows) it gives up, and the caller decodes the document
// with encoding/json, whose result or error message is then the answer.
// TestFastDecodingMatchesEncodingJSON and FuzzFastDecoding hold it to that.

// maxDepth is encoding/json's nesting limit.
const maxDepth = 10000

// minItemsPerWorker keeps small documents on one goroutine: below it the
// hand-off costs more than it saves.
const minItemsPerWorker = 512

// internMax is the longest string value that is interned: short values
// (names, enums, locations, "true"-like settings) repeat across resources,
// long ones (IDs, URNs) rarely do.
const internMax = 32

// decoder reads one JSON text. Not safe for concurrent use: every
// goroutine has its own.
type decoder struct {
	data  []byte
	i     int
	depth int
	// strs interns object keys and short strings.
	strs map[string]string
	// members and items are scratch stacks: an object's members (and an
	// array's items) are collected there, then copied into a map (slice)
	// of the right size.
	members []member
	items   []any
}

type member struct {
	key   string
	value any
}

func newDecoder(data []byte) *decoder {
	return &decoder{data: data, strs: make(map[string]string, 256)}
}

// decodeFast decodes a whole document into doc. false means: decode it
// with encoding/json instead (doc may then hold a part of the document).
func decodeFast(data []byte, doc *document) bool {
	d := newDecoder(data)
	d.space()
	if !d.document(doc) {
		return false
	}
	d.space()
	return d.i == len(d.data)
}

func (d *decoder) space() {
	for d.i < len(d.data) {
		switch d.data[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// next is the byte at the read position, or 0 at the end.
func (d *decoder) next() byte {
	if d.i < len(d.data) {
		return d.data[d.i]
	}
	return 0
}

// literal consumes word (true, false, null) when it is next.
func (d *decoder) literal(word string) bool {
	if len(d.data)-d.i < len(word) || string(d.data[d.i:d.i+len(word)]) != word {
		return false
	}
	d.i += len(word)
	return true
}

// fields reads an object, calling field with each key, the read position
// on the key's value; field reads the value. A document's own structs use
// it: their few fields make a callback cheap enough.
func (d *decoder) fields(field func(key string) bool) bool {
	if d.next() != '{' {
		return false
	}
	empty, ok := d.open('}')
	for more := !empty; ok && more; more, ok = d.after('}') {
		key, kok := d.key()
		if !kok || !field(key) {
			return false
		}
	}
	return ok
}

// open enters the object or array at the read position and says whether
// it is empty (then it is read whole).
func (d *decoder) open(end byte) (empty, ok bool) {
	if !d.enter() {
		return false, false
	}
	d.i++
	d.space()
	if d.next() == end {
		d.i++
		d.depth--
		return true, true
	}
	return false, true
}

// after reads what follows an item of an object or array: a comma (more
// follow) or its end.
func (d *decoder) after(end byte) (more, ok bool) {
	d.space()
	switch d.next() {
	case ',':
		d.i++
		d.space()
		return true, true
	case end:
		d.i++
		d.depth--
		return false, true
	}
	return false, false
}

// key reads an object key and the colon after it, leaving the read
// position on the value.
func (d *decoder) key() (string, bool) {
	if d.next() != '"' {
		return "", false
	}
	k, ok := d.string(true)
	if !ok {
		return "", false
	}
	d.space()
	if d.next() != ':' {
		return "", false
	}
	d.i++
	d.space()
	return k, true
}

func (d *decoder) enter() bool {
	d.depth++
	return d.depth <= maxDepth
}

// value reads any JSON value the way encoding/json decodes it into an any.
func (d *decoder) value() (any, bool) {
	switch c := d.next(); c {
	case '{':
		return d.object()
	case '[':
		return d.array()
	case '"':
		return d.string(false)
	case 't':
		return true, d.literal("true")
	case 'f':
		return false, d.literal("false")
	case 'n':
		return nil, d.literal("null")
	default:
		return d.number()
	}
}

func (d *decoder) object() (any, bool) {
	base := len(d.members)
	empty, ok := d.open('}')
	for more := !empty; ok && more; more, ok = d.after('}') {
		key, kok := d.key()
		if !kok {
			return nil, false
		}
		v, vok := d.value()
		if !vok {
			return nil, false
		}
		d.members = append(d.members, member{key, v})
	}
	if !ok {
		return nil, false
	}
	// A key written twice keeps its last value, as in encoding/json.
	m := make(map[string]any, len(d.members)-base)
	for _, e := range d.members[base:] {
		m[e.key] = e.value
	}
	clear(d.members[base:])
	d.members = d.members[:base]
	return m, true
}

func (d *decoder) array() (any, bool) {
	base := len(d.items)
	empty, ok := d.open(']')
	for more := !empty; ok && more; more, ok = d.after(']') {
		v, vok := d.value()
		if !vok {
			return nil, false
		}
		d.items = append(d.items, v)
	}
	if !ok {
		return nil, false
	}
	a := make([]any, len(d.items)-base)
	copy(a, d.items[base:])
	clear(d.items[base:])
	d.items = d.items[:base]
	return a, true
}

// string reads a string. Keys, and values up to internMax bytes, are
// interned.
func (d *decoder) string(isKey bool) (string, bool) {
	start := d.i + 1
	plain := true
	ascii := true
	i := start
	for ; i < len(d.data); i++ {
		c := d.data[i]
		if c == '"' {
			break
		}
		switch {
		case c == '\\':
			plain = false
			i++ // the escaped byte; unquote checks it
		case c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	if i >= len(d.data) {
		return "", false
	}
	raw := d.data[start:i]
	d.i = i + 1
	if !plain || (!ascii && !utf8.Valid(raw)) {
		return unquote(raw)
	}
	if !isKey && len(raw) > internMax {
		return string(raw), true
	}
	if s, ok := d.strs[string(raw)]; ok {
		return s, true
	}
	s := string(raw)
	d.strs[s] = s
	return s, true
}

// unquote decodes a string's contents (without the quotes) that holds
// escapes or invalid UTF-8, as encoding/json does: a lone or ill-paired
// UTF-16 surrogate and every invalid UTF-8 byte become U+FFFD.
func unquote(s []byte) (string, bool) {
	var b strings.Builder
	b.Grow(len(s))
	for r := 0; r < len(s); {
		c := s[r]
		switch {
		case c == '\\':
			if r+1 >= len(s) {
				return "", false
			}
			switch e := s[r+1]; e {
			case '"', '\\', '/':
				b.WriteByte(e)
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				rr, ok := hex4(s[r+2:])
				if !ok {
					return "", false
				}
				r += 6
				if utf16.IsSurrogate(rr) {
					if r+1 < len(s) && s[r] == '\\' && s[r+1] == 'u' {
						if rr1, ok := hex4(s[r+2:]); ok {
							if dec := utf16.DecodeRune(rr, rr1); dec != utf8.RuneError {
								b.WriteRune(dec)
								r += 6
								continue
							}
						}
					}
					rr = utf8.RuneError
				}
				b.WriteRune(rr)
				continue
			default:
				return "", false
			}
			r += 2
		case c < 0x20:
			return "", false
		case c < utf8.RuneSelf:
			b.WriteByte(c)
			r++
		default:
			rr, size := utf8.DecodeRune(s[r:])
			if rr == utf8.RuneError && size == 1 {
				b.WriteRune(utf8.RuneError)
			} else {
				b.Write(s[r : r+size])
			}
			r += size
		}
	}
	return b.String(), true
}

// hex4 reads the four hex digits of a \u escape. encoding/json's scanner
// refuses anything else after \u, so a short or non-hex one fails.
func hex4(s []byte) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range s[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r*16 + rune(c)
	}
	return r, true
}

// numberText reads a number's text, checking JSON's grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (d *decoder) numberText() (text []byte, integer bool, ok bool) {
	start := d.i
	i := d.i
	if i < len(d.data) && d.data[i] == '-' {
		i++
	}
	switch {
	case i < len(d.data) && d.data[i] == '0':
		i++
	case i < len(d.data) && '1' <= d.data[i] && d.data[i] <= '9':
		i = digits(d.data, i)
	default:
		return nil, false, false
	}
	integer = true
	if i < len(d.data) && d.data[i] == '.' {
		integer = false
		if j := digits(d.data, i+1); j > i+1 {
			i = j
		} else {
			return nil, false, false
		}
	}
	if i < len(d.data) && (d.data[i] == 'e' || d.data[i] == 'E') {
		integer = false
		i++
		if i < len(d.data) && (d.data[i] == '+' || d.data[i] == '-') {
			i++
		}
		if j := digits(d.data, i); j > i {
			i = j
		} else {
			return nil, false, false
		}
	}
	d.i = i
	return d.data[start:i], integer, true
}

func digits(data []byte, i int) int {
	for i < len(data) && '0' <= data[i] && data[i] <= '9' {
		i++
	}
	return i
}

// number reads a number as encoding/json decodes it into an any: a
// float64, and a failure when it is out of float64's range.
func (d *decoder) number() (any, bool) {
	text, integer, ok := d.numberText()
	if !ok {
		return nil, false
	}
	// Up to 15 digits, an integer is exact in a float64: no need to parse
	// it as a float.
	if integer && len(text) <= 15 {
		n, mag := 0, text
		if text[0] == '-' {
			mag = text[1:]
		}
		for _, c := range mag {
			n = n*10 + int(c-'0')
		}
		if text[0] == '-' {
			return -float64(n), true
		}
		return float64(n), true
	}
	f, err := strconv.ParseFloat(string(text), 64)
	return f, err == nil
}

// skip reads a value and drops it (it is still checked).
// It builds nothing: a stack export's outputs, as large as its inputs,
// cost a scan only.
func (d *decoder) skip() bool {
	switch d.next() {
	case '{':
		return d.skipContainer('}', true)
	case '[':
		return d.skipContainer(']', false)
	case '"':
		return d.skipString()
	case 't':
		return d.literal("true")
	case 'f':
		return d.literal("false")
	case 'n':
		return d.literal("null")
	}
	_, _, ok := d.numberText()
	return ok
}

// skipContainer checks and drops an object (keyed) or an array.
func (d *decoder) skipContainer(end byte, keyed bool) bool {
	empty, ok := d.open(end)
	for more := !empty; ok && more; more, ok = d.after(end) {
		if keyed {
			if d.next() != '"' || !d.skipString() {
				return false
			}
			d.space()
			if d.next() != ':' {
				return false
			}
			d.i++
			d.space()
		}
		if !d.skip() {
			return false
		}
	}
	return ok
}

// skipString checks and drops a string: no control characters, only
// JSON's escapes (encoding/json's scanner accepts invalid UTF-8, and
// replaces it when it decodes).
func (d *decoder) skipString() bool {
	for i := d.i + 1; i < len(d.data); i++ {
		switch c := d.data[i]; {
		case c == '"':
			d.i = i + 1
			return true
		case c < 0x20:
			return false
		case c == '\\':
			if i+1 >= len(d.data) {
				return false
			}
			switch d.data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i++
			case 'u':
				if _, ok := hex4(d.data[i+2:]); !ok {
					return false
				}
				i += 5
			default:
				return false
			}
		}
	}
	return false
}

// The document's own fields. encoding/json matches a JSON key to a struct
// field by its exact name, else by a case-insensitive one; the fast path
// takes only the exact name and gives up on anything that folds to a
// field's name, so that encoding/json decides those documents.

// unknownKey reads the value of a key that is not one of names, or gives
// up when the key differs from one of them only in letter case (or is not
// ASCII, where encoding/json's folding is subtler).
func (d *decoder) unknownKey(key string, names ...string) bool {
	for i := range len(key) {
		if key[i] >= utf8.RuneSelf {
			return false
		}
	}
	for _, n := range names {
		if strings.EqualFold(key, n) {
			return false
		}
	}
	return d.skip()
}

// once records a field as read and says whether it was already: a field
// written twice is left to encoding/json.
func once(seen *uint32, bit uint32) bool {
	if *seen&bit != 0 {
		return false
	}
	*seen |= bit
	return true
}

func (d *decoder) document(doc *document) bool {
	if d.literal("null") {
		return true
	}
	var seen uint32
	return d.fields(func(key string) bool {
		switch key {
		case "version":
			return once(&seen, 1) && d.intPtr(&doc.Version)
		case "deployment":
			return once(&seen, 2) && d.deployment(doc)
		case "steps":
			return once(&seen, 4) && d.steps(&doc.Steps)
		case "changeSummary":
			return once(&seen, 8) && d.mapField(&doc.ChangeSummary)
		}
		return d.unknownKey(key, "version", "deployment", "steps", "changeSummary")
	})
}

func (d *decoder) deployment(doc *document) bool {
	if d.literal("null") {
		doc.Deployment = nil
		return true
	}
	doc.Deployment = &deployment{}
	seen := false
	return d.fields(func(key string) bool {
		if key != "resources" {
			return d.unknownKey(key, "resources")
		}
		if seen {
			return false
		}
		seen = true
		return list(d, &doc.Deployment.Resources, (*decoder).state)
	})
}

func (d *decoder) steps(out *[]previewStep) bool {
	return list(d, out, (*decoder).step)
}

func (d *decoder) step(s *previewStep) bool {
	if d.literal("null") {
		return true
	}
	var seen uint32
	return d.fields(func(key string) bool {
		switch key {
		case "op":
			return once(&seen, 1) && d.stringField(&s.Op)
		case "urn":
			return once(&seen, 2) && d.stringField(&s.URN)
		case "newState":
			if !once(&seen, 4) {
				return false
			}
			if d.literal("null") {
				return true
			}
			s.NewState = &stateV3{}
			return d.state(s.NewState)
		}
		return d.unknownKey(key, "op", "urn", "newState")
	})
}

func (d *decoder) state(s *stateV3) bool {
	if d.literal("null") {
		return true
	}
	var seen uint32
	return d.fields(func(key string) bool {
		switch key {
		case "urn":
			return once(&seen, 1<<0) && d.stringField(&s.URN)
		case "custom":
			return once(&seen, 1<<1) && d.boolPtr(&s.Custom)
		case "delete":
			return once(&seen, 1<<2) && d.boolField(&s.Delete)
		case "id":
			return once(&seen, 1<<3) && d.stringField(&s.ID)
		case "type":
			return once(&seen, 1<<4) && d.stringField(&s.Type)
		case "inputs":
			return once(&seen, 1<<5) && d.mapField(&s.Inputs)
		case "outputs":
			return once(&seen, 1<<10) && d.raw(&s.Outputs)
		case "parent":
			return once(&seen, 1<<6) && d.stringField(&s.Parent)
		case "external":
			return once(&seen, 1<<7) && d.boolField(&s.External)
		case "dependencies":
			return once(&seen, 1<<8) && d.strings(&s.Dependencies)
		case "propertyDependencies":
			return once(&seen, 1<<9) && d.propertyDependencies(&s.PropertyDependencies)
		}
		return d.unknownKey(key, stateFields...)
	})
}

var stateFields = []string{"urn", "custom", "delete", "id", "type", "inputs", "outputs", "parent", "external", "dependencies", "propertyDependencies"}

// raw keeps a value's text, as a json.RawMessage field does.
func (d *decoder) raw(out *json.RawMessage) bool {
	start := d.i
	if !d.skip() {
		return false
	}
	*out = json.RawMessage(d.data[start:d.i])
	return true
}

// stringField, boolField, mapField and intPtr decode into a typed field:
// null leaves it as it is (encoding/json's rule), a value of another type
// gives up (encoding/json reports it).
func (d *decoder) stringField(out *string) bool {
	switch d.next() {
	case 'n':
		return d.literal("null")
	case '"':
		s, ok := d.string(false)
		*out = s
		return ok
	}
	return false
}

func (d *decoder) boolField(out *bool) bool {
	switch d.next() {
	case 'n':
		return d.literal("null")
	case 't':
		*out = true
		return d.literal("true")
	case 'f':
		*out = false
		return d.literal("false")
	}
	return false
}

// boolPtr decodes a *bool: null makes it nil.
func (d *decoder) boolPtr(out **bool) bool {
	if d.next() == 'n' {
		*out = nil
		return d.literal("null")
	}
	b := false
	if !d.boolField(&b) {
		return false
	}
	*out = &b
	return true
}

func (d *decoder) mapField(out *map[string]any) bool {
	switch d.next() {
	case 'n':
		*out = nil
		return d.literal("null")
	case '{':
		v, ok := d.object()
		if ok {
			*out = v.(map[string]any)
		}
		return ok
	}
	return false
}

func (d *decoder) intPtr(out **int) bool {
	if d.next() == 'n' {
		*out = nil
		return d.literal("null")
	}
	text, integer, ok := d.numberText()
	if !ok || !integer {
		return false
	}
	n, err := strconv.Atoi(string(text))
	if err != nil {
		return false
	}
	*out = &n
	return true
}

// strings reads a []string: null items are empty strings.
func (d *decoder) strings(out *[]string) bool {
	if d.literal("null") {
		*out = nil
		return true
	}
	return list(d, out, func(d *decoder, s *string) bool { return d.stringField(s) })
}

func (d *decoder) propertyDependencies(out *map[string][]string) bool {
	if d.literal("null") {
		*out = nil
		return true
	}
	m := map[string][]string{}
	*out = m
	return d.fields(func(key string) bool {
		var deps []string
		if !d.strings(&deps) {
			return false
		}
		m[key] = deps
		return true
	})
}

// list reads an array (or null) into a typed slice, its items on all cores
// when there are many of them.
func list[T any](d *decoder, out *[]T, item func(*decoder, *T) bool) bool {
	if d.literal("null") {
		*out = nil
		return true
	}
	if d.next() != '[' {
		return false
	}
	spans, ok := d.itemSpans()
	if !ok {
		return false
	}
	end := d.i
	d.depth++ // the items are read inside the array
	result := make([]T, len(spans))
	workers := min(runtime.GOMAXPROCS(0), len(spans)/minItemsPerWorker)
	if workers < 2 {
		for i, sp := range spans {
			d.i = sp[0]
			if !item(d, &result[i]) || d.i != sp[1] {
				return false
			}
		}
	} else if !inParallel(d, spans, result, workers, item) {
		return false
	}
	d.i = end
	d.depth--
	*out = result
	return true
}

// inParallel decodes spans into result on workers goroutines, each with
// its own decoder over the same bytes, taking a contiguous run.
func inParallel[T any](d *decoder, spans [][2]int, result []T, workers int, item func(*decoder, *T) bool) bool {
	ok := make([]bool, workers)
	chunk := (len(spans) + workers - 1) / workers
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*chunk, min((w+1)*chunk, len(spans))
		wg.Go(func() {
			wd := newDecoder(d.data)
			wd.depth = d.depth
			for i := lo; i < hi; i++ {
				wd.i = spans[i][0]
				if !item(wd, &result[i]) || wd.i != spans[i][1] {
					return
				}
			}
			ok[w] = true
		})
	}
	wg.Wait()
	for _, o := range ok {
		if !o {
			return false
		}
	}
	return true
}

// itemSpans finds the byte range of each item of the array at the read
// position (a '[') and leaves the read position after the array. It
// checks the commas and spaces between items; in an item, only strings and
// nesting (scanValue): each item is checked when it is decoded.
func (d *decoder) itemSpans() ([][2]int, bool) {
	spans := [][2]int{}
	empty, ok := d.open(']')
	for more := !empty; ok && more; more, ok = d.after(']') {
		end := scanValue(d.data, d.i)
		if end < 0 {
			return nil, false
		}
		spans = append(spans, [2]int{d.i, end})
		d.i = end
	}
	return spans, ok
}

// scanString returns the index after the string starting at data[i] (a
// quote), or -1 when it does not end. Unlike (*decoder).skipString it
// checks nothing inside: items are checked when they are decoded. A quote ends the string unless an
// odd number of backslashes comes before it.
func scanString(data []byte, i int) int {
	for i++; ; {
		q := bytes.IndexByte(data[i:], '"')
		if q < 0 {
			return -1
		}
		i += q
		escapes := 0
		for j := i - 1; j >= 0 && data[j] == '\\'; j-- {
			escapes++
		}
		if escapes%2 == 0 {
			return i + 1
		}
		i++
	}
}

// scanValue returns the index after the value starting at data[i], or -1,
// tracking only strings and nesting (itemSpans).
func scanValue(data []byte, i int) int {
	if i >= len(data) {
		return -1
	}
	switch data[i] {
	case '"':
		return scanString(data, i)
	case '{', '[':
		depth := 0
		for ; i < len(data); i++ {
			switch data[i] {
			case '"':
				if i = scanString(data, i); i < 0 {
					return -1
				}
				i--
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return -1
	}
	start := i
	for i < len(data) && !strings.ContainsRune(",}] \t\r\n", rune(data[i])) {
		i++
	}
	if i == start {
		return -1
	}
	return i
}
