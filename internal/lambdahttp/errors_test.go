package lambdahttp_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/google/go-cmp/cmp"

	"github.com/r2r/r2r/internal/lambdahttp"
	"github.com/r2r/r2r/internal/lambdahttp/lambdahttptest"
)

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
