package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// dial opens a raw TCP connection to the server at base (http://host:port).
func dial(t *testing.T, base string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedWithin reports whether the server closes c within d, reading and
// dropping whatever it sends until then.
func closedWithin(c net.Conn, d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

// stillServes fails the test unless another client is served meanwhile.
func stillServes(t *testing.T, base string) {
	t.Helper()
	if status, _, _ := get(t, base+"/api/healthz"); status != 200 {
		t.Errorf("GET /api/healthz from another client = %d, want 200", status)
	}
}

// Clients that hold a connection without finishing their request, or keep
// it idle, are cut off after the configured time, and the server keeps
// serving everyone else meanwhile.
func TestServerCutsOffSlowClients(t *testing.T) {
	base, _, _ := startRun(t, map[string]string{"PORT": "0",
		"READ_HEADER_TIMEOUT": "1s", "READ_TIMEOUT": "2s", "IDLE_TIMEOUT": "1s"})
	// Without the timeouts these connections stay open for minutes (idle) or
	// for ever: 10 s is far beyond the configured times.
	const patience = 10 * time.Second

	for _, tt := range []struct {
		name    string
		request string // what the client sends, then it holds the connection
		// then, when set, runs after the request: what the client goes on doing
		then  func(t *testing.T, c net.Conn)
		held  string // the connection, as the error message names it
		limit string // the setting that should have closed it
	}{
		{"headers never finished", "GET /api/hello HTTP/1.1\r\nHost: x\r\n", nil,
			"connection with unfinished headers", "READ_HEADER_TIMEOUT=1s"},
		{"body announced, never sent", "POST /api/hello HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n", nil,
			"connection waiting for a body", "READ_TIMEOUT=2s"},
		{"body trickled", "POST /api/hello HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n", trickle,
			"connection trickling a body", "READ_TIMEOUT=2s"},
		{"idle keep-alive", "GET /api/healthz HTTP/1.1\r\nHost: x\r\n\r\n", keptAlive,
			"idle connection", "IDLE_TIMEOUT=1s"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // each waits seconds for its own connection to be cut
			c := dial(t, base)
			io.WriteString(c, tt.request)
			if tt.then != nil {
				tt.then(t, c)
			}
			stillServes(t, base)
			if !closedWithin(c, patience) {
				t.Errorf("%s still open after %v, want it closed after %s", tt.held, patience, tt.limit)
			}
		})
	}
}

// trickle writes a byte a second to c until the test ends: each read the
// server makes succeeds, and the request never ends.
func trickle(t *testing.T, c net.Conn) {
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(time.Second):
				if _, err := c.Write([]byte("x")); err != nil {
					return
				}
			}
		}
	}()
}

// keptAlive reads the response to the request sent on c and wants the
// server to keep the connection open for the next one.
func keptAlive(t *testing.T, c net.Conn) {
	t.Helper()
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Close {
		t.Fatalf("GET /api/healthz = %d (close %v), want 200 on a kept-alive connection", res.StatusCode, res.Close)
	}
}

// A header block over MAX_HEADER_BYTES (64 KiB by default) is refused with
// 431 before any handler runs; one of 1 MB used to be accepted.
func TestServerRefusesHugeHeaders(t *testing.T) {
	base, _, _ := startRun(t, map[string]string{"PORT": "0"})
	c := dial(t, base)
	go func() {
		io.WriteString(c, "GET /api/hello HTTP/1.1\r\nHost: x\r\nX-Big: "+strings.Repeat("a", 1_000_000)+"\r\n\r\n")
	}()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("reading the answer to a 1 MB header: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("1 MB header: status %d, want 431", res.StatusCode)
	}
	stillServes(t, base)

	// Just under the limit is served.
	req, _ := http.NewRequest("GET", base+"/api/hello", nil)
	req.Header.Set("X-Big", strings.Repeat("a", 60<<10))
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("60 KiB header: status %d, want 200", res.StatusCode)
	}
}

// The server listens on the loopback interface unless HOST says otherwise.
func TestServerListensOnLoopbackByDefault(t *testing.T) {
	_, stdout, _ := startRun(t, map[string]string{"PORT": "0"})
	addr := stdout.waitFor(t, "listening")["addr"].(string)
	host, _, _ := net.SplitHostPort(addr)
	if host != "127.0.0.1" {
		t.Errorf("listening on %q, want 127.0.0.1", addr)
	}
	_, stdout, _ = startRun(t, map[string]string{"PORT": "0", "HOST": "0.0.0.0"})
	addr = stdout.waitFor(t, "listening")["addr"].(string)
	if host, _, _ := net.SplitHostPort(addr); host != "0.0.0.0" && host != "::" {
		t.Errorf("with HOST=0.0.0.0 listening on %q, want every interface", addr)
	}
}

// The docs' assets vary by Accept-Encoding, and, with an origin list, by
// Origin too: both are named, or a shared cache could serve one origin's
// CORS answer to another.
func TestDocsAssetsVaryByOriginAndEncoding(t *testing.T) {
	base, _, _ := startRun(t, map[string]string{"PORT": "0", "CORS_ALLOW_ORIGINS": "https://app.example"})
	req, _ := http.NewRequest("GET", base+"/api/docs/assets/swagger-ui.css", nil)
	req.Header.Set("Origin", "https://app.example")
	req.Header.Set("Accept-Encoding", "gzip")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	vary := strings.Join(res.Header.Values("Vary"), ", ")
	if res.StatusCode != 200 || !strings.Contains(vary, "Origin") || !strings.Contains(vary, "Accept-Encoding") {
		t.Errorf("GET swagger-ui.css = %d, Vary %q; want 200 and Vary naming Origin and Accept-Encoding", res.StatusCode, vary)
	}
}

// A stream that flushes more often than WRITE_TIMEOUT keeps going past it:
// each flush gives the response the timeout again (a client that stops
// reading still blocks a flush, which then fails at the timeout). Without
// that, net/http cuts the stream off at WRITE_TIMEOUT.
func TestStreamExtendsWriteDeadlinePerFlush(t *testing.T) {
	const timeout = 500 * time.Millisecond
	chunks := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		for i := range 6 {
			if i > 0 {
				time.Sleep(200 * time.Millisecond) // 1 s in all: twice the timeout
			}
			if _, err := io.WriteString(w, "chunk\n"); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
		}
	})
	tests := []struct {
		name    string
		handler http.Handler
		wantAll bool
	}{
		{"deadline extended per flush", extendWriteDeadlineOnFlush(timeout, chunks), true},
		{"net/http alone", chunks, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewUnstartedServer(tt.handler)
			srv.Config.WriteTimeout = timeout
			srv.Start()
			defer srv.Close()
			res, err := http.Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			if got := strings.Count(string(b), "chunk\n"); (got == 6) != tt.wantAll {
				t.Errorf("read %d of 6 chunks, want all: %v", got, tt.wantAll)
			}
		})
	}
}
