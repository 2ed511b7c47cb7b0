package adapters_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/akrylysov/algnhsa"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// This file documents the "why our own" claim of DESIGN.md with evidence:
// every event below goes through every adapter that can serve its source,
// and what the handler saw and what came back is compared with what
// net/http would have given the handler (and what the client must get).
// lambdahttp must get each one right (t.Error); a peer that differs is
// logged, not failed, because the point is to record how it differs.

// seen is what the handler observed of the request.
type seen struct {
	Method, Path, RawPath, EscapedPath, RequestURI string
	Host, RemoteAddr, Route, Name                  string
	Query                                          url.Values
	Header                                         http.Header
	Cookies                                        []string // r.Cookies(), as name=value
	Body                                           []byte
	HasDeadline, HasLambdaContext                  bool
}

func (s seen) String() string {
	return fmt.Sprintf("%s path=%q rawPath=%q route=%q name=%q query=%q host=%q remote=%q cookies=%q body=%dB",
		s.Method, s.Path, s.RawPath, s.Route, s.Name, s.Query.Encode(), s.Host, s.RemoteAddr, s.Cookies, len(s.Body))
}

// outcome is the adapter's response as the client receives it.
type outcome struct {
	Status int
	Header http.Header // headers and multiValueHeaders; payload 2.0 cookies[] as Set-Cookie
	Body   []byte      // decoded when isBase64Encoded
	Base64 bool
}

// decodeOutput decodes a Lambda HTTP response of any source, or the stream
// lambdaurl writes (JSON prelude, 8 NUL bytes, raw body).
func decodeOutput(out []byte) (outcome, error) {
	var raw []byte
	streamed := false
	if prelude, body, ok := bytes.Cut(out, make([]byte, 8)); ok {
		out, raw, streamed = prelude, body, true
	}
	var r struct {
		StatusCode        int                 `json:"statusCode"`
		Headers           map[string]string   `json:"headers"`
		MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
		Cookies           []string            `json:"cookies"`
		Body              string              `json:"body"`
		IsBase64Encoded   bool                `json:"isBase64Encoded"`
	}
	if err := json.Unmarshal(out, &r); err != nil {
		return outcome{}, fmt.Errorf("response is not JSON: %v: %q", err, out)
	}
	o := outcome{Status: r.StatusCode, Header: http.Header{}, Base64: r.IsBase64Encoded, Body: []byte(r.Body)}
	for k, v := range r.Headers {
		o.Header.Add(k, v)
	}
	for k, vs := range r.MultiValueHeaders {
		for _, v := range vs {
			o.Header.Add(k, v)
		}
	}
	for _, c := range r.Cookies {
		o.Header.Add("Set-Cookie", c)
	}
	switch {
	case streamed:
		o.Body = raw
	case r.IsBase64Encoded:
		b, err := base64.StdEncoding.DecodeString(r.Body)
		if err != nil {
			return o, fmt.Errorf("isBase64Encoded body is not base64: %v", err)
		}
		o.Body = b
	}
	return o, nil
}

// pngBytes is a real PNG: its signature (0x89 'P' 'N' 'G') is not UTF-8,
// so an adapter that sends it as a JSON string corrupts it.
var pngBytes = func() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}()

// probe is the handler of the correctness table: a ServeMux with a
// wildcard route and a catch-all, recording what the last request looked
// like. Special paths make it answer a PNG, two cookies, or panic.
type probe struct {
	mu    sync.Mutex
	calls int
	last  seen
}

func (p *probe) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /capture/{name}", p.serve("GET /capture/{name}"))
	mux.Handle("/", p.serve("/"))
	return mux
}

