package adapters_test

import (
	"bytes"
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

	"github.com/r2r/r2r/internal/lambdahttp/lambdahttptest"
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
	var r lambdahttptest.Response
	if err := json.Unmarshal(out, &r); err != nil {
		return outcome{}, fmt.Errorf("response is not JSON: %v: %q", err, out)
	}
	o := outcome{Status: r.StatusCode, Header: r.Header(), Base64: r.IsBase64Encoded, Body: raw}
	if streamed {
		return o, nil
	}
	var err error
	o.Body, err = r.DecodedBody()
	return o, err
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

// The fronts of the events, after the live captures in
// internal/lambdahttp/testdata/aws-events; lambdahttptest builds the
// events each one delivers.

const clientIP = "68.8.83.18"

var (
	restFront = lambdahttptest.Front{
		Domain: "5h7pqvr9u4.execute-api.us-west-2.amazonaws.com", AccountID: "910345601053", Stage: "live",
		RequestID: "7c2af7db-31f3-42b5-8a6d-9ffc74e3b9e0", SourceIP: clientIP, UserAgent: "curl/8.7.1",
	}
	httpFront = lambdahttptest.Front{
		Domain: "sjzepsqsu5.execute-api.us-west-2.amazonaws.com", AccountID: "910345601053", Stage: "$default",
		RequestID: "ATfSmjLgPHcESJw=", SourceIP: clientIP, UserAgent: "curl/8.7.1",
	}
	urlFront = lambdahttptest.Front{
		Domain: "abcdefghijklmnopqrstuvwxyz123456.lambda-url.us-west-2.on.aws", AccountID: "910345601053",
		RequestID: "ATfSmjLgPHcESJw=", SourceIP: clientIP, UserAgent: "curl/8.7.1",
	}
	albFront = lambdahttptest.Front{
		TargetGroupARN: "arn:aws:elasticloadbalancing:us-west-2:910345601053:targetgroup/r2r/abc", SourceIP: clientIP,
	}
)

// get is a GET through a payload 2.0 front: the client's headers, then
// the Host and X-Forwarded-For that AWS adds.
func get(front lambdahttptest.Front, target string, header ...[2]string) lambdahttptest.Request {
	header = append(header, [2]string{"Host", front.Domain}, [2]string{"X-Forwarded-For", clientIP})
	return lambdahttptest.Request{Method: "GET", Target: target, Header: header}
}

// albGet is a GET through the load balancer, with the headers it adds.
func albGet(target string) lambdahttptest.Request {
	return lambdahttptest.Request{Method: "GET", Target: target, Header: [][2]string{
		{"Host", "r2r-alb-123.us-west-2.elb.amazonaws.com"}, {"X-Forwarded-Proto", "https"},
		{"X-Forwarded-Port", "443"}, {"User-Agent", "curl/8.7.1"},
	}}
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
func correctnessCases(t testing.TB) []struct {
	name  string
	src   source
	event []byte
	check func(result) []string
} {
	return []struct {
		name  string
		src   source
		event []byte
		check func(result) []string
	}{
		{"REST GET as net/http builds it", restAPI,
			restFront.EventV1(t, lambdahttptest.Request{Method: "GET", Target: "/items/42?" + url.Values{"tag": {"a", "b"}, "q": {"a b&c"}}.Encode(),
				Header: [][2]string{{"Host", restFront.Domain}, {"Accept", "application/json"}, {"Accept", "text/plain"}, {"X-Forwarded-For", clientIP}}}),
			func(r result) []string {
				if p := served(r); p != nil {
					return p
				}
				s := r.seen
				var p []string
				p = append(p, diff("Path", s.Path, "/items/42")...)
				p = append(p, diff("Query", s.Query, url.Values{"tag": {"a", "b"}, "q": {"a b&c"}})...)
				p = append(p, diff("Header[Accept]", s.Header["Accept"], []string{"application/json", "text/plain"})...)
				p = append(p, diff("Host", s.Host, restFront.Domain)...)
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
			restFront.EventV1(t, lambdahttptest.Request{Method: "GET", Target: "/capture/a%2Fb"}), routed("a/b")},
		{"Function URL %2F in path", functionURL,
			urlFront.EventFunctionURL(t, get(urlFront, "/capture/a%2Fb")), routed("a/b")},
		{"HTTP API decoded path with # (client sent %23)", httpAPI,
			httpFront.EventV2(t, get(httpFront, "/capture/hash%23value")), routed("hash#value")},
		{"HTTP API decoded path with % (client sent %2525)", httpAPI,
			httpFront.EventV2Path(t, get(httpFront, "/capture/100%2525"), "/capture/100%"), routed("100%")},
		{"REST binary request body (isBase64Encoded)", restAPI,
			restFront.EventV1(t, lambdahttptest.Request{Method: "POST", Target: "/upload", Header: [][2]string{{"Content-Type", "image/png"}}, Body: pngBytes, Binary: true}),
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
			albFront.EventALB(t, albGet("/items?q=a%20b&plus=1%2B1&k%20y=v"), true),
			query(url.Values{"q": {"a b"}, "plus": {"1+1"}, "k y": {"v"}})},
		{"ALB single-value target group", alb,
			albFront.EventALB(t, albGet("/items?q=a%20b"), false), query(url.Values{"q": {"a b"}})},
		{"HTTP API comma inside one header value", httpAPI,
			httpFront.EventV2(t, get(httpFront, "/items", [2]string{"X-Note", "hello, world"})),
			headerValues("X-Note", "hello, world")},
		{"HTTP API comma inside an ETag", httpAPI,
			httpFront.EventV2(t, get(httpFront, "/items", [2]string{"If-None-Match", `W/"a,b"`})),
			headerValues("If-None-Match", `W/"a,b"`)},
		{"HTTP API cookies[]", httpAPI,
			httpFront.EventV2(t, get(httpFront, "/items", [2]string{"Cookie", "a=1; b=2"})),
			func(r result) []string {
				p := cookies("a=1", "b=2")(r)
				if p == nil && len(r.seen.Header["Cookie"]) != 1 {
					p = append(p, fmt.Sprintf("%d Cookie header lines %q (an HTTP/1.1 client sends one)", len(r.seen.Header["Cookie"]), r.seen.Header["Cookie"]))
				}
				return p
			}},
		{"Function URL cookie header and cookies[]", functionURL,
			urlFront.EventFunctionURL(t, get(urlFront, "/items", [2]string{"Cookie", "a=1; b=2"})), cookies("a=1", "b=2")},
		{"REST PNG response", restAPI, restFront.EventV1(t, lambdahttptest.Request{Method: "GET", Target: "/png"}), pngResponse},
		{"HTTP API PNG response", httpAPI, httpFront.EventV2(t, get(httpFront, "/png")), pngResponse},
		{"Function URL PNG response", functionURL, urlFront.EventFunctionURL(t, get(urlFront, "/png")), pngResponse},
		{"HTTP API two Set-Cookie", httpAPI, httpFront.EventV2(t, get(httpFront, "/cookies")),
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
		{"REST handler panic", restAPI, restFront.EventV1(t, lambdahttptest.Request{Method: "GET", Target: "/panic"}), panicAnswered},
		{"HTTP API handler panic", httpAPI, httpFront.EventV2(t, get(httpFront, "/panic")), panicAnswered},
	}
}

// TestCorrectness runs the table through every adapter. Run with -v to see
// what each adapter gave the handler and returned.
func TestCorrectness(t *testing.T) {
	for _, tc := range correctnessCases(t) {
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
			lambdaurlInvoke(p.handler())(ctx, urlFront.EventFunctionURL(t, get(urlFront, "/panic")))
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
	r := runAdapter(lambdahttpInvoke(p.handler()), p, urlFront.EventFunctionURL(t, get(urlFront, "/panic")))
	if problems := panicAnswered(r); len(problems) > 0 {
		t.Errorf("lambdahttp: %s", strings.Join(problems, "; "))
	}
}
