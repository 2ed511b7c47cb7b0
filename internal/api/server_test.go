package api

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/r2r/r2r/internal/logtest"
)

func testConfig(t *testing.T, env map[string]string) Config {
	t.Helper()
	cfg, err := LoadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("LoadConfig(%v): %v", env, err)
	}
	cfg.Version = "test-version"
	return cfg
}

// newTestServer returns the API handler with env as its environment and the
// log it writes.
func newTestServer(t *testing.T, env map[string]string, opts ...Option) (http.Handler, *logtest.Buffer) {
	t.Helper()
	logs := &logtest.Buffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return NewServer(testConfig(t, env), logger, opts...), logs
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// decodeJSON decodes a response body, failing the test unless it is JSON
// served as application/json.
func decodeJSON(t *testing.T, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json (body %q)", ct, w.Body.String())
	}
	var m map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		t.Fatalf("body %q is not JSON: %v", w.Body.String(), err)
	}
	return m
}

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

func TestHelloValidation(t *testing.T) {
	h, _ := newTestServer(t, nil)
	tests := []struct {
		name  string
		query string
		value string
	}{
		{"markup", "name=%3Cscript%3E", "<script>"},
		{"too long", "name=" + strings.Repeat("b", 65), strings.Repeat("b", 65)},
		{"slash", "name=a%2Fb", "a/b"},
		{"newline", "name=a%0Ab", "a\nb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := serve(h, httptest.NewRequest("GET", "/api/hello?"+tt.query, nil))
			if w.Code != http.StatusUnprocessableEntity {
				t.Fatalf("GET /api/hello?%s status = %d, want 422 (body %q)", tt.query, w.Code, w.Body.String())
			}
			got := decodeJSON(t, w)
			if got["status_code"] != 422.0 || got["detail"] == "" {
				t.Errorf("body = %v, want status_code 422 and a detail", got)
			}
			errs, _ := got["errors"].([]any)
			if len(errs) != 1 {
				t.Fatalf("errors = %v, want one entry", got["errors"])
			}
			e := errs[0].(map[string]any)
			if e["location"] != "query.name" || e["value"] != tt.value || e["message"] == "" {
				t.Errorf("errors[0] = %v, want location query.name, value %q and a message", e, tt.value)
			}
		})
	}
}

func TestBodyLimit(t *testing.T) {
	var read []byte
	h, _ := newTestServer(t, map[string]string{"MAX_REQUEST_BYTES": "10"}, withRoutes(func(mux *http.ServeMux) {
		mux.HandleFunc("POST /api/echo", func(w http.ResponseWriter, r *http.Request) {
			b, err := io.ReadAll(r.Body)
			if err != nil {
				writeError(w, r, http.StatusRequestEntityTooLarge, "The request body is too large.", nil)
				return
			}
			read = b
			w.Write(b)
		})
	}))

	t.Run("declared length over the limit", func(t *testing.T) {
		w := serve(h, httptest.NewRequest("POST", "/api/echo", strings.NewReader("01234567890")))
		if w.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("status = %d, want 413", w.Code)
		}
		if got := decodeJSON(t, w); got["status_code"] != 413.0 || !strings.Contains(got["detail"].(string), "10 bytes") {
			t.Errorf("body = %v, want status_code 413 and the limit in detail", got)
		}
	})
	t.Run("undeclared length over the limit", func(t *testing.T) {
		r := httptest.NewRequest("POST", "/api/echo", io.MultiReader(strings.NewReader("0123456789"), strings.NewReader("X")))
		r.ContentLength = -1
		w := serve(h, r)
		if w.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("status = %d, want 413", w.Code)
		}
	})
	t.Run("at the limit", func(t *testing.T) {
		w := serve(h, httptest.NewRequest("POST", "/api/echo", strings.NewReader("0123456789")))
		if w.Code != http.StatusOK || string(read) != "0123456789" {
			t.Fatalf("status = %d, handler read %q; want 200 and the whole body", w.Code, read)
		}
	})
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

