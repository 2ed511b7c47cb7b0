package apigw

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// MaxRequestBytes is API Gateway's payload limit of a REST API (10 MB):
// a larger request gets the REQUEST_TOO_LARGE gateway response.
const MaxRequestBytes = 10 << 20

// An Invoker runs a function of the template with one event and returns its
// response payload. An error is a failed invocation (the function crashed,
// timed out, or could not start), not a function error, which comes back as
// the payload {"errorMessage": ...}.
type Invoker interface {
	Invoke(ctx context.Context, fn *Function, qualifier, requestID string, event []byte) ([]byte, error)
}

// A TokenVerifier verifies the token a COGNITO_USER_POOLS authorizer gets:
// an ID token of pool (signature against the pool's keys, issuer, audience
// one of its app clients, token_use, expiry). It returns the token's claims.
type TokenVerifier interface {
	VerifyIDToken(ctx context.Context, pool *UserPool, token string) (map[string]any, error)
}

// Config is what a Gateway needs besides the API.
type Config struct {
	Invoker  Invoker
	Verifier TokenVerifier    // required when a method has an authorizer
	Logger   *slog.Logger     // nil: no logs
	Now      func() time.Time // nil: time.Now
}

// A Gateway serves an API as API Gateway does, at /<stage>/...
type Gateway struct {
	api      *API
	cfg      Config
	limiters []*rate.Limiter // one per api.Throttles entry (nil: unlimited)
}

// New returns the Gateway of api.
func New(api *API, cfg Config) (*Gateway, error) {
	if cfg.Invoker == nil {
		return nil, errors.New("apigw: no Invoker")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	g := &Gateway{api: api, cfg: cfg}
	for _, th := range api.Throttles {
		var l *rate.Limiter
		if th.Rate >= 0 && th.Burst >= 0 {
			l = rate.NewLimiter(rate.Limit(th.Rate), th.Burst)
		}
		g.limiters = append(g.limiters, l)
	}
	if cfg.Verifier == nil {
		var walk func(*Resource) error
		walk = func(r *Resource) error {
			for _, m := range r.Methods {
				if m.Authorizer != nil {
					return fmt.Errorf("apigw: method %s has an authorizer but no TokenVerifier is configured", m.ID)
				}
			}
			for _, c := range r.Children {
				if err := walk(c); err != nil {
					return err
				}
			}
			return nil
		}
		if err := walk(api.Root); err != nil {
			return nil, err
		}
	}
	return g, nil
}

func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ri := newRequestInfo(r, g.api.Stage, g.cfg.Now())
	h := w.Header()
	h.Set("x-amzn-RequestId", ri.requestID)
	h.Set("x-amz-apigw-id", ri.extendedRequestID)
	h.Set("X-Amzn-Trace-Id", ri.traceID)
	status := g.serve(w, r, ri)
	g.cfg.Logger.Info("request", "method", r.Method, "path", ri.stagePath, "resource", ri.resourcePath(),
		"status", status, "request_id", ri.requestID, "duration_ms", time.Since(ri.start).Milliseconds())
}

// serve answers r and returns the status it sent.
func (g *Gateway) serve(w http.ResponseWriter, r *http.Request, ri *requestInfo) int {
	stage, rest, _ := strings.Cut(strings.TrimPrefix(ri.stagePath, "/"), "/")
	if stage != g.api.Stage {
		// No stage of that name: API Gateway answers this itself, before any
		// gateway response applies.
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("x-amzn-ErrorType", "ForbiddenException")
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `{"message":"Forbidden"}`)
		return http.StatusForbidden
	}
	ri.path = "/" + rest
	res, params := match(g.api.Root, ri.path)
	var m *Method
	if res != nil {
		m = res.Methods[r.Method]
		if m == nil {
			m = res.Methods["ANY"]
		}
	}
	if m == nil {
		return g.fail(w, "MISSING_AUTHENTICATION_TOKEN", ri)
	}
	ri.resource, ri.methodID, ri.pathParams = res, m.ID, params

	if r.ContentLength > MaxRequestBytes {
		return g.fail(w, "REQUEST_TOO_LARGE", ri)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxRequestBytes+1))
	if err != nil {
		ri.errorMessage = "Bad request"
		return g.fail(w, "DEFAULT_4XX", ri)
	}
	if len(body) > MaxRequestBytes {
		return g.fail(w, "REQUEST_TOO_LARGE", ri)
	}
	if l := g.limiter(res.Path, r.Method); l != nil && !l.Allow() {
		return g.fail(w, "THROTTLED", ri)
	}
	if m.Integration.Type == Mock {
		return g.mock(w, m)
	}
	if m.Authorizer != nil {
		token := r.Header.Get(m.Authorizer.IdentityHeader)
		if token == "" {
			return g.fail(w, "UNAUTHORIZED", ri)
		}
		claims, err := g.cfg.Verifier.VerifyIDToken(r.Context(), m.Authorizer.UserPool, token)
		if err != nil {
			g.cfg.Logger.Info("authorizer refused the token", "request_id", ri.requestID, "error", err.Error())
			return g.fail(w, "UNAUTHORIZED", ri)
		}
		ri.claims = claimStrings(claims)
	}
	return g.invoke(w, r, ri, m, body)
}

