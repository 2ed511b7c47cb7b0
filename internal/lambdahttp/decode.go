package lambdahttp

import (
	"encoding/json"
	"math/bits"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// decodeEvent fills ev from payload exactly as json.Unmarshal(payload, ev)
// would, and returns json.Unmarshal's error for a payload it rejects.
//
// A hand-written decoder handles the shapes the four sources actually send
// (every string, map, array and number field of rawEvent, in a single pass,
// with strings that need no unescaping sliced from one copy of the payload);
// it declines, and json.Unmarshal decodes the payload from scratch, on
// anything else: invalid JSON, a value of an unexpected type, null inside a
// map or an array, invalid UTF-8, a lone surrogate escape, a key that only
// matches a field case-insensitively, nesting deeper than maxSkipDepth, and
// the keys of foreign events (marker fields), whose events are rejected
// anyway. So whatever the fast path returns is what encoding/json returns,
// and every error is encoding/json's own. TestDecodeMatchesJSON and
// FuzzDecodeEvent compare the two.

func decodeEvent(payload []byte, ev *rawEvent) error {
	if fastDecode(payload, ev) {
		return nil
	}
	*ev = rawEvent{}
	return json.Unmarshal(payload, ev)
}

// fastDecode reports whether the hand-written decoder decoded payload into
// ev; on false ev holds garbage.
func fastDecode(payload []byte, ev *rawEvent) bool {
	d := decoder{s: string(payload)}
	d.event(ev)
	d.release()
	return !d.bad
}

// release returns the scratch buffer to the pool.
func (d *decoder) release() {
	if d.pooled != nil && cap(d.scratch) <= 64<<10 {
		*d.pooled = d.scratch[:0]
		scratchPool.Put(d.pooled)
	}
	d.pooled, d.scratch = nil, nil
}

// maxSkipDepth bounds the nesting of values the fast path skips; deeper
// values go to encoding/json (which allows 10000 levels).
const maxSkipDepth = 64

// decoder reads one JSON document. Its methods set bad, and return garbage,
// when the input is not something it can decode exactly as encoding/json
// does; callers check bad at the end.
type decoder struct {
	s       string // the whole payload; decoded strings without escapes are substrings of it
	i       int
	bad     bool
	scratch []byte  // for unescaping
	pooled  *[]byte // where scratch came from, if it did
}

// scratchPool holds unescaping buffers.
var scratchPool sync.Pool // of *[]byte

// The JSON names of the fields of each struct the decoder fills, as
// encoding/json sees them. A key that is not an exact name but matches one
// case-insensitively (encoding/json's v1 rule: strings.EqualFold) sends the
// payload to encoding/json. Derived from the types, so a field the decoder
// does not handle by name can never be decoded wrongly: its exact key also
// matches here, and the payload goes to encoding/json.
var (
	eventNames    = jsonNames(reflect.TypeFor[rawEvent]())
	contextNames  = jsonNames(reflect.TypeFor[rawRequestContext]())
	identityNames = jsonNames(reflect.TypeFor[events.APIGatewayRequestIdentity]())
	httpNames     = jsonNames(reflect.TypeFor[events.APIGatewayV2HTTPRequestContextHTTPDescription]())
	elbNames      = jsonNames(reflect.TypeFor[events.ELBContext]())
)

func jsonNames(t reflect.Type) []string {
	var names []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() && !f.Anonymous {
			continue // decoder state, invisible to encoding/json
		}
		if name == "-" || f.Anonymous {
			// No such field in the types above; fail loudly if one appears.
			panic("lambdahttp: jsonNames: unsupported field " + t.String() + "." + f.Name)
		}
		if name == "" {
			name = f.Name
		}
		names = append(names, name)
	}
	return names
}

// unknown handles the value of a key that is not one of names: skipped, as
// encoding/json skips unknown keys, unless the key matches a name
// case-insensitively.
func (d *decoder) unknown(key string, names []string) {
	for _, n := range names {
		if strings.EqualFold(key, n) {
			d.bad = true
			return
		}
	}
	d.skip(0)
}

func (d *decoder) event(ev *rawEvent) {
	d.ws()
	if d.i >= len(d.s) || d.s[d.i] != '{' {
		d.bad = true // null, or not an object: encoding/json decides
		return
	}
	d.i++
	for n := 0; ; n++ {
		k, ok := d.member(n)
		if !ok {
			break
		}
		switch k {
		case "resource":
			d.str(&ev.Resource)
		case "path":
			d.str(&ev.Path)
		case "httpMethod":
			d.str(&ev.HTTPMethod)
		case "multiValueHeaders":
			d.multiMap(&ev.MultiValueHeaders)
		case "multiValueQueryStringParameters":
			d.multiMap(&ev.MultiValueQueryStringParameters)
		case "version":
			d.str(&ev.Version)
		case "routeKey":
			d.str(&ev.RouteKey)
		case "rawPath":
			d.str(&ev.RawPath)
		case "rawQueryString":
			d.str(&ev.RawQueryString)
		case "cookies":
			d.strSlice(&ev.Cookies)
		case "headers":
			d.strMap(&ev.Headers)
		case "queryStringParameters":
			d.strMap(&ev.QueryStringParameters)
		case "pathParameters":
			d.strMap(&ev.PathParameters)
		case "stageVariables":
			d.strMap(&ev.StageVariables)
		case "requestContext":
			d.requestContext(&ev.RequestContext)
		case "body":
			d.str(&ev.Body)
		case "isBase64Encoded":
			d.boolean(&ev.IsBase64Encoded)
		default:
			// Including the marker keys of foreign events.
			d.unknown(k, eventNames)
		}
		if d.bad {
			return
		}
	}
	d.ws()
	if d.i != len(d.s) {
		d.bad = true
	}
}

