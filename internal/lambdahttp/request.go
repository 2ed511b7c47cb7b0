package lambdahttp

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
)

// newRequest builds the request the handler serves, or returns the detail of
// a 400 for a request net/http would also have refused to serve.
func (h *Handler) newRequest(ctx context.Context, in *inbound) (*http.Request, string) {
	u := &url.URL{RawQuery: in.rawQuery}
	if in.pathDecoded {
		p := in.path
		if in.stage != "" {
			p = stripPathPrefix(p, "/"+in.stage)
		}
		p = stripPathPrefix(p, h.cfg.basePath)
		if p == "" || p[0] != '/' {
			return nil, "invalid request path"
		}
		u.Path = p
	} else {
		raw := stripPathPrefix(in.path, h.cfg.escapedBasePath)
		if raw == "" || raw[0] != '/' {
			return nil, "invalid request path"
		}
		p, err := url.PathUnescape(raw)
		if err != nil {
			return nil, "invalid percent-encoding in request path"
		}
		u.Path = p
		// Like net/http's URL parsing: keep the client's encoding in RawPath
		// only when it differs from the default one, so %2F (and any other
		// deliberate escape) survives for EscapedPath and ServeMux.
		if p != raw && u.EscapedPath() != raw {
			u.RawPath = raw
		}
	}

	// net/http's server refuses such a header before the handler runs.
	if detail := checkRequestHeader(in.header); detail != "" {
		return nil, detail
	}

	var body io.ReadCloser = http.NoBody
	n := len(in.body)
	if in.base64 {
		b, err := base64.StdEncoding.DecodeString(in.body)
		if err != nil {
			return nil, "request body is not valid base64"
		}
		n = len(b)
		if n > 0 {
			br := &bytesBody{}
			br.Reset(b)
			body = br
		}
	} else if n > 0 {
		br := &stringBody{}
		br.Reset(in.body)
		body = br
	}

	hdr := in.header
	host := in.host
	// As under net/http, the Host header lives in Request.Host only.
	if v := hdr["Host"]; len(v) > 0 {
		if v[0] != "" {
			host = v[0]
		}
		delete(hdr, "Host")
	}
	if v := hdr["X-Amzn-Trace-Id"]; len(v) > 0 {
		in.info.traceHeader = v[0]
	}
	var remote string
	if in.sourceIP != "" {
		// No source tells the client's port (X-Forwarded-Port is the
		// listener's), so port 0 stands for "unknown" and keeps
		// net.SplitHostPort(r.RemoteAddr) working.
		remote = net.JoinHostPort(in.sourceIP, "0")
	}
	proto, major, minor := "HTTP/1.1", 1, 1
	if in.protocol != "" {
		if ma, mi, ok := http.ParseHTTPVersion(in.protocol); ok {
			proto, major, minor = in.protocol, ma, mi
		}
	}

	r := http.Request{
		Method:        in.method,
		URL:           u,
		Proto:         proto,
		ProtoMajor:    major,
		ProtoMinor:    minor,
		Header:        hdr,
		Body:          body,
		ContentLength: int64(n),
		Host:          host,
		RemoteAddr:    remote,
		RequestURI:    u.RequestURI(),
	}
	// The runtime's ctx carries the invocation deadline and lambdacontext.
	return r.WithContext(context.WithValue(ctx, requestInfoKey{}, &in.info)), ""
}

// bodyReader is an io.ReadCloser over the request body in one allocation.
// stringBody and bytesBody are request bodies read from the event's body as
// it came (a string) or as decoded from base64 (bytes): without a copy.
type (
	stringBody struct{ strings.Reader }
	bytesBody  struct{ bytes.Reader }
)

func (*stringBody) Close() error { return nil }
func (*bytesBody) Close() error  { return nil }

// stripPathPrefix removes prefix from p when p is prefix or continues with
// "/" after it.
func stripPathPrefix(p, prefix string) string {
	if prefix == "" || !strings.HasPrefix(p, prefix) {
		return p
	}
	switch rest := p[len(prefix):]; {
	case rest == "":
		return "/"
	case rest[0] == '/':
		return rest
	}
	return p
}

