package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRequestID(t *testing.T) {
	tests := []struct {
		name       string
		sent       string
		onPlatform bool   // served with WithPlatformInfo, as on Lambda
		platform   string // the platform's request id
		want       string // "" means a new one
		wantClient string // the access log's client_request_id
	}{
		{"generated", "", false, "", "", ""},
		{"caller's well-formed id kept", "abc-123_X.y:z", false, "", "abc-123_X.y:z", ""},
		{"caller's id with a space replaced", "abc 123", false, "", "", "abc 123"},
		{"caller's id with a newline replaced", "abc\n123", false, "", "", "abc\n123"},
		{"caller's overlong id replaced", strings.Repeat("a", 129), false, "", "", strings.Repeat("a", 129)},
		{"platform's id wins", "abc", true, "c0ffee00-1111-2222-3333-444455556666", "c0ffee00-1111-2222-3333-444455556666", "abc"},
		{"platform without an id: a new one, never the caller's", "abc", true, "", "", "abc"},
		{"platform, no caller id", "", true, "c0ffee00-1111-2222-3333-444455556666", "c0ffee00-1111-2222-3333-444455556666", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []Option
			if tt.onPlatform {
				opts = append(opts, WithPlatformInfo(func(*http.Request) PlatformInfo {
					return PlatformInfo{RequestID: tt.platform, LambdaRequestID: "lambda-1", TraceID: "Root=1-abc"}
				}))
			}
			h, logs := newTestServer(t, nil, opts...)
			r := httptest.NewRequest("GET", "/api/nope", nil)
			if tt.sent != "" {
				r.Header["X-Request-Id"] = []string{tt.sent}
			}
			w := serve(h, r)
			got := w.Header().Get("X-Request-Id")
			if tt.want != "" && got != tt.want {
				t.Errorf("X-Request-Id = %q, want %q", got, tt.want)
			}
			if tt.want == "" && (got == tt.sent || len(got) != 36) {
				t.Errorf("X-Request-Id = %q, want a new UUID", got)
			}
			if body := decodeJSON(t, w); body["request_id"] != got {
				t.Errorf("request_id = %v, want %q", body["request_id"], got)
			}
			access := logs.JSONLines(t)[0]
			if access["request_id"] != got {
				t.Errorf("access log request_id = %v, want %q", access["request_id"], got)
			}
			if client, _ := access["client_request_id"].(string); client != tt.wantClient {
				t.Errorf("access log client_request_id = %q, want %q", client, tt.wantClient)
			}
			if tt.onPlatform && (access["lambda_request_id"] != "lambda-1" || access["trace_id"] != "Root=1-abc") {
				t.Errorf("access log = %v, want the Lambda request id and the trace id", access)
			}
		})
	}
	if a, b := newRequestID(), newRequestID(); a == b {
		t.Errorf("newRequestID() returned %q twice", a)
	}
}
