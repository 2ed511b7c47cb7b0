package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

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
