package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/r2r/r2r/internal/emf"
	"github.com/r2r/r2r/internal/logtest"
)

// The outcomes a handler panic can have, as the "handler panic" log line's
// outcome names them.
const (
	outcome500 = "panic before response: 500 sent"
	outcomeCut = "panic after response started: response cut"
)

const partialBody = "the start of a response that never ends\n"

// panics are handlers that panic at each point of a response: before
// anything, after writing part of a body (held in a buffer), after flushing it
// (the status and that part have left); with a value or with
// http.ErrAbortHandler, as httputil.ReverseProxy panics.
var panics = []struct {
	name    string
	path    string
	flushed bool // the response started before the panic
	written bool // the handler wrote before the panic
	abort   bool // it panics with http.ErrAbortHandler
}{
	{"at once", "/api/p/now", false, false, false},
	{"after a write", "/api/p/write", false, true, false},
	{"after a flush", "/api/p/flush", true, true, false},
	{"abort at once", "/api/p/abort-now", false, false, true},
	{"abort after a write", "/api/p/abort-write", false, true, true},
	{"abort after a flush", "/api/p/abort-flush", true, true, true},
}

func withPanicRoutes() Option {
	return withRoutes(func(mux *http.ServeMux) {
		for _, p := range panics {
			mux.HandleFunc("GET "+p.path, func(w http.ResponseWriter, r *http.Request) {
				if p.written {
					w.Header().Set("Content-Type", "text/plain; charset=utf-8")
					w.Header().Set("X-Handler", "set before the panic")
					w.Write([]byte(partialBody))
				}
				if p.flushed {
					http.NewResponseController(w).Flush()
				}
				if p.abort {
					panic(http.ErrAbortHandler)
				}
				panic("secret internal state: password=hunter2")
			})
		}
	})
}

// serveRecover is serve that also returns what ServeHTTP panicked with.
func serveRecover(h http.Handler, r *http.Request) (w *httptest.ResponseRecorder, panicked any) {
	w = httptest.NewRecorder()
	defer func() { panicked = recover() }()
	h.ServeHTTP(w, r)
	return w, nil
}

// logLine returns the one log line with msg, failing the test unless there is
// exactly one.
func logLine(t *testing.T, logs *logtest.Buffer, msg string) map[string]any {
	t.Helper()
	var found []map[string]any
	for _, l := range logs.JSONLines(t) {
		if l["msg"] == msg {
			found = append(found, l)
		}
	}
	if len(found) != 1 {
		t.Fatalf("got %d %q log lines, want 1: %v", len(found), msg, logs.JSONLines(t))
	}
	return found[0]
}

// checkPanicLogs checks the panic's log line (its outcome, value and stack)
// and the access log line (the status the client really got).
func checkPanicLogs(t *testing.T, logs *logtest.Buffer, cut, abort bool) {
	t.Helper()
	p := logLine(t, logs, "handler panic")
	wantOutcome := outcome500
	if cut {
		wantOutcome = outcomeCut
	}
	wantPanic, wantLevel := "hunter2", "ERROR"
	if abort {
		wantPanic, wantLevel = http.ErrAbortHandler.Error(), "WARN"
	}
	if p["outcome"] != wantOutcome || p["level"] != wantLevel {
		t.Errorf("panic log line outcome = %v, level = %v; want %q, %s", p["outcome"], p["level"], wantOutcome, wantLevel)
	}
	if s, _ := p["panic"].(string); !strings.Contains(s, wantPanic) {
		t.Errorf("panic log line panic = %v, want the value %q", p["panic"], wantPanic)
	}
	if s, _ := p["stack"].(string); !strings.Contains(s, "panic_test.go") {
		t.Errorf("panic log line stack = %v, want the handler's stack", p["stack"])
	}

	a := logLine(t, logs, "request")
	if a["status"] != 500.0 {
		t.Errorf("access log status = %v, want 500: the client did not get the handler's response", a["status"])
	}
	if got, ok := a["aborted"]; cut && got != true || !cut && ok {
		t.Errorf("access log aborted = %v (present %t), want %t only for a cut response", got, ok, cut)
	}
}