// fail writes the gateway response typ and returns its status.
func (g *Gateway) fail(w http.ResponseWriter, typ string, ri *requestInfo) int {
	rec := &statusWriter{ResponseWriter: w}
	g.gatewayResponse(rec, typ, ri, 0)
	return rec.status
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// match finds the resource of path (encoded, without the stage) as API
// Gateway does: a literal path part before a {param}, a {param} before a
// greedy {proxy+}. It returns the path parameters as API Gateway passes them
// (the path's own encoding kept).
func match(root *Resource, p string) (*Resource, map[string]string) {
	if p == "/" {
		return root, nil
	}
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	params := map[string]string{}
	var walk func(r *Resource, i int) *Resource
	walk = func(r *Resource, i int) *Resource {
		if i == len(segs) {
			return r
		}
		if segs[i] == "" {
			// An empty segment (a trailing or doubled slash) matches nothing.
			return nil
		}
		for _, c := range r.Children {
			if c.PathPart == segs[i] {
				if got := walk(c, i+1); got != nil {
					return got
				}
			}
		}
		for _, c := range r.Children {
			if name, ok := strings.CutPrefix(c.PathPart, "{"); ok && !strings.HasSuffix(c.PathPart, "+}") {
				name = strings.TrimSuffix(name, "}")
				if got := walk(c, i+1); got != nil {
					params[name] = segs[i]
					return got
				}
			}
		}
		for _, c := range r.Children {
			if strings.HasPrefix(c.PathPart, "{") && strings.HasSuffix(c.PathPart, "+}") {
				params[strings.TrimSuffix(strings.TrimPrefix(c.PathPart, "{"), "+}")] = strings.Join(segs[i:], "/")
				return c
			}
		}
		return nil
	}
	r := walk(root, 0)
	if r == nil {
		return nil, nil
	}
	if len(params) == 0 {
		params = nil
	}
	return r, params
}

// limiter returns the token bucket of the most specific method setting that
// covers resourcePath and method, nil when none limits it.
func (g *Gateway) limiter(resourcePath, method string) *rate.Limiter {
	for i, th := range g.api.Throttles {
		if (th.ResourcePath == "/*" || th.ResourcePath == resourcePath) && (th.HTTPMethod == "*" || th.HTTPMethod == method) {
			return g.limiters[i]
		}
	}
	return nil
}

// mock answers a MOCK integration from its integration response.
func (g *Gateway) mock(w http.ResponseWriter, m *Method) int {
	in := m.Integration
	for k, v := range in.MockHeaders {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(in.MockBody)))
	w.WriteHeader(in.MockStatus)
	io.WriteString(w, in.MockBody)
	return in.MockStatus
}

// claimStrings turns a token's claims into the strings API Gateway's
// Cognito authorizer passes: times (exp, iat, auth_time) in Java's
// Date.toString form, lists joined with commas, the rest as printed.
func claimStrings(claims map[string]any) map[string]string {
	out := make(map[string]string, len(claims))
	for k, v := range claims {
		switch x := v.(type) {
		case string:
			out[k] = x
		case float64:
			if k == "exp" || k == "iat" || k == "auth_time" {
				out[k] = time.Unix(int64(x), 0).UTC().Format("Mon Jan 02 15:04:05 MST 2006")
			} else {
				out[k] = strconv.FormatFloat(x, 'f', -1, 64)
			}
		case json.Number:
			out[k] = x.String()
		case bool:
			out[k] = strconv.FormatBool(x)
		case []any:
			parts := make([]string, 0, len(x))
			for _, e := range x {
				parts = append(parts, fmt.Sprint(e))
			}
			out[k] = strings.Join(parts, ",")
		default:
			b, _ := json.Marshal(x)
			out[k] = string(b)
		}
	}
	return out
}

