package lambdahttp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// ErrUnsupportedEvent is wrapped by the error Invoke returns for an event that
// is not an HTTP request from API Gateway, an ALB or a Function URL.
var ErrUnsupportedEvent = errors.New("lambdahttp: unsupported event")

// Handler serves an http.Handler as a Lambda function. It implements
// aws-lambda-go's lambda.Handler. Create one with [New]; it is safe for
// concurrent use.
type Handler struct {
	handler http.Handler
	cfg     config
}

type config struct {
	basePath        string // "/v1", or "" for none
	escapedBasePath string // basePath as it appears in an encoded path
	isText          func(contentType, contentEncoding string) bool
	logger          *slog.Logger
	streaming       bool                                              // WithResponseStreaming
	errorBody       func(status int, detail, requestID string) []byte // WithErrorBody, or nil
	requestIDHeader string                                            // WithRequestIDHeader, or ""
}

// Option configures a [Handler].
type Option func(*config)

// WithBasePath strips p, a custom-domain base path mapping such as "/v1",
// from the front of every request path before the handler sees it. A path
// outside p is served unchanged (so the handler answers 404 as usual).
func WithBasePath(p string) Option {
	return func(c *config) {
		c.basePath, c.escapedBasePath = cleanBasePath(p)
	}
}

// cleanBasePath is p as a path prefix ("v1/" is "/v1"), and its escaped form.
func cleanBasePath(p string) (path, escaped string) {
	p = strings.TrimRight(p, "/")
	if p != "" && p[0] != '/' {
		p = "/" + p
	}
	return p, (&url.URL{Path: p}).EscapedPath()
}

// StripBasePath serves h as a Handler made with WithBasePath(p) would: with
// p stripped from the front of a request path that is p or continues with
// "/" after it, and other paths unchanged. It is for a net/http server
// serving the handler the adapter serves on Lambda, so both apply one rule.
func StripBasePath(p string, h http.Handler) http.Handler {
	prefix, escaped := cleanBasePath(p)
	if prefix == "" {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stripped := stripPathPrefix(r.URL.Path, prefix)
		if stripped == r.URL.Path {
			h.ServeHTTP(w, r)
			return
		}
		r2 := new(http.Request)
		*r2 = *r
		u := *r.URL
		u.Path = stripped
		if u.RawPath != "" {
			u.RawPath = stripPathPrefix(u.RawPath, escaped)
		}
		r2.URL = &u
		h.ServeHTTP(w, r2)
	})
}

// WithBinaryPolicy replaces [IsTextContent], the rule that decides whether a
// response body is sent to the source as text or base64-encoded with
// isBase64Encoded true. isText gets the response's Content-Type and
// Content-Encoding header values. Whatever it says, a body that is not valid
// UTF-8 is always base64-encoded, because a JSON string cannot carry it.
func WithBinaryPolicy(isText func(contentType, contentEncoding string) bool) Option {
	return func(c *config) {
		if isText != nil {
			c.isText = isText
		}
	}
}

// WithLogger sets the logger for errors the adapter handles itself (handler
// panics, oversized responses). The default is slog.Default() at log time.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.logger = l }
}

// WithErrorBody sets the body of the errors the adapter answers itself (an
// undecodable request: 400; a handler panic or an oversized response: 500),
// sent as application/json. f gets the status, the adapter's description
// (which may name a cause: f decides what a client sees) and the platform's
// request id (see [PlatformRequestIDFromContext]). Without it the body is
// {"message": description}, as API Gateway's own errors are.
func WithErrorBody(f func(status int, detail, requestID string) []byte) Option {
	return func(c *config) { c.errorBody = f }
}

// WithRequestIDHeader names the response header in which the errors the
// adapter answers itself carry the platform's request id (see
// [PlatformRequestIDFromContext]), as the handler's own responses carry it
// in the same header. Without it those errors carry no request id header.
func WithRequestIDHeader(name string) Option {
	return func(c *config) { c.requestIDHeader = http.CanonicalHeaderKey(name) }
}

// New returns a Handler that serves h.
func New(h http.Handler, opts ...Option) *Handler {
	c := config{isText: IsTextContent}
	for _, o := range opts {
		o(&c)
	}
	return &Handler{handler: h, cfg: c}
}

// Start serves h as a Lambda function; it does not return. With
// [WithResponseStreaming] every response is streamed (see [Handler.InvokeStream]),
// else buffered (see [Handler.Invoke]).
func Start(h http.Handler, opts ...Option) {
	lh := New(h, opts...)
	if lh.cfg.streaming {
		lambda.StartHandlerFunc(lh.invokeStreamFunc)
		return
	}
	lambda.Start(lh)
}

