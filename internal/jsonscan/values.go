package jsonscan

import (
	"strconv"
	"strings"
)

// Str decodes a string field; null leaves it as it is.
func (d *Decoder) Str(p *string) {
	if d.i < len(d.s) && d.s[d.i] == '"' {
		*p = d.string()
		return
	}
	if !d.Null() {
		d.bad = true
	}
}

// Bool decodes a bool field; null leaves it as it is.
func (d *Decoder) Bool(p *bool) {
	switch {
	case strings.HasPrefix(d.s[d.i:], "true"):
		*p = true
		d.i += 4
	case strings.HasPrefix(d.s[d.i:], "false"):
		*p = false
		d.i += 5
	case d.Null():
	default:
		d.bad = true
	}
}

// Int64 decodes an integer field; null leaves it as it is. Fractions,
// exponents and out-of-range numbers are encoding/json's to reject.
func (d *Decoder) Int64(p *int64) {
	if d.Null() {
		return
	}
	start := d.i
	d.number()
	if d.bad {
		return
	}
	v, err := strconv.ParseInt(d.s[start:d.i], 10, 64)
	if err != nil {
		d.bad = true
		return
	}
	*p = v
}

// StrMap decodes a map[string]string field: null sets it to nil, an object
// adds to it (encoding/json reuses a non-nil map), the last of duplicate
// keys wins.
func (d *Decoder) StrMap(p *map[string]string) {
	if d.Null() {
		*p = nil
		return
	}
	if !d.consume('{') {
		return
	}
	m := *p
	if m == nil {
		m = make(map[string]string, d.countMembers())
		*p = m
	}
	for n := 0; ; n++ {
		k, ok := d.Member(n)
		if !ok {
			return
		}
		if d.i >= len(d.s) || d.s[d.i] != '"' {
			d.bad = true // null gives "", other types an error
			return
		}
		v := d.string()
		if d.bad {
			return
		}
		m[k] = v
	}
}

// countMembers returns the number of members of the object whose '{' has
// just been consumed, if it only has string values (a size hint; 0 if it
// cannot tell), without moving the Decoder.
func (d *Decoder) countMembers() int {
	i, n := d.i, 0
	for i < len(d.s) {
		switch d.s[i] {
		case '}':
			return n
		case ':':
			n++
		case '"':
			j, ok := d.stringEnd(i)
			if !ok {
				return 0
			}
			i = j
			continue
		case '{', '[':
			return 0
		}
		i++
	}
	return 0
}

// MultiMap decodes a map[string][]string field: null sets it to nil, an
// object adds to it, each key's array replacing what the key held. All the
// values of one object share a backing array, each slice capped at its
// length, so one object costs two allocations however many keys it has.
func (d *Decoder) MultiMap(p *map[string][]string) {
	if d.Null() {
		*p = nil
		return
	}
	if !d.consume('{') {
		return
	}
	var keyBuf [16]string
	var endBuf [16]int
	var valBuf [24]string
	keys, ends, vals := keyBuf[:0], endBuf[:0], valBuf[:0]
	for n := 0; ; n++ {
		k, ok := d.Member(n)
		if !ok {
			break
		}
		vals = d.appendStrings(vals)
		if d.bad {
			return
		}
		keys = append(keys, k)
		ends = append(ends, len(vals))
	}
	if d.bad {
		return
	}
	m := *p
	if m == nil {
		m = make(map[string][]string, len(keys))
		*p = m
	}
	all := make([]string, len(vals))
	copy(all, vals)
	start := 0
	for i, k := range keys {
		m[k] = all[start:ends[i]:ends[i]]
		start = ends[i]
	}
}

// StrSlice decodes a []string field: null sets it to nil, [] to an empty
// slice.
func (d *Decoder) StrSlice(p *[]string) {
	if d.Null() {
		*p = nil
		return
	}
	var buf [8]string
	vals := d.appendStrings(buf[:0])
	if d.bad {
		return
	}
	s := make([]string, len(vals))
	copy(s, vals)
	*p = s
}

// appendStrings decodes an array of strings (no nulls) onto vals.
func (d *Decoder) appendStrings(vals []string) []string {
	if !d.consume('[') {
		return vals
	}
	for n := 0; ; n++ {
		d.Space()
		if d.i >= len(d.s) {
			d.bad = true
			return vals
		}
		if d.s[d.i] == ']' {
			d.i++
			return vals
		}
		if n > 0 {
			if d.s[d.i] != ',' {
				d.bad = true
				return vals
			}
			d.i++
			d.Space()
			if d.i >= len(d.s) {
				d.bad = true
				return vals
			}
		}
		if d.s[d.i] != '"' {
			d.bad = true
			return vals
		}
		vals = append(vals, d.string())
		if d.bad {
			return vals
		}
	}
}

// consume consumes the byte c (an opening '{' or '['), or makes the Decoder
// bad if c is not next.
func (d *Decoder) consume(c byte) bool {
	if d.i < len(d.s) && d.s[d.i] == c {
		d.i++
		return true
	}
	d.bad = true
	return false
}
