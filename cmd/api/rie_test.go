package main

// End-to-end tests of the built binary under the official Lambda Runtime
// Interface Emulator (internal/rie): the process Lambda would run, talking
// to a real Runtime API, one invocation at a time.
//
// This file holds what the tests in rie_*_test.go share: the events, the
// invocations, the log lines and the checks that the process lived on.

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/r2r/r2r/internal/lambdahttp/lambdahttptest"
	"github.com/r2r/r2r/internal/rie"
)

// event reads testdata/name.
func event(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// eventRequestID returns the event's requestContext.requestId.
func eventRequestID(t *testing.T, ev []byte) string {
	t.Helper()
	var e struct {
		RequestContext struct {
			RequestID string `json:"requestId"`
		} `json:"requestContext"`
	}
	if err := json.Unmarshal(ev, &e); err != nil {
		t.Fatal(err)
	}
	return e.RequestContext.RequestID
}

// invoke sends testdata/name with the Lambda request id lambdaID and decodes
// the response; it also returns the raw payload.
func invoke(t *testing.T, e *rie.Emulator, name, lambdaID string) (lambdahttptest.Response, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	raw, err := e.InvokeID(ctx, lambdaID, event(t, name))
	if err != nil {
		t.Fatalf("invoke %s: %v", name, err)
	}
	var resp lambdahttptest.Response
	if err := json.Unmarshal(raw, &resp); err != nil {
		t.Fatalf("invoke %s: response %s: %v", name, raw, err)
	}
	return resp, raw
}

// invokeError sends testdata/name, wants the API's error response status
// for it, naming the event's request id, and returns the raw payload.
func invokeError(t *testing.T, e *rie.Emulator, name string, status int) []byte {
	t.Helper()
	resp, raw := invoke(t, e, name, rie.NewRequestID())
	if resp.StatusCode != status {
		t.Fatalf("status = %d, want %d; response %s", resp.StatusCode, status, raw)
	}
	want := map[string]any{"detail": http.StatusText(status), "status_code": float64(status), "request_id": eventRequestID(t, event(t, name))}
	if diff := cmp.Diff(want, jsonBody(t, resp)); diff != "" {
		t.Errorf("body (-want +got):\n%s", diff)
	}
	return raw
}

// jsonBody decodes a response body for comparison by meaning.
func jsonBody(t *testing.T, resp lambdahttptest.Response) map[string]any {
	t.Helper()
	if resp.IsBase64Encoded {
		t.Fatalf("body is base64-encoded, want JSON text: %+v", resp)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(resp.Body), &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", resp.Body, err)
	}
	return m
}

// goBuild builds this package (cmd/api) into dir/bootstrap with the flags.
func goBuild(t *testing.T, dir string, flags ...string) string {
	t.Helper()
	out := filepath.Join(dir, "bootstrap")
	cmd := exec.Command("go", append(append([]string{"build"}, flags...), "-o", out, ".")...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %v: %v\n%s", flags, err, b)
	}
	return out
}

// rieResponse returns the status and body of a payload of the function in
// mode: a proxy response (buffered), or a prelude, 8 null bytes and the body
// (stream; the emulator hands the stream over whole).
func rieResponse(t *testing.T, mode string, raw []byte) (int, string) {
	t.Helper()
	if mode == "stream" {
		prelude, body, ok := strings.Cut(string(raw), "\x00\x00\x00\x00\x00\x00\x00\x00")
		var head struct {
			StatusCode int `json:"statusCode"`
		}
		if !ok || json.Unmarshal([]byte(prelude), &head) != nil {
			t.Fatalf("stream %q: want a prelude, 8 null bytes and a body", raw)
		}
		return head.StatusCode, body
	}
	var resp lambdahttptest.Response
	if err := json.Unmarshal(raw, &resp); err != nil {
		t.Fatalf("response %q: %v", raw, err)
	}
	return resp.StatusCode, resp.Body
}

// invokeRaw sends ev with the Lambda request id lambdaID and returns the
// payload the emulator answers.
func invokeRaw(t *testing.T, e *rie.Emulator, ev []byte, lambdaID string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	raw, err := e.InvokeID(ctx, lambdaID, ev)
	if err != nil {
		t.Fatalf("invoke: %v", err)
	}
	return raw
}

// assertSameProcessRaw is assertSameProcess for either response mode.
func assertSameProcessRaw(t *testing.T, e *rie.Emulator, pids []int) {
	t.Helper()
	raw := invokeRaw(t, e, event(t, "apigw-v1-request-hello.json"), rie.NewRequestID())
	if !strings.Contains(string(raw), `"statusCode":200`) {
		t.Errorf("next invocation = %q, want a 200", raw)
	}
	if got := e.RuntimePIDs(); len(pids) != 1 || !slices.Equal(got, pids) {
		t.Errorf("bootstrap processes = %v, want the same one as before, %v", got, pids)
	}
	if n := e.InitStarts(); n != 1 {
		t.Errorf("INIT START lines = %d, want 1: the process was restarted", n)
	}
}

// waitLogMsg returns the API's JSON log line with msg of the request with
// the Lambda request id lambdaID.
func waitLogMsg(t *testing.T, e *rie.Emulator, lambdaID, msg string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		for _, l := range e.Stdout() {
			var m map[string]any
			if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == msg && m["lambda_request_id"] == lambdaID {
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q log line with lambda_request_id %s in stdout:\n%s", msg, lambdaID, strings.Join(e.Stdout(), "\n"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// logMsgs returns the JSON log lines with msg so far.
func logMsgs(e *rie.Emulator, msg string) []map[string]any {
	var out []map[string]any
	for _, l := range e.Stdout() {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// waitFor waits up to 5 seconds for cond.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting")
		}
	}
}

// assertSameProcess checks that the next hello is served by the process
// pids, and that the emulator started the runtime only once.
func assertSameProcess(t *testing.T, e *rie.Emulator, pids []int) {
	t.Helper()
	resp, raw := invoke(t, e, "apigw-v1-request-hello.json", rie.NewRequestID())
	if resp.StatusCode != 200 {
		t.Errorf("next invocation: status = %d, want 200; response %s", resp.StatusCode, raw)
	}
	if got := e.RuntimePIDs(); len(pids) != 1 || !slices.Equal(got, pids) {
		t.Errorf("bootstrap processes = %v, want the same one as before, %v", got, pids)
	}
	if n := e.InitStarts(); n != 1 {
		t.Errorf("INIT START lines = %d, want 1: the process was restarted", n)
	}
}

// waitLogLine returns the API's JSON log line of the request with the Lambda
// request id lambdaID.
func waitLogLine(t *testing.T, e *rie.Emulator, lambdaID string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		for _, l := range e.Stdout() {
			var m map[string]any
			if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == "request" && m["lambda_request_id"] == lambdaID {
				return m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no request log line with lambda_request_id %s in stdout:\n%s", lambdaID, strings.Join(e.Stdout(), "\n"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
