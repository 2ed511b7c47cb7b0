//go:build r2rtest

package main

// A handler that panics late, run as the Lambda function runs it: through
// the adapter, with the invocation's deadline on the request, buffered and
// streamed. The routes are the r2rtest build's /api/_test/panic.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/r2r/r2r/internal/api"
	"github.com/r2r/r2r/internal/lambdahttp/lambdahttptest"
	"github.com/r2r/r2r/internal/logtest"
)

// logLines returns the JSON log lines of logs with msg; other output
// (the runtime's own) is skipped.
func logLines(logs *logtest.Buffer, msg string) []map[string]any {
	var out []map[string]any
	for _, l := range strings.Split(logs.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// checkOutcome checks the API's log lines of a late panic: the panic's
// outcome, and an access log that records no success.
func checkOutcome(t *testing.T, logs *logtest.Buffer, cut bool) {
	t.Helper()
	want := "panic before response: 500 sent"
	if cut {
		want = "panic after response started: response cut"
	}
	p := logLines(logs, "handler panic")
	if len(p) != 1 || p[0]["outcome"] != want || p[0]["stack"] == nil {
		t.Errorf("handler panic log lines = %v, want one with outcome %q and the stack", p, want)
	}
	a := logLines(logs, "request")
	if len(a) != 1 || a[0]["status"] != 500.0 || cut != (a[0]["aborted"] == true) {
		t.Errorf("access log lines = %v, want one with status 500, aborted %t", a, cut)
	}
}

// The buffered function always answers a 500 JSON: the adapter cannot cut a
// buffered response, so it discards a started one. The process lives on.
func TestLatePanicBuffered(t *testing.T) {
	for _, tt := range latePanics {
		t.Run(tt.name, func(t *testing.T) {
			logs := &logtest.Buffer{}
			h := lambdaHandler(t, nil, logs)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			out, err := h.Invoke(ctx, panicEvent(t, tt.query))
			if err != nil {
				t.Fatalf("Invoke = %v, want a 500 response", err)
			}
			var resp lambdahttptest.Response
			if err := json.Unmarshal(out, &resp); err != nil {
				t.Fatalf("Invoke = %s: %v", out, err)
			}
			var body map[string]any
			if resp.StatusCode != 500 || json.Unmarshal([]byte(resp.Body), &body) != nil || body["status_code"] != 500.0 {
				t.Errorf("Invoke = %s, want a 500 JSON error", out)
			}
			if strings.Contains(string(out), "r2rtest") {
				t.Errorf("Invoke = %s, leaks the handler's partial body or panic value", out)
			}
			checkOutcome(t, logs, tt.started)

			out, err = h.Invoke(ctx, event(t, "apigw-v1-request-hello.json"))
			if err != nil || !bytes.Contains(out, []byte(`"statusCode":200`)) {
				t.Errorf("next Invoke = %s, %v; want a 200", out, err)
			}
		})
	}
}

// The streaming function answers a 500 JSON while nothing has left, and cuts
// the stream (an error the runtime reports) once the status has.
func TestLatePanicStreamed(t *testing.T) {
	for _, tt := range latePanics {
		t.Run(tt.name, func(t *testing.T) {
			logs := &logtest.Buffer{}
			h := lambdaHandler(t, map[string]string{"LAMBDA_RESPONSE_MODE": "stream"}, logs)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			rc, err := h.InvokeStream(ctx, panicEvent(t, tt.query))
			if err != nil {
				t.Fatalf("InvokeStream = %v, want a response", err)
			}
			out, err := io.ReadAll(rc)
			rc.Close()
			prelude, body, ok := bytes.Cut(out, make([]byte, 8))
			var head struct {
				StatusCode int `json:"statusCode"`
			}
			if !ok || json.Unmarshal(prelude, &head) != nil {
				t.Fatalf("stream %q: want a prelude, 8 null bytes and a body", out)
			}
			if tt.started {
				if err == nil || head.StatusCode != 200 || string(body) != api.TestPartialBody {
					t.Errorf("stream = %d %q, end %v; want 200, the flushed part, then an error", head.StatusCode, body, err)
				}
			} else {
				var m map[string]any
				if err != nil || head.StatusCode != 500 || json.Unmarshal(body, &m) != nil || m["status_code"] != 500.0 {
					t.Errorf("stream = %d %q, end %v; want a complete 500 JSON error", head.StatusCode, body, err)
				}
			}
			checkOutcome(t, logs, tt.started)

			rc, err = h.InvokeStream(ctx, event(t, "apigw-v1-request-hello.json"))
			if err != nil {
				t.Fatalf("next InvokeStream: %v", err)
			}
			out, err = io.ReadAll(rc)
			rc.Close()
			if err != nil || !bytes.Contains(out, []byte(`"statusCode":200`)) {
				t.Errorf("next InvokeStream = %q, %v; want a 200", out, err)
			}
		})
	}
}
