package apigw

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/r2r/r2r/internal/apigw/apigwtest"
	"github.com/r2r/r2r/internal/lambdahttp"
)

// invokerFunc is an Invoker in a function.
type invokerFunc func(ctx context.Context, fn *Function, event []byte) ([]byte, error)

func (f invokerFunc) Invoke(ctx context.Context, fn *Function, _, _ string, event []byte) ([]byte, error) {
	return f(ctx, fn, event)
}

// recorder answers every invocation with resp and keeps the events.
type recorder struct {
	mu     sync.Mutex
	events [][]byte
	resp   string
}

func (r *recorder) Invoke(_ context.Context, _ *Function, _, _ string, event []byte) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, event)
	resp := r.resp
	if resp == "" {
		resp = `{"statusCode":200,"headers":{"Content-Type":"text/plain"},"body":"ok"}`
	}
	return []byte(resp), nil
}

func (r *recorder) last(t *testing.T) []byte {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.events) == 0 {
		t.Fatal("the function was not invoked")
	}
	return r.events[len(r.events)-1]
}

// serve starts the gateway of the template data on a real server.
func serve(t *testing.T, data []byte, inv Invoker) *httptest.Server {
	t.Helper()
	api, err := Load(data)
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(api, Config{Invoker: inv, Verifier: &CognitoVerifier{}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	return srv
}

// captureRequest sends the request of the live capture
// (testdata/apigwv1-request.json) to srv.
func captureRequest(t *testing.T, srv *httptest.Server) *http.Request {
	t.Helper()
	body := `{"message":"hello from the public internet","unicode":"lambda-λ"}`
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/live/capture/space%20value?empty=&encodedPlus=a%2Bb&literalPlus=a+b&redirect=https://example.com/a/b&repeat=one&repeat=two", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("User-Agent", "curl/8.7.1")
	req.Header.Set("Accept", "*/*")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Cookie", "session=abc123; theme=dark")
	req.Header.Add("X-Voker-Probe", "first")
	req.Header.Add("X-Voker-Probe", "second")
	return req
}

// shape returns the keys of a decoded JSON value, recursively, with the kind
// of each leaf: two events of the same shape have the same keys and types.
func shape(v any, prefix string, out map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		out[prefix] = "object"
		for k, e := range x {
			// Header names and query names are data, not keys of the format.
			if strings.HasSuffix(prefix, "eaders") || strings.HasSuffix(prefix, "Parameters") {
				out[prefix+".*"] = kind(e)
				continue
			}
			shape(e, prefix+"."+k, out)
		}
	default:
		out[prefix] = kind(v)
	}
}

func kind(v any) string {
	if v == nil {
		return "null"
	}
	return reflect.TypeOf(v).Kind().String()
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(b))
	if err := d.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestEventFidelity compares the event built for the request of a live REST
// API capture with the capture: same keys and types, the same values where
// they do not depend on ids, times and addresses, and values of the same
// format where they do.
func TestEventFidelity(t *testing.T) {
	rec := &recorder{}
	srv := serve(t, readFile(t, "testdata/capture.template.json"), rec)
	resp, _ := apigwtest.Do(t, captureRequest(t, srv))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d, want 200", resp.StatusCode)
	}
	got := decode(t, rec.last(t))
	want := decode(t, readFile(t, "testdata/apigwv1-request.json"))

	gotShape, wantShape := map[string]string{}, map[string]string{}
	shape(got, "", gotShape)
	shape(want, "", wantShape)
	if diff := cmp.Diff(wantShape, gotShape); diff != "" {
		t.Errorf("event keys and types (-capture +built):\n%s", diff)
	}

	same := []string{"resource", "path", "httpMethod", "queryStringParameters", "multiValueQueryStringParameters",
		"pathParameters", "stageVariables", "body", "isBase64Encoded"}
	for _, k := range same {
		if diff := cmp.Diff(want[k], got[k]); diff != "" {
			t.Errorf("%s (-capture +built):\n%s", k, diff)
		}
	}
	wrc, grc := want["requestContext"].(map[string]any), got["requestContext"].(map[string]any)
	for _, k := range []string{"httpMethod", "path", "protocol", "resourcePath", "stage", "authorizer", "operationName"} {
		if diff := cmp.Diff(wrc[k], grc[k]); diff != "" {
			t.Errorf("requestContext.%s (-capture +built):\n%s", k, diff)
		}
	}
	if ua := grc["identity"].(map[string]any)["userAgent"]; ua != "curl/8.7.1" {
		t.Errorf("requestContext.identity.userAgent = %v, want curl/8.7.1", ua)
	}
	// The headers the client sent, by name regardless of case (net/http
	// canonicalizes them), and those API Gateway adds.
	lower := func(m any) map[string]any {
		out := map[string]any{}
		for k, v := range m.(map[string]any) {
			out[strings.ToLower(k)] = v
		}
		return out
	}
	for _, key := range []string{"headers", "multiValueHeaders"} {
		wh, gh := lower(want[key]), lower(got[key])
		for _, h := range []string{"user-agent", "accept", "content-type", "cookie", "x-voker-probe"} {
			if !cmp.Equal(wh[h], gh[h]) {
				t.Errorf("%s[%s] = %v, want %v", key, h, gh[h], wh[h])
			}
		}
		for _, h := range []string{"host", "x-amzn-trace-id", "x-forwarded-for", "x-forwarded-port", "x-forwarded-proto"} {
			if gh[h] == nil {
				t.Errorf("%s[%s] missing", key, h)
			}
		}
	}
	formats := []struct {
		name     string
		got, cap any
		re       string
	}{
		{"requestId", grc["requestId"], wrc["requestId"], `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`},
		{"extendedRequestId", grc["extendedRequestId"], wrc["extendedRequestId"], `^[A-Za-z0-9+/]{15}=$`},
		{"requestTime", grc["requestTime"], wrc["requestTime"], `^\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000$`},
		{"requestTimeEpoch", grc["requestTimeEpoch"], wrc["requestTimeEpoch"], `^\d{13}$`},
		{"resourceId", grc["resourceId"], wrc["resourceId"], `^[a-z0-9]{6}$`},
		{"apiId", grc["apiId"], wrc["apiId"], `^[a-z0-9]{10}$`},
		{"accountId", grc["accountId"], wrc["accountId"], `^\d{12}$`},
		{"X-Amzn-Trace-Id", lower(got["headers"])["x-amzn-trace-id"], lower(want["headers"])["x-amzn-trace-id"], `^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$`},
		{"sourceIp", grc["identity"].(map[string]any)["sourceIp"], wrc["identity"].(map[string]any)["sourceIp"], `^\d+\.\d+\.\d+\.\d+$`},
	}
	for _, f := range formats {
		re := regexp.MustCompile(f.re)
		for _, v := range []struct {
			who string
			v   any
		}{{"capture", f.cap}, {"built", f.got}} {
			s := fmt.Sprint(v.v)
			if n, ok := v.v.(float64); ok {
				s = fmt.Sprintf("%.0f", n)
			}
			if !re.MatchString(s) {
				t.Errorf("%s of the %s = %q, want the form %s", f.name, v.who, s, f.re)
			}
		}
	}
}