// On Lambda every request has a deadline, and the handler runs on a
// goroutine of its own: its panics must come back to the request's goroutine
// (else nothing recovers them and the process dies). What was only written
// into the held-back buffer never left, so it becomes a 500; what was flushed
// has left, so the response is cut.
func TestPanicUnderDeadline(t *testing.T) {
	for _, tt := range panics {
		t.Run(tt.name, func(t *testing.T) {
			var metrics logtest.Buffer
			e := emf.NewEmitter(&metrics, "r2r", MetricDimensions(), 64)
			h, logs := newTestServer(t, nil, withPanicRoutes(), WithMetrics(e))
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			w, panicked := serveRecover(h, httptest.NewRequestWithContext(ctx, "GET", tt.path, nil))
			if strings.Contains(w.Body.String(), "hunter2") {
				t.Errorf("body %q leaks the panic value", w.Body.String())
			}
			if tt.flushed {
				if panicked != http.ErrAbortHandler {
					t.Errorf("GET %s: ServeHTTP panicked with %v, want http.ErrAbortHandler: the response must be cut", tt.path, panicked)
				}
				if w.Code != http.StatusOK || w.Body.String() != partialBody {
					t.Errorf("GET %s = %d %q, want 200 and only what was flushed", tt.path, w.Code, w.Body.String())
				}
			} else {
				if panicked != nil {
					t.Fatalf("GET %s: ServeHTTP panicked with %v, want a 500", tt.path, panicked)
				}
				if w.Code != http.StatusInternalServerError {
					t.Fatalf("GET %s status = %d, want 500 (body %q)", tt.path, w.Code, w.Body.String())
				}
				got := decodeJSON(t, w)
				if got["detail"] != "Internal Server Error" || got["request_id"] != w.Header().Get("X-Request-Id") {
					t.Errorf("body = %v, want the 500 error with the request id", got)
				}
				if w.Header().Get("X-Handler") != "" {
					t.Errorf("the 500 carries a header the panicking handler set: %v", w.Header())
				}
			}
			checkPanicLogs(t, logs, tt.flushed, tt.abort)

			if w := serve(h, httptest.NewRequestWithContext(ctx, "GET", "/api/hello", nil)); w.Code != http.StatusOK {
				t.Errorf("after the panic GET /api/hello = %d, want 200", w.Code)
			}

			e.Close()
			first, _, _ := strings.Cut(metrics.String(), "\n")
			var m map[string]any
			if err := json.Unmarshal([]byte(first), &m); err != nil {
				t.Fatalf("EMF line %q: %v", first, err)
			}
			if m["StatusClass"] != "5xx" {
				t.Errorf("metrics StatusClass = %v, want 5xx", m["StatusClass"])
			}
		})
	}
}

// Without a deadline (the local server) the handler runs on net/http's own
// goroutine, and what it wrote is committed to net/http at once: a panic
// after a write can only drop the connection, as net/http itself does, and
// the server goes on serving.
func TestPanicLocalServer(t *testing.T) {
	for _, tt := range panics {
		t.Run(tt.name, func(t *testing.T) {
			h, logs := newTestServer(t, nil, withPanicRoutes())
			srv := httptest.NewServer(h)
			defer srv.Close()
			// No keep-alive: a client may retry a GET whose reused connection
			// dropped, which would run the handler twice.
			client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
			res, err := client.Get(srv.URL + tt.path)
			var body []byte
			if err == nil {
				body, err = io.ReadAll(res.Body)
				res.Body.Close()
			}
			if strings.Contains(string(body), "hunter2") {
				t.Errorf("body %q leaks the panic value", body)
			}
			if tt.written {
				if err == nil {
					t.Errorf("GET %s = %d %q, complete; want the connection dropped", tt.path, res.StatusCode, body)
				}
			} else {
				if err != nil {
					t.Fatalf("GET %s: %v, want a 500", tt.path, err)
				}
				var got map[string]any
				if res.StatusCode != http.StatusInternalServerError || json.Unmarshal(body, &got) != nil || got["status_code"] != 500.0 {
					t.Errorf("GET %s = %d %q, want the 500 JSON error", tt.path, res.StatusCode, body)
				}
			}
			// The server logs after the client saw the end: wait for the line.
			waitFor(t, func() bool { return strings.Contains(logs.String(), `"msg":"request"`) })
			checkPanicLogs(t, logs, tt.written, tt.abort)

			res, err = client.Get(srv.URL + "/api/hello")
			if err != nil {
				t.Fatalf("after the panic GET /api/hello: %v", err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Errorf("after the panic GET /api/hello = %d, want 200", res.StatusCode)
			}
		})
	}
}

// waitFor waits up to 5 seconds for cond.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
	}
}

// A handler that panics after the deadline's 504 went out cannot change the
// answer, but its panic is still logged, with what the client got.
func TestPanicAfterDeadlineAnswer(t *testing.T) {
	release := make(chan struct{})
	h, logs := newTestServer(t, nil, withRoutes(func(mux *http.ServeMux) {
		mux.HandleFunc("GET /api/stuck-then-panic", func(w http.ResponseWriter, r *http.Request) {
			<-release // ignores its context
			panic("secret internal state: password=hunter2")
		})
	}))
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	w, panicked := serveRecover(h, httptest.NewRequestWithContext(ctx, "GET", "/api/stuck-then-panic", nil))
	if panicked != nil || w.Code != http.StatusGatewayTimeout {
		t.Fatalf("GET /api/stuck-then-panic = %d, panicked with %v; want 504", w.Code, panicked)
	}
	close(release)
	waitFor(t, func() bool { return strings.Contains(logs.String(), `"msg":"handler panic"`) })
	p := logLine(t, logs, "handler panic")
	if p["outcome"] != "panic after the deadline: already answered" || !strings.Contains(p["panic"].(string), "hunter2") {
		t.Errorf("handler panic log line = %v, want the late outcome and the value", p)
	}
}
