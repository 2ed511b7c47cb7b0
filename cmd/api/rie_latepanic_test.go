package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/r2r/r2r/internal/rie"
	"github.com/r2r/r2r/internal/rie/rietest"
)

// latePanics are the ways /api/_test/panic can misbehave, and what the
// function must answer: a 500 JSON while nothing has left, a cut response
// once something has.
var latePanics = []struct {
	name  string
	query map[string]string
	// started: the status and part of the body left before the panic.
	started bool
	abort   bool // http.ErrAbortHandler
}{
	{"panic after a write", map[string]string{"after": "write"}, false, false},
	{"panic after a flush", map[string]string{"after": "flush"}, true, false},
	{"abort after a write", map[string]string{"after": "write", "with": "abort"}, false, true},
	{"abort after a flush", map[string]string{"after": "flush", "with": "abort"}, true, true},
}

// panicEvent is the REST event for GET /api/_test/panic with query.
func panicEvent(t *testing.T, query map[string]string) []byte {
	t.Helper()
	var ev map[string]any
	if err := json.Unmarshal(event(t, "apigw-v1-request-panic.json"), &ev); err != nil {
		t.Fatal(err)
	}
	multi := map[string][]string{}
	for k, v := range query {
		multi[k] = []string{v}
	}
	ev["queryStringParameters"] = query
	ev["multiValueQueryStringParameters"] = multi
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRIELatePanic has a handler panic after it wrote, after it flushed, and
// with http.ErrAbortHandler, on the buffered function and on the streaming
// one, each run by one process under the emulator: every such panic is the
// end of one response (a 500 JSON while nothing has left, a cut response once
// something has), never of the process.
func TestRIELatePanic(t *testing.T) {
	rietest.RIE(t)
	bootstrap := goBuild(t, t.TempDir(), "-tags", "r2rtest")
	for _, mode := range []string{"buffered", "stream"} {
		t.Run(mode, func(t *testing.T) {
			e := rietest.Start(t, rie.Config{
				Command: []string{bootstrap},
				Env:     []string{"AWS_LAMBDA_FUNCTION_TIMEOUT=10", "STAGE=test", "LAMBDA_RESPONSE_MODE=" + mode},
			})
			invokeRaw(t, e, event(t, "apigw-v1-request-hello.json"), rie.NewRequestID()) // starts the process
			pids := e.RuntimePIDs()
			for _, tt := range latePanics {
				t.Run(tt.name, func(t *testing.T) {
					lambdaID := rie.NewRequestID()
					const aborted = "lambdahttp: handler aborted the response"
					seen := len(logMsgs(e, aborted))
					raw := invokeRaw(t, e, panicEvent(t, tt.query), lambdaID)
					status, body := rieResponse(t, mode, raw)
					if mode == "stream" && tt.started {
						// The status and the flushed part had left: the stream
						// ends there, with an error (the adapter's log says so;
						// the emulator does not pass the stream's error on).
						if status != 200 || body != "r2rtest: the start of a response that never ends\n" {
							t.Errorf("stream = %d %q, want 200 and only the flushed part", status, body)
						}
						// The adapter's lines carry the event's request id only.
						waitFor(t, func() bool { return len(logMsgs(e, aborted)) > seen })
						if l := logMsgs(e, aborted)[seen]; l["response_started"] != true || l["streaming"] != true {
							t.Errorf("adapter log line = %v, want the stream cut after it started", l)
						}
					} else {
						// Nothing had left, or the buffered adapter discarded it.
						var m map[string]any
						if status != 500 || json.Unmarshal([]byte(body), &m) != nil || m["status_code"] != 500.0 {
							t.Errorf("response = %d %q, want a 500 JSON error", status, body)
						}
						if strings.Contains(body, "r2rtest") {
							t.Errorf("response %q leaks the partial body or the panic value", body)
						}
					}
					panicLine := waitLogMsg(t, e, lambdaID, "handler panic")
					want := "panic before response: 500 sent"
					if tt.started {
						want = "panic after response started: response cut"
					}
					if panicLine["outcome"] != want {
						t.Errorf("handler panic log line = %v, want outcome %q", panicLine, want)
					}
					access := waitLogMsg(t, e, lambdaID, "request")
					if access["status"] != 500.0 || tt.started != (access["aborted"] == true) {
						t.Errorf("access log line = %v, want status 500, aborted %t", access, tt.started)
					}
					assertSameProcessRaw(t, e, pids)
				})
			}
		})
	}
}
