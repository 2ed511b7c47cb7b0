package lambdahttp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/google/go-cmp/cmp"

	"github.com/r2r/r2r/internal/lambdahttp"
	"github.com/r2r/r2r/internal/lambdahttp/lambdahttptest"
)

// respSource is a source seen from the response side.
type respSource struct {
	name    string
	event   []byte
	keys    []string // exact top-level keys of a response with a body and no cookies
	multi   bool     // headers in multiValueHeaders
	cookies bool     // Set-Cookie in cookies[]
}

func respSources(t *testing.T) []respSource {
	c := lambdahttptest.Request{Method: "GET", Target: "/", Header: [][2]string{{"Host", "h"}}}
	v1Keys := []string{"body", "isBase64Encoded", "multiValueHeaders", "statusCode"}
	v2Keys := []string{"body", "headers", "isBase64Encoded", "statusCode"}
	return []respSource{
		{"apigw-v1", restAPI.EventV1(t, c), v1Keys, true, false},
		{"apigw-v2", httpAPI.EventV2(t, c), v2Keys, false, true},
		{"function-url", functionURL.EventFunctionURL(t, c), v2Keys, false, true},
		{"alb-multivalue", targetGroup.EventALB(t, c, true), []string{"body", "isBase64Encoded", "multiValueHeaders", "statusCode", "statusDescription"}, true, false},
		{"alb-single", targetGroup.EventALB(t, c, false), []string{"body", "headers", "isBase64Encoded", "statusCode", "statusDescription"}, false, false},
	}
}

