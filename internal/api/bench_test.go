package api

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/google/go-cmp/cmp"
)

// benchResponseWriter is a reusable ResponseWriter, so the benchmark measures
// the server and not httptest.ResponseRecorder.
type benchResponseWriter struct {
	h      http.Header
	status int
}

func (w *benchResponseWriter) Header() http.Header { return w.h }
func (w *benchResponseWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(p), nil
}
func (w *benchResponseWriter) WriteHeader(code int) { w.status = code }

func benchServer(tb testing.TB) http.Handler {
	tb.Helper()
	cfg, err := LoadConfig(func(string) string { return "" })
	if err != nil {
		tb.Fatal(err)
	}
	// Access logging on, as in production; the JSON encoding is part of the cost.
	return NewServer(cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
}

// The floors of BenchmarkHello, each serving GET /api/hello with the same
// status, Content-Type and body (TestHelloFloorsAnswerAlike checks it), so
// the ratios say what each layer above them costs.

// helloBody is the body GET /api/hello answers.
var helloBody = []byte(`{"message":"Hello World"}` + "\n")

// floorNetHTTP is net/http's floor: one handler writing the body, the same
// handler as bench/floor's, without a mux.
func floorNetHTTP() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(helloBody)
	})
}

// floorHuma is the framework's floor: a bare huma API with the same hello
// operation and handler and none of the server's middleware.
func floorHuma(tb testing.TB) http.Handler {
	tb.Helper()
	cfg, err := LoadConfig(func(string) string { return "" })
	if err != nil {
		tb.Fatal(err)
	}
	mux := http.NewServeMux()
	api := humago.New(mux, huma.Config{
		OpenAPI:       &huma.OpenAPI{OpenAPI: "3.1.0", Info: &huma.Info{Title: "floor", Version: "1"}},
		Formats:       huma.DefaultFormats,
		DefaultFormat: "application/json",
	})
	huma.Register(api, helloOperation(cfg), handleHello())
	return mux
}

func benchmarkHandler(b *testing.B, h http.Handler, target string, wantStatus int) {
	r := httptest.NewRequest("GET", target, nil)
	w := &benchResponseWriter{h: make(http.Header)}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		w.status = 0
		h.ServeHTTP(w, r)
	}
	if w.status != wantStatus {
		b.Fatalf("GET %s status = %d, want %d", target, w.status, wantStatus)
	}
}

func benchmarkServe(b *testing.B, target string, wantStatus int) {
	benchmarkHandler(b, benchServer(b), target, wantStatus)
}

func BenchmarkHello(b *testing.B)         { benchmarkServe(b, "/api/hello", 200) }
func BenchmarkHelloWithName(b *testing.B) { benchmarkServe(b, "/api/hello?name=Ada", 200) }
func BenchmarkNotFound(b *testing.B)      { benchmarkServe(b, "/api/nope", 404) }

// BenchmarkFloorHelloNetHTTP is BenchmarkHello's net/http floor.
func BenchmarkFloorHelloNetHTTP(b *testing.B) {
	benchmarkHandler(b, floorNetHTTP(), "/api/hello", 200)
}

// BenchmarkFloorHelloHuma is BenchmarkHello's framework floor.
func BenchmarkFloorHelloHuma(b *testing.B) {
	benchmarkHandler(b, floorHuma(b), "/api/hello", 200)
}

// TestHelloFloorsAnswerAlike checks that the floors do the work the server
// does for GET /api/hello, so a ratio against them compares like with like.
func TestHelloFloorsAnswerAlike(t *testing.T) {
	type answer struct {
		Status      int
		ContentType string
		Body        string
	}
	get := func(h http.Handler) answer {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequestWithContext(context.Background(), "GET", "/api/hello", nil))
		return answer{w.Code, w.Header().Get("Content-Type"), w.Body.String()}
	}
	want := get(benchServer(t))
	if want.Body != string(helloBody) {
		t.Fatalf("GET /api/hello body = %q, want %q", want.Body, helloBody)
	}
	for name, h := range map[string]http.Handler{"net/http": floorNetHTTP(), "huma": floorHuma(t)} {
		if diff := cmp.Diff(want, get(h)); diff != "" {
			t.Errorf("%s floor: GET /api/hello differs from the server's (-server +floor):\n%s", name, diff)
		}
	}
}
