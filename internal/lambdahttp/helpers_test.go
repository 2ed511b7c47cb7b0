package lambdahttp_test

import (
	"bufio"
	"context"
	"encoding/base64"
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
	StatusCode        int                 `json:"statusCode"`
	StatusDescription string              `json:"statusDescription"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Cookies           []string            `json:"cookies"`
	Body              string              `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
	Keys              []string            `json:"-"`
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
	if !r.IsBase64Encoded {
		return []byte(r.Body)
	}
	b, err := base64.StdEncoding.DecodeString(r.Body)
	if err != nil {
		t.Fatalf("isBase64Encoded body is not base64: %v", err)
	}
	return b
}

// header returns the values of a response header whatever field the
// source uses; for payload 2.0, Set-Cookie comes from cookies.
func (r response) header(name string) []string {
	var out []string
	for k, vs := range r.MultiValueHeaders {
		if strings.EqualFold(k, name) {
			out = append(out, vs...)
		}
	}
	for k, v := range r.Headers {
		if strings.EqualFold(k, name) {
			out = append(out, v)
		}
	}
	if strings.EqualFold(name, "Set-Cookie") {
		out = append(out, r.Cookies...)
	}
	return out
}

// clientRequest is an HTTP request as a client sent it on the wire.
type clientRequest struct {
	method string
	target string      // request-target, e.g. "/capture/a%2Fb?x=1"
	header [][2]string // in wire order, names as sent
	body   []byte
	binary bool // the source base64-encodes the body (API Gateway binary media type, ALB/Function URL non-text)
}

func (c clientRequest) rawPath() string {
	p, _, _ := strings.Cut(c.target, "?")
	return p
}

func (c clientRequest) rawQuery() string {
	_, q, _ := strings.Cut(c.target, "?")
	return q
}

func (c clientRequest) bodyField() (string, bool) {
	if c.binary {
		return base64.StdEncoding.EncodeToString(c.body), true
	}
	return string(c.body), false
}

// oracle parses the request exactly as net/http's server would.
func (c clientRequest) oracle(t *testing.T) *http.Request {
	t.Helper()
	var b strings.Builder
	b.WriteString(c.method + " " + c.target + " HTTP/1.1\r\n")
	for _, h := range c.header {
		b.WriteString(h[0] + ": " + h[1] + "\r\n")
	}
	if len(c.body) > 0 {
		b.WriteString("Content-Length: " + strconv.Itoa(len(c.body)) + "\r\n")
	}
	b.WriteString("\r\n")
	b.Write(c.body)
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(b.String())))
	if err != nil {
		t.Fatalf("http.ReadRequest(%q) = %v", c.target, err)
	}
	return r
}

// The builders below turn a client request into the event each source
// delivers, following what the live captures in
// testdata/aws-events show each one does.

const (
	testSourceIP  = "203.0.113.9"
	testRequestID = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
)

// eventV1 is what an API Gateway REST API (stage "prod") delivers: the path
// as sent, the query decoded, every header in multiValueHeaders.
func eventV1(t testing.TB, c clientRequest) []byte {
	t.Helper()
	q, err := url.ParseQuery(c.rawQuery())
	if err != nil {
		t.Fatalf("url.ParseQuery(%q) = %v", c.rawQuery(), err)
	}
	var mq map[string][]string
	var sq map[string]string
	if len(q) > 0 {
		mq, sq = q, map[string]string{}
		for k, v := range q {
			sq[k] = v[len(v)-1]
		}
	}
	mh, sh := map[string][]string{}, map[string]string{}
	for _, h := range c.header {
		mh[h[0]] = append(mh[h[0]], h[1])
		sh[h[0]] = h[1]
	}
	body, b64 := c.bodyField()
	return mustJSON(t, map[string]any{
		"resource": "/{proxy+}", "path": c.rawPath(), "httpMethod": c.method,
		"headers": sh, "multiValueHeaders": mh,
		"queryStringParameters": sq, "multiValueQueryStringParameters": mq,
		"pathParameters": map[string]string{"proxy": strings.TrimPrefix(c.rawPath(), "/")},
		"stageVariables": map[string]string{"color": "blue"},
		"requestContext": map[string]any{
			"accountId": "123456789012", "apiId": "abc123", "stage": "prod", "requestId": testRequestID,
			"domainName": "abc123.execute-api.us-east-1.amazonaws.com", "protocol": "HTTP/1.1",
			"path": "/prod" + c.rawPath(), "httpMethod": c.method, "resourcePath": "/{proxy+}",
			"identity": map[string]any{"sourceIp": testSourceIP, "userAgent": "test"},
		},
		"body": body, "isBase64Encoded": b64,
	})
}