func TestDeadline(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	h, logs := newTestServer(t, nil, withRoutes(func(mux *http.ServeMux) {
		// Ignores its context, like a handler stuck in a call that takes none.
		mux.HandleFunc("GET /api/stuck", func(w http.ResponseWriter, r *http.Request) {
			<-release
			w.Write([]byte("too late"))
		})
		mux.HandleFunc("GET /api/polite", func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		})
		mux.HandleFunc("GET /api/drip", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("first\n"))
			http.NewResponseController(w).Flush()
			<-release // still streaming at the deadline
			w.Write([]byte("late\n"))
		})
		mux.HandleFunc("GET /api/quick", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Quick", "yes")
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte(`{"ok":true}`))
			w.Header().Set("X-Late", "dropped") // after WriteHeader: not sent
		})
	}))
	for _, path := range []string{"/api/stuck", "/api/polite"} {
		t.Run(path, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			w := serve(h, httptest.NewRequestWithContext(ctx, "GET", path, nil))
			if w.Code != http.StatusGatewayTimeout {
				t.Fatalf("GET %s status = %d, want 504 (body %q)", path, w.Code, w.Body.String())
			}
			if ctx.Err() != nil {
				t.Errorf("GET %s answered after the request's deadline; want before it", path)
			}
			got := decodeJSON(t, w)
			if got["status_code"] != 504.0 || got["request_id"] != w.Header().Get("X-Request-Id") {
				t.Errorf("body = %v, want status_code 504 and the request id", got)
			}
		})
	}
	t.Run("finished in time", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		w := serve(h, httptest.NewRequestWithContext(ctx, "GET", "/api/quick", nil))
		if w.Code != http.StatusCreated || w.Body.String() != `{"ok":true}` || w.Header().Get("X-Quick") != "yes" {
			t.Errorf("GET /api/quick = %d %q %v, want 201, the body and X-Quick", w.Code, w.Body.String(), w.Header())
		}
		if w.Header().Get("X-Late") != "" {
			t.Errorf("X-Late was sent although set after WriteHeader")
		}
	})
	t.Run("stream under a deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		w := serve(h, httptest.NewRequestWithContext(ctx, "GET", "/api/hello/stream", nil))
		if w.Code != 200 || !w.Flushed || w.Body.String() != "id: 1\ndata: Hello\n\nid: 2\ndata: World\n\n" {
			t.Errorf("GET /api/hello/stream = %d flushed %v %q, want 200, flushed, both events", w.Code, w.Flushed, w.Body.String())
		}
	})
	t.Run("stream cut off at the deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		w, panicked := serveRecover(h, httptest.NewRequestWithContext(ctx, "GET", "/api/drip", nil))
		if w.Code != 200 || w.Body.String() != "first\n" {
			t.Errorf("GET /api/drip = %d %q, want 200 and only what was flushed before the deadline", w.Code, w.Body.String())
		}
		// Cut, never ended cleanly: the client must not take it for whole.
		if panicked != http.ErrAbortHandler {
			t.Errorf("GET /api/drip: ServeHTTP panicked with %v, want http.ErrAbortHandler", panicked)
		}
		var access map[string]any
		for _, l := range logs.JSONLines(t) {
			if l["msg"] == "request" && l["path"] == "/api/drip" {
				access = l
			}
		}
		if access["status"] != 500.0 || access["aborted"] != true {
			t.Errorf("access log line = %v, want status 500 and aborted", access)
		}
	})
	var timeouts, cutoffs int
	for _, l := range logs.JSONLines(t) {
		if l["msg"] == "request failed" && l["status"] == 504.0 && l["level"] == "ERROR" {
			timeouts++
		}
		if l["msg"] == "response cut off" && l["level"] == "ERROR" {
			cutoffs++
		}
	}
	if timeouts != 2 || cutoffs != 1 {
		t.Errorf("logged %d 504s and %d cut-off streams, want 2 and 1", timeouts, cutoffs)
	}
}

