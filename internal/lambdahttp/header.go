package lambdahttp

import (
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// Header rules, both ways, are net/http's own, so that a handler behind the
// adapter reads and sends exactly what it would behind net/http's server.
// httpguts is the package net/http uses for them (the standard library
// vendors the same code).

// checkRequestHeader returns the detail of the 400 net/http's server gives a
// request whose header it refuses ("invalid header name", "invalid header
// value", from its readRequest), or "" when the header is acceptable. A name
// must be an RFC 9110 token; a value may hold no control byte other than
// horizontal tab, so no CR, LF or NUL reaches a handler (bytes >= 0x80 are
// allowed, as obs-text).
func checkRequestHeader(h http.Header) string {
	for k, vs := range h {
		if !httpguts.ValidHeaderFieldName(k) {
			return fmt.Sprintf("invalid request header name %s", quoteShort(k))
		}
		for _, v := range vs {
			if !httpguts.ValidHeaderFieldValue(v) {
				return fmt.Sprintf("invalid value in request header %s", quoteShort(k))
			}
		}
	}
	return ""
}

// quoteShort quotes a header name for an error detail, cut to a length that
// keeps the detail readable whatever the client sent.
func quoteShort(s string) string {
	const limit = 64
	if len(s) > limit {
		return fmt.Sprintf("%q... (%d bytes)", s[:limit], len(s))
	}
	return fmt.Sprintf("%q", s)
}

// validResponseHeaderName reports whether net/http's server would send a
// response header with this name: Header.Write drops every name that is
// not a token ("Bad Name:", "X\r\nInjected"), and so does every response
// shape of the adapter.
func validResponseHeaderName(k string) bool {
	return httpguts.ValidHeaderFieldName(k)
}

// responseHeaderValue is v as net/http's server sends it (Header.Write in
// net/http/header.go): each CR and LF becomes a space (headerNewlineToSpace),
// so a value can never start a header line of its own, and then leading and
// trailing spaces, tabs, CRs and LFs are trimmed (textproto.TrimString).
// Every other byte, NUL and the other control bytes included, is sent as
// it is, as net/http sends it. Without anything to change it returns v
// itself.
func responseHeaderValue(v string) string {
	if v == "" {
		return v
	}
	if strings.ContainsAny(v, "\r\n") {
		v = headerNewlineToSpace.Replace(v)
	} else if !isASCIISpace(v[0]) && !isASCIISpace(v[len(v)-1]) {
		return v
	}
	return trimASCIISpace(v)
}

// trimASCIISpace is textproto.TrimString.
func trimASCIISpace(s string) string {
	for len(s) > 0 && isASCIISpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isASCIISpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

// headerNewlineToSpace is net/http's, byte for byte.
var headerNewlineToSpace = strings.NewReplacer("\n", " ", "\r", " ")

func isASCIISpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

// responseHeaderValues is vs with responseHeaderValue applied to each value;
// vs itself when nothing changes.
func responseHeaderValues(vs []string) []string {
	for i, v := range vs {
		if w := responseHeaderValue(v); w != v {
			out := make([]string, len(vs))
			copy(out, vs[:i])
			out[i] = w
			for j := i + 1; j < len(vs); j++ {
				out[j] = responseHeaderValue(vs[j])
			}
			return out
		}
	}
	return vs
}
