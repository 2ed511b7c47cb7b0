package lambdahttp_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/r2r/r2r/internal/lambdahttp"
	"github.com/r2r/r2r/internal/lambdahttp/lambdahttptest"
)

// pngBytes is a 1x1 PNG: binary, with bytes that are not valid UTF-8.
var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")

var clientRequests = []struct {
	name string
	req  lambdahttptest.Request
}{
	{"plain get", lambdahttptest.Request{Method: "GET", Target: "/capture/plain", Header: [][2]string{{"Host", "api.example.com"}, {"Accept", "*/*"}}}},
	{"encoded slash", lambdahttptest.Request{Method: "GET", Target: "/capture/a%2Fb", Header: [][2]string{{"Host", "api.example.com"}}}},
	{"encoded percent", lambdahttptest.Request{Method: "GET", Target: "/capture/100%25", Header: [][2]string{{"Host", "api.example.com"}}}},
	{"encoded question mark and hash", lambdahttptest.Request{Method: "GET", Target: "/capture/what%3Fis%23this", Header: [][2]string{{"Host", "api.example.com"}}}},
	{"space and non-ASCII", lambdahttptest.Request{Method: "GET", Target: "/capture/caf%C3%A9%20%CE%BB", Header: [][2]string{{"Host", "api.example.com"}}}},
	{"deep path", lambdahttptest.Request{Method: "DELETE", Target: "/items/42/notes", Header: [][2]string{{"Host", "api.example.com"}}}},
	{"query", lambdahttptest.Request{Method: "GET", Target: "/search?repeat=one&repeat=two&redirect=https%3A%2F%2Fexample.com%2Fa%2Fb&literalPlus=a+b&encodedPlus=a%2Bb&empty=&pct=100%25", Header: [][2]string{{"Host", "api.example.com"}}}},
	{"repeated and comma headers", lambdahttptest.Request{Method: "GET", Target: "/h", Header: [][2]string{{"Host", "api.example.com"}, {"X-Probe", "first"}, {"X-Probe", "second"}, {"Accept", "text/html, application/json;q=0.9"}}}},
	{"cookies", lambdahttptest.Request{Method: "GET", Target: "/c", Header: [][2]string{{"Host", "api.example.com"}, {"Cookie", "session=abc123; theme=dark"}}}},
	{"text body", lambdahttptest.Request{Method: "POST", Target: "/submit", Header: [][2]string{{"Host", "api.example.com"}, {"Content-Type", "application/json"}}, Body: []byte(`{"message":"hello","unicode":"lambda-λ"}`)}},
	{"binary body", lambdahttptest.Request{Method: "PUT", Target: "/upload", Header: [][2]string{{"Host", "api.example.com"}, {"Content-Type", "image/png"}}, Body: pngBytes, Binary: true}},
}

// sourceCase is one way an event reaches us, with what it loses on the way
// compared with the request the client sent.
type sourceCase struct {
	name        string
	build       func(testing.TB, lambdahttptest.Request) []byte
	source      lambdahttp.Source
	joinsHeader bool // payload 2.0: repeated header values arrive comma-joined
	lastOnly    bool // ALB single-value mode: only the last value of repeats
	decodesPath bool // HTTP API: rawPath arrives decoded
	extraHeader bool // ALB appends X-Forwarded-For
}

var sources = []sourceCase{
	{name: "apigw-v1", build: restAPI.EventV1, source: lambdahttp.SourceAPIGatewayV1},
	{name: "apigw-v2", build: httpAPI.EventV2, source: lambdahttp.SourceAPIGatewayV2, joinsHeader: true, decodesPath: true},
	{name: "apigw-v2-named-stage", build: atStage("prod").EventV2, source: lambdahttp.SourceAPIGatewayV2, joinsHeader: true, decodesPath: true},
	{name: "alb-multivalue", build: func(t testing.TB, c lambdahttptest.Request) []byte { return targetGroup.EventALB(t, c, true) }, source: lambdahttp.SourceALB, extraHeader: true},
	{name: "alb-single", build: func(t testing.TB, c lambdahttptest.Request) []byte { return targetGroup.EventALB(t, c, false) }, source: lambdahttp.SourceALB, lastOnly: true, extraHeader: true},
	{name: "function-url", build: functionURL.EventFunctionURL, source: lambdahttp.SourceFunctionURL, joinsHeader: true},
}

