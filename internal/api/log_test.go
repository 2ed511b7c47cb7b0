package api

import (
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/r2r/r2r/internal/logtest"
)

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