// TestEventServedAsSent: the event, given to the adapter the functions run
// (internal/lambdahttp), is the request net/http itself received.
func TestEventServedAsSent(t *testing.T) {
	rec := &recorder{}
	srv := serve(t, readFile(t, "testdata/capture.template.json"), rec)
	// The oracle: the same request, as net/http serves it.
	type seen struct {
		Method, Path, RawPath, Query, Body string
		Header                             http.Header
	}
	record := func(out *seen) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			h := r.Header.Clone()
			for _, k := range []string{"X-Amzn-Trace-Id", "X-Forwarded-For", "X-Forwarded-Port", "X-Forwarded-Proto", "Accept-Encoding", "Content-Length"} {
				h.Del(k)
			}
			*out = seen{r.Method, r.URL.Path, r.URL.RawPath, r.URL.Query().Encode(), string(b), h}
		})
	}
	var direct, adapted seen
	oracle := httptest.NewServer(http.StripPrefix("/live", record(&direct)))
	defer oracle.Close()
	req := captureRequest(t, srv)
	apigwtest.Do(t, req)
	req2 := captureRequest(t, srv)
	req2.URL.Host = strings.TrimPrefix(oracle.URL, "http://")
	apigwtest.Do(t, req2)

	h := lambdahttp.New(record(&adapted))
	if _, err := h.Invoke(context.Background(), rec.last(t)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(direct, adapted); diff != "" {
		t.Errorf("request seen by the function (-net/http +through the gateway):\n%s", diff)
	}
}