// proxyResponse is a Lambda proxy integration's response.
type proxyResponse struct {
	StatusCode        *int                `json:"statusCode"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Body              *string             `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
}

// streamDelimiter separates a streamed response's JSON prelude from its body.
var streamDelimiter = []byte("\x00\x00\x00\x00\x00\x00\x00\x00")

func (g *Gateway) invoke(w http.ResponseWriter, r *http.Request, ri *requestInfo, m *Method, body []byte) int {
	ev, err := g.buildEvent(r, ri, body)
	if err != nil {
		ri.errorMessage = "Internal server error"
		return g.fail(w, "DEFAULT_5XX", ri)
	}
	in := m.Integration
	ctx, cancel := context.WithTimeout(r.Context(), in.Timeout)
	defer cancel()
	payload, err := g.cfg.Invoker.Invoke(ctx, in.Function, in.Qualifier, ri.requestID, ev)
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			g.cfg.Logger.Warn("integration timeout", "function", in.Function.ID, "timeout", in.Timeout.String(), "request_id", ri.requestID)
			return g.fail(w, "INTEGRATION_TIMEOUT", ri)
		}
		if r.Context().Err() != nil {
			return 499 // the client went away; nobody to answer
		}
		g.cfg.Logger.Error("invocation failed", "function", in.Function.ID, "request_id", ri.requestID, "error", err.Error())
		return g.badGateway(w, ri)
	}
	var resp proxyResponse
	var streamed []byte
	if in.Stream {
		prelude, rest, ok := bytes.Cut(payload, streamDelimiter)
		if !ok {
			// A streamed function that wrote no prelude: AWS passes the bytes
			// on as the body of a 200 (the Lambda function URL rules).
			prelude, rest = []byte(`{"statusCode":200}`), payload
		}
		payload, streamed = prelude, rest
	}
	if err := json.Unmarshal(payload, &resp); err != nil || resp.StatusCode == nil {
		g.cfg.Logger.Error("malformed Lambda proxy response", "function", in.Function.ID, "request_id", ri.requestID,
			"payload", truncate(payload, 512))
		return g.badGateway(w, ri)
	}
	var out []byte
	switch {
	case in.Stream:
		out = streamed
	case resp.Body == nil:
	case resp.IsBase64Encoded && g.acceptsBinary(r.Header.Get("Accept")):
		out, err = base64.StdEncoding.DecodeString(*resp.Body)
		if err != nil {
			g.cfg.Logger.Error("response body is not base64", "function", in.Function.ID, "request_id", ri.requestID)
			return g.badGateway(w, ri)
		}
	default:
		out = []byte(*resp.Body)
	}
	h := w.Header()
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	for k, v := range resp.Headers {
		if _, ok := resp.MultiValueHeaders[k]; !ok {
			h.Set(k, v)
		}
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	// The function does not decide the framing: API Gateway does.
	h.Del("Transfer-Encoding")
	if !in.Stream {
		h.Set("Content-Length", strconv.Itoa(len(out)))
	} else {
		h.Del("Content-Length")
	}
	status := *resp.StatusCode
	if status < 100 || status > 599 {
		return g.badGateway(w, ri)
	}
	w.WriteHeader(status)
	w.Write(out)
	return status
}

// badGateway is API Gateway's answer to a function error, a crash or a
// malformed response: 502 through DEFAULT_5XX.
func (g *Gateway) badGateway(w http.ResponseWriter, ri *requestInfo) int {
	ri.errorMessage = "Internal server error"
	rec := &statusWriter{ResponseWriter: w}
	g.gatewayResponse(rec, "DEFAULT_5XX", ri, http.StatusBadGateway)
	return rec.status
}

// acceptsBinary reports whether API Gateway would decode a base64 response
// for a request with this Accept header: its first media type matches a
// binary media type (a request without one is taken as accepting */*).
func (g *Gateway) acceptsBinary(accept string) bool {
	first, _, _ := strings.Cut(accept, ",")
	first = strings.TrimSpace(first)
	if first == "" {
		first = "*/*"
	}
	for _, t := range g.api.BinaryMediaTypes {
		if t == "*/*" || strings.EqualFold(t, first) || matchesMediaType(first, []string{t}) {
			return true
		}
	}
	return false
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}
