// Package lambdahttptest builds the events that API Gateway (REST and HTTP
// APIs), an ALB and a Function URL deliver to a function for one HTTP
// request, and decodes the function's responses: for tests of Lambda HTTP
// adapters, ours and its peers alike.
//
// The builders follow what the live captures in
// internal/lambdahttp/testdata/aws-events show each source does with the
// path, the query, repeated headers and cookies. It does not import
// lambdahttp, so lambdahttp's own tests can use it.
package lambdahttptest

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// Request is an HTTP request as a client sent it on the wire.
type Request struct {
	Method string
	Target string      // request-target, e.g. "/capture/a%2Fb?x=1"
	Header [][2]string // in wire order, names as sent
	Body   []byte
	Binary bool // the source base64-encodes the body (API Gateway binary media type, ALB/Function URL non-text)
}

// RawPath is the target's path, still encoded.
func (r Request) RawPath() string {
	p, _, _ := strings.Cut(r.Target, "?")
	return p
}

// RawQuery is the target's query, as sent.
func (r Request) RawQuery() string {
	_, q, _ := strings.Cut(r.Target, "?")
	return q
}

func (r Request) bodyField() (string, bool) {
	if r.Binary {
		return base64.StdEncoding.EncodeToString(r.Body), true
	}
	return string(r.Body), false
}

// Front is what stands in front of the function and names itself in the
// events it delivers: the API or Function URL, its stage, the target group,
// the client. The adapter passes these through, so each test picks its own.
type Front struct {
	Domain         string // the API's or Function URL's domain; its first label is the apiId
	AccountID      string
	Stage          string // REST and HTTP APIs: "$default" or a named stage
	RequestID      string
	SourceIP       string // the client's address
	UserAgent      string
	StageVariables map[string]string // nil: the event has no stageVariables
	TargetGroupARN string            // ALB
}

func (f Front) apiID() string {
	id, _, _ := strings.Cut(f.Domain, ".")
	return id
}