func (d *decoder) requestContext(rc *rawRequestContext) {
	if !d.objectStart() {
		return
	}
	for n := 0; ; n++ {
		k, ok := d.member(n)
		if !ok {
			return
		}
		switch k {
		case "resourceId":
			d.str(&rc.ResourceID)
		case "operationName":
			d.str(&rc.OperationName)
		case "extendedRequestId":
			d.str(&rc.ExtendedRequestID)
		case "protocol":
			d.str(&rc.Protocol)
		case "identity":
			d.identity(&rc.Identity)
		case "resourcePath":
			d.str(&rc.ResourcePath)
		case "path":
			d.str(&rc.Path)
		case "httpMethod":
			d.str(&rc.HTTPMethod)
		case "requestTime":
			d.str(&rc.RequestTime)
		case "requestTimeEpoch":
			d.int64(&rc.RequestTimeEpoch)
		case "routeKey":
			d.str(&rc.RouteKey)
		case "time":
			d.str(&rc.Time)
		case "timeEpoch":
			d.int64(&rc.TimeEpoch)
		case "http":
			d.http(&rc.HTTP)
		case "authentication":
			d.delegate(&rc.Authentication)
		case "accountId":
			d.str(&rc.AccountID)
		case "stage":
			d.str(&rc.Stage)
		case "domainName":
			d.str(&rc.DomainName)
		case "domainPrefix":
			d.str(&rc.DomainPrefix)
		case "requestId":
			d.str(&rc.RequestID)
		case "apiId":
			d.str(&rc.APIID)
		case "authorizer":
			// json.RawMessage gets the value as written, null included.
			start := d.i
			d.skip(0)
			rc.Authorizer = json.RawMessage(d.s[start:d.i])
		case "elb":
			d.elb(&rc.ELB)
		default:
			d.unknown(k, contextNames)
		}
		if d.bad {
			return
		}
	}
}

func (d *decoder) identity(id *events.APIGatewayRequestIdentity) {
	if !d.objectStart() {
		return
	}
	for n := 0; ; n++ {
		k, ok := d.member(n)
		if !ok {
			return
		}
		switch k {
		case "cognitoIdentityPoolId":
			d.str(&id.CognitoIdentityPoolID)
		case "accountId":
			d.str(&id.AccountID)
		case "cognitoIdentityId":
			d.str(&id.CognitoIdentityID)
		case "caller":
			d.str(&id.Caller)
		case "apiKey":
			d.str(&id.APIKey)
		case "apiKeyId":
			d.str(&id.APIKeyID)
		case "accessKey":
			d.str(&id.AccessKey)
		case "sourceIp":
			d.str(&id.SourceIP)
		case "cognitoAuthenticationType":
			d.str(&id.CognitoAuthenticationType)
		case "cognitoAuthenticationProvider":
			d.str(&id.CognitoAuthenticationProvider)
		case "userArn":
			d.str(&id.UserArn)
		case "userAgent":
			d.str(&id.UserAgent)
		case "user":
			d.str(&id.User)
		case "clientCert":
			d.delegate(&id.ClientCert)
		default:
			d.unknown(k, identityNames)
		}
		if d.bad {
			return
		}
	}
}

func (d *decoder) http(h *events.APIGatewayV2HTTPRequestContextHTTPDescription) {
	if !d.objectStart() {
		return
	}
	for n := 0; ; n++ {
		k, ok := d.member(n)
		if !ok {
			return
		}
		switch k {
		case "method":
			d.str(&h.Method)
		case "path":
			d.str(&h.Path)
		case "protocol":
			d.str(&h.Protocol)
		case "sourceIp":
			d.str(&h.SourceIP)
		case "userAgent":
			d.str(&h.UserAgent)
		default:
			d.unknown(k, httpNames)
		}
		if d.bad {
			return
		}
	}
}

func (d *decoder) elb(e *events.ELBContext) {
	if !d.objectStart() {
		return
	}
	for n := 0; ; n++ {
		k, ok := d.member(n)
		if !ok {
			return
		}
		if k == "targetGroupArn" {
			d.str(&e.TargetGroupArn)
		} else {
			d.unknown(k, elbNames)
		}
		if d.bad {
			return
		}
	}
}

