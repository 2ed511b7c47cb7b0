package lambdahttp_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/r2r/r2r/internal/lambdahttp"
	"github.com/r2r/r2r/internal/lambdahttp/lambdahttptest"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current output")

// goldenHandler echoes the request as JSON, or answers what the
// X-Test-Response request header asks for, so one fixture can drive both
// directions of the adapter.
func goldenHandler() http.Handler {
	echo := func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		bodyField := string(body)
		if !utf8.Valid(body) {
			bodyField = "base64:" + base64.StdEncoding.EncodeToString(body)
		}
		ctx := r.Context()
		out := map[string]any{
			"method": r.Method, "path": r.URL.Path, "rawPath": r.URL.RawPath, "rawQuery": r.URL.RawQuery,
			"requestURI": r.RequestURI, "host": r.Host, "remoteAddr": r.RemoteAddr, "proto": r.Proto,
			"header": r.Header, "contentLength": r.ContentLength, "body": bodyField, "name": r.PathValue("name"),
			"source": lambdahttp.SourceFromContext(ctx).String(), "requestId": lambdahttp.RequestIDFromContext(ctx),
			"traceId": lambdahttp.TraceIDFromContext(ctx), "authorizer": lambdahttp.AuthorizerFromContext(ctx),
			"stageVariables": lambdahttp.StageVariablesFromContext(ctx),
		}
		switch r.Header.Get("X-Test-Response") {
		case "png":
			w.Header().Set("Content-Type", "image/png")
			w.Write(pngBytes)
			return
		case "gzip":
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("Content-Encoding", "gzip")
			w.Write([]byte("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"))
			return
		case "cookies":
			http.SetCookie(w, &http.Cookie{Name: "session", Value: "new", Path: "/", HttpOnly: true, Secure: true})
			http.SetCookie(w, &http.Cookie{Name: "theme", Value: "light", Path: "/"})
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Add("Vary", "Origin")
		w.Header().Add("Vary", "Accept-Encoding")
		json.NewEncoder(w).Encode(out)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /capture/{name}", echo)
	mux.HandleFunc("/", echo)
	return mux
}

// TestGolden runs every fixture in testdata through the golden handler and
// compares the whole Lambda response, by meaning, with testdata/golden.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures in testdata: %v", err)
	}
	h := lambdahttp.New(goldenHandler(), lambdahttp.WithLogger(discardLogger()))
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			payload, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			out, err := h.Invoke(context.Background(), payload)
			if err != nil {
				t.Fatalf("Invoke(%s) = %v, want a response", name, err)
			}
			golden := filepath.Join("testdata", "golden", name)
			if *update {
				var buf bytes.Buffer
				json.Indent(&buf, out, "", "  ")
				buf.WriteByte('\n')
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("missing golden file (run go test -update): %v", err)
			}
			if diff := cmp.Diff(jsonValue(t, want), jsonValue(t, out)); diff != "" {
				t.Errorf("Invoke(%s) response mismatch (-want +got):\n%s", name, diff)
			}
		})
	}
}

// jsonValue decodes b, and the body inside it when that is JSON, so that
// diffs compare meaning and stay readable.
func jsonValue(t *testing.T, b []byte) any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	if s, ok := v["body"].(string); ok {
		var inner any
		if json.Unmarshal([]byte(s), &inner) == nil {
			v["body"] = inner
		}
	}
	return v
}