func (h *Handler) logger() *slog.Logger {
	if h.cfg.logger != nil {
		return h.cfg.logger
	}
	return slog.Default()
}

// Invoke decodes payload, serves it with the handler and returns the encoded
// response. It returns an error (which the Lambda runtime reports as a
// function error) only for payloads that are not HTTP requests; every request
// gets a response, including adapter-made JSON errors for a request net/http
// would refuse (an undecodable body, an invalid header: 400), a handler panic
// (500) and an oversized response (500).
//
// A Handler made [WithResponseStreaming] answers every Invoke with an error:
// its function is deployed to stream, and a buffered response would not be
// understood; [Start] serves it with [Handler.InvokeStream].
func (h *Handler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	if h.cfg.streaming {
		return nil, errInvokeStreaming
	}
	var in inbound
	if err := readEvent(ctx, payload, &in); err != nil {
		return nil, err
	}
	if in.badRequest != "" {
		return h.errorResponse(&in, http.StatusBadRequest, in.badRequest), nil
	}
	r, detail := h.newRequest(ctx, &in)
	if detail != "" {
		return h.errorResponse(&in, http.StatusBadRequest, detail), nil
	}

	w := newResponseWriter()
	defer w.release()
	if !h.serve(w, r, &in) {
		return h.errorResponse(&in, http.StatusInternalServerError, http.StatusText(http.StatusInternalServerError)), nil
	}
	status, header, body := w.result()
	out := h.encode(&in, status, header, body)
	if len(out) > maxResponseBytes {
		h.logger().ErrorContext(ctx, "lambdahttp: response exceeds the Lambda payload limit",
			"size", len(out), "limit", maxResponseBytes, "status", status,
			"source", in.source.String(), "request_id", in.info.requestID)
		// 500, not the 502 API Gateway gives when Lambda itself fails: our
		// handler produced an undeliverable response, no upstream failed, and
		// a distinct status tells the two apart in access logs.
		return h.errorResponse(&in, http.StatusInternalServerError,
			fmt.Sprintf("response of %d bytes exceeds the Lambda response payload limit of %d bytes", len(out), maxResponseBytes)), nil
	}
	return out, nil
}

// readEvent decodes payload and extracts the request into in; both Invoke and
// InvokeStream read events here. Its errors wrap ErrUnsupportedEvent.
func readEvent(ctx context.Context, payload []byte, in *inbound) error {
	var ev rawEvent
	if err := decodeEvent(payload, &ev); err != nil {
		return fmt.Errorf("%w: decoding event: %v", ErrUnsupportedEvent, err)
	}
	if err := ev.parse(in); err != nil {
		return err
	}
	in.info.platformID = platformRequestID(ctx, in)
	return nil
}

// platformRequestID is the id the platform logs the request under: API
// Gateway's requestId behind a REST or HTTP API (its access log and its own
// error responses carry it), else the invocation's, which Lambda's own log
// lines carry (an ALB has no request id; a Function URL has no access log of
// its own). Outside the Lambda runtime (no lambdacontext) a Function URL's
// requestId stands in for the invocation's.
func platformRequestID(ctx context.Context, in *inbound) string {
	switch in.source {
	case SourceAPIGatewayV1, SourceAPIGatewayV2:
		if in.info.requestID != "" {
			return in.info.requestID
		}
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok && lc.AwsRequestID != "" {
		return lc.AwsRequestID
	}
	return in.info.requestID
}

// serve runs the handler and reports whether it returned normally. A panic is
// logged and reported as false so that Invoke discards whatever the handler
// had buffered (possibly a half-written success) and answers a 500; the
// process keeps serving the next invoke.
func (h *Handler) serve(w *responseWriter, r *http.Request, in *inbound) (ok bool) {
	defer func() {
		if ok {
			return
		}
		v := recover()
		if v == http.ErrAbortHandler {
			// net/http aborts the connection silently for this sentinel; a
			// buffered Lambda response cannot be aborted, so answer 500 but,
			// like net/http, without logging a stack.
			h.logger().WarnContext(r.Context(), "lambdahttp: handler aborted the response",
				"request_id", in.info.requestID, "method", r.Method, "path", r.URL.Path)
			return
		}
		h.logger().ErrorContext(r.Context(), "lambdahttp: handler panic",
			"panic", fmt.Sprint(v), "stack", string(debug.Stack()),
			"request_id", in.info.requestID, "method", r.Method, "path", r.URL.Path)
	}()
	h.handler.ServeHTTP(w, r)
	return true
}