// delegate decodes the next value into v (a pointer to the field) with
// encoding/json, for the rarely present nested types not worth decoding by
// hand. Decoding the value alone into the field as it is gives what decoding
// it in place would.
func (d *decoder) delegate(v any) {
	start := d.i
	d.skip(0)
	if d.bad {
		return
	}
	if err := json.Unmarshal([]byte(d.s[start:d.i]), v); err != nil {
		d.bad = true
	}
}

// ws skips JSON whitespace.
func (d *decoder) ws() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// null consumes a null literal if one is next.
func (d *decoder) null() bool {
	if strings.HasPrefix(d.s[d.i:], "null") {
		d.i += 4
		return true
	}
	return false
}

// objectStart consumes the '{' of an object into a struct and reports true,
// or consumes a null (which leaves a struct as it is) and reports false.
func (d *decoder) objectStart() bool {
	if d.i < len(d.s) && d.s[d.i] == '{' {
		d.i++
		return true
	}
	if !d.null() {
		d.bad = true
	}
	return false
}

// member reads the key of member n of the object whose '{' has been
// consumed and leaves the decoder at the value; at the '}' (consumed) or on
// bad input it reports false.
func (d *decoder) member(n int) (string, bool) {
	d.ws()
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
		d.ws()
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
	d.ws()
	if d.bad || d.i >= len(d.s) || d.s[d.i] != ':' {
		d.bad = true
		return "", false
	}
	d.i++
	d.ws()
	return k, true
}

// str decodes a string field; null leaves it as it is.
func (d *decoder) str(p *string) {
	if d.i < len(d.s) && d.s[d.i] == '"' {
		*p = d.string()
		return
	}
	if !d.null() {
		d.bad = true
	}
}

// boolean decodes a bool field; null leaves it as it is.
func (d *decoder) boolean(p *bool) {
	switch {
	case strings.HasPrefix(d.s[d.i:], "true"):
		*p = true
		d.i += 4
	case strings.HasPrefix(d.s[d.i:], "false"):
		*p = false
		d.i += 5
	case d.null():
	default:
		d.bad = true
	}
}

// int64 decodes an integer field; null leaves it as it is. Fractions,
// exponents and out-of-range numbers are encoding/json's to reject.
func (d *decoder) int64(p *int64) {
	if d.null() {
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

// strMap decodes a map[string]string field: null sets it to nil, an object
// adds to it (encoding/json reuses a non-nil map), the last of duplicate
// keys wins. With a nil p it only checks that it could.
func (d *decoder) strMap(p *map[string]string) {
	if d.null() {
		if p != nil {
			*p = nil
		}
		return
	}
	if d.i >= len(d.s) || d.s[d.i] != '{' {
		d.bad = true
		return
	}
	d.i++
	var m map[string]string
	if p != nil {
		m = *p
		if m == nil {
			m = make(map[string]string, d.countMembers())
			*p = m
		}
	}
	for n := 0; ; n++ {
		k, ok := d.member(n)
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
		if m != nil {
			m[k] = v
		}
	}
}

// countMembers returns the number of members of the object whose '{' has
// just been consumed, if it only has string values (a size hint; 0 if it
// cannot tell), without moving the decoder.
func (d *decoder) countMembers() int {
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

// multiMap decodes a map[string][]string field. All the values of one
// object share a backing array, each slice capped at its length.
func (d *decoder) multiMap(p *map[string][]string) {
	if d.null() {
		*p = nil
		return
	}
	if d.i >= len(d.s) || d.s[d.i] != '{' {
		d.bad = true
		return
	}
	d.i++
	var keyBuf [16]string
	var endBuf [16]int
	var valBuf [24]string
	keys, ends, vals := keyBuf[:0], endBuf[:0], valBuf[:0]
	for n := 0; ; n++ {
		k, ok := d.member(n)
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

// strSlice decodes a []string field: null sets it to nil, [] to an empty
// slice.
func (d *decoder) strSlice(p *[]string) {
	if d.null() {
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
func (d *decoder) appendStrings(vals []string) []string {
	if d.i >= len(d.s) || d.s[d.i] != '[' {
		d.bad = true
		return vals
	}
	d.i++
	for n := 0; ; n++ {
		d.ws()
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
			d.ws()
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

// skip validates and skips one value.
func (d *decoder) skip(depth int) {
	if depth > maxSkipDepth || d.i >= len(d.s) {
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
			if _, ok := d.member(n); !ok {
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
			d.ws()
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
				d.ws()
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

func (d *decoder) literal(lit string) {
	if !strings.HasPrefix(d.s[d.i:], lit) {
		d.bad = true
		return
	}
	d.i += len(lit)
}

// number consumes a number as RFC 8259 defines it.
func (d *decoder) number() {
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
func (d *decoder) stringEnd(i int) (int, bool) {
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
func (d *decoder) string() string {
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
// a substring of the payload; with escapes it is decoded in one pass into
// the scratch buffer and copied out.
func (d *decoder) stringSlow(start, i int) string {
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
