package lambdahttp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
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

// ingressCase is one row of ingress-paths.json: a path a client sent and
// what an HTTP API delivered for it. REST, ALB and Function URL delivered
// sentPath itself.
type ingressCase struct {
	SentPath        string `json:"sentPath"`
	HTTPAPIPath     string `json:"httpAPIPath"`
	HTTPAPIRejected bool   `json:"httpAPIRejected"`
}

// TestIngressPaths replays every path encoding recorded live for every
// source: the handler must see what net/http would see for the path the
// client sent (or, for the HTTP API, the decoded path AWS delivered).
func TestIngressPaths(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(sharedEventsDir(t), "ingress-paths.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []ingressCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("ingress-paths.json has no cases")
	}
	for _, tc := range cases {
		c := lambdahttptest.Request{Method: "GET", Target: tc.SentPath, Header: [][2]string{{"Host", "api.example.com"}}}
		o := oracle(t, c)
		_, wantPattern := newRecorder().mux.Handler(o)
		wantName := ""
		if wantPattern == "GET /capture/{name}" {
			wantName, _ = url.PathUnescape(strings.TrimPrefix(o.URL.EscapedPath(), "/capture/"))
		}
		for _, src := range []struct {
			name  string
			event []byte
		}{
			{"apigw-v1", restAPI.EventV1(t, c)},
			{"alb-multivalue", targetGroup.EventALB(t, c, true)},
			{"alb-single", targetGroup.EventALB(t, c, false)},
			{"function-url", functionURL.EventFunctionURL(t, c)},
		} {
			t.Run(src.name+tc.SentPath, func(t *testing.T) {
				rec := newRecorder()
				invoke(t, lambdahttp.New(rec), src.event)
				got := rec.last
				if got.Path != o.URL.Path || got.RawPath != o.URL.RawPath || got.EscapedPath != o.URL.EscapedPath() {
					t.Errorf("URL (Path, RawPath, EscapedPath) = (%q, %q, %q), want (%q, %q, %q)",
						got.Path, got.RawPath, got.EscapedPath, o.URL.Path, o.URL.RawPath, o.URL.EscapedPath())
				}
				if got.Routed != wantPattern || got.Name != wantName {
					t.Errorf("routed to %q with name %q, want %q with name %q", got.Routed, got.Name, wantPattern, wantName)
				}
			})
		}
		if tc.HTTPAPIRejected {
			continue // the HTTP API answered 400 itself; Lambda never saw it
		}
		for _, stage := range []string{"$default", "live"} {
			t.Run("apigw-v2-"+stage+tc.SentPath, func(t *testing.T) {
				rec := newRecorder()
				invoke(t, lambdahttp.New(rec), atStage(stage).EventV2Path(t, c, tc.HTTPAPIPath))
				got := rec.last
				// What AWS decoded is the path; net/http escapes it again.
				wantEscaped := (&url.URL{Path: tc.HTTPAPIPath}).EscapedPath()
				if got.Path != tc.HTTPAPIPath || got.EscapedPath != wantEscaped {
					t.Errorf("URL (Path, EscapedPath) = (%q, %q), want (%q, %q)", got.Path, got.EscapedPath, tc.HTTPAPIPath, wantEscaped)
				}
				name, ok := strings.CutPrefix(tc.HTTPAPIPath, "/capture/")
				if ok && !strings.Contains(name, "/") {
					if got.Name != name {
						t.Errorf("PathValue(name) = %q, want %q", got.Name, name)
					}
				} else if got.Routed == "GET /capture/{name}" {
					t.Errorf("routed %q to GET /capture/{name}, want the catch-all", tc.HTTPAPIPath)
				}
			})
		}
	}
}

// TestMuxWildcardWithEncodedSlash is the case users hit first: an id with
// a "/" in it, sent as %2F, must reach GET /capture/{name} whole.
func TestMuxWildcardWithEncodedSlash(t *testing.T) {
	c := lambdahttptest.Request{Method: "GET", Target: "/capture/a%2Fb", Header: [][2]string{{"Host", "x"}}}
	for _, src := range sources {
		if src.decodesPath {
			continue // AWS has already turned %2F into "/"
		}
		t.Run(src.name, func(t *testing.T) {
			rec := newRecorder()
			invoke(t, lambdahttp.New(rec), src.build(t, c))
			if rec.last.Routed != "GET /capture/{name}" || rec.last.Name != "a/b" {
				t.Errorf("GET /capture/a%%2Fb routed to %q with PathValue(name) = %q, want GET /capture/{name} with \"a/b\"", rec.last.Routed, rec.last.Name)
			}
		})
	}
}