func TestCORS(t *testing.T) {
	tests := []struct {
		name       string
		origins    string
		method     string
		origin     string
		preflight  bool
		wantStatus int
		wantHeader map[string]string // "" means absent
	}{
		{"any origin", "*", "GET", "https://app.example", false, 200, map[string]string{
			"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "X-Request-Id", "Vary": ""}},
		{"listed origin", "https://app.example,https://admin.example", "GET", "https://admin.example", false, 200, map[string]string{
			"Access-Control-Allow-Origin": "https://admin.example", "Vary": "Origin"}},
		{"listed in another case, with the default port", "https://App.Example:443", "GET", "https://app.example", false, 200, map[string]string{
			"Access-Control-Allow-Origin": "https://app.example", "Vary": "Origin"}},
		{"origin sent in another case", "https://app.example", "GET", "HTTPS://APP.EXAMPLE", false, 200, map[string]string{
			"Access-Control-Allow-Origin": "HTTPS://APP.EXAMPLE", "Vary": "Origin"}},
		{"origin not listed", "https://app.example", "GET", "https://evil.example", false, 200, map[string]string{
			"Access-Control-Allow-Origin": "", "Vary": "Origin"}},
		{"no origin", "https://app.example", "GET", "", false, 200, map[string]string{
			"Access-Control-Allow-Origin": ""}},
		{"preflight", "https://app.example", "OPTIONS", "https://app.example", true, 204, map[string]string{
			"Access-Control-Allow-Origin":  "https://app.example",
			"Access-Control-Allow-Methods": "GET, POST, PUT, DELETE, OPTIONS",
			"Access-Control-Allow-Headers": "Content-Type, Authorization",
			"Access-Control-Max-Age":       "600"}},
		{"preflight on any path", "*", "OPTIONS", "https://app.example", true, 204, map[string]string{
			"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET, POST, PUT, DELETE, OPTIONS"}},
		{"preflight from origin not listed", "https://app.example", "OPTIONS", "https://evil.example", true, 204, map[string]string{
			"Access-Control-Allow-Origin": "", "Access-Control-Allow-Methods": ""}},
		{"plain OPTIONS is no preflight", "*", "OPTIONS", "", false, 405, map[string]string{
			"Access-Control-Allow-Methods": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := newTestServer(t, map[string]string{"CORS_ALLOW_ORIGINS": tt.origins})
			r := httptest.NewRequest(tt.method, "/api/hello", nil)
			if tt.origin != "" {
				r.Header.Set("Origin", tt.origin)
			}
			if tt.preflight {
				r.Header.Set("Access-Control-Request-Method", "GET")
			}
			w := serve(h, r)
			if w.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", w.Code, tt.wantStatus)
			}
			for k, want := range tt.wantHeader {
				if got := w.Header().Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
		})
	}
}

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

func TestAccessLog(t *testing.T) {
	h, logs := newTestServer(t, nil)
	r := httptest.NewRequest("GET", "/api/hello?name=Ada", nil)
	r.RemoteAddr = "192.0.2.7:4321"
	w := serve(h, r)
	lines := logs.JSONLines(t)
	if len(lines) != 1 {
		t.Fatalf("got %d log lines, want 1: %v", len(lines), lines)
	}
	l := lines[0]
	want := map[string]any{
		"level": "INFO", "msg": "request", "method": "GET", "path": "/api/hello", "status": 200.0,
		"bytes": float64(w.Body.Len()), "request_id": w.Header().Get("X-Request-Id"), "remote_addr": "192.0.2.7:4321",
	}
	for k, v := range want {
		if l[k] != v {
			t.Errorf("access log %s = %v, want %v", k, l[k], v)
		}
	}
	if d, ok := l["duration_ms"].(float64); !ok || d < 0 {
		t.Errorf("access log duration_ms = %v, want a duration", l["duration_ms"])
	}
}

func TestLogLevel(t *testing.T) {
	logs := &logtest.Buffer{}
	cfg := testConfig(t, map[string]string{"LOG_LEVEL": "WARN"})
	h := NewServer(cfg, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: cfg.LogLevel})))
	serve(h, httptest.NewRequest("GET", "/api/hello", nil))
	if n := len(logs.JSONLines(t)); n != 0 {
		t.Errorf("at LOG_LEVEL=WARN a 200 wrote %d lines, want none", n)
	}
}