func TestGatewayResponses(t *testing.T) {
	stack := readFile(t, stackTemplate)
	slow := invokerFunc(func(ctx context.Context, _ *Function, _ []byte) ([]byte, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
	tests := []struct {
		name       string
		data       []byte
		inv        Invoker
		method     string
		path       string
		body       io.Reader
		wantStatus int
		wantBody   string // a regexp; REQUEST_ID stands for the response's x-amzn-RequestId
		wantHeader map[string]string
	}{
		{"unknown path", stack, &recorder{}, "GET", "/prod/nope", nil, 404,
			`^{"detail":"Not Found","status_code":404,"request_id":"REQUEST_ID"}$`,
			map[string]string{"Access-Control-Allow-Origin": "*", "X-Content-Type-Options": "nosniff", "x-amzn-ErrorType": "MissingAuthenticationTokenException"}},
		{"method of no resource's", stack, &recorder{}, "POST", "/prod/hello", nil, 404, `"status_code":404`, nil},
		{"other stage", stack, &recorder{}, "GET", "/dev/api/hello", nil, 403, `^{"message":"Forbidden"}$`, nil},
		{"preflight", stack, &recorder{}, "OPTIONS", "/prod/api/anything", nil, 204, `^$`,
			map[string]string{"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET,POST,PUT,DELETE,OPTIONS", "Access-Control-Allow-Headers": "Content-Type,Authorization"}},
		{"no token", stack, &recorder{}, "GET", "/prod/hello", nil, 401,
			`^{"detail":"Unauthorized","status_code":401,"request_id":"REQUEST_ID"}$`, map[string]string{"Access-Control-Allow-Origin": "*"}},
		{"function error", stack, &recorder{resp: `{"errorMessage":"boom","errorType":"errorString"}`}, "GET", "/prod/api/hello", nil, 502,
			`^{"detail":"Internal server error","request_id":"REQUEST_ID"}$`, map[string]string{"Access-Control-Allow-Origin": "*"}},
		{"malformed response", stack, &recorder{resp: `not json`}, "GET", "/prod/api/hello", nil, 502, `"detail":"Internal server error"`, nil},
		{"crash", stack, invokerFunc(func(context.Context, *Function, []byte) ([]byte, error) {
			return nil, errors.New("runtime exited")
		}), "GET", "/prod/api/hello", nil, 502, `"detail":"Internal server error"`, nil},
		{"integration timeout", readFile(t, "testdata/capture.template.json"), slow, "GET", "/live/x", nil, 504,
			`^{"message":"Endpoint request timed out"}$`, nil},
		{"body over 10 MB", stack, &recorder{}, "POST", "/prod/api/echo", bytes.NewReader(make([]byte, MaxRequestBytes+1)), 413,
			`^{"detail":"Request Entity Too Large","status_code":413,"request_id":"REQUEST_ID"}$`, nil},
		{"body of 10 MB", stack, &recorder{}, "POST", "/prod/api/echo", bytes.NewReader(make([]byte, MaxRequestBytes)), 200, `^ok$`, nil},
		{"proxied", stack, &recorder{resp: `{"statusCode":201,"multiValueHeaders":{"Set-Cookie":["a=1","b=2"]},"body":"e30=","isBase64Encoded":true}`},
			"GET", "/prod/api/x", nil, 201, `^{}$`, map[string]string{"Content-Type": "application/json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serve(t, tt.data, tt.inv)
			req, err := http.NewRequest(tt.method, srv.URL+tt.path, tt.body)
			if err != nil {
				t.Fatal(err)
			}
			resp, body := apigwtest.Do(t, req)
			id := resp.Header.Get("x-amzn-RequestId")
			if id == "" || resp.Header.Get("X-Amzn-Trace-Id") == "" {
				t.Errorf("x-amzn-RequestId %q, X-Amzn-Trace-Id %q: want both", id, resp.Header.Get("X-Amzn-Trace-Id"))
			}
			re := regexp.MustCompile(strings.ReplaceAll(tt.wantBody, "REQUEST_ID", regexp.QuoteMeta(id)))
			if resp.StatusCode != tt.wantStatus || !re.MatchString(body) {
				t.Errorf("%s %s = %d %q, want %d matching %s", tt.method, tt.path, resp.StatusCode, body, tt.wantStatus, re)
			}
			for k, v := range tt.wantHeader {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

// TestSetCookies: the function's multi-value headers reach the client.
func TestSetCookies(t *testing.T) {
	srv := serve(t, readFile(t, stackTemplate), &recorder{resp: `{"statusCode":200,"multiValueHeaders":{"Set-Cookie":["a=1","b=2"]},"body":""}`})
	resp, _ := apigwtest.Do(t, mustRequest(t, "GET", srv.URL+"/prod/api/x"))
	if got := resp.Header.Values("Set-Cookie"); !slices.Equal(got, []string{"a=1", "b=2"}) {
		t.Errorf("Set-Cookie = %q, want [a=1 b=2]", got)
	}
}

func mustRequest(t *testing.T, method, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// TestThrottling: beyond the burst of a method setting, THROTTLED; the
// method's own setting applies rather than the stage's.
func TestThrottling(t *testing.T) {
	data := mutate(t, readFile(t, stackTemplate), func(res map[string]any) {
		s := props(res, "RestApiDeploymentStageprod3855DE66")["MethodSettings"].([]any)
		// A rate too low to refill during the test.
		s[1].(map[string]any)["ThrottlingRateLimit"] = 0.001
		s[1].(map[string]any)["ThrottlingBurstLimit"] = 2
	})
	srv := serve(t, data, &recorder{})
	var statuses []int
	for range 4 {
		resp, body := apigwtest.Do(t, mustRequest(t, "GET", srv.URL+"/prod/api/hello/stream"))
		statuses = append(statuses, resp.StatusCode)
		if resp.StatusCode == 429 && !strings.Contains(body, `"detail":"Too Many Requests","status_code":429`) {
			t.Errorf("429 body = %q, want the THROTTLED gateway response", body)
		}
	}
	if want := []int{200, 200, 429, 429}; !slices.Equal(statuses, want) {
		t.Errorf("GET /api/hello/stream x4 = %v, want %v (burst 2)", statuses, want)
	}
	// Other methods fall under the stage's 100/s, burst 200.
	if resp, _ := apigwtest.Do(t, mustRequest(t, "GET", srv.URL+"/prod/api/hello")); resp.StatusCode != 200 {
		t.Errorf("GET /api/hello = %d, want 200", resp.StatusCode)
	}
}

// TestBinaryBody: with binary media types */*, a body reaches the function
// base64-encoded.
func TestBinaryBody(t *testing.T) {
	rec := &recorder{}
	srv := serve(t, readFile(t, stackTemplate), rec)
	req, _ := http.NewRequest("POST", srv.URL+"/prod/api/upload", bytes.NewReader([]byte{0, 1, 2, 0xff}))
	req.Header.Set("Content-Type", "application/octet-stream")
	apigwtest.Do(t, req)
	ev := decode(t, rec.last(t))
	if ev["body"] != "AAEC/w==" || ev["isBase64Encoded"] != true {
		t.Errorf("body %v, isBase64Encoded %v: want AAEC/w== and true", ev["body"], ev["isBase64Encoded"])
	}
}
