package apigw

import (
	"context"
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