func TestDocs(t *testing.T) {
	h, _ := newTestServer(t, nil)

	t.Run("page", func(t *testing.T) {
		w := serve(h, httptest.NewRequest("GET", "/api/docs", nil))
		if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
			t.Fatalf("GET /api/docs = %d %q, want 200 HTML", w.Code, w.Header().Get("Content-Type"))
		}
		if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("Content-Security-Policy = %q, want scripts from this origin only", csp)
		}
		if strings.Contains(w.Body.String(), "//") && strings.Contains(w.Body.String(), "http") {
			t.Errorf("docs page refers to another origin:\n%s", w.Body.String())
		}
	})
	t.Run("redirect", func(t *testing.T) {
		w := serve(h, httptest.NewRequest("GET", "/docs", nil))
		if w.Code != http.StatusFound || w.Header().Get("Location") != "api/docs" {
			t.Errorf("GET /docs = %d Location %q, want 302 to api/docs", w.Code, w.Header().Get("Location"))
		}
	})
	for _, file := range []string{"swagger-ui-bundle.js", "swagger-ui.css", "init.js"} {
		t.Run(file, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/api/docs/assets/"+file, nil)
			plain := serve(h, r)
			if plain.Code != 200 || plain.Header().Get("Content-Encoding") != "" || plain.Body.Len() < 100 {
				t.Fatalf("GET %s without gzip = %d, Content-Encoding %q, %d bytes; want 200 and a plain body",
					file, plain.Code, plain.Header().Get("Content-Encoding"), plain.Body.Len())
			}
			r.Header.Set("Accept-Encoding", "br, gzip;q=0.8")
			zipped := serve(h, r)
			body := zipped.Body.Bytes()
			if zipped.Header().Get("Content-Encoding") == "gzip" {
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				body, _ = io.ReadAll(zr)
			}
			if !bytes.Equal(body, plain.Body.Bytes()) {
				t.Errorf("GET %s with gzip decodes to %d bytes, want the same %d bytes as without", file, len(body), plain.Body.Len())
			}
			etag := zipped.Header().Get("ETag")
			r.Header.Set("If-None-Match", etag)
			if w := serve(h, r); etag == "" || w.Code != http.StatusNotModified {
				t.Errorf("GET %s with If-None-Match %q = %d, want 304", file, etag, w.Code)
			}
		})
	}
	if w := serve(h, httptest.NewRequest("GET", "/api/docs/assets/../../main.go", nil)); w.Code == 200 {
		t.Errorf("GET of a file outside the assets = 200, want an error")
	}
}