func TestBasePathAndStage(t *testing.T) {
	c := func(target string) lambdahttptest.Request {
		return lambdahttptest.Request{Method: "GET", Target: target, Header: [][2]string{{"Host", "api.example.com"}}}
	}
	tests := []struct {
		name     string
		event    func(*testing.T) []byte
		basePath string
		wantPath string
	}{
		{"v1 base path", func(t *testing.T) []byte { return restAPI.EventV1(t, c("/v1/capture/x")) }, "/v1", "/capture/x"},
		{"v1 base path with trailing slash option", func(t *testing.T) []byte { return restAPI.EventV1(t, c("/v1/capture/x")) }, "v1/", "/capture/x"},
		{"v1 base path only", func(t *testing.T) []byte { return restAPI.EventV1(t, c("/v1")) }, "/v1", "/"},
		{"v1 outside base path is untouched", func(t *testing.T) []byte { return restAPI.EventV1(t, c("/v10/x")) }, "/v1", "/v10/x"},
		{"v1 no base path", func(t *testing.T) []byte { return restAPI.EventV1(t, c("/v1/capture/x")) }, "", "/v1/capture/x"},
		{"v2 named stage stripped", func(t *testing.T) []byte { return atStage("prod").EventV2(t, c("/capture/x")) }, "", "/capture/x"},
		{"v2 named stage root", func(t *testing.T) []byte { return atStage("prod").EventV2Path(t, c("/"), "") }, "", "/"},
		{"v2 $default stage", func(t *testing.T) []byte { return httpAPI.EventV2(t, c("/prod/x")) }, "", "/prod/x"},
		{"v2 stage and base path", func(t *testing.T) []byte { return atStage("prod").EventV2(t, c("/v1/capture/x")) }, "/v1", "/capture/x"},
		{"alb base path", func(t *testing.T) []byte { return targetGroup.EventALB(t, c("/v1/capture/a%2Fb"), true) }, "/v1", "/capture/a/b"},
		{"function url base path", func(t *testing.T) []byte { return functionURL.EventFunctionURL(t, c("/v1/capture/x")) }, "/v1", "/capture/x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder()
			invoke(t, lambdahttp.New(rec, lambdahttp.WithBasePath(tc.basePath)), tc.event(t))
			if rec.last.Path != tc.wantPath {
				t.Errorf("URL.Path = %q, want %q", rec.last.Path, tc.wantPath)
			}
		})
	}
}

// TestHostFallback: without a Host header, Request.Host is the domain name
// from the request context (ALB has none: Host stays empty).
func TestHostFallback(t *testing.T) {
	c := lambdahttptest.Request{Method: "GET", Target: "/"}
	tests := []struct {
		name  string
		event []byte
		want  string
	}{
		{"apigw-v1", restAPI.EventV1(t, c), "abc123.execute-api.us-east-1.amazonaws.com"},
		{"apigw-v2", httpAPI.EventV2(t, c), "xyz789.execute-api.us-east-1.amazonaws.com"},
		{"function-url", functionURL.EventFunctionURL(t, c), "urlid.lambda-url.us-east-1.on.aws"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder()
			invoke(t, lambdahttp.New(rec), tc.event)
			if rec.last.Host != tc.want {
				t.Errorf("Host = %q, want %q", rec.last.Host, tc.want)
			}
			if _, ok := rec.last.Header["Host"]; ok {
				t.Errorf("Header has Host %q, want it only in Request.Host (as net/http)", rec.last.Header["Host"])
			}
		})
	}
}

