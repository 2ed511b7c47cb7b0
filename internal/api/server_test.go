package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRoutes(t *testing.T) {
	h, _ := newTestServer(t, map[string]string{"STAGE": "prod"})
	tests := []struct {
		name       string
		method     string
		target     string
		wantStatus int
		want       map[string]any // the body, compared by meaning; request_id is checked apart
		wantAllow  string
	}{
		{"hello", "GET", "/api/hello", 200, map[string]any{"message": "Hello World"}, ""},
		{"hello with name", "GET", "/api/hello?name=Ada%20Lovelace", 200, map[string]any{"message": "Hello Ada Lovelace"}, ""},
		{"hello with non-ASCII name", "GET", "/api/hello?name=Jos%C3%A9%20O%27Neil-2", 200, map[string]any{"message": "Hello José O'Neil-2"}, ""},
		{"hello with 64-letter name", "GET", "/api/hello?name=" + strings.Repeat("a", 64), 200, map[string]any{"message": "Hello " + strings.Repeat("a", 64)}, ""},
		{"healthz", "GET", "/api/healthz", 200, map[string]any{"status": "ok", "stage": "prod", "version": "test-version"}, ""},
		{"head hello", "HEAD", "/api/hello", 200, nil, ""},
		{"unknown route", "GET", "/api/nope", 404, map[string]any{"detail": "Not Found", "status_code": 404.0}, ""},
		{"root", "GET", "/", 404, map[string]any{"detail": "Not Found", "status_code": 404.0}, ""},
		{"wrong method", "POST", "/api/hello", 405, map[string]any{"detail": "Method Not Allowed", "status_code": 405.0}, "GET, HEAD"},
		{"wrong method on healthz", "DELETE", "/api/healthz", 405, map[string]any{"detail": "Method Not Allowed", "status_code": 405.0}, "GET, HEAD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := serve(h, httptest.NewRequest(tt.method, tt.target, nil))
			if w.Code != tt.wantStatus {
				t.Fatalf("%s %s status = %d, want %d (body %q)", tt.method, tt.target, w.Code, tt.wantStatus, w.Body.String())
			}
			if got := w.Header().Get("Allow"); got != tt.wantAllow {
				t.Errorf("Allow = %q, want %q", got, tt.wantAllow)
			}
			if got := w.Header().Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q, want nosniff", got)
			}
			id := w.Header().Get("X-Request-Id")
			if !wellFormedID(id) {
				t.Errorf("X-Request-Id = %q, want a well-formed id", id)
			}
			if tt.want == nil {
				return
			}
			got := decodeJSON(t, w)
			if tt.wantStatus >= 400 {
				if got["request_id"] != id {
					t.Errorf("request_id = %v, want the X-Request-Id %q", got["request_id"], id)
				}
				delete(got, "request_id")
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s %s body mismatch (-want +got):\n%s", tt.method, tt.target, diff)
			}
		})
	}
}

func TestPanicIsLogged500AndServerKeepsServing(t *testing.T) {
	h, logs := newTestServer(t, nil, withRoutes(func(mux *http.ServeMux) {
		mux.HandleFunc("GET /api/boom", func(http.ResponseWriter, *http.Request) {
			panic("secret internal state: password=hunter2")
		})
	}))
	w := serve(h, httptest.NewRequest("GET", "/api/boom", nil))
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("status = %d, want 500", w.Code)
	}
	got := decodeJSON(t, w)
	if strings.Contains(w.Body.String(), "hunter2") {
		t.Errorf("body %q leaks the panic value", w.Body.String())
	}
	id := w.Header().Get("X-Request-Id")
	want := map[string]any{"detail": "Internal Server Error", "status_code": 500.0, "request_id": id}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("body mismatch (-want +got):\n%s", diff)
	}

	var panicLine map[string]any
	for _, l := range logs.JSONLines(t) {
		if l["msg"] == "handler panic" {
			panicLine = l
		}
	}
	if panicLine == nil {
		t.Fatal("no \"handler panic\" log line")
	}
	if panicLine["level"] != "ERROR" || panicLine["request_id"] != id ||
		!strings.Contains(panicLine["panic"].(string), "hunter2") || !strings.Contains(panicLine["stack"].(string), "server_test.go") {
		t.Errorf("panic log line = %v, want level ERROR, the request id, the panic value and the stack", panicLine)
	}

	if w := serve(h, httptest.NewRequest("GET", "/api/hello", nil)); w.Code != http.StatusOK {
		t.Errorf("after a panic GET /api/hello status = %d, want 200", w.Code)
	}
}
