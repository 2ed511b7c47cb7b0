package main

// End-to-end tests of the built binary under the official Lambda Runtime
// Interface Emulator (internal/rie): the process Lambda would run, talking
// to a real Runtime API, one invocation at a time.

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/r2r/r2r/internal/lambdahttp/lambdahttptest"
	"github.com/r2r/r2r/internal/rie"
	"github.com/r2r/r2r/internal/rie/rietest"
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

// TestRIE serves every kind of event the function can get through the
// emulator, one at a time, from one process started by the first of them.
func TestRIE(t *testing.T) {
	rietest.RIE(t) // skip before building when there is no emulator
	bootstrap := goBuild(t, t.TempDir(), "-tags", "r2rtest")
	e := rietest.Start(t, rie.Config{
		Command: []string{bootstrap},
		Env: []string{
			"AWS_LAMBDA_FUNCTION_TIMEOUT=10",
			"STAGE=test",
			"LOG_LEVEL=info",
			"CORS_ALLOW_ORIGINS=https://app.example.com",
		},
	})
	wantHello := map[string]any{"message": "Hello World"}

	hello := []struct {
		name, event string
		// requestID: X-Request-Id is the event's requestContext.requestId
		// (API Gateway's), else the invocation's.
		requestID bool
		// shape: the response keys only this source has, and those it must not.
		has, hasNot []string
	}{
		{"REST", "apigw-v1-request-hello.json", true, []string{"multiValueHeaders"}, []string{"statusDescription", "cookies"}},
		{"HTTP API", "apigw-v2-request-hello.json", true, []string{"headers"}, []string{"multiValueHeaders", "statusDescription"}},
		{"ALB", "alb-request-hello.json", false, []string{"headers", "statusDescription"}, []string{"multiValueHeaders", "cookies"}},
		{"Function URL", "lambda-urls-request-hello.json", false, []string{"headers"}, []string{"multiValueHeaders", "statusDescription"}},
	}
	for _, tt := range hello {
		t.Run("hello/"+tt.name, func(t *testing.T) {
			lambdaID := rie.NewRequestID()
			resp, raw := invoke(t, e, tt.event, lambdaID)
			if resp.StatusCode != 200 {
				t.Fatalf("status = %d, want 200; response %s", resp.StatusCode, raw)
			}
			if diff := cmp.Diff(wantHello, jsonBody(t, resp)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			var keys map[string]json.RawMessage
			json.Unmarshal(raw, &keys)
			for _, k := range tt.has {
				if _, ok := keys[k]; !ok {
					t.Errorf("response has no %q, want the %s shape: %s", k, tt.name, raw)
				}
			}
			for _, k := range tt.hasNot {
				if _, ok := keys[k]; ok {
					t.Errorf("response has %q, not part of the %s shape: %s", k, tt.name, raw)
				}
			}
			if ct := resp.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
			gotID := resp.Header().Get("X-Request-Id")
			if tt.requestID {
				if want := eventRequestID(t, event(t, tt.event)); gotID != want {
					t.Errorf("X-Request-Id = %q, want the event's requestId %q", gotID, want)
				}
			} else if gotID != lambdaID {
				t.Errorf("X-Request-Id = %q, want the invocation's id %q", gotID, lambdaID)
			}

			// The request's log line carries both ids, so a CloudWatch search
			// by either finds it.
			line := waitLogLine(t, e, lambdaID)
			if line["request_id"] != gotID {
				t.Errorf("log line request_id = %v, want %q: %v", line["request_id"], gotID, line)
			}
			if line["path"] != "/api/hello" || line["status"] != float64(200) {
				t.Errorf("log line = %v, want path /api/hello, status 200", line)
			}
		})
	}

	t.Run("not found", func(t *testing.T) {
		invokeError(t, e, "apigw-v1-request-not-found.json", 404)
	})

	t.Run("CORS preflight", func(t *testing.T) {
		resp, raw := invoke(t, e, "apigw-v1-request-preflight.json", rie.NewRequestID())
		if resp.StatusCode != 204 {
			t.Fatalf("status = %d, want 204; response %s", resp.StatusCode, raw)
		}
		if got := resp.Header().Get("Access-Control-Allow-Origin"); got != "https://app.example.com" {
			t.Errorf("Access-Control-Allow-Origin = %q, want the allowed origin", got)
		}
		if got := resp.Header().Get("Access-Control-Allow-Methods"); !strings.Contains(got, "GET") {
			t.Errorf("Access-Control-Allow-Methods = %q, want GET among them", got)
		}
	})

	// A panic is a 500 for that request only: the same process, started by
	// the first invocation, serves the next one (no second INIT).
	t.Run("panic", func(t *testing.T) {
		pids := e.RuntimePIDs()
		raw := invokeError(t, e, "apigw-v1-request-panic.json", 500)
		if strings.Contains(string(raw), "deliberate") {
			t.Errorf("response leaks the panic value: %s", raw)
		}
		assertSameProcess(t, e, pids)
	})

	// An event that is no HTTP request is the invocation's error, returned
	// to the runtime, and the process goes on serving.
	t.Run("foreign event", func(t *testing.T) {
		pids := e.RuntimePIDs()
		raw, err := e.Invoke(context.Background(), event(t, "sqs-event.json"))
		if err != nil {
			t.Fatal(err)
		}
		var fnErr struct {
			ErrorMessage string `json:"errorMessage"`
			ErrorType    string `json:"errorType"`
		}
		if err := json.Unmarshal(raw, &fnErr); err != nil || !strings.Contains(fnErr.ErrorMessage, "unsupported event") {
			t.Errorf("SQS event: payload %s, want an error payload naming an unsupported event", raw)
		}
		if strings.Contains(string(raw), "statusCode") {
			t.Errorf("SQS event served as an HTTP request: %s", raw)
		}
		assertSameProcess(t, e, pids)
	})
}

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

// productionBuild is a bootstrap built by scripts/build.sh, as make build and
// the Dockerfile build it.
type productionBuild struct {
	path    string
	version string // "" when not known (built outside the test)
}

var production struct {
	mu     sync.Mutex
	builds map[string]productionBuild
}

// productionBootstrap returns the linux/arch bootstrap built with the
// production flags: the one named by R2R_BOOTSTRAP_<ARCH> (make test-image
// passes make build's), else one built here with scripts/build.sh, once per
// test binary.
func productionBootstrap(t *testing.T, arch string) productionBuild {
	t.Helper()
	if p := os.Getenv("R2R_BOOTSTRAP_" + strings.ToUpper(arch)); p != "" {
		return productionBuild{path: p}
	}
	production.mu.Lock()
	defer production.mu.Unlock()
	if b, ok := production.builds[arch]; ok {
		return b
	}
	dir, err := os.MkdirTemp("", "r2r-bootstrap-"+arch)
	if err != nil {
		t.Fatal(err)
	}
	b := productionBuild{path: filepath.Join(dir, "bootstrap"), version: "e2e-" + arch + "-" + rie.NewRequestID()[:8]}
	cmd := exec.Command("../../scripts/build.sh")
	cmd.Env = append(os.Environ(), "GOARCH="+arch, "OUT="+b.path, "VERSION="+b.version)
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		t.Fatalf("scripts/build.sh GOARCH=%s: %v\n%s", arch, err, out)
	}
	if production.builds == nil {
		production.builds = map[string]productionBuild{}
	}
	production.builds[arch] = b
	return b
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, b := range production.builds {
		os.RemoveAll(filepath.Dir(b.path))
	}
	os.Exit(code)
}