// EventV1 is what a REST API delivers: the path as sent, the query decoded,
// every header in multiValueHeaders and its last value in headers.
func (f Front) EventV1(tb testing.TB, r Request) []byte {
	tb.Helper()
	q, err := url.ParseQuery(r.RawQuery())
	if err != nil {
		tb.Fatalf("url.ParseQuery(%q) = %v", r.RawQuery(), err)
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
	for _, h := range r.Header {
		mh[h[0]] = append(mh[h[0]], h[1])
		sh[h[0]] = h[1]
	}
	body, b64 := r.bodyField()
	ev := map[string]any{
		"resource": "/{proxy+}", "path": r.RawPath(), "httpMethod": r.Method,
		"headers": sh, "multiValueHeaders": mh,
		"queryStringParameters": sq, "multiValueQueryStringParameters": mq,
		"pathParameters": map[string]string{"proxy": strings.TrimPrefix(r.RawPath(), "/")},
		"requestContext": map[string]any{
			"accountId": f.AccountID, "apiId": f.apiID(), "stage": f.Stage, "requestId": f.RequestID,
			"domainName": f.Domain, "protocol": "HTTP/1.1",
			"path": "/" + f.Stage + r.RawPath(), "httpMethod": r.Method, "resourcePath": "/{proxy+}",
			"identity": map[string]any{"sourceIp": f.SourceIP, "userAgent": f.UserAgent},
		},
		"body": body, "isBase64Encoded": b64,
	}
	if f.StageVariables != nil {
		ev["stageVariables"] = f.StageVariables
	}
	return mustJSON(tb, ev)
}

// v2Headers lower-cases names and comma-joins repeated values, as HTTP APIs
// and Function URLs do; cookie headers become cookies[].
func v2Headers(r Request) (map[string]string, []string) {
	h := map[string]string{}
	var cookies []string
	for _, kv := range r.Header {
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

// EventV2 is what an HTTP API delivers: rawPath decoded (with the stage in
// front when it is not $default), rawQueryString as sent, no cookie header.
func (f Front) EventV2(tb testing.TB, r Request) []byte {
	tb.Helper()
	p, err := url.PathUnescape(r.RawPath())
	if err != nil {
		tb.Fatalf("url.PathUnescape(%q) = %v", r.RawPath(), err)
	}
	return f.EventV2Path(tb, r, p)
}

// EventV2Path is EventV2 with the path as the HTTP API decoded it, for the
// paths it decodes otherwise than url.PathUnescape does.
func (f Front) EventV2Path(tb testing.TB, r Request, decodedPath string) []byte {
	tb.Helper()
	h, cookies := v2Headers(r)
	delete(h, "cookie")
	rawPath := decodedPath
	if f.Stage != "$default" {
		rawPath = "/" + f.Stage + decodedPath
	}
	body, b64 := r.bodyField()
	ev := map[string]any{
		"version": "2.0", "routeKey": "$default", "rawPath": rawPath, "rawQueryString": r.RawQuery(),
		"cookies": cookies, "headers": h,
		"requestContext": map[string]any{
			"accountId": f.AccountID, "apiId": f.apiID(), "stage": f.Stage, "requestId": f.RequestID,
			"domainName": f.Domain, "domainPrefix": f.apiID(), "routeKey": "$default",
			"http": map[string]any{"method": r.Method, "path": rawPath, "protocol": "HTTP/1.1", "sourceIp": f.SourceIP, "userAgent": f.UserAgent},
		},
		"body": body, "isBase64Encoded": b64,
	}
	if f.StageVariables != nil {
		ev["stageVariables"] = f.StageVariables
	}
	return mustJSON(tb, ev)
}

// EventFunctionURL is what a Function URL delivers: rawPath as sent (and
// decoded in requestContext.http.path), the cookie header both as cookies[]
// and as a header. A Function URL has no stage but $default.
func (f Front) EventFunctionURL(tb testing.TB, r Request) []byte {
	tb.Helper()
	h, cookies := v2Headers(r)
	decoded, _ := url.PathUnescape(r.RawPath())
	body, b64 := r.bodyField()
	return mustJSON(tb, map[string]any{
		"version": "2.0", "routeKey": "$default", "rawPath": r.RawPath(), "rawQueryString": r.RawQuery(),
		"cookies": cookies, "headers": h,
		"requestContext": map[string]any{
			"accountId": f.AccountID, "apiId": f.apiID(), "requestId": f.RequestID, "stage": "$default",
			"domainName": f.Domain, "domainPrefix": f.apiID(), "routeKey": "$default",
			"http": map[string]any{"method": r.Method, "path": decoded, "protocol": "HTTP/1.1", "sourceIp": f.SourceIP, "userAgent": f.UserAgent},
		},
		"body": body, "isBase64Encoded": b64,
	})
}

// EventALB is what an ALB delivers: path and query as sent (still encoded),
// header names lower-cased, the client's address appended to
// X-Forwarded-For; unless the target group has multi-value headers on,
// only the last value of anything repeated.
func (f Front) EventALB(tb testing.TB, r Request, multi bool) []byte {
	tb.Helper()
	mq := map[string][]string{}
	if q := r.RawQuery(); q != "" {
		for _, kv := range strings.Split(q, "&") {
			k, v, _ := strings.Cut(kv, "=")
			mq[k] = append(mq[k], v)
		}
	}
	mh := map[string][]string{}
	for _, kv := range r.Header {
		k := strings.ToLower(kv[0])
		mh[k] = append(mh[k], kv[1])
	}
	mh["x-forwarded-for"] = append(mh["x-forwarded-for"], f.SourceIP)
	body, b64 := r.bodyField()
	ev := map[string]any{
		"requestContext": map[string]any{"elb": map[string]any{"targetGroupArn": f.TargetGroupARN}},
		"httpMethod":     r.Method, "path": r.RawPath(), "body": body, "isBase64Encoded": b64,
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
	return mustJSON(tb, ev)
}

func mustJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatalf("json.Marshal: %v", err)
	}
	return b
}
