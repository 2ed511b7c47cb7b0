package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// lineWriter collects what run writes and hands out the log lines as they come.
type lineWriter struct {
	mu    sync.Mutex
	lines []map[string]any
	raw   strings.Builder
	added chan struct{}
}

func newLineWriter() *lineWriter { return &lineWriter{added: make(chan struct{}, 1000)} }

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.raw.Write(p)
	sc := bufio.NewScanner(strings.NewReader(string(p)))
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil {
			w.lines = append(w.lines, m)
			w.added <- struct{}{}
		}
	}
	return len(p), nil
}

// waitFor returns the first log line with the message msg.
func (w *lineWriter) waitFor(t *testing.T, msg string) map[string]any {
	t.Helper()
	return w.waitUntil(t, fmt.Sprintf("%q log line", msg), func(l map[string]any) bool { return l["msg"] == msg })
}

// waitUntil waits up to 10 s for a log line that match accepts, and returns it.
func (w *lineWriter) waitUntil(t *testing.T, what string, match func(map[string]any) bool) map[string]any {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		w.mu.Lock()
		for _, l := range w.lines {
			if match(l) {
				w.mu.Unlock()
				return l
			}
		}
		w.mu.Unlock()
		select {
		case <-w.added:
		case <-timeout:
			t.Fatalf("no %s in 10s; output:\n%s", what, w.raw.String())
		}
	}
}

// startRun starts run with env and returns the server's base URL and a
// function that stops it and returns run's error.
func startRun(t *testing.T, env map[string]string) (string, *lineWriter, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := newLineWriter(), newLineWriter()
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"api"}, func(k string) string { return env[k] }, stdout, stderr)
	}()
	var addr string
	select {
	case err := <-errc:
		cancel()
		t.Fatalf("run returned before listening: %v", err)
	default:
		l := stdout.waitFor(t, "listening")
		addr = l["addr"].(string)
	}
	addr = "127.0.0.1" + addr[strings.LastIndex(addr, ":"):]
	base := "http://" + addr
	// Ready when /api/healthz answers, as a load balancer would check.
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := http.Get(base + "/api/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /api/healthz did not answer 200 in 10s: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-errc:
			return err
		case <-time.After(30 * time.Second):
			t.Fatal("run did not return within 30s of cancel")
			return nil
		}
	}
	t.Cleanup(func() { stop() })
	return base, stdout, stop
}

func get(t *testing.T, url string) (int, string, http.Header) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

func TestRunServesAndShutsDownGracefully(t *testing.T) {
	base, stdout, stop := startRun(t, map[string]string{"PORT": "0", "STAGE": "e2e", "API_BASE_PATH": "/v1"})

	tests := []struct {
		path       string
		wantStatus int
		wantBody   string
	}{
		{"/api/hello", 200, `{"message":"Hello World"}`},
		{"/v1/api/hello?name=Ada", 200, `{"message":"Hello Ada"}`},
		{"/api/healthz", 200, `"stage":"e2e"`},
		{"/api/missing", 404, `"status_code":404`},
	}
	for _, tt := range tests {
		status, body, h := get(t, base+tt.path)
		if status != tt.wantStatus || !strings.Contains(body, tt.wantBody) {
			t.Errorf("GET %s = %d %q, want %d with %q", tt.path, status, body, tt.wantStatus, tt.wantBody)
		}
		if h.Get("X-Request-Id") == "" {
			t.Errorf("GET %s: no X-Request-Id", tt.path)
		}
	}

	// A slow request in flight when the signal comes still gets its answer.
	if status, _, _ := get(t, base+"/api/_test/slow?ms=0"); status != 200 {
		t.Skip("the slow test route is missing: run the tests with -tags r2rtest (make test does)")
	}
	type result struct {
		status int
		body   string
		err    error
	}
	slow := make(chan result, 1)
	go func() {
		res, err := http.Get(base + "/api/_test/slow?ms=700")
		if err != nil {
			slow <- result{err: err}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		slow <- result{res.StatusCode, string(b), err}
	}()
	// Wait until the request is being served, then stop.
	stdout.waitUntil(t, "log line of the slow request's start", func(l map[string]any) bool {
		return l["msg"] == "slow request started" && l["ms"] == float64(700)
	})
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	stdout.waitFor(t, "shutting down")

	r := <-slow
	if r.err != nil || r.status != 200 || !strings.Contains(r.body, `"slept_ms":700`) {
		t.Errorf("in-flight request during shutdown = %d %q %v, want 200 with its body", r.status, r.body, r.err)
	}
	if err := <-stopped; err != nil {
		t.Errorf("run after cancel = %v, want nil", err)
	}
	if _, err := http.Get(base + "/api/hello"); err == nil {
		t.Errorf("server still accepts requests after shutdown")
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	tests := map[string]string{
		"PORT":               "http",
		"LOG_LEVEL":          "chatty",
		"CORS_ALLOW_ORIGINS": "example.com",
		"MAX_REQUEST_BYTES":  "big",
		"HOST":               "my host",
		"WRITE_TIMEOUT":      "30",
		"MAX_HEADER_BYTES":   "lots",
	}
	for name, value := range tests {
		t.Run(name, func(t *testing.T) {
			env := map[string]string{name: value}
			err := run(context.Background(), []string{"api"}, func(k string) string { return env[k] }, io.Discard, io.Discard)
			if err == nil {
				t.Fatalf("run with %s=%q = nil, want an error", name, value)
			}
			if !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), value) {
				t.Errorf("run with %s=%q error %q does not name the variable and the value", name, value, err)
			}
		})
	}
}