// TestAWSLambdaGoSamples runs aws-lambda-go's own sample events: the HTTP
// requests must be served by the right source, the rest rejected.
func TestAWSLambdaGoSamples(t *testing.T) {
	dir := awsLambdaGoDir(t)
	tests := []struct {
		file   string
		source lambdahttp.Source // SourceUnknown: must be rejected
	}{
		{"events/testdata/apigw-request.json", lambdahttp.SourceAPIGatewayV1},
		{"events/testdata/apigw-restapi-openapi-request.json", lambdahttp.SourceAPIGatewayV1},
		{"events/testdata/apigw-v2-request-iam.json", lambdahttp.SourceAPIGatewayV2},
		{"events/testdata/apigw-v2-request-jwt-authorizer.json", lambdahttp.SourceAPIGatewayV2},
		{"events/testdata/apigw-v2-request-lambda-authorizer.json", lambdahttp.SourceAPIGatewayV2},
		{"events/testdata/apigw-v2-request-no-authorizer.json", lambdahttp.SourceAPIGatewayV2},
		{"events/testdata/alb-lambda-target-request-headers-only.json", lambdahttp.SourceALB},
		{"events/testdata/alb-lambda-target-request-multivalue-headers.json", lambdahttp.SourceALB},
		{"events/testdata/lambda-urls-request.json", lambdahttp.SourceFunctionURL},
		{"lambdaurl/testdata/function-url-domain-only-get-request-trailing-slash.json", lambdahttp.SourceFunctionURL},
		{"lambdaurl/testdata/function-url-domain-only-get-request.json", lambdahttp.SourceFunctionURL},
		{"lambdaurl/testdata/function-url-domain-only-request-with-base64-encoded-body.json", lambdahttp.SourceFunctionURL},
		{"lambdaurl/testdata/function-url-request-with-headers-and-cookies-and-text-body.json", lambdahttp.SourceFunctionURL},
		{"events/testdata/apigw-websocket-request.json", lambdahttp.SourceUnknown},
		{"events/testdata/apigw-websocket-request-disconnect.json", lambdahttp.SourceUnknown},
		{"events/testdata/apigw-websocket-request-send-message.json", lambdahttp.SourceUnknown},
		{"events/testdata/apigw-custom-auth-request.json", lambdahttp.SourceUnknown},
		{"events/testdata/apigw-custom-auth-request-type-request.json", lambdahttp.SourceUnknown},
		{"events/testdata/apigw-v2-custom-authorizer-v1-request.json", lambdahttp.SourceUnknown},
		{"events/testdata/apigw-v2-custom-authorizer-v2-request.json", lambdahttp.SourceUnknown},
		{"events/testdata/sqs-event.json", lambdahttp.SourceUnknown},
		{"events/testdata/sns-event.json", lambdahttp.SourceUnknown},
		{"events/testdata/s3-event.json", lambdahttp.SourceUnknown},
		{"events/testdata/cloudwatch-events.json", lambdahttp.SourceUnknown},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			payload, err := os.ReadFile(filepath.Join(dir, tc.file))
			if err != nil {
				t.Skipf("sample not in this aws-lambda-go version: %v", err)
			}
			checkServedBy(t, payload, tc.source)
		})
	}
}