// v2Headers lower-cases names and comma-joins repeated values, as HTTP APIs
// and Function URLs do; cookie headers become cookies[].
func v2Headers(c clientRequest) (map[string]string, []string) {
	h := map[string]string{}
	var cookies []string
	for _, kv := range c.header {
		k := strings.ToLower(kv[0])
		if k == "cookie" {
			cookies = append(cookies, strings.Split(kv[1], "; ")...)
		}
		if old, ok := h[k]; ok {
			h[k] = old + "," + kv[1]
		} else {
			h[k] = kv[1]
		}
	}
	return h, cookies
}

// eventV2 is what an HTTP API delivers: rawPath decoded (with the stage in
// front when it is not $default), rawQueryString as sent, no cookie header.
func eventV2(t testing.TB, c clientRequest, stage string) []byte {
	t.Helper()
	p, err := url.PathUnescape(c.rawPath())
	if err != nil {
		t.Fatalf("url.PathUnescape(%q) = %v", c.rawPath(), err)
	}
	return eventV2Raw(t, c, stage, p)
}

func eventV2Raw(t testing.TB, c clientRequest, stage, decodedPath string) []byte {
	t.Helper()
	h, cookies := v2Headers(c)
	delete(h, "cookie")
	rawPath := decodedPath
	if stage != "$default" {
		rawPath = "/" + stage + decodedPath
	}
	body, b64 := c.bodyField()
	return mustJSON(t, map[string]any{
		"version": "2.0", "routeKey": "$default", "rawPath": rawPath, "rawQueryString": c.rawQuery(),
		"cookies": cookies, "headers": h,
		"stageVariables": map[string]string{"color": "green"},
		"requestContext": map[string]any{
			"accountId": "123456789012", "apiId": "xyz789", "stage": stage, "requestId": testRequestID,
			"domainName": "xyz789.execute-api.us-east-1.amazonaws.com", "domainPrefix": "xyz789",
			"routeKey": "$default",
			"http":     map[string]any{"method": c.method, "path": rawPath, "protocol": "HTTP/1.1", "sourceIp": testSourceIP, "userAgent": "test"},
		},
		"body": body, "isBase64Encoded": b64,
	})
}

// eventFunctionURL is what a Function URL delivers: rawPath as sent, and the
// cookie header both as cookies[] and as a header.
func eventFunctionURL(t testing.TB, c clientRequest) []byte {
	t.Helper()
	h, cookies := v2Headers(c)
	decoded, _ := url.PathUnescape(c.rawPath())
	body, b64 := c.bodyField()
	return mustJSON(t, map[string]any{
		"version": "2.0", "routeKey": "$default", "rawPath": c.rawPath(), "rawQueryString": c.rawQuery(),
		"cookies": cookies, "headers": h,
		"requestContext": map[string]any{
			"accountId": "anonymous", "apiId": "urlid", "requestId": testRequestID, "stage": "$default",
			"domainName": "urlid.lambda-url.us-east-1.on.aws", "domainPrefix": "urlid", "routeKey": "$default",
			"http": map[string]any{"method": c.method, "path": decoded, "protocol": "HTTP/1.1", "sourceIp": testSourceIP, "userAgent": "test"},
		},
		"body": body, "isBase64Encoded": b64,
	})
}

// eventALB is what an ALB delivers: path and query as sent (still encoded),
// header names lower-cased, the client address appended to X-Forwarded-For;
// in single-value mode only the last value of anything repeated.
func eventALB(t testing.TB, c clientRequest, multi bool) []byte {
	t.Helper()
	mq := map[string][]string{}
	if q := c.rawQuery(); q != "" {
		for _, kv := range strings.Split(q, "&") {
			k, v, _ := strings.Cut(kv, "=")
			mq[k] = append(mq[k], v)
		}
	}
	mh := map[string][]string{}
	for _, kv := range c.header {
		k := strings.ToLower(kv[0])
		mh[k] = append(mh[k], kv[1])
	}
	mh["x-forwarded-for"] = append(mh["x-forwarded-for"], testSourceIP)
	body, b64 := c.bodyField()
	ev := map[string]any{
		"requestContext": map[string]any{"elb": map[string]any{"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/abc"}},
		"httpMethod":     c.method, "path": c.rawPath(), "body": body, "isBase64Encoded": b64,
	}
	if multi {
		ev["multiValueHeaders"], ev["multiValueQueryStringParameters"] = mh, mq
	} else {
		sh, sq := map[string]string{}, map[string]string{}
		for k, v := range mh {
			sh[k] = v[len(v)-1]
		}
		for k, v := range mq {
			sq[k] = v[len(v)-1]
		}
		ev["headers"], ev["queryStringParameters"] = sh, sq
	}
	return mustJSON(t, ev)
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	return b
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
