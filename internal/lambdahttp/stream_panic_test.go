package lambdahttp_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/r2r/r2r/internal/lambdahttp"
	"github.com/r2r/r2r/internal/lambdahttp/lambdahttptest"
)

func TestStreamPanic(t *testing.T) {
	var mu sync.Mutex
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(syncWriter{&mu, &logs}, nil))
	logged := func() string { mu.Lock(); defer mu.Unlock(); return logs.String() }
	h := lambdahttp.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/before":
			w.Header().Set("X-Partial", "yes")
			io.WriteString(w, "half a success") // buffered, not sent
			panic("boom before")
		case "/after":
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, "sent ")
			w.(http.Flusher).Flush()
			io.WriteString(w, "buffered")
			panic("boom after")
		case "/abort":
			io.WriteString(w, "sent")
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		}
		io.WriteString(w, "fine")
	}), lambdahttp.WithResponseStreaming(), lambdahttp.WithLogger(logger), withErrorFields)

	for _, src := range streamSources {
		t.Run(src.name+"/before first write", func(t *testing.T) {
			s := invokeStream(t, h, src.build(t, lambdahttptest.Request{Method: "GET", Target: "/before"}))
			p := preludeOf(t, s)
			if p["statusCode"] != 500.0 {
				t.Errorf("statusCode = %v, want 500 (prelude %s)", p["statusCode"], s.prelude)
			}
			if strings.Contains(string(s.prelude), "X-Partial") {
				t.Errorf("prelude %s has the panicking handler's header", s.prelude)
			}
			if !strings.Contains(string(s.prelude), "application/json") {
				t.Errorf("prelude %s lacks Content-Type application/json", s.prelude)
			}
			body, err := s.rest(t)
			if err != nil {
				t.Fatalf("reading the 500: %v", err)
			}
			var e adapterError
			if err := json.Unmarshal([]byte(body), &e); err != nil {
				t.Fatalf("body %q is not the JSON error: %v", body, err)
			}
			if e.StatusCode != 500 || e.RequestID != testRequestID || strings.Contains(e.Detail, "boom") {
				t.Errorf("error = %+v, want status_code 500, request_id %s, no internals", e, testRequestID)
			}
			if !strings.Contains(logged(), "boom before") || !strings.Contains(logged(), "goroutine") {
				t.Errorf("log = %s, want the panic value and a stack", logged())
			}
		})

		t.Run(src.name+"/after first write", func(t *testing.T) {
			s := invokeStream(t, h, src.build(t, lambdahttptest.Request{Method: "GET", Target: "/after"}))
			if p := preludeOf(t, s); p["statusCode"] != 200.0 {
				t.Errorf("statusCode = %v, want the 200 already sent", p["statusCode"])
			}
			body, err := s.rest(t)
			if body != "sent " {
				t.Errorf("body = %q, want only what was flushed, %q", body, "sent ")
			}
			// The error reaches the runtime, which reports a function error
			// (so the client gets a truncated stream, never a clean end).
			if err == nil || !strings.Contains(err.Error(), "panicked") {
				t.Errorf("stream ended with %v, want the panic error", err)
			}
			if !strings.Contains(logged(), "boom after") || !strings.Contains(logged(), "stream was cut short") {
				t.Errorf("log = %s, want the panic logged as cutting the stream", logged())
			}
		})

		t.Run(src.name+"/abort", func(t *testing.T) {
			s := invokeStream(t, h, src.build(t, lambdahttptest.Request{Method: "GET", Target: "/abort"}))
			if _, err := s.rest(t); !errors.Is(err, http.ErrAbortHandler) {
				t.Errorf("stream ended with %v, want http.ErrAbortHandler", err)
			}
		})

		t.Run(src.name+"/serving continues", func(t *testing.T) {
			s := invokeStream(t, h, src.build(t, lambdahttptest.Request{Method: "GET", Target: "/next"}))
			if got, err := s.rest(t); err != nil || got != "fine" {
				t.Errorf("next stream = %q, %v; want %q", got, err, "fine")
			}
		})
	}
}

type syncWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (s syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