func TestRunReportsBusyPort(t *testing.T) {
	base, _, _ := startRun(t, map[string]string{"PORT": "0"})
	port := base[strings.LastIndex(base, ":")+1:]
	env := map[string]string{"PORT": port}
	err := run(context.Background(), []string{"api"}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "PORT="+port) {
		t.Errorf("run on a busy port = %v, want an error naming PORT=%s", err, port)
	}
}

func TestRunMetrics(t *testing.T) {
	for _, metrics := range []string{"emf", "off"} {
		t.Run(metrics, func(t *testing.T) {
			base, stdout, stop := startRun(t, map[string]string{"PORT": "0", "METRICS": metrics})
			get(t, base+"/api/hello")
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			var emfLines int
			stdout.mu.Lock()
			for _, l := range stdout.lines {
				if _, ok := l["_aws"]; ok {
					emfLines++
				}
			}
			stdout.mu.Unlock()
			// The readiness probes count as requests too, so with emf there are several.
			if (metrics == "emf") != (emfLines > 0) {
				t.Errorf("METRICS=%s wrote %d EMF lines to stdout", metrics, emfLines)
			}
		})
	}
}

// The stream route sends each event as it is written: the first word
// arrives while the server is still waiting to send the second, so the two
// arrive apart; a buffered response would deliver both at once.
func TestRunStreamsEvents(t *testing.T) {
	base, _, _ := startRun(t, map[string]string{"PORT": "0"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/hello/stream?interval_ms=1000", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); res.StatusCode != 200 || ct != "text/event-stream" {
		t.Fatalf("GET /api/hello/stream = %d %q, want 200 text/event-stream", res.StatusCode, ct)
	}
	type arrival struct {
		event string
		at    time.Time
	}
	var events []arrival
	sc := bufio.NewScanner(res.Body)
	var event []string
	for sc.Scan() {
		if sc.Text() == "" {
			events = append(events, arrival{strings.Join(event, "\n"), time.Now()})
			event = nil
			continue
		}
		event = append(event, sc.Text())
	}
	if len(events) != 2 || events[0].event != "id: 1\ndata: Hello" || events[1].event != "id: 2\ndata: World" {
		t.Fatalf("events = %v, want Hello then World", events)
	}
	// The server waits 1 s between them; a generous margin for a loaded machine.
	if gap := events[1].at.Sub(events[0].at); gap < 300*time.Millisecond {
		t.Errorf("second event %v after the first, want about 1 s: the response is not streamed", gap)
	}
}
