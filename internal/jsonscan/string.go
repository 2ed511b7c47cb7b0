package jsonscan

import (
	"math/bits"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// scratchPool holds unescaping buffers.
var scratchPool sync.Pool // of *[]byte

// plain[c] is true for the bytes a JSON string holds as themselves: ASCII
// but control characters, '"' and '\\'.
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// plainRun returns the index of the first byte at or after i in s that is
// not plain, eight bytes at a time.
func plainRun(s string, i int) int {
	const (
		lo = 0x0101010101010101
		hi = 0x8080808080808080
	)
	for i+8 <= len(s) {
		t := s[i : i+8] // one bounds check; the compiler merges the loads
		x := uint64(t[0]) | uint64(t[1])<<8 | uint64(t[2])<<16 | uint64(t[3])<<24 |
			uint64(t[4])<<32 | uint64(t[5])<<40 | uint64(t[6])<<48 | uint64(t[7])<<56
		q := x ^ ('"' * lo)
		b := x ^ ('\\' * lo)
		// Per byte: < 0x20, == '"', == '\\', or >= 0x80. Only bytes above
		// the first hit can be false hits, so the lowest bit is exact.
		m := ((x-0x20*lo)&^x | (q-lo)&^q | (b-lo)&^b | x) & hi
		if m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
		i += 8
	}
	for i < len(s) && plain[s[i]] {
		i++
	}
	return i
}

// stringEnd validates the string starting with the quote at s[i] and returns
// the index after its closing quote. It accepts valid UTF-8 and valid escape
// sequences only (lone surrogates are left to stringSlow).
func (d *Decoder) stringEnd(i int) (int, bool) {
	s := d.s
	i++
	for {
		i = plainRun(s, i)
		if i >= len(s) {
			return 0, false
		}
		switch c := s[i]; {
		case c == '"':
			return i + 1, true
		case c == '\\':
			if i+1 >= len(s) {
				return 0, false
			}
			switch s[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if _, ok := hex4(s, i+2); !ok {
					return 0, false
				}
				i += 6
			default:
				return 0, false
			}
		case c < 0x20:
			return 0, false
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				return 0, false // encoding/json replaces it; leave that to it
			}
			i += size
		}
	}
}

// string decodes the string starting at the quote at d.i.
func (d *Decoder) string() string {
	start := d.i + 1
	i := plainRun(d.s, start)
	if i < len(d.s) && d.s[i] == '"' {
		d.i = i + 1
		return d.s[start:i] // the common case: plain ASCII
	}
	return d.stringSlow(start, i)
}

// stringSlow decodes the rest of the string whose content starts at start,
// from the first byte at i that is not plain. Without escapes the string is
// a substring of the document; with escapes it is decoded in one pass into
// the scratch buffer and copied out.
func (d *Decoder) stringSlow(start, i int) string {
	s := d.s
	var buf []byte
	escaped := false
	run := start // s[run:i] is not yet in buf
	for {
		if i >= len(s) {
			d.bad = true
			return ""
		}
		switch c := s[i]; {
		case c == '"':
			d.i = i + 1
			if !escaped {
				return s[start:i]
			}
			buf = append(buf, s[run:i]...)
			d.scratch = buf
			return string(buf)
		case c == '\\':
			if !escaped {
				escaped = true
				if d.pooled == nil {
					if p, ok := scratchPool.Get().(*[]byte); ok {
						d.pooled, d.scratch = p, *p
					} else {
						d.pooled = new([]byte)
					}
				}
				buf = d.scratch[:0]
			}
			buf = append(buf, s[run:i]...)
			if i+1 >= len(s) {
				d.bad = true
				return ""
			}
			switch e := s[i+1]; e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, ok := hex4(s, i+2)
				if !ok {
					d.bad = true
					return ""
				}
				if utf16.IsSurrogate(r) {
					// Only a high surrogate followed by a low one is a
					// character; encoding/json replaces the others.
					r2, ok := rune(0), false
					if r < 0xdc00 && i+12 <= len(s) && s[i+6] == '\\' && s[i+7] == 'u' {
						r2, ok = hex4(s, i+8)
					}
					if !ok || r2 < 0xdc00 || r2 > 0xdfff {
						d.bad = true
						return ""
					}
					r = utf16.DecodeRune(r, r2)
					i += 6
				}
				buf = utf8.AppendRune(buf, r)
				i += 4
			default:
				d.bad = true
				return ""
			}
			i += 2
			run = i
		case c < 0x20:
			d.bad = true
			return ""
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				d.bad = true // encoding/json replaces it; leave that to it
				return ""
			}
			i += size
		}
		i = plainRun(s, i)
	}
}

// hex4 decodes the four hex digits at s[i:].
func hex4(s string, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[i : i+4]) {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