// checkServedBy invokes payload and checks it is served by want, or
// rejected with ErrUnsupportedEvent and the handler never called when want
// is SourceUnknown.
func checkServedBy(t *testing.T, payload []byte, want lambdahttp.Source) {
	t.Helper()
	var got []lambdahttp.Source
	h := lambdahttp.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, lambdahttp.SourceFromContext(r.Context()))
		if _, ok := lambdahttp.EventFromContext(r.Context()); !ok {
			t.Error("EventFromContext = false, want the typed event")
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"ok":true}`)
	}))
	out, err := h.Invoke(context.Background(), payload)
	if want == lambdahttp.SourceUnknown {
		if !errors.Is(err, lambdahttp.ErrUnsupportedEvent) {
			t.Errorf("Invoke = %.100q, %v; want an error wrapping ErrUnsupportedEvent", out, err)
		}
		if len(got) != 0 {
			t.Errorf("handler called %d times for a foreign event, want 0", len(got))
		}
		return
	}
	if err != nil {
		t.Fatalf("Invoke = %v, want a response", err)
	}
	if diff := cmp.Diff([]lambdahttp.Source{want}, got); diff != "" {
		t.Errorf("source mismatch (-want +got):\n%s", diff)
	}
	if !json.Valid(out) {
		t.Errorf("Invoke = %q, want JSON", out)
	}
}

// TestSharedCaptures runs the live events captured from AWS.
func TestSharedCaptures(t *testing.T) {
	dir := sharedEventsDir(t)
	tests := []struct {
		file     string
		source   lambdahttp.Source
		wantPath string
		wantName string
	}{
		{"apigwv1-request.json", lambdahttp.SourceAPIGatewayV1, "/capture/space value", "space value"},
		{"apigwv2-request.json", lambdahttp.SourceAPIGatewayV2, "/capture/space value", "space value"},
		{"alb-request.json", lambdahttp.SourceALB, "/capture/space value", "space value"},
		{"functionurl-request.json", lambdahttp.SourceFunctionURL, "/capture/space value", "space value"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			payload, err := os.ReadFile(filepath.Join(dir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			checkServedBy(t, payload, tc.source)
			rec := newRecorder()
			invoke(t, lambdahttp.New(rec), payload)
			got := rec.last
			wantQuery := map[string][]string{
				"empty": {""}, "encodedPlus": {"a+b"}, "literalPlus": {"a b"},
				"redirect": {"https://example.com/a/b"}, "repeat": {"one", "two"},
			}
			if diff := cmp.Diff(wantQuery, map[string][]string(got.Query)); diff != "" {
				t.Errorf("URL.Query() mismatch (-want +got):\n%s", diff)
			}
			if got.Path != tc.wantPath || got.Name != tc.wantName {
				t.Errorf("URL.Path, PathValue(name) = %q, %q; want %q, %q", got.Path, got.Name, tc.wantPath, tc.wantName)
			}
			if want := `{"message":"hello from the public internet","unicode":"lambda-λ"}`; string(got.Body) != want {
				t.Errorf("body = %q, want %q", got.Body, want)
			}
			if got.RemoteAddr != "68.8.83.18:0" {
				t.Errorf("RemoteAddr = %q, want %q", got.RemoteAddr, "68.8.83.18:0")
			}
			if diff := cmp.Diff([]string{"session=abc123; theme=dark"}, got.Header["Cookie"]); diff != "" {
				t.Errorf("Cookie header mismatch (-want +got):\n%s", diff)
			}
			probe := []string{"first", "second"} // REST and ALB multi-value keep both
			if tc.source == lambdahttp.SourceAPIGatewayV2 || tc.source == lambdahttp.SourceFunctionURL {
				probe = []string{"first,second"} // joined by AWS; never split
			}
			if diff := cmp.Diff(probe, got.Header["X-Voker-Probe"]); diff != "" {
				t.Errorf("X-Voker-Probe mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestBadEvents: what is not an HTTP request is an error for the runtime,
// never a request served as GET /.
func TestBadEvents(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		want    string // in the error message
	}{
		{"empty object", `{}`, "not an API Gateway, ALB or Function URL"},
		{"null", `null`, "not an API Gateway, ALB or Function URL"},
		{"not JSON", `GET / HTTP/1.1`, "decoding event"},
		{"empty payload", ``, "decoding event"},
		{"array", `[1,2]`, "decoding event"},
		{"truncated", `{"httpMethod":"GET","path":"/`, "decoding event"},
		{"wrong field type", `{"httpMethod":"GET","path":"/","headers":{"a":1}}`, "decoding event"},
		{"sqs", `{"Records":[{"messageId":"059f36b4-87a3-44ab-83d2-661975830a7d","eventSource":"aws:sqs","body":"Test message."}]}`, `"Records"`},
		{"websocket", `{"requestContext":{"routeKey":"$default","eventType":"MESSAGE","connectionId":"L0SM9cOFvHcCIhw=","requestId":"x","stage":"prod","domainName":"x.execute-api.us-east-1.amazonaws.com"},"body":"hi","isBase64Encoded":false}`, "WebSocket"},
		{"authorizer", `{"type":"TOKEN","authorizationToken":"allow","methodArn":"arn:aws:execute-api:us-west-2:123456789012:ymy8tbxw7b/*/GET/"}`, "authorizer"},
		{"v2 without method", `{"version":"2.0","rawPath":"/x","requestContext":{"http":{"path":"/x","sourceIp":"1.2.3.4"},"requestId":"r"}}`, "without an HTTP method"},
		{"v2 with invalid method", `{"version":"2.0","rawPath":"/x","requestContext":{"http":{"method":"GET /","path":"/x"}}}`, "invalid HTTP method"},
		{"v1 without path", `{"httpMethod":"GET","resource":"/","requestContext":{"requestId":"r","stage":"prod"}}`, "without a path"},
		{"v1 without method", `{"path":"/x","requestContext":{"requestId":"r"}}`, "without an HTTP method"},
		{"alb without path", `{"httpMethod":"GET","requestContext":{"elb":{"targetGroupArn":"arn"}}}`, "without a path"},
		{"function url without rawPath", `{"version":"2.0","requestContext":{"http":{"method":"GET"},"domainName":"u.lambda-url.us-east-1.on.aws"}}`, "without rawPath"},
		{"v1 authorizer of the wrong shape", `{"httpMethod":"GET","path":"/","requestContext":{"authorizer":"nope"}}`, "authorizer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			called := false
			h := lambdahttp.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { called = true }))
			out, err := h.Invoke(context.Background(), []byte(tc.payload))
			if err == nil {
				t.Fatalf("Invoke(%s) = %s, nil; want an error", tc.payload, out)
			}
			if !errors.Is(err, lambdahttp.ErrUnsupportedEvent) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Invoke(%s) error = %q, want ErrUnsupportedEvent mentioning %q", tc.payload, err, tc.want)
			}
			if called {
				t.Errorf("handler called for %s, want not", tc.name)
			}
		})
	}
}

