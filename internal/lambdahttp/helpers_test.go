package lambdahttp_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/r2r/r2r/internal/lambdahttp"
	"github.com/r2r/r2r/internal/lambdahttp/lambdahttptest"
)

// seen is what a handler observed of a request.
type seen struct {
	Method        string
	Path          string
	RawPath       string
	EscapedPath   string
	RawQuery      string
	Query         url.Values
	Header        http.Header
	Host          string
	RemoteAddr    string
	RequestURI    string
	Proto         string
	ContentLength int64
	Body          []byte
	Name          string // r.PathValue("name") under GET /capture/{name}
	Routed        string // which mux pattern matched
	Deadline      time.Time
	HasDeadline   bool
	Event         any
	Source        lambdahttp.Source
}

func record(r *http.Request, routed string) seen {
	body, _ := io.ReadAll(r.Body)
	dl, ok := r.Context().Deadline()
	ev, _ := lambdahttp.EventFromContext(r.Context())
	return seen{
		Method: r.Method, Path: r.URL.Path, RawPath: r.URL.RawPath, EscapedPath: r.URL.EscapedPath(),
		RawQuery: r.URL.RawQuery, Query: r.URL.Query(), Header: r.Header.Clone(), Host: r.Host,
		RemoteAddr: r.RemoteAddr, RequestURI: r.RequestURI, Proto: r.Proto, ContentLength: r.ContentLength,
		Body: body, Name: r.PathValue("name"), Routed: routed, Deadline: dl, HasDeadline: ok,
		Event: ev, Source: lambdahttp.SourceFromContext(r.Context()),
	}
}

// recorder is an echo handler: a ServeMux with GET /capture/{name} and a
// catch-all, remembering what the last request looked like.
type recorder struct {
	mu    sync.Mutex
	calls int
	last  seen
	mux   *http.ServeMux
}

func newRecorder() *recorder {
	rec := &recorder{mux: http.NewServeMux()}
	handle := func(pattern string) {
		rec.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			s := record(r, pattern)
			rec.mu.Lock()
			rec.calls++
			rec.last = s
			rec.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]any{"path": s.Path, "query": s.RawQuery, "name": s.Name})
		})
	}
	handle("GET /capture/{name}")
	handle("/capture/{name}") // the live captures are POSTs
	handle("/")
	return rec
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) { rec.mux.ServeHTTP(w, r) }

// response is a decoded Lambda HTTP response of any source, plus the raw
// top-level keys so tests can see which keys were sent at all.
type response struct {
	lambdahttptest.Response
	Keys []string `json:"-"`
}

func decodeResponse(t *testing.T, out []byte) response {
	t.Helper()
	var resp response
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, out)
	}
	var keys map[string]json.RawMessage
	json.Unmarshal(out, &keys)
	for k := range keys {
		resp.Keys = append(resp.Keys, k)
	}
	slices.Sort(resp.Keys)
	return resp
}

// bodyBytes returns the response body as the client would receive it.
func (r response) bodyBytes(t *testing.T) []byte {
	t.Helper()
	b, err := r.DecodedBody()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// oracle parses the request exactly as net/http's server would.
func oracle(t *testing.T, c lambdahttptest.Request) *http.Request {
	t.Helper()
	var b strings.Builder
	b.WriteString(c.Method + " " + c.Target + " HTTP/1.1\r\n")
	for _, h := range c.Header {
		b.WriteString(h[0] + ": " + h[1] + "\r\n")
	}
	if len(c.Body) > 0 {
		b.WriteString("Content-Length: " + strconv.Itoa(len(c.Body)) + "\r\n")
	}
	b.WriteString("\r\n")
	b.Write(c.Body)
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(b.String())))
	if err != nil {
		t.Fatalf("http.ReadRequest(%q) = %v", c.Target, err)
	}
	return r
}

// The fronts of the events the tests build: what the adapter passes
// through (request id, stage variables, domain) is recognisable in them.

const (
	testSourceIP  = "203.0.113.9"
	testRequestID = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
)

var (
	restAPI = lambdahttptest.Front{
		Domain: "abc123.execute-api.us-east-1.amazonaws.com", AccountID: "123456789012", Stage: "prod",
		RequestID: testRequestID, SourceIP: testSourceIP, UserAgent: "test",
		StageVariables: map[string]string{"color": "blue"},
	}
	httpAPI = lambdahttptest.Front{
		Domain: "xyz789.execute-api.us-east-1.amazonaws.com", AccountID: "123456789012", Stage: "$default",
		RequestID: testRequestID, SourceIP: testSourceIP, UserAgent: "test",
		StageVariables: map[string]string{"color": "green"},
	}
	functionURL = lambdahttptest.Front{
		Domain: "urlid.lambda-url.us-east-1.on.aws", AccountID: "anonymous",
		RequestID: testRequestID, SourceIP: testSourceIP, UserAgent: "test",
	}
	targetGroup = lambdahttptest.Front{
		TargetGroupARN: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/abc", SourceIP: testSourceIP,
	}
)

// atStage is httpAPI with a named stage, which HTTP APIs put in front of
// rawPath.
func atStage(stage string) lambdahttptest.Front {
	f := httpAPI
	f.Stage = stage
	return f
}

// invoke calls h.Invoke with a deadline, as the Lambda runtime does.
func invoke(t *testing.T, h *lambdahttp.Handler, payload []byte) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 29*time.Second)
	defer cancel()
	out, err := h.Invoke(ctx, payload)
	if err != nil {
		t.Fatalf("Invoke(%s) = %v, want a response", payload, err)
	}
	return out
}

// awsLambdaGoDir returns the aws-lambda-go module directory in the module
// cache, or skips the test.
func awsLambdaGoDir(t testing.TB) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/aws/aws-lambda-go").Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		t.Fatalf("aws-lambda-go's directory (its sample events): go list: %v", err)
	}
	return dir
}

// sharedEventsDir is testdata/aws-events: live events captured from AWS
// (see its SOURCE.md), kept in the repository so that every clone tests them.
func sharedEventsDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join("testdata", "aws-events")
	if _, err := os.Stat(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// goListDir finds the aws-lambda-go module directory without a testing.TB.
func goListDir() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/aws/aws-lambda-go").Output()
	return strings.TrimSpace(string(out)), err
}

// eventWith decodes an event, lets edit change it, and encodes it again.
func eventWith(t *testing.T, payload []byte, edit func(map[string]any)) []byte {
	t.Helper()
	var ev map[string]any
	d := json.NewDecoder(bytes.NewReader(payload))
	d.UseNumber()
	if err := d.Decode(&ev); err != nil {
		t.Fatal(err)
	}
	edit(ev)
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	return b
}