func (p *probe) serve(route string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s := seen{
			Method: r.Method, Path: r.URL.Path, RawPath: r.URL.RawPath, EscapedPath: r.URL.EscapedPath(),
			RequestURI: r.RequestURI, Host: r.Host, RemoteAddr: r.RemoteAddr, Route: route,
			Name: r.PathValue("name"), Query: r.URL.Query(), Header: r.Header.Clone(), Body: body,
		}
		for _, c := range r.Cookies() {
			s.Cookies = append(s.Cookies, c.Name+"="+c.Value)
		}
		_, s.HasDeadline = r.Context().Deadline()
		_, s.HasLambdaContext = lambdacontext.FromContext(r.Context())
		p.mu.Lock()
		p.calls++
		p.last = s
		p.mu.Unlock()

		switch r.URL.Path {
		case "/png":
			w.Header().Set("Content-Type", "image/png")
			w.Write(pngBytes)
			return
		case "/panic":
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"half":`)) // a half-written success must not reach the client
			panic("boom")
		case "/cookies":
			http.SetCookie(w, &http.Cookie{Name: "session", Value: "new", Path: "/", HttpOnly: true})
			http.SetCookie(w, &http.Cookie{Name: "theme", Value: "light", Path: "/"})
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(helloBody)
	}
}

// result is one adapter's handling of one event.
type result struct {
	called   bool // the handler ran
	seen     seen
	out      outcome
	outErr   error // the response did not decode
	err      error // Invoke's error: a function error at the runtime
	panicked any   // a panic escaped the adapter: the runtime reports it and exits the process
}

func (r result) String() string {
	var b strings.Builder
	if r.called {
		fmt.Fprintf(&b, "handler saw %s; ", r.seen)
	} else {
		b.WriteString("handler not called; ")
	}
	switch {
	case r.panicked != nil:
		fmt.Fprintf(&b, "panic escaped the adapter: %v", r.panicked)
	case r.err != nil:
		fmt.Fprintf(&b, "Invoke error: %v", r.err)
	case r.outErr != nil:
		fmt.Fprintf(&b, "bad response: %v", r.outErr)
	default:
		body := string(r.out.Body)
		if len(body) > 60 {
			body = body[:60] + "..."
		}
		fmt.Fprintf(&b, "returned %d isBase64Encoded=%t body=%q", r.out.Status, r.out.Base64, body)
	}
	return b.String()
}

func runAdapter(invoke invokeFunc, p *probe, payload []byte) (res result) {
	before := p.calls
	defer func() {
		res.panicked = recover()
		res.called = p.calls > before
		res.seen = p.last
	}()
	ctx, cancel := invokeContext()
	defer cancel()
	out, err := invoke(ctx, payload)
	if err != nil {
		res.err = err
		return res
	}
	res.out, res.outErr = decodeOutput(out)
	return res
}

type source int

const (
	restAPI source = iota
	httpAPI
	alb
	functionURL
)

// adapterSpec builds one adapter around a handler.
type adapterSpec struct {
	name  string
	build func(http.Handler) invokeFunc
}

// adaptersFor returns the adapters a function behind src could use, each
// set up as its documentation says for that source.
func adaptersFor(src source) []adapterSpec {
	list := []adapterSpec{
		{"lambdahttp", lambdahttpInvoke},
		{"algnhsa", func(h http.Handler) invokeFunc { return algnhsaInvoke(h, algnhsa.RequestTypeAuto) }},
	}
	switch src {
	case restAPI:
		list = append(list, adapterSpec{"apiproxy", apiproxyV1})
	case httpAPI:
		list = append(list, adapterSpec{"apiproxy", apiproxyV2})
	case alb:
		list = append(list, adapterSpec{"apiproxy", apiproxyALB})
	case functionURL:
		list = append(list, adapterSpec{"apiproxy", apiproxyV2}, adapterSpec{"lambdaurl", lambdaurlInvoke})
	}
	return list
}

// Event builders: the shapes AWS delivers, after the live captures in
// internal/lambdahttp/testdata/aws-events.

const (
	clientIP   = "68.8.83.18"
	restDomain = "5h7pqvr9u4.execute-api.us-west-2.amazonaws.com"
	httpDomain = "sjzepsqsu5.execute-api.us-west-2.amazonaws.com"
	urlDomain  = "abcdefghijklmnopqrstuvwxyz123456.lambda-url.us-west-2.on.aws"
)

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// restEvent: path as the client sent it (encoded), query decoded, every
// header in multiValueHeaders and its last value in headers.
func restEvent(method, path string, query url.Values, header [][2]string, body string, b64 bool) []byte {
	mh, sh := map[string][]string{}, map[string]string{}
	for _, kv := range header {
		mh[kv[0]] = append(mh[kv[0]], kv[1])
		sh[kv[0]] = kv[1]
	}
	var sq map[string]string
	if len(query) > 0 {
		sq = map[string]string{}
		for k, v := range query {
			sq[k] = v[len(v)-1]
		}
	}
	return mustJSON(map[string]any{
		"resource": "/{proxy+}", "path": path, "httpMethod": method,
		"headers": sh, "multiValueHeaders": mh,
		"queryStringParameters": sq, "multiValueQueryStringParameters": query,
		"pathParameters": map[string]string{"proxy": strings.TrimPrefix(path, "/")},
		"requestContext": map[string]any{
			"accountId": "910345601053", "apiId": "5h7pqvr9u4", "stage": "live",
			"requestId": "7c2af7db-31f3-42b5-8a6d-9ffc74e3b9e0", "domainName": restDomain,
			"protocol": "HTTP/1.1", "path": "/live" + path, "httpMethod": method, "resourcePath": "/{proxy+}",
			"identity": map[string]any{"sourceIp": clientIP, "userAgent": "curl/8.7.1"},
		},
		"body": body, "isBase64Encoded": b64,
	})
}

// v2Event is payload 2.0, from an HTTP API ($default stage; rawPath already
// decoded by AWS) or a Function URL (rawPath as sent, and the cookie header
// kept beside cookies[]): lower-case header names, repeated values
// comma-joined.
func v2Event(domain, method, rawPath, rawQuery string, headers map[string]string, cookies []string) []byte {
	if headers == nil {
		headers = map[string]string{}
	}
	headers["host"] = domain
	headers["x-forwarded-for"] = clientIP
	prefix, _, _ := strings.Cut(domain, ".")
	return mustJSON(map[string]any{
		"version": "2.0", "routeKey": "$default", "rawPath": rawPath, "rawQueryString": rawQuery,
		"cookies": cookies, "headers": headers,
		"requestContext": map[string]any{
			"accountId": "910345601053", "apiId": prefix, "stage": "$default", "requestId": "ATfSmjLgPHcESJw=",
			"domainName": domain, "domainPrefix": prefix, "routeKey": "$default",
			"http": map[string]any{"method": method, "path": rawPath, "protocol": "HTTP/1.1", "sourceIp": clientIP, "userAgent": "curl/8.7.1"},
		},
		"body": "", "isBase64Encoded": false,
	})
}

// albEvent: path and query as sent (still encoded), lower-case header
// names; single-value mode keeps only the last value of anything repeated.
func albEvent(multi bool, method, path, rawQuery string) []byte {
	mq := map[string][]string{}
	for _, kv := range strings.Split(rawQuery, "&") {
		k, v, _ := strings.Cut(kv, "=")
		mq[k] = append(mq[k], v)
	}
	mh := map[string][]string{
		"host": {"r2r-alb-123.us-west-2.elb.amazonaws.com"}, "x-forwarded-for": {clientIP},
		"x-forwarded-proto": {"https"}, "x-forwarded-port": {"443"}, "user-agent": {"curl/8.7.1"},
	}
	ev := map[string]any{
		"requestContext": map[string]any{"elb": map[string]any{"targetGroupArn": "arn:aws:elasticloadbalancing:us-west-2:910345601053:targetgroup/r2r/abc"}},
		"httpMethod":     method, "path": path, "body": "", "isBase64Encoded": false,
	}
	if multi {
		ev["multiValueHeaders"], ev["multiValueQueryStringParameters"] = mh, mq
	} else {
		sh, sq := map[string]string{}, map[string]string{}
		for k, v := range mh {
			sh[k] = v[len(v)-1]
		}
		for k, v := range mq {
			sq[k] = v[len(v)-1]
		}
		ev["headers"], ev["queryStringParameters"] = sh, sq
	}
	return mustJSON(ev)
}

// Checks: each returns what differs from net/http semantics, or nothing.

func served(r result) []string {
	switch {
	case r.panicked != nil:
		return []string{fmt.Sprintf("panic escaped the adapter (%v)", r.panicked)}
	case r.err != nil:
		return []string{fmt.Sprintf("Invoke failed: %v", r.err)}
	case r.outErr != nil:
		return []string{r.outErr.Error()}
	case !r.called:
		return []string{"handler not called"}
	}
	return nil
}

func diff(what string, got, want any) []string {
	if fmt.Sprint(got) == fmt.Sprint(want) {
		return nil
	}
	return []string{fmt.Sprintf("%s = %q, want %q", what, got, want)}
}

func routed(name string) func(result) []string {
	return func(r result) []string {
		if p := served(r); p != nil {
			return p
		}
		return append(diff("route", r.seen.Route, "GET /capture/{name}"), diff("PathValue(name)", r.seen.Name, name)...)
	}
}

func headerValues(key string, want ...string) func(result) []string {
	return func(r result) []string {
		if p := served(r); p != nil {
			return p
		}
		return diff("Header["+key+"]", r.seen.Header[key], want)
	}
}

func cookies(want ...string) func(result) []string {
	return func(r result) []string {
		if p := served(r); p != nil {
			return p
		}
		return diff("r.Cookies()", r.seen.Cookies, want)
	}
}

func query(want url.Values) func(result) []string {
	return func(r result) []string {
		if p := served(r); p != nil {
			return p
		}
		return diff("r.URL.Query()", r.seen.Query, want)
	}
}

func pngResponse(r result) []string {
	if p := served(r); p != nil {
		return p
	}
	if !bytes.Equal(r.out.Body, pngBytes) {
		return []string{fmt.Sprintf("client gets a corrupted PNG (isBase64Encoded=%t, %d bytes, want %d)", r.out.Base64, len(r.out.Body), len(pngBytes))}
	}
	return nil
}

func notServed(r result) []string {
	switch {
	case r.called:
		return []string{fmt.Sprintf("foreign event served as an HTTP request: %s %q", r.seen.Method, r.seen.Path)}
	case r.panicked != nil:
		return []string{fmt.Sprintf("panic escaped the adapter (%v)", r.panicked)}
	case r.err == nil:
		return []string{fmt.Sprintf("no error for a foreign event; returned %d", r.out.Status)}
	}
	return nil
}

func panicAnswered(r result) []string {
	switch {
	case r.panicked != nil:
		return []string{"the panic escaped the adapter: the runtime reports a function error (the client gets a 502) and the process exits (cold start next)"}
	case r.err != nil:
		return []string{fmt.Sprintf("Invoke failed: %v", r.err)}
	case r.out.Status != http.StatusInternalServerError:
		return []string{fmt.Sprintf("status = %d body %q, want 500", r.out.Status, r.out.Body)}
	}
	return nil
}

// correctnessCases are the events and what net/http would have done.
func correctnessCases() []struct {
	name  string
	src   source
	event []byte
	check func(result) []string
} {
	cookieHeader := map[string]string{"cookie": "a=1; b=2"}
	return []struct {
		name  string
		src   source
		event []byte
		check func(result) []string
	}{
		{"REST GET as net/http builds it", restAPI,
			restEvent("GET", "/items/42", url.Values{"tag": {"a", "b"}, "q": {"a b&c"}},
				[][2]string{{"Host", restDomain}, {"Accept", "application/json"}, {"Accept", "text/plain"}, {"X-Forwarded-For", clientIP}}, "", false),
			func(r result) []string {
				if p := served(r); p != nil {
					return p
				}
				s := r.seen
				var p []string
				p = append(p, diff("Path", s.Path, "/items/42")...)
				p = append(p, diff("Query", s.Query, url.Values{"tag": {"a", "b"}, "q": {"a b&c"}})...)
				p = append(p, diff("Header[Accept]", s.Header["Accept"], []string{"application/json", "text/plain"})...)
				p = append(p, diff("Host", s.Host, restDomain)...)
				if _, ok := s.Header["Host"]; ok {
					p = append(p, "Host is also in r.Header (net/http moves it to r.Host only)")
				}
				if host, _, err := net.SplitHostPort(s.RemoteAddr); err != nil || host != clientIP {
					p = append(p, fmt.Sprintf("RemoteAddr = %q: net.SplitHostPort fails or is not the client IP (net/http gives ip:port)", s.RemoteAddr))
				}
				if !s.HasDeadline || !s.HasLambdaContext {
					p = append(p, fmt.Sprintf("request context: deadline %t, lambdacontext %t", s.HasDeadline, s.HasLambdaContext))
				}
				if r.out.Status != 200 {
					p = append(p, fmt.Sprintf("status %d, want 200", r.out.Status))
				}
				return p
			}},
		{"REST %2F in path (GET /capture/a%2Fb)", restAPI,
			restEvent("GET", "/capture/a%2Fb", nil, nil, "", false), routed("a/b")},
		{"Function URL %2F in path", functionURL,
			v2Event(urlDomain, "GET", "/capture/a%2Fb", "", nil, nil), routed("a/b")},
		{"HTTP API decoded path with # (client sent %23)", httpAPI,
			v2Event(httpDomain, "GET", "/capture/hash#value", "", nil, nil), routed("hash#value")},
		{"HTTP API decoded path with % (client sent %2525)", httpAPI,
			v2Event(httpDomain, "GET", "/capture/100%", "", nil, nil), routed("100%")},
		{"REST binary request body (isBase64Encoded)", restAPI,
			restEvent("POST", "/upload", nil, [][2]string{{"Content-Type", "image/png"}}, base64.StdEncoding.EncodeToString(pngBytes), true),
			func(r result) []string {
				if p := served(r); p != nil {
					return p
				}
				if !bytes.Equal(r.seen.Body, pngBytes) {
					return []string{fmt.Sprintf("handler got a %d-byte body, want the %d-byte PNG", len(r.seen.Body), len(pngBytes))}
				}
				return nil
			}},
		{"ALB multi-value query, still encoded", alb,
			albEvent(true, "GET", "/items", "q=a%20b&plus=1%2B1&k%20y=v"),
			query(url.Values{"q": {"a b"}, "plus": {"1+1"}, "k y": {"v"}})},
		{"ALB single-value target group", alb,
			albEvent(false, "GET", "/items", "q=a%20b"), query(url.Values{"q": {"a b"}})},
		{"HTTP API comma inside one header value", httpAPI,
			v2Event(httpDomain, "GET", "/items", "", map[string]string{"x-note": "hello, world"}, nil),
			headerValues("X-Note", "hello, world")},
		{"HTTP API comma inside an ETag", httpAPI,
			v2Event(httpDomain, "GET", "/items", "", map[string]string{"if-none-match": `W/"a,b"`}, nil),
			headerValues("If-None-Match", `W/"a,b"`)},
		{"HTTP API cookies[]", httpAPI,
			v2Event(httpDomain, "GET", "/items", "", nil, []string{"a=1", "b=2"}),
			func(r result) []string {
				p := cookies("a=1", "b=2")(r)
				if p == nil && len(r.seen.Header["Cookie"]) != 1 {
					p = append(p, fmt.Sprintf("%d Cookie header lines %q (an HTTP/1.1 client sends one)", len(r.seen.Header["Cookie"]), r.seen.Header["Cookie"]))
				}
				return p
			}},
		{"Function URL cookie header and cookies[]", functionURL,
			v2Event(urlDomain, "GET", "/items", "", cookieHeader, []string{"a=1", "b=2"}), cookies("a=1", "b=2")},
		{"REST PNG response", restAPI, restEvent("GET", "/png", nil, nil, "", false), pngResponse},
		{"HTTP API PNG response", httpAPI, v2Event(httpDomain, "GET", "/png", "", nil, nil), pngResponse},
		{"Function URL PNG response", functionURL, v2Event(urlDomain, "GET", "/png", "", nil, nil), pngResponse},
		{"HTTP API two Set-Cookie", httpAPI, v2Event(httpDomain, "GET", "/cookies", "", nil, nil),
			func(r result) []string {
				if p := served(r); p != nil {
					return p
				}
				return diff("Set-Cookie", r.out.Header["Set-Cookie"], []string{"session=new; Path=/; HttpOnly", "theme=light; Path=/"})
			}},
		{"{} behind a REST API", restAPI, []byte(`{}`), notServed},
		{"{} behind a Function URL", functionURL, []byte(`{}`), notServed},
		{"SQS event behind a REST API", restAPI,
			[]byte(`{"Records":[{"messageId":"059f36b4-87a3-44ab-83d2-661975830a7d","receiptHandle":"AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a",` +
				`"body":"hello","attributes":{"ApproximateReceiveCount":"1"},"messageAttributes":{},"md5OfBody":"5d41402abc4b2a76b9719d911017c592",` +
				`"eventSource":"aws:sqs","eventSourceARN":"arn:aws:sqs:us-west-2:910345601053:r2r-queue","awsRegion":"us-west-2"}]}`),
			notServed},
		{"REST handler panic", restAPI, restEvent("GET", "/panic", nil, nil, "", false), panicAnswered},
		{"HTTP API handler panic", httpAPI, v2Event(httpDomain, "GET", "/panic", "", nil, nil), panicAnswered},
	}
}

// TestCorrectness runs the table through every adapter. Run with -v to see
// what each adapter gave the handler and returned.
func TestCorrectness(t *testing.T) {
	for _, tc := range correctnessCases() {
		t.Run(tc.name, func(t *testing.T) {
			for _, a := range adaptersFor(tc.src) {
				if a.name == "lambdaurl" && strings.HasSuffix(tc.name, "panic") {
					continue // it would crash the test binary: see TestLambdaurlPanic
				}
				p := &probe{} // a fresh handler and adapter for each run
				r := runAdapter(a.build(p.handler()), p, tc.event)
				t.Logf("%-10s %s", a.name, r)
				for _, problem := range tc.check(r) {
					if a.name == "lambdahttp" {
						t.Errorf("lambdahttp: %s", problem)
					} else {
						t.Logf("%-10s DIFFERS: %s", a.name, problem)
					}
				}
			}
		})
	}
}

// TestLambdaurlPanic shows what a handler panic does under lambdaurl: the
// handler runs in a goroutine of lambdaurl's own, without a recover, so
// the panic cannot be caught by the runtime (or by anyone) and kills the
// process. It runs the panic in a child process and looks at how it died.
func TestLambdaurlPanic(t *testing.T) {
	if os.Getenv("ADAPTERS_LAMBDAURL_PANIC") == "1" {
		p := &probe{}
		ctx, cancel := invokeContext()
		defer cancel()
		func() {
			defer func() { recover() }() // catches nothing: the panic is on another goroutine
			lambdaurlInvoke(p.handler())(ctx, v2Event(urlDomain, "GET", "/panic", "", nil, nil))
		}()
		fmt.Println("survived")
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestLambdaurlPanic$")
	cmd.Env = append(os.Environ(), "ADAPTERS_LAMBDAURL_PANIC=1")
	out, err := cmd.CombinedOutput()
	// The panicking goroutine's deferred calls close the pipe before the
	// runtime ends the process, so the child may read the half-written body
	// (which the Lambda runtime would already be streaming to the client)
	// and even print "survived" first: it dies all the same.
	crashed := err != nil && bytes.Contains(out, []byte("panic: boom"))
	t.Logf("lambdaurl   handler panic: child process crashed=%t (%v)", crashed, err)
	if !crashed {
		t.Logf("lambdaurl   output:\n%s", out)
	}
	// The same panic under lambdahttp is a 500 and the process lives on.
	p := &probe{}
	r := runAdapter(lambdahttpInvoke(p.handler()), p, v2Event(urlDomain, "GET", "/panic", "", nil, nil))
	if problems := panicAnswered(r); len(problems) > 0 {
		t.Errorf("lambdahttp: %s", strings.Join(problems, "; "))
	}
}