// TestCookiesNotDuplicated: a Function URL sends the cookie header and
// cookies[]; the handler must see each cookie once.
func TestCookiesNotDuplicated(t *testing.T) {
	c := lambdahttptest.Request{Method: "GET", Target: "/", Header: [][2]string{{"Cookie", "a=1; b=2"}}}
	for _, src := range sources {
		t.Run(src.name, func(t *testing.T) {
			var got []string
			h := lambdahttp.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for _, ck := range r.Cookies() {
					got = append(got, ck.Name+"="+ck.Value)
				}
			}))
			invoke(t, h, src.build(t, c))
			if diff := cmp.Diff([]string{"a=1", "b=2"}, got); diff != "" {
				t.Errorf("r.Cookies() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestRequestContext checks what the handler can reach from r.Context().
func TestRequestContext(t *testing.T) {
	type ctxSeen struct {
		EventType     string
		Source        string
		RequestID     string
		TraceID       string
		Authorizer    map[string]any
		StageVars     map[string]string
		LambdaReqID   string
		DeadlineEqual bool
	}
	get := func(t *testing.T, payload []byte, ctx context.Context) ctxSeen {
		t.Helper()
		var s ctxSeen
		h := lambdahttp.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx := r.Context()
			ev, _ := lambdahttp.EventFromContext(ctx)
			s.EventType = strings.TrimPrefix(reflectType(ev), "*events.")
			s.Source = lambdahttp.SourceFromContext(ctx).String()
			s.RequestID = lambdahttp.RequestIDFromContext(ctx)
			s.TraceID = lambdahttp.TraceIDFromContext(ctx)
			s.Authorizer = lambdahttp.AuthorizerFromContext(ctx)
			s.StageVars = lambdahttp.StageVariablesFromContext(ctx)
			if lc, ok := lambdacontext.FromContext(ctx); ok {
				s.LambdaReqID = lc.AwsRequestID
			}
			want, _ := ctx.Deadline()
			s.DeadlineEqual = want.Equal(deadline)
		}))
		if _, err := h.Invoke(ctx, payload); err != nil {
			t.Fatalf("Invoke = %v", err)
		}
		return s
	}
	base := func() context.Context {
		ctx, cancel := context.WithDeadline(context.Background(), deadline)
		t.Cleanup(cancel)
		return lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: "lambda-req-1"})
	}
	//lint:ignore SA1029 aws-lambda-go stores the runtime trace id under this plain string key.
	runtimeTrace := context.WithValue(base(), "x-amzn-trace-id", "Root=1-runtime")

	c := lambdahttptest.Request{Method: "GET", Target: "/", Header: [][2]string{{"X-Amzn-Trace-Id", "Root=1-header"}}}
	v1Cognito := eventWith(t, restAPI.EventV1(t, c), func(ev map[string]any) {
		ev["requestContext"].(map[string]any)["authorizer"] = map[string]any{
			"claims":      map[string]any{"sub": "user-1", "email": "a@example.com"},
			"principalId": "user-1",
		}
	})
	v2JWT := eventWith(t, httpAPI.EventV2(t, c), func(ev map[string]any) {
		ev["requestContext"].(map[string]any)["authorizer"] = map[string]any{
			"jwt": map[string]any{"claims": map[string]string{"sub": "user-2"}, "scopes": []string{"read"}},
		}
	})
	v2Lambda := eventWith(t, httpAPI.EventV2(t, c), func(ev map[string]any) {
		ev["requestContext"].(map[string]any)["authorizer"] = map[string]any{"lambda": map[string]any{"tenant": "t1"}}
	})
	furlIAM := eventWith(t, functionURL.EventFunctionURL(t, c), func(ev map[string]any) {
		ev["requestContext"].(map[string]any)["authorizer"] = map[string]any{"iam": map[string]any{"accessKey": "AKIA", "accountId": "111122223333", "callerId": "AIDA", "userArn": "arn:aws:iam::111122223333:user/u", "userId": "AIDA"}}
	})
	tests := []struct {
		name    string
		payload []byte
		ctx     context.Context
		want    ctxSeen
	}{
		{"v1 cognito", v1Cognito, base(), ctxSeen{"APIGatewayProxyRequest", "apigateway-v1", testRequestID, "Root=1-header",
			map[string]any{"claims": map[string]any{"sub": "user-1", "email": "a@example.com"}, "principalId": "user-1"},
			map[string]string{"color": "blue"}, "lambda-req-1", true}},
		{"v1 runtime trace id wins", restAPI.EventV1(t, c), runtimeTrace, ctxSeen{"APIGatewayProxyRequest", "apigateway-v1", testRequestID, "Root=1-runtime",
			nil, map[string]string{"color": "blue"}, "lambda-req-1", true}},
		{"v2 jwt", v2JWT, base(), ctxSeen{"APIGatewayV2HTTPRequest", "apigateway-v2", testRequestID, "Root=1-header",
			map[string]any{"claims": map[string]any{"sub": "user-2"}, "scopes": []string{"read"}},
			map[string]string{"color": "green"}, "lambda-req-1", true}},
		{"v2 lambda authorizer", v2Lambda, base(), ctxSeen{"APIGatewayV2HTTPRequest", "apigateway-v2", testRequestID, "Root=1-header",
			map[string]any{"tenant": "t1"}, map[string]string{"color": "green"}, "lambda-req-1", true}},
		{"function url iam", furlIAM, base(), ctxSeen{"LambdaFunctionURLRequest", "function-url", testRequestID, "Root=1-header",
			map[string]any{"iam": map[string]any{"accessKey": "AKIA", "accountId": "111122223333", "callerId": "AIDA", "userArn": "arn:aws:iam::111122223333:user/u", "userId": "AIDA"}},
			nil, "lambda-req-1", true}},
		{"alb has no request id", targetGroup.EventALB(t, c, true), base(), ctxSeen{"ALBTargetGroupRequest", "alb", "", "Root=1-header",
			nil, nil, "lambda-req-1", true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := get(t, tc.payload, tc.ctx)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("request context mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

var deadline = time.Now().Add(time.Hour).Round(time.Second)

func reflectType(v any) string {
	switch v.(type) {
	case *events.APIGatewayProxyRequest:
		return "*events.APIGatewayProxyRequest"
	case *events.APIGatewayV2HTTPRequest:
		return "*events.APIGatewayV2HTTPRequest"
	case *events.ALBTargetGroupRequest:
		return "*events.ALBTargetGroupRequest"
	case *events.LambdaFunctionURLRequest:
		return "*events.LambdaFunctionURLRequest"
	}
	return "unknown"
}

// eventWith decodes an event, lets edit change it, and encodes it again.
func eventWith(t *testing.T, payload []byte, edit func(map[string]any)) []byte {
	t.Helper()
	var ev map[string]any
	d := json.NewDecoder(bytes.NewReader(payload))
	d.UseNumber()
	if err := d.Decode(&ev); err != nil {
		t.Fatal(err)
	}
	edit(ev)
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	return b
}

// TestNothingFromEventInHeaders: the adapter must not smuggle event data
// into request headers, where a client could have forged it.
func TestNothingFromEventInHeaders(t *testing.T) {
	c := lambdahttptest.Request{Method: "GET", Target: "/", Header: [][2]string{{"Host", "h"}}}
	for _, src := range sources {
		t.Run(src.name, func(t *testing.T) {
			rec := newRecorder()
			invoke(t, lambdahttp.New(rec), src.build(t, c))
			keys := slices.Sorted(func(yield func(string) bool) {
				for k := range rec.last.Header {
					if !yield(k) {
						return
					}
				}
			})
			want := []string{}
			if src.extraHeader {
				want = []string{"X-Forwarded-For"} // added by the ALB itself, as on the wire
			}
			if diff := cmp.Diff(want, keys, cmp.Comparer(func(a, b []string) bool { return len(a) == 0 && len(b) == 0 || slices.Equal(a, b) })); diff != "" {
				t.Errorf("header keys mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestStripBasePathMatchesWithBasePath: a net/http server serving through
// StripBasePath hands the handler the path the adapter with WithBasePath
// does, for paths inside and outside the base path.
func TestStripBasePathMatchesWithBasePath(t *testing.T) {
	var seen string
	record := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = r.URL.Path + " " + r.URL.EscapedPath() })
	for _, base := range []string{"/v1", "v1/", "/a b"} {
		adapter := lambdahttp.New(record, lambdahttp.WithBasePath(base))
		srv := httptest.NewServer(lambdahttp.StripBasePath(base, record))
		for _, target := range []string{"/v1", "/v1/", "/v1/items/42", "/v10/items", "/items", "/a%20b/x%2Fy", "/a%20bc"} {
			seen = ""
			invoke(t, adapter, restAPI.EventV1(t, lambdahttptest.Request{Method: "GET", Target: target}))
			want := seen
			seen = ""
			res, err := http.Get(srv.URL + target)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if seen != want {
				t.Errorf("base %q, GET %s: handler saw %q through StripBasePath, %q through WithBasePath", base, target, seen, want)
			}
		}
		srv.Close()
	}
}