// TestProductionBootstrap runs the bootstrap as shipped (scripts/build.sh's
// flags, no test routes) for both architectures: amd64 natively, arm64 —
// the image's — through qemu-user.
func TestProductionBootstrap(t *testing.T) {
	for _, arch := range []string{"amd64", "arm64"} {
		t.Run(arch, func(t *testing.T) {
			rietest.RIE(t)
			var command []string
			switch {
			case arch == runtime.GOARCH:
			case arch == "arm64":
				command = []string{rietest.Qemu(t)}
			default:
				t.Skipf("no emulator for linux/%s on %s", arch, runtime.GOARCH)
			}
			b := productionBootstrap(t, arch)
			e := rietest.Start(t, rie.Config{
				Command: append(command, b.path),
				Env:     []string{"AWS_LAMBDA_FUNCTION_TIMEOUT=30", "STAGE=test"},
			})

			resp, raw := invoke(t, e, "apigw-v1-request-hello.json", rie.NewRequestID())
			if resp.StatusCode != 200 {
				t.Fatalf("hello: status = %d, want 200; response %s", resp.StatusCode, raw)
			}
			if diff := cmp.Diff(map[string]any{"message": "Hello World"}, jsonBody(t, resp)); diff != "" {
				t.Errorf("hello body (-want +got):\n%s", diff)
			}

			// The version of -X main.version, and no test routes: the flags of
			// scripts/build.sh, not a test build's.
			health := healthzEvent(t)
			raw, err := e.Invoke(context.Background(), health)
			if err != nil {
				t.Fatal(err)
			}
			json.Unmarshal(raw, &resp)
			h := jsonBody(t, resp)
			if b.version != "" && h["version"] != b.version {
				t.Errorf("healthz version = %v, want the build's %q", h["version"], b.version)
			}
			resp, raw = invoke(t, e, "apigw-v1-request-panic.json", rie.NewRequestID())
			if resp.StatusCode != 404 {
				t.Errorf("/api/_test/panic: status = %d, want 404 in a production build; response %s", resp.StatusCode, raw)
			}
		})
	}
}

// healthzEvent is the REST hello event for GET /api/healthz.
func healthzEvent(t *testing.T) []byte {
	t.Helper()
	var ev map[string]any
	if err := json.Unmarshal(event(t, "apigw-v1-request-hello.json"), &ev); err != nil {
		t.Fatal(err)
	}
	ev["path"] = "/api/healthz"
	ev["pathParameters"] = map[string]any{"proxy": "healthz"}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
