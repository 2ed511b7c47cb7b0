// Package jsonscan reads a JSON document one value at a time, for decoders
// written by hand that must give exactly what encoding/json gives.
//
// A Decoder's readers (Str, Bool, Int64, StrMap, MultiMap, StrSlice, Skip,
// Raw and the object readers) either decode the next value as
// json.Unmarshal would decode it into a field of that type, or set the
// Decoder bad and return garbage: on invalid JSON, a value of another type,
// null inside a map or an array, invalid UTF-8, a lone surrogate escape, a
// number that is not an int64 written as an integer, or nesting deeper than
// MaxDepth. They never decode a value differently from encoding/json. So a
// caller reads the whole document, checks Bad once at the end, and on bad
// input hands the payload to encoding/json, which then decides (and gives
// its own error). TestReadersMatchJSON and FuzzDecoder compare the two.
//
// The Decoder works on a string: decoded strings without escapes are
// substrings of it, so a caller converting a []byte once allocates nothing
// more for them.
package jsonscan

import (
	"iter"
	"strings"
)

// MaxDepth bounds the nesting of the values Skip and Raw read; deeper
// values make the Decoder bad (encoding/json allows 10000 levels).
const MaxDepth = 64

// Decoder reads one JSON document, which New gives it. It is a value with no
// pointer to itself, so a caller's Decoder can live on the stack.
type Decoder struct {
	s       string // the whole document; decoded strings without escapes are substrings of it
	i       int
	bad     bool
	scratch []byte  // for unescaping
	pooled  *[]byte // where scratch came from, if it did
}

// New returns a Decoder at the start of s.
func New(s string) Decoder {
	return Decoder{s: s}
}

// Bad reports whether the Decoder met something it cannot decode exactly as
// encoding/json does; what it decoded since is garbage.
func (d *Decoder) Bad() bool { return d.bad }

// Fail makes the Decoder bad: for a caller's own rule (a key it declines,
// a value its type cannot hold).
func (d *Decoder) Fail() { d.bad = true }

// Release returns the Decoder's unescaping buffer to a pool shared by all
// Decoders. The strings it decoded stay valid.
func (d *Decoder) Release() {
	if d.pooled != nil && cap(d.scratch) <= 64<<10 {
		*d.pooled = d.scratch[:0]
		scratchPool.Put(d.pooled)
	}
	d.pooled, d.scratch = nil, nil
}

// Space skips JSON whitespace. The readers expect to be at the value: the
// object readers skip the whitespace around keys and values, a caller skips
// the whitespace before the document.
func (d *Decoder) Space() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// End skips trailing whitespace and makes the Decoder bad unless that ends
// the document.
func (d *Decoder) End() {
	d.Space()
	if d.i != len(d.s) {
		d.bad = true
	}
}

// Null consumes a null literal if one is next.
func (d *Decoder) Null() bool {
	if strings.HasPrefix(d.s[d.i:], "null") {
		d.i += 4
		return true
	}
	return false
}

// ObjectStart consumes the '{' of an object into a struct and reports true,
// or consumes a null (which leaves a struct as it is) and reports false.
// Anything else makes the Decoder bad.
func (d *Decoder) ObjectStart() bool {
	if d.i < len(d.s) && d.s[d.i] == '{' {
		d.i++
		return true
	}
	if !d.Null() {
		d.bad = true
	}
	return false
}

// Member reads the key of member n (counting from 0) of the object whose
// '{' has been consumed and leaves the Decoder at the value; at the '}'
// (consumed) or on bad input it reports false. The caller reads or skips
// the value before asking for member n+1.
func (d *Decoder) Member(n int) (string, bool) {
	d.Space()
	if d.i >= len(d.s) {
		d.bad = true
		return "", false
	}
	c := d.s[d.i]
	if c == '}' {
		d.i++
		return "", false
	}
	if n > 0 {
		if c != ',' {
			d.bad = true
			return "", false
		}
		d.i++
		d.Space()
		if d.i >= len(d.s) {
			d.bad = true
			return "", false
		}
		c = d.s[d.i]
	}
	if c != '"' {
		d.bad = true
		return "", false
	}
	k := d.string()
	d.Space()
	if d.bad || d.i >= len(d.s) || d.s[d.i] != ':' {
		d.bad = true
		return "", false
	}
	d.i++
	d.Space()
	return k, true
}

// Object reads an object into a struct: ObjectStart, then each member's key
// in order, the Decoder at its value, which the loop body must read or
// skip. A null yields no keys. The loop ends at the '}' or as soon as the
// Decoder is bad.
//
// Encoding/json matches keys to fields case-insensitively and skips unknown
// keys; which keys a caller decodes, declines (Fail) or skips is its own
// rule.
func (d *Decoder) Object() iter.Seq[string] {
	return func(yield func(string) bool) {
		if !d.ObjectStart() {
			return
		}
		for n := 0; ; n++ {
			k, ok := d.Member(n)
			if !ok || !yield(k) || d.bad {
				return
			}
		}
	}
}

// Skip validates and skips one value.
func (d *Decoder) Skip() { d.skip(0) }

// Raw validates and skips one value and returns it as written, as
// json.RawMessage would hold it (null included).
func (d *Decoder) Raw() string {
	start := d.i
	d.skip(0)
	return d.s[start:d.i]
}

func (d *Decoder) skip(depth int) {
	if depth > MaxDepth || d.i >= len(d.s) {
		d.bad = true
		return
	}
	switch c := d.s[d.i]; c {
	case '"':
		j, ok := d.stringEnd(d.i)
		if !ok {
			d.bad = true
			return
		}
		d.i = j
	case '{':
		d.i++
		for n := 0; ; n++ {
			if _, ok := d.Member(n); !ok {
				return
			}
			d.skip(depth + 1)
			if d.bad {
				return
			}
		}
	case '[':
		d.i++
		for n := 0; ; n++ {
			d.Space()
			if d.i >= len(d.s) {
				d.bad = true
				return
			}
			if d.s[d.i] == ']' {
				d.i++
				return
			}
			if n > 0 {
				if d.s[d.i] != ',' {
					d.bad = true
					return
				}
				d.i++
				d.Space()
			}
			d.skip(depth + 1)
			if d.bad {
				return
			}
		}
	case 't':
		d.literal("true")
	case 'f':
		d.literal("false")
	case 'n':
		d.literal("null")
	default:
		d.number()
	}
}

func (d *Decoder) literal(lit string) {
	if !strings.HasPrefix(d.s[d.i:], lit) {
		d.bad = true
		return
	}
	d.i += len(lit)
}

// number consumes a number as RFC 8259 defines it.
func (d *Decoder) number() {
	s, i := d.s, d.i
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		i = digits(s, i)
	default:
		d.bad = true
		return
	}
	if i < len(s) && s[i] == '.' {
		j := digits(s, i+1)
		if j == i+1 {
			d.bad = true
			return
		}
		i = j
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := digits(s, i)
		if j == i {
			d.bad = true
			return
		}
		i = j
	}
	d.i = i
}

func digits(s string, i int) int {
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	return i
}