// encodeQuery builds URL.RawQuery from query parameters: the multi-value map
// (it has every value), plus any name only the single-value map has (merged
// as multiValueHeader merges headers). REST API parameters arrive decoded
// and are encoded once; ALB parameters arrive as the client encoded them
// (encoded is true) and are decoded once first, so nothing is ever
// double-encoded and url.ParseQuery gives back what the client sent. Keys
// come out sorted.
func encodeQuery(multi map[string][]string, single map[string]string, encoded bool) string {
	var extra int
	for k := range single {
		if _, ok := multi[k]; !ok {
			extra++
		}
	}
	if extra > 0 {
		// A copy: multi is also the typed event's, which handlers read.
		m := make(map[string][]string, len(multi)+extra)
		for k, vs := range multi {
			m[k] = vs
		}
		for k, v := range single {
			if _, ok := multi[k]; !ok {
				m[k] = []string{v}
			}
		}
		multi = m
	}
	if len(multi) == 0 {
		return ""
	}
	if !encoded {
		return url.Values(multi).Encode()
	}
	q := make(url.Values, len(multi))
	for k, vs := range multi {
		k = queryUnescape(k)
		for _, v := range vs {
			q[k] = append(q[k], queryUnescape(v))
		}
	}
	return q.Encode()
}

// queryUnescape decodes s once; a malformed escape is taken literally, the
// same reading net/http gives a '%' that starts no valid escape.
func queryUnescape(s string) string {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s
	}
	if d, err := url.QueryUnescape(s); err == nil {
		return d
	}
	return s
}

// multiValueHeader builds the request header from a REST/ALB event: from
// multiValueHeaders, plus any name only headers has. The values share one or
// a few backing arrays.
//
// A source that sends both maps puts every value in the multi-value one and
// the last value of each name in the single-value one, so a name in both is
// taken from the multi-value map (it is the complete one). A name only the
// single-value map has is kept too, not dropped: events built by test
// tools, proxies and other adapters' suites carry such names, and Mangum
// and algnhsa merge the two maps the same way.
func multiValueHeader(multi map[string][]string, single map[string]string) http.Header {
	if len(multi) == 0 {
		return singleValueHeader(single, nil)
	}
	h := make(http.Header, len(multi))
	// Usually one value a header. Should the guess be short, append moves
	// on to a new array; the slices already handed out keep the old one.
	vals := make([]string, 0, len(multi)+len(multi)/4)
	for k, vs := range multi {
		if len(vs) == 0 {
			continue
		}
		start := len(vals)
		vals = append(vals, vs...)
		addValues(h, k, vals[start:len(vals):len(vals)])
	}
	// Names are compared canonically, as net/http would see them; the
	// names to add are found first, so that two spellings of one name in
	// headers are merged with each other, never taken as present in multi.
	var only []string
	for k := range single {
		if _, ok := h[textproto.CanonicalMIMEHeaderKey(k)]; !ok {
			only = append(only, k)
		}
	}
	for _, k := range only {
		addValues(h, k, []string{single[k]})
	}
	return h
}

// singleToMerge returns single ("headers", "queryStringParameters") for
// merging with the multi-value map when it has a name multi lacks (header
// names compared without case), else nil. Real REST API events repeat every
// name in both maps, so the merge is usually skipped.
func singleToMerge(single map[string]string, multi map[string][]string, foldCase bool) map[string]string {
	if len(multi) == 0 {
		return single
	}
	for k := range single {
		if !hasName(multi, k, foldCase) {
			return single
		}
	}
	return nil
}

func hasName(m map[string][]string, k string, foldCase bool) bool {
	if _, ok := m[k]; ok || !foldCase {
		return ok
	}
	for mk := range m {
		if strings.EqualFold(mk, k) {
			return true
		}
	}
	return false
}

// singleValueHeader builds the request header from single-value headers. An
// HTTP API value "a,b" stays one value, exactly as net/http would keep it.
// Payload 2.0 cookies[] become one Cookie header, replacing the cookie
// header a Function URL also sends, so no cookie is seen twice.
func singleValueHeader(single map[string]string, cookies []string) http.Header {
	h := make(http.Header, len(single)+1)
	vals := make([]string, len(single))
	i := 0
	for k, v := range single {
		vals[i] = v
		addValues(h, k, vals[i:i+1:i+1])
		i++
	}
	if len(cookies) > 0 {
		h["Cookie"] = []string{strings.Join(cookies, "; ")}
	}
	return h
}

// addValues adds vs under the canonical form of k. Two event keys that only
// differ in case ("host", "Host") are merged, as net/http would merge them.
func addValues(h http.Header, k string, vs []string) {
	k = textproto.CanonicalMIMEHeaderKey(k)
	if old, ok := h[k]; ok {
		h[k] = append(old, vs...)
		return
	}
	h[k] = vs
}