func TestResponse(t *testing.T) {
	type want struct {
		status      int
		body        []byte
		base64      bool
		contentType string
		missing     []string            // headers that must not be sent
		header      map[string][]string // headers that must be sent exactly
	}
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    want
	}{
		{
			name:    "empty handler is 200 with no body",
			handler: func(w http.ResponseWriter, r *http.Request) {},
			want:    want{status: 200, body: []byte{}},
		},
		{
			name: "text untouched",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				io.WriteString(w, "{\"msg\":\"héllo \\\"q\\\" <tag>\\n\u2028\"}")
			},
			want: want{status: 200, body: []byte("{\"msg\":\"héllo \\\"q\\\" <tag>\\n\u2028\"}"), contentType: "application/json; charset=utf-8"},
		},
		{
			name: "png intact through base64",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "image/png")
				w.Write(pngBytes)
			},
			want: want{status: 200, body: pngBytes, base64: true, contentType: "image/png"},
		},
		{
			name: "gzip text is binary",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				w.Header().Set("Content-Encoding", "gzip")
				w.Write([]byte("pretend gzip"))
			},
			want: want{status: 200, body: []byte("pretend gzip"), base64: true, contentType: "text/plain"},
		},
		{
			name: "invalid UTF-8 labelled text is base64",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				w.Write([]byte("a\xffb"))
			},
			want: want{status: 200, body: []byte("a\xffb"), base64: true, contentType: "text/plain"},
		},
		{
			name: "content type sniffed",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Write([]byte("<!DOCTYPE html><html></html>"))
			},
			want: want{status: 200, body: []byte("<!DOCTYPE html><html></html>"), contentType: "text/html; charset=utf-8"},
		},
		{
			name: "sniffed png is binary",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Write(pngBytes)
			},
			want: want{status: 200, body: pngBytes, base64: true, contentType: "image/png"},
		},
		{
			name: "first WriteHeader wins",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusTeapot)
				w.WriteHeader(http.StatusInternalServerError)
				w.Write([]byte("short and stout"))
			},
			want: want{status: 418, body: []byte("short and stout"), contentType: "text/plain; charset=utf-8"},
		},
		{
			name: "headers set after WriteHeader not sent",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Before", "yes")
				w.WriteHeader(http.StatusCreated)
				w.Header().Set("X-After", "no")
				w.Header().Set("X-Before", "changed")
			},
			want: want{status: 201, body: []byte{}, header: map[string][]string{"X-Before": {"yes"}}, missing: []string{"X-After"}},
		},
		{
			name: "headers set after first Write not sent",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				w.Write([]byte("x"))
				w.Header().Set("X-After", "no")
			},
			want: want{status: 200, body: []byte("x"), contentType: "text/plain", missing: []string{"X-After"}},
		},
		{
			name: "flush commits 200",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				w.(http.Flusher).Flush()
				w.WriteHeader(http.StatusNotFound)
				w.Write([]byte("late"))
			},
			want: want{status: 200, body: []byte("late"), contentType: "text/plain"},
		},
		{
			name: "no body on 204",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusNoContent)
				if _, err := w.Write([]byte("x")); !errors.Is(err, http.ErrBodyNotAllowed) {
					panic("Write after 204 did not return http.ErrBodyNotAllowed")
				}
			},
			want: want{status: 204, body: []byte{}},
		},
		{
			name: "repeated header",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Add("Vary", "Origin")
				w.Header().Add("Vary", "Accept")
			},
			want: want{status: 200, body: []byte{}, header: map[string][]string{"Vary": {"Origin", "Accept"}}},
		},
	}
	for _, src := range respSources(t) {
		for _, tc := range tests {
			t.Run(src.name+"/"+tc.name, func(t *testing.T) {
				resp := decodeResponse(t, invoke(t, lambdahttp.New(tc.handler), src.event))
				if resp.StatusCode != tc.want.status {
					t.Errorf("statusCode = %d, want %d", resp.StatusCode, tc.want.status)
				}
				if got := resp.bodyBytes(t); !bytes.Equal(got, tc.want.body) {
					t.Errorf("body = %q, want %q", got, tc.want.body)
				}
				if resp.IsBase64Encoded != tc.want.base64 {
					t.Errorf("isBase64Encoded = %v, want %v", resp.IsBase64Encoded, tc.want.base64)
				}
				if tc.want.contentType != "" {
					if diff := cmp.Diff([]string{tc.want.contentType}, resp.Header().Values("Content-Type")); diff != "" {
						t.Errorf("Content-Type mismatch (-want +got):\n%s", diff)
					}
				}
				for _, k := range tc.want.missing {
					if v := resp.Header().Values(k); v != nil {
						t.Errorf("header %s = %q, want it not sent", k, v)
					}
				}
				for k, v := range tc.want.header {
					want := v
					if !src.multi && len(v) > 1 {
						want = []string{strings.Join(v, ",")} // single-value headers join
					}
					if diff := cmp.Diff(want, resp.Header().Values(k)); diff != "" {
						t.Errorf("header %s mismatch (-want +got):\n%s", k, diff)
					}
				}
				if strings.HasPrefix(src.name, "alb") {
					wantDesc := http.StatusText(tc.want.status)
					if d := resp.StatusDescription; d != itoaStatus(tc.want.status)+" "+wantDesc {
						t.Errorf("statusDescription = %q, want %q", d, itoaStatus(tc.want.status)+" "+wantDesc)
					}
				}
				if diff := cmp.Diff(src.keys, resp.Keys); diff != "" {
					t.Errorf("response keys mismatch (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func itoaStatus(code int) string {
	b, _ := json.Marshal(code)
	return string(b)
}

// TestSetCookie: two cookies must both arrive, each in the field the source
// reads them from; v2-only "cookies" must never appear in v1/ALB responses.
func TestSetCookie(t *testing.T) {
	h := lambdahttp.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "a", Value: "1", Path: "/"})
		http.SetCookie(w, &http.Cookie{Name: "b", Value: "2", Expires: testExpires})
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "ok")
	}), lambdahttp.WithLogger(slog.New(slog.DiscardHandler)))
	cookies := []string{"a=1; Path=/", "b=2; Expires=Wed, 21 Oct 2065 07:28:00 GMT"}
	tests := []struct {
		src      respSource
		wantKeys []string
		check    func(t *testing.T, r response)
	}{}
	for _, src := range respSources(t) {
		tc := struct {
			src      respSource
			wantKeys []string
			check    func(t *testing.T, r response)
		}{src: src, wantKeys: src.keys}
		switch {
		case src.cookies:
			tc.wantKeys = []string{"body", "cookies", "headers", "isBase64Encoded", "statusCode"}
			tc.check = func(t *testing.T, r response) {
				if diff := cmp.Diff(cookies, r.Cookies); diff != "" {
					t.Errorf("cookies mismatch (-want +got):\n%s", diff)
				}
				if _, ok := r.Headers["Set-Cookie"]; ok {
					t.Errorf("headers has Set-Cookie %q, want it only in cookies", r.Headers["Set-Cookie"])
				}
			}
		case src.multi:
			tc.check = func(t *testing.T, r response) {
				if diff := cmp.Diff(cookies, r.MultiValueHeaders["Set-Cookie"]); diff != "" {
					t.Errorf("multiValueHeaders[Set-Cookie] mismatch (-want +got):\n%s", diff)
				}
			}
		default: // ALB single-value: one cookie fits; the last one, never a broken join
			tc.check = func(t *testing.T, r response) {
				if got := r.Headers["Set-Cookie"]; got != cookies[1] {
					t.Errorf("headers[Set-Cookie] = %q, want %q", got, cookies[1])
				}
			}
		}
		tests = append(tests, tc)
	}
	for _, tc := range tests {
		t.Run(tc.src.name, func(t *testing.T) {
			r := decodeResponse(t, invoke(t, h, tc.src.event))
			tc.check(t, r)
			if diff := cmp.Diff(tc.wantKeys, r.Keys); diff != "" {
				t.Errorf("response keys mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestIsTextContent(t *testing.T) {
	tests := []struct {
		contentType, contentEncoding string
		want                         bool
	}{
		{"text/html; charset=utf-8", "", true},
		{"TEXT/CSV", "", true},
		{"application/json", "", true},
		{"application/problem+json", "", true},
		{"application/xml", "", true},
		{"image/svg+xml", "", true},
		{"application/javascript", "", true},
		{"application/x-www-form-urlencoded", "", true},
		{"application/yaml", "", true},
		{"application/json", "gzip", false},
		{"text/plain", "br", false},
		{"text/plain", "identity", true},
		{"image/png", "", false},
		{"application/octet-stream", "", false},
		{"application/pdf", "", false},
		{"", "", false},
	}
	for _, tc := range tests {
		if got := lambdahttp.IsTextContent(tc.contentType, tc.contentEncoding); got != tc.want {
			t.Errorf("IsTextContent(%q, %q) = %v, want %v", tc.contentType, tc.contentEncoding, got, tc.want)
		}
	}
}

func TestWithBinaryPolicy(t *testing.T) {
	h := lambdahttp.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.custom")
		io.WriteString(w, "plain words")
	}), lambdahttp.WithBinaryPolicy(func(ct, ce string) bool { return ct == "application/vnd.custom" }))
	c := lambdahttptest.Request{Method: "GET", Target: "/"}
	r := decodeResponse(t, invoke(t, h, restAPI.EventV1(t, c)))
	if r.IsBase64Encoded || r.Body != "plain words" {
		t.Errorf("response body = %q (isBase64Encoded %v), want %q as text", r.Body, r.IsBase64Encoded, "plain words")
	}
}

// adapterError is the body withErrorFields writes: all the adapter passes to
// WithErrorBody, so tests can check the status, detail and request id.
type adapterError struct {
	Detail     string `json:"detail"`
	StatusCode int    `json:"status_code"`
	RequestID  string `json:"request_id"`
}

var withErrorFields = lambdahttp.WithErrorBody(func(status int, detail, requestID string) []byte {
	b, err := json.Marshal(adapterError{Detail: detail, StatusCode: status, RequestID: requestID})
	if err != nil {
		panic(err)
	}
	return b
})

// TestDefaultErrorBody: without WithErrorBody the adapter's own errors are
// {"message": ...}, as API Gateway's are, whatever the source and mode.
func TestDefaultErrorBody(t *testing.T) {
	panics := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/panic" {
			panic("boom")
		}
	})
	badBody := func(ev map[string]any) { ev["body"], ev["isBase64Encoded"] = "not base64!!", true }
	quiet := lambdahttp.WithLogger(slog.New(slog.DiscardHandler))
	buffered := lambdahttp.New(panics, quiet)
	streamed := lambdahttp.New(panics, quiet, lambdahttp.WithResponseStreaming())
	for _, tc := range []struct {
		name   string
		stream bool
		event  []byte
		status int
		want   string
	}{
		{"v1 bad body", false, eventWith(t, restAPI.EventV1(t, lambdahttptest.Request{Method: "POST", Target: "/"}), badBody), 400, `{"message":"request body is not valid base64"}`},
		{"v2 panic", false, httpAPI.EventV2(t, lambdahttptest.Request{Method: "GET", Target: "/panic"}), 500, `{"message":"Internal Server Error"}`},
		{"alb panic", false, targetGroup.EventALB(t, lambdahttptest.Request{Method: "GET", Target: "/panic"}, true), 500, `{"message":"Internal Server Error"}`},
		{"stream bad body", true, eventWith(t, functionURL.EventFunctionURL(t, lambdahttptest.Request{Method: "POST", Target: "/"}), badBody), 400, `{"message":"request body is not valid base64"}`},
		{"stream panic", true, functionURL.EventFunctionURL(t, lambdahttptest.Request{Method: "GET", Target: "/panic"}), 500, `{"message":"Internal Server Error"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var status float64
			var body string
			if tc.stream {
				s := invokeStream(t, streamed, tc.event)
				status, _ = preludeOf(t, s)["statusCode"].(float64)
				body, _ = s.rest(t)
			} else {
				r := decodeResponse(t, invoke(t, buffered, tc.event))
				status, body = float64(r.StatusCode), string(r.bodyBytes(t))
			}
			if int(status) != tc.status || body != tc.want {
				t.Errorf("response = %v %s, want %d %s", status, body, tc.status, tc.want)
			}
		})
	}
}

// WithRequestIDHeader: the adapter's own errors carry the platform's request
// id in the named header, buffered and streamed: API Gateway's behind an API,
// else the invocation's. Without the option, no such header.
func TestRequestIDHeader(t *testing.T) {
	panics := http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") })
	badBody := func(ev map[string]any) { ev["body"], ev["isBase64Encoded"] = "not base64!!", true }
	quiet := lambdahttp.WithLogger(slog.New(slog.DiscardHandler))
	const invocationID = "8476a536-e9f4-11e8-9739-2dfe598c3fcd"
	for _, tc := range []struct {
		name   string
		stream bool
		event  []byte
		want   string
	}{
		{"v1 bad body", false, eventWith(t, restAPI.EventV1(t, lambdahttptest.Request{Method: "POST", Target: "/"}), badBody), testRequestID},
		{"v2 panic", false, httpAPI.EventV2(t, lambdahttptest.Request{Method: "GET", Target: "/"}), testRequestID},
		{"alb panic", false, targetGroup.EventALB(t, lambdahttptest.Request{Method: "GET", Target: "/"}, false), invocationID},
		{"stream bad body", true, eventWith(t, functionURL.EventFunctionURL(t, lambdahttptest.Request{Method: "POST", Target: "/"}), badBody), invocationID},
		{"stream panic", true, functionURL.EventFunctionURL(t, lambdahttptest.Request{Method: "GET", Target: "/"}), invocationID},
	} {
		for _, name := range []string{"x-request-id", ""} {
			t.Run(tc.name+" "+name, func(t *testing.T) {
				opts := []lambdahttp.Option{quiet, lambdahttp.WithRequestIDHeader(name)}
				if tc.stream {
					opts = append(opts, lambdahttp.WithResponseStreaming())
				}
				h := lambdahttp.New(panics, opts...)
				ctx := lambdacontext.NewContext(t.Context(), &lambdacontext.LambdaContext{AwsRequestID: invocationID})
				var got []string
				if tc.stream {
					hdr, _ := preludeOf(t, invokeStreamContext(t, ctx, h, tc.event))["headers"].(map[string]any)
					if v, ok := hdr["X-Request-Id"].(string); ok {
						got = []string{v}
					}
				} else {
					out, err := h.Invoke(ctx, tc.event)
					if err != nil {
						t.Fatalf("Invoke = %v, want a response", err)
					}
					got = decodeResponse(t, out).Header().Values("X-Request-Id")
				}
				var want []string
				if name != "" {
					want = []string{tc.want}
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("X-Request-Id mismatch (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func decodeAdapterError(t *testing.T, r response, wantStatus int) adapterError {
	t.Helper()
	if r.StatusCode != wantStatus {
		t.Errorf("statusCode = %d, want %d", r.StatusCode, wantStatus)
	}
	if diff := cmp.Diff([]string{"application/json"}, r.Header().Values("Content-Type")); diff != "" {
		t.Errorf("Content-Type mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"nosniff"}, r.Header().Values("X-Content-Type-Options")); diff != "" {
		t.Errorf("X-Content-Type-Options mismatch (-want +got):\n%s", diff)
	}
	var e adapterError
	if err := json.Unmarshal(r.bodyBytes(t), &e); err != nil {
		t.Fatalf("error body %.200q... is not JSON: %v", r.Body, err)
	}
	if e.StatusCode != wantStatus {
		t.Errorf("status_code = %d, want %d", e.StatusCode, wantStatus)
	}
	return e
}

func TestPanicBecomes500AndServingContinues(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	calls := 0
	h := lambdahttp.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		switch r.URL.Path {
		case "/panic":
			w.Header().Set("X-Partial", "yes")
			w.WriteHeader(http.StatusOK)
			io.WriteString(w, "half a success")
			panic("boom")
		case "/abort":
			panic(http.ErrAbortHandler)
		}
		io.WriteString(w, "fine")
	}), lambdahttp.WithLogger(logger), withErrorFields)
	for _, src := range sources {
		t.Run(src.name, func(t *testing.T) {
			logs.Reset()
			r := decodeResponse(t, invoke(t, h, src.build(t, lambdahttptest.Request{Method: "GET", Target: "/panic"})))
			e := decodeAdapterError(t, r, http.StatusInternalServerError)
			if r.Header().Values("X-Partial") != nil {
				t.Errorf("X-Partial sent; want the panicking handler's buffered response discarded")
			}
			if strings.Contains(e.Detail, "boom") {
				t.Errorf("detail = %q, want no internals", e.Detail)
			}
			if !strings.Contains(logs.String(), "boom") || !strings.Contains(logs.String(), "goroutine") {
				t.Errorf("log = %s, want the panic value and a stack", logs.String())
			}

			r = decodeResponse(t, invoke(t, h, src.build(t, lambdahttptest.Request{Method: "GET", Target: "/abort"})))
			decodeAdapterError(t, r, http.StatusInternalServerError)

			r = decodeResponse(t, invoke(t, h, src.build(t, lambdahttptest.Request{Method: "GET", Target: "/next"})))
			if r.StatusCode != 200 || r.Body != "fine" {
				t.Errorf("next Invoke = %d %q, want 200 \"fine\"", r.StatusCode, r.Body)
			}
		})
	}
}

func TestResponseTooLarge(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	size := 6291556 // the limit in body bytes alone, so over it once encoded
	h := lambdahttp.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(bytes.Repeat([]byte("x"), size))
	}), lambdahttp.WithLogger(logger), withErrorFields)
	for _, src := range respSources(t) {
		t.Run(src.name, func(t *testing.T) {
			logs.Reset()
			r := decodeResponse(t, invoke(t, h, src.event))
			e := decodeAdapterError(t, r, http.StatusInternalServerError)
			if !strings.Contains(e.Detail, "6291556") {
				t.Errorf("detail = %q, want it to name the 6291556-byte limit", e.Detail)
			}
			if !strings.Contains(logs.String(), `"level":"ERROR"`) || !strings.Contains(logs.String(), `"size":`) {
				t.Errorf("log = %s, want an error with the size", logs.String())
			}
		})
	}
	// Just under the limit is delivered.
	under := lambdahttp.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(bytes.Repeat([]byte("x"), 6291556-200))
	}))
	out, err := under.Invoke(context.Background(), restAPI.EventV1(t, lambdahttptest.Request{Method: "GET", Target: "/"}))
	if err != nil || len(out) > 6291556 || decodeResponse(t, out).StatusCode != 200 {
		t.Errorf("Invoke(just under the limit) = %d bytes, %v; want a 200 within the limit", len(out), err)
	}
}

var testExpires = time.Date(2065, 10, 21, 7, 28, 0, 0, time.UTC)