// TestRequestMatchesNetHTTP drives every client request through every
// source and checks that the handler sees what net/http's server would have
// given it for the same bytes on the wire, except for what the source itself
// loses (stated per source).
func TestRequestMatchesNetHTTP(t *testing.T) {
	for _, src := range sources {
		for _, tc := range clientRequests {
			t.Run(src.name+"/"+tc.name, func(t *testing.T) {
				if src.decodesPath && strings.Contains(tc.req.RawPath(), "%") {
					t.Skip("HTTP API delivers encoded paths lossily decoded; TestIngressPaths covers them")
				}
				rec := newRecorder()
				h := lambdahttp.New(rec)
				invoke(t, h, src.build(t, tc.req))
				if rec.calls != 1 {
					t.Fatalf("handler called %d times, want 1", rec.calls)
				}
				got := rec.last

				o := oracle(t, tc.req)
				var wantRouted string
				want := seen{Name: func() string {
					// Route the oracle request through the same mux.
					var name string
					_, pattern := newRecorder().mux.Handler(o)
					wantRouted = pattern
					if pattern == "GET /capture/{name}" {
						name = strings.TrimPrefix(o.URL.EscapedPath(), "/capture/")
						name, _ = url.PathUnescape(name)
					}
					return name
				}()}
				wantHeader := o.Header.Clone()
				delete(wantHeader, "Content-Length") // sources differ in passing it on
				switch {
				case src.joinsHeader:
					for k, v := range wantHeader {
						wantHeader[k] = []string{strings.Join(v, ",")}
					}
				case src.lastOnly:
					for k, v := range wantHeader {
						wantHeader[k] = v[len(v)-1:]
					}
				}
				gotHeader := got.Header.Clone()
				delete(gotHeader, "Content-Length")
				if src.extraHeader {
					if diff := cmp.Diff([]string{testSourceIP}, gotHeader["X-Forwarded-For"]); diff != "" {
						t.Errorf("X-Forwarded-For mismatch (-want +got):\n%s", diff)
					}
					delete(gotHeader, "X-Forwarded-For")
				}
				if diff := cmp.Diff(wantHeader, gotHeader); diff != "" {
					t.Errorf("Header mismatch (-want +got):\n%s", diff)
				}
				wantQuery := o.URL.Query()
				if src.lastOnly {
					for k, v := range wantQuery {
						wantQuery[k] = v[len(v)-1:]
					}
				}
				if diff := cmp.Diff(wantQuery, got.Query, cmp.Comparer(func(a, b url.Values) bool { return cmp.Equal(map[string][]string(a), map[string][]string(b)) })); diff != "" {
					t.Errorf("URL.Query() mismatch (-want +got):\n%s", diff)
				}
				if !strings.Contains(tc.req.RawQuery(), "%25") && !src.lastOnly && got.RawQuery != "" {
					// Re-encoding must be stable: parsing and encoding again
					// changes nothing (no double encoding).
					if again := got.Query.Encode(); src.source != lambdahttp.SourceAPIGatewayV2 && src.source != lambdahttp.SourceFunctionURL && again != got.RawQuery {
						t.Errorf("URL.RawQuery = %q, want the canonical %q", got.RawQuery, again)
					}
				}
				checks := []struct {
					field     string
					got, want any
				}{
					{"Method", got.Method, o.Method},
					{"URL.Path", got.Path, o.URL.Path},
					{"URL.RawPath", got.RawPath, o.URL.RawPath},
					{"URL.EscapedPath()", got.EscapedPath, o.URL.EscapedPath()},
					{"Host", got.Host, o.Host},
					{"Body", string(got.Body), string(tc.req.Body)},
					{"ContentLength", got.ContentLength, int64(len(tc.req.Body))},
					{"RemoteAddr", got.RemoteAddr, testSourceIP + ":0"},
					{"Proto", got.Proto, "HTTP/1.1"},
					{"PathValue(name)", got.Name, want.Name},
					{"routed pattern", got.Routed, wantRouted},
					{"Source", got.Source, src.source},
					{"has deadline", got.HasDeadline, true},
				}
				if src.source != lambdahttp.SourceAPIGatewayV2 && src.source != lambdahttp.SourceFunctionURL {
					// Their RawQuery is re-encoded (sorted), so RequestURI differs
					// in query order; the path part must match.
					checks = append(checks, struct {
						field     string
						got, want any
					}{"RequestURI path", strings.SplitN(got.RequestURI, "?", 2)[0], strings.SplitN(o.RequestURI, "?", 2)[0]})
				} else {
					checks = append(checks, struct {
						field     string
						got, want any
					}{"RequestURI", got.RequestURI, o.RequestURI})
				}
				for _, c := range checks {
					if !cmp.Equal(c.got, c.want) {
						t.Errorf("%s = %#v, want %#v", c.field, c.got, c.want)
					}
				}
			})
		}
	}
}
