// Package weborigin holds the CORS rules of the r2r stack: it parses the
// allow-lists of origins and matches browsers' Origin headers against them,
// and it lists the methods and headers a cross-origin request may use. The
// API, cmd/hello and the CDK app (a module of its own, which cannot import
// internal packages) all use it, so an origin, method or header allowed in
// one place is allowed, spelled the same way, in all.
//
// An origin is compared in the form browsers serialise it (RFC 6454, the
// WHATWG URL standard): scheme and host in lower case, the scheme's default
// port left out, IPv6 addresses compressed. Entries that no browser could
// ever send (wildcards, paths, ports out of range...) are refused, naming the
// entry, rather than kept as rules that silently never match.
package weborigin

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Any is the allow-list entry that allows every origin.
const Any = "*"

// ParseList parses a comma-separated allow-list, such as a CORS_ALLOW_ORIGINS
// value: "*" alone, or origins like https://app.example.com. It returns the
// entries in canonical form.
func ParseList(s string) ([]string, error) {
	return CheckList(strings.Split(s, ","))
}

// CheckList validates an allow-list given entry by entry (a JSON list, or
// the pieces of a comma-separated one) and returns it in canonical form.
// Surrounding spaces are ignored; an empty entry is an error (a stray comma
// is more often a lost origin than a harmless typo).
func CheckList(entries []string) ([]string, error) {
	if len(entries) == 0 || len(entries) == 1 && strings.TrimSpace(entries[0]) == "" {
		return nil, errors.New(`no origin given: want "*" or origins like https://app.example.com`)
	}
	origins := make([]string, 0, len(entries))
	for i, e := range entries {
		e = strings.TrimSpace(e)
		switch e {
		case "":
			return nil, fmt.Errorf("entry %d of %d is empty: want origins separated by single commas", i+1, len(entries))
		case Any:
			origins = append(origins, Any)
			continue
		}
		o, err := Parse(e)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(origins, o) {
			origins = append(origins, o)
		}
	}
	if len(origins) > 1 && slices.Contains(origins, Any) {
		return nil, errors.New(`"*" allows every origin and cannot be combined with others`)
	}
	return origins, nil
}

// Parse returns the canonical form of one configured origin,
// scheme://host[:port], or an error that names it and says why no browser
// would ever send it.
func Parse(s string) (string, error) {
	o, why := canonical(s)
	if why != "" {
		return "", fmt.Errorf("%q is not an origin: %s", s, why)
	}
	return o, nil
}

// Canonical returns the canonical form of an Origin request header, and
// false when it is not an http or https origin (for instance "null", which
// browsers send from sandboxed pages and file: URLs).
func Canonical(s string) (string, bool) {
	o, why := canonical(s)
	return o, why == ""
}

// canonical parses scheme://host[:port] by hand: url.Parse accepts far more
// (paths, userinfo, "*" in hosts) and would leave each of those to be refused
// afterwards.
func canonical(s string) (origin, why string) {
	const form = "want scheme://host[:port], such as https://app.example.com"
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return "", form
	}
	scheme = strings.ToLower(scheme)
	var defaultPort string
	switch scheme {
	case "https":
		defaultPort = "443"
	case "http":
		defaultPort = "80"
	default:
		return "", "the scheme must be http or https"
	}
	if i := strings.IndexAny(rest, "/?#@\\"); i >= 0 {
		switch rest[i] {
		case '/', '\\':
			return "", "an origin has no path, not even \"/\": " + form
		case '?':
			return "", "an origin has no query: " + form
		case '#':
			return "", "an origin has no fragment: " + form
		default:
			return "", "an origin has no user name or password: " + form
		}
	}
	host, port := rest, ""
	if strings.HasPrefix(rest, "[") {
		end := strings.Index(rest, "]")
		if end < 0 {
			return "", "unclosed \"[\" in the IPv6 address"
		}
		host, port = rest[:end+1], rest[end+1:]
		if port != "" && port[0] != ':' {
			return "", form
		}
	} else if i := strings.LastIndexByte(rest, ':'); i >= 0 {
		host, port = rest[:i], rest[i:]
	}
	if port != "" {
		port = port[1:]
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || strings.Trim(port, "0123456789") != "" {
			return "", fmt.Sprintf("port %q is not a number from 1 to 65535", port)
		}
		port = strconv.Itoa(n) // browsers drop leading zeros
		if port == defaultPort {
			port = ""
		}
	}
	host, why = canonicalHost(host)
	if why != "" {
		return "", why
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host, ""
}

// canonicalHost lowercases a DNS name, or normalises an IP address literal
// as browsers serialise it.
func canonicalHost(h string) (string, string) {
	if h == "" {
		return "", "the host is missing"
	}
	if strings.HasPrefix(h, "[") {
		a, err := netip.ParseAddr(h[1 : len(h)-1])
		if err != nil || !a.Is6() || a.Zone() != "" {
			return "", fmt.Sprintf("%s is not an IPv6 address", h)
		}
		return "[" + a.String() + "]", ""
	}
	h = strings.ToLower(h)
	name := strings.TrimSuffix(h, ".")
	labels := strings.Split(name, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 {
			return "", fmt.Sprintf("host %q has an empty or over-long label", h)
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if c == '*' {
				return "", "wildcards never match: browsers send the exact origin, so list each one"
			}
			if c >= 0x80 {
				return "", fmt.Sprintf("host %q is not ASCII: write it as browsers send it, in punycode (xn--...)", h)
			}
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
				return "", fmt.Sprintf("host %q has the character %q, not allowed in a host name", h, c)
			}
		}
	}
	// A name whose last label is a number is an IPv4 address to a browser,
	// which serialises it in dotted-decimal form: only that form can match.
	last := labels[len(labels)-1]
	if strings.Trim(last, "0123456789") == "" {
		a, err := netip.ParseAddr(name)
		if err != nil || !a.Is4() || a.String() != name {
			return "", fmt.Sprintf("host %q is not an IPv4 address in dotted-decimal form, as browsers send it", h)
		}
	}
	return h, ""
}

// Allowlist answers whether a request's Origin is allowed.
type Allowlist struct {
	any     bool
	origins map[string]bool
}

// NewAllowlist returns the Allowlist of origins, as returned by ParseList or
// CheckList.
func NewAllowlist(origins []string) Allowlist {
	l := Allowlist{origins: make(map[string]bool, len(origins))}
	for _, o := range origins {
		if o == Any {
			l.any = true
		}
		l.origins[o] = true
	}
	return l
}

// AllowsAny reports whether every origin is allowed: then the answer does
// not depend on the Origin header (no Vary: Origin is needed).
func (l Allowlist) AllowsAny() bool { return l.any }

// Allow returns the Access-Control-Allow-Origin value for a request whose
// Origin header is origin, or "" when the origin is not allowed. A listed
// origin is echoed as the browser sent it: the browser compares the header
// with its own serialisation byte for byte.
func (l Allowlist) Allow(origin string) string {
	if origin == "" {
		return ""
	}
	if l.any {
		return Any
	}
	// Browsers send origins canonical already: the common case is a hit as sent.
	if l.origins[origin] {
		return origin
	}
	if c, ok := Canonical(origin); ok && l.origins[c] {
		return origin
	}
	return ""
}