func TestLoadConfig(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		got, err := LoadConfig(func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		want := Config{Port: 8000, Host: "127.0.0.1", Stage: "local", LogLevel: slog.LevelInfo, CORSAllowOrigins: []string{"*"}, MaxRequestBytes: 6 << 20,
			MetricsNamespace: "r2r", Server: ServerLimits{ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
				WriteTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("LoadConfig(empty) mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("all set", func(t *testing.T) {
		env := map[string]string{"PORT": "9001", "STAGE": "prod", "LOG_LEVEL": "debug", "CORS_ALLOW_ORIGINS": " https://A.example , http://localhost:3000",
			"API_BASE_PATH": "/orders/v2", "MAX_REQUEST_BYTES": "1024", "METRICS": "EMF", "METRICS_NAMESPACE": "shop/orders",
			"LAMBDA_RESPONSE_MODE": "stream", "HOST": "0.0.0.0", "READ_HEADER_TIMEOUT": "2s", "READ_TIMEOUT": "1m",
			"WRITE_TIMEOUT": "1500ms", "IDLE_TIMEOUT": "5s", "MAX_HEADER_BYTES": "8192"}
		got, err := LoadConfig(func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		want := Config{Port: 9001, Stage: "prod", LogLevel: slog.LevelDebug, CORSAllowOrigins: []string{"https://a.example", "http://localhost:3000"},
			BasePath: "/orders/v2", MaxRequestBytes: 1024, Metrics: true, MetricsNamespace: "shop/orders", StreamResponses: true,
			Host: "0.0.0.0", Server: ServerLimits{ReadHeaderTimeout: 2 * time.Second, ReadTimeout: time.Minute,
				WriteTimeout: 1500 * time.Millisecond, IdleTimeout: 5 * time.Second, MaxHeaderBytes: 8192}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("LoadConfig mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("metrics on by default on Lambda", func(t *testing.T) {
		env := map[string]string{"AWS_LAMBDA_FUNCTION_NAME": "r2r-api"}
		if got, err := LoadConfig(func(k string) string { return env[k] }); err != nil || !got.Metrics {
			t.Errorf("LoadConfig(%v).Metrics = %v, %v; want true", env, got.Metrics, err)
		}
		env["METRICS"] = "off"
		if got, err := LoadConfig(func(k string) string { return env[k] }); err != nil || got.Metrics {
			t.Errorf("LoadConfig(%v).Metrics = %v, %v; want false", env, got.Metrics, err)
		}
	})
	t.Run("Lambda's log level wins", func(t *testing.T) {
		env := map[string]string{"LOG_LEVEL": "DEBUG", "AWS_LAMBDA_LOG_LEVEL": "ERROR"}
		got, err := LoadConfig(func(k string) string { return env[k] })
		if err != nil || got.LogLevel != slog.LevelError {
			t.Errorf("LoadConfig(%v) level = %v, %v; want ERROR", env, got.LogLevel, err)
		}
	})
	bad := []struct{ name, value string }{
		{"PORT", "eighty"}, {"PORT", "70000"}, {"PORT", "-1"},
		{"STAGE", "prod stage"}, {"STAGE", "../etc"}, {"STAGE", "my_stage"}, {"STAGE", "1st"},
		{"LOG_LEVEL", "verbose"}, {"AWS_LAMBDA_LOG_LEVEL", "LOUD"},
		{"CORS_ALLOW_ORIGINS", "app.example"}, {"CORS_ALLOW_ORIGINS", "https://app.example/path"},
		{"CORS_ALLOW_ORIGINS", "*,https://app.example"}, {"CORS_ALLOW_ORIGINS", "ftp://app.example"}, {"CORS_ALLOW_ORIGINS", ","},
		{"API_BASE_PATH", "v1"}, {"API_BASE_PATH", "/v1/"}, {"API_BASE_PATH", "/a/../b"}, {"API_BASE_PATH", "/a b"},
		{"MAX_REQUEST_BYTES", "0"}, {"MAX_REQUEST_BYTES", "6MB"}, {"MAX_REQUEST_BYTES", "-5"},
		{"METRICS", "yes"}, {"METRICS_NAMESPACE", "AWS/Lambda"}, {"LAMBDA_RESPONSE_MODE", "streaming"},
		{"HOST", "local host"}, {"HOST", "[::1]"}, {"HOST", "-a.example"}, {"HOST", "a..example"}, {"HOST", "http://localhost"},
		{"READ_HEADER_TIMEOUT", "10"}, {"READ_TIMEOUT", "0s"}, {"WRITE_TIMEOUT", "-1s"}, {"IDLE_TIMEOUT", "soon"},
		{"MAX_HEADER_BYTES", "64KiB"}, {"MAX_HEADER_BYTES", "100"},
	}
	for _, tt := range bad {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			_, err := LoadConfig(func(k string) string {
				if k == tt.name {
					return tt.value
				}
				return ""
			})
			if err == nil {
				t.Fatalf("LoadConfig(%s=%q) = nil error, want one", tt.name, tt.value)
			}
			if !strings.Contains(err.Error(), tt.name+"=") || !strings.Contains(err.Error(), tt.value) {
				t.Errorf("LoadConfig(%s=%q) error %q does not name the variable and the value", tt.name, tt.value, err)
			}
		})
	}
	t.Run("every bad value is reported", func(t *testing.T) {
		env := map[string]string{"PORT": "x", "STAGE": "a b"}
		_, err := LoadConfig(func(k string) string { return env[k] })
		if err == nil || !strings.Contains(err.Error(), "PORT") || !strings.Contains(err.Error(), "STAGE") {
			t.Errorf("LoadConfig(%v) error = %v, want both variables named", env, err)
		}
	})
}

// What a request can write into a log line is bounded: a long path or id is
// cut, with a marker that says how long it was.
func TestLogLinesAreBounded(t *testing.T) {
	h, logs := newTestServer(t, nil)
	path := "/api/" + strings.Repeat("a", 1<<20)
	r := httptest.NewRequest("GET", path, nil)
	r.Header.Set("X-Request-Id", strings.Repeat("b", 100<<10))
	if w := serve(h, r); w.Code != 404 {
		t.Fatalf("GET of a 1 MB path = %d, want 404", w.Code)
	}
	raw := logs.String()
	for _, l := range strings.Split(strings.TrimSpace(raw), "\n") {
		if len(l) > 8<<10 {
			t.Errorf("log line of %d bytes, want at most 8 KiB: %.200s...", len(l), l)
		}
	}
	access := logs.JSONLines(t)[0]
	if got, _ := access["path"].(string); !strings.HasPrefix(got, "/api/aaa") || !strings.HasSuffix(got, fmt.Sprintf("…(%d bytes)", len(path))) {
		t.Errorf("logged path %.100q..., want the start of the path and a marker of its length %d", got, len(path))
	}
	if got, _ := access["client_request_id"].(string); !strings.HasSuffix(got, fmt.Sprintf("…(%d bytes)", 100<<10)) {
		t.Errorf("logged client_request_id %.100q..., want it cut with a marker of its length", got)
	}
}

func TestClip(t *testing.T) {
	long := strings.Repeat("é", maxLogValue) // 2 bytes each: the cut must not split one
	tests := []struct{ in, want string }{
		{"", ""},
		{"/api/hello", "/api/hello"},
		{strings.Repeat("a", maxLogValue), strings.Repeat("a", maxLogValue)},
		{strings.Repeat("a", maxLogValue+1), strings.Repeat("a", maxLogValue) + fmt.Sprintf("…(%d bytes)", maxLogValue+1)},
		{long, strings.Repeat("é", maxLogValue/2) + fmt.Sprintf("…(%d bytes)", 2*maxLogValue)},
	}
	for _, tt := range tests {
		if got := clip(tt.in); got != tt.want {
			t.Errorf("clip(%.20q... %d bytes) = %.40q... (%d bytes), want %.40q... (%d bytes)", tt.in, len(tt.in), got, len(got), tt.want, len(tt.want))
		}
	}
}

// A query that is not valid URL encoding is refused with a 422 naming each
// bad parameter, on every route, rather than served as if the parameter
// had not been sent.
func TestBadQueryEncoding(t *testing.T) {
	tests := []struct {
		target string
		want   []ErrorDetail
	}{
		{"/api/hello?name=%ZZ", []ErrorDetail{{Location: "query.name", Message: `invalid URL escape "%ZZ"`, Value: "%ZZ"}}},
		{"/api/hello?name=Ada&x=%4", []ErrorDetail{{Location: "query.x", Message: `invalid URL escape "%4"`, Value: "%4"}}},
		{"/api/hello/stream?interval_ms=1%G0", []ErrorDetail{{Location: "query.interval_ms", Message: `invalid URL escape "%G0"`, Value: "1%G0"}}},
		{"/api/healthz?a=%ZZ&b=ok&c%ZZ=1", []ErrorDetail{
			{Location: "query.a", Message: `invalid URL escape "%ZZ"`, Value: "%ZZ"},
			{Location: "query.c%ZZ", Message: `invalid URL escape "%ZZ"`, Value: "1"},
		}},
		{"/api/nope?name=%ZZ", []ErrorDetail{{Location: "query.name", Message: `invalid URL escape "%ZZ"`, Value: "%ZZ"}}},
		{"/api/hello?a=1;b=2", []ErrorDetail{{Location: "query.a", Message: "invalid semicolon separator in query", Value: "1;b=2"}}},
	}
	h, _ := newTestServer(t, nil)
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.URL.RawQuery = tt.target[strings.Index(tt.target, "?")+1:]
			r.URL.Path = tt.target[:strings.Index(tt.target, "?")]
			w := serve(h, r)
			if w.Code != http.StatusUnprocessableEntity {
				t.Fatalf("GET %s = %d %s, want 422", tt.target, w.Code, w.Body.String())
			}
			var got Error
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got.Errors); diff != "" {
				t.Errorf("GET %s errors (-want +got):\n%s", tt.target, diff)
			}
			if got.StatusCode != 422 || got.RequestID == "" || got.Detail == "" {
				t.Errorf("GET %s = %+v, want the usual error body", tt.target, got)
			}
		})
	}
	// Valid encodings, empty values and a '+' are served as before.
	for _, target := range []string{"/api/hello?name=Ada%20L", "/api/hello?name=Ada+L&empty=&flag", "/api/hello?"} {
		if w := serve(h, httptest.NewRequest("GET", target, nil)); w.Code != 200 {
			t.Errorf("GET %s = %d %s, want 200", target, w.Code, w.Body.String())
		}
	}
}
