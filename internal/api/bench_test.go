package api

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// benchResponseWriter is a reusable ResponseWriter, so the benchmark measures
// the server and not httptest.ResponseRecorder.
type benchResponseWriter struct {
	h      http.Header
	status int
}

func (w *benchResponseWriter) Header() http.Header         { return w.h }
func (w *benchResponseWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *benchResponseWriter) WriteHeader(code int)        { w.status = code }

func benchmarkServe(b *testing.B, target string, wantStatus int) {
	cfg, err := LoadConfig(func(string) string { return "" })
	if err != nil {
		b.Fatal(err)
	}
	// Access logging on, as in production; the JSON encoding is part of the cost.
	h := NewServer(cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
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

func BenchmarkHello(b *testing.B)         { benchmarkServe(b, "/api/hello", 200) }
func BenchmarkHelloWithName(b *testing.B) { benchmarkServe(b, "/api/hello?name=Ada", 200) }
func BenchmarkNotFound(b *testing.B)      { benchmarkServe(b, "/api/nope", 404) }