// TestBadRequests: a well-formed event whose request net/http would refuse
// gets a 400 JSON error without running the handler.
func TestBadRequests(t *testing.T) {
	c := lambdahttptest.Request{Method: "POST", Target: "/upload", Body: []byte("x"), Binary: true}
	badBody := func(ev map[string]any) { ev["body"] = "not base64!!" }
	badPath := func(ev map[string]any) {
		if _, ok := ev["rawPath"]; ok {
			ev["rawPath"] = "/a%zz"
		} else {
			ev["path"] = "/a%zz"
		}
	}
	tests := []struct {
		name   string
		event  []byte
		detail string
		reqID  string
	}{
		{"v1 invalid base64", eventWith(t, restAPI.EventV1(t, c), badBody), "request body is not valid base64", testRequestID},
		{"v2 invalid base64", eventWith(t, httpAPI.EventV2(t, c), badBody), "request body is not valid base64", testRequestID},
		{"alb invalid base64", eventWith(t, targetGroup.EventALB(t, c, true), badBody), "request body is not valid base64", ""},
		{"alb single invalid base64", eventWith(t, targetGroup.EventALB(t, c, false), badBody), "request body is not valid base64", ""},
		{"function url invalid base64", eventWith(t, functionURL.EventFunctionURL(t, c), badBody), "request body is not valid base64", testRequestID},
		{"v1 invalid path escape", eventWith(t, restAPI.EventV1(t, c), badPath), "invalid percent-encoding in request path", testRequestID},
		{"alb invalid path escape", eventWith(t, targetGroup.EventALB(t, c, true), badPath), "invalid percent-encoding in request path", ""},
		{"function url invalid path escape", eventWith(t, functionURL.EventFunctionURL(t, c), badPath), "invalid percent-encoding in request path", testRequestID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			called := false
			h := lambdahttp.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { called = true }), withErrorFields)
			r := decodeResponse(t, invoke(t, h, tc.event))
			e := decodeAdapterError(t, r, http.StatusBadRequest)
			if diff := cmp.Diff(adapterError{tc.detail, 400, tc.reqID}, e); diff != "" {
				t.Errorf("error body mismatch (-want +got):\n%s", diff)
			}
			if called {
				t.Error("handler called, want not")
			}
		})
	}
}
