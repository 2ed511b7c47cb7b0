package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/r2r/r2r/internal/emf"
	"github.com/r2r/r2r/weborigin"
)

// requestState is what the middleware learns of a request and the handlers
// and error writers need: one context value, set once per request.
type requestState struct {
	id       string
	clientID string // the caller's X-Request-Id when it is not the id, clipped
	platform PlatformInfo
	logger   *slog.Logger
	route    atomic.Pointer[string] // the matched pattern, set by the router
}

// log writes a line that carries the request's ids. Building the attributes
// here, rather than a logger.With per request, keeps the common path cheap.
func (rs *requestState) log(ctx context.Context, level slog.Level, msg string, attrs ...slog.Attr) {
	if !rs.logger.Enabled(ctx, level) {
		return
	}
	all := make([]slog.Attr, 0, 4+len(attrs))
	all = append(all, slog.String("request_id", rs.id))
	if rs.clientID != "" {
		all = append(all, slog.String("client_request_id", rs.clientID))
	}
	if rs.platform.LambdaRequestID != "" {
		all = append(all, slog.String("lambda_request_id", rs.platform.LambdaRequestID))
	}
	if rs.platform.TraceID != "" {
		all = append(all, slog.String("trace_id", rs.platform.TraceID))
	}
	rs.logger.LogAttrs(ctx, level, msg, append(all, attrs...)...)
}

type stateKey struct{}

var noState = &requestState{logger: slog.New(slog.DiscardHandler)}

func stateFrom(ctx context.Context) *requestState {
	if rs, ok := ctx.Value(stateKey{}).(*requestState); ok {
		return rs
	}
	return noState
}

// RequestIDFromContext returns the id of the request being served, as sent in
// its X-Request-Id response header.
func RequestIDFromContext(ctx context.Context) string { return stateFrom(ctx).id }

// PlatformInfo is what the platform under the server knows of a request that
// net/http does not: on Lambda, API Gateway's request id, the invocation's id
// and the X-Ray trace id. Empty fields are unknown.
type PlatformInfo struct {
	RequestID       string
	LambdaRequestID string
	TraceID         string
}

// identify gives each request its id and a logger that carries it, and sets
// the X-Request-Id response header. On a platform (Lambda) the id is the
// platform's, the one API Gateway logs, and never the caller's: a client
// must not make its requests pass for others' in the logs. Without one
// (locally) a well-formed id from the caller is used, else a new one. A
// caller's id that is not used is logged as client_request_id.
func identify(logger *slog.Logger, platform func(*http.Request) PlatformInfo) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var info PlatformInfo
			if platform != nil {
				info = platform(r)
			}
			sent := r.Header.Get("X-Request-Id")
			id := info.RequestID
			if platform == nil && wellFormedID(sent) {
				id = sent
			}
			if id == "" {
				id = newRequestID()
			}
			rs := &requestState{id: id, platform: info, logger: logger}
			if sent != "" && sent != id {
				rs.clientID = clip(sent)
			}
			w.Header().Set("X-Request-Id", id)
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), stateKey{}, rs)))
		})
	}
}

// maxLogValue bounds each value a request puts into a log line (path, ids):
// a 1 MB path must not make a 1 MB line.
const maxLogValue = 1024

// clip returns s cut to maxLogValue bytes (at a UTF-8 boundary), marked with
// its full length, so a reader sees it was cut and by how much.
func clip(s string) string {
	if len(s) <= maxLogValue {
		return s
	}
	cut := maxLogValue
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…(" + strconv.Itoa(len(s)) + " bytes)"
}

// wellFormedID accepts ids that are safe to echo in a header and a log line:
// 1 to 128 letters, digits, '-', '_', '.', ':'.
func wellFormedID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

// newRequestID returns a random (version 4) UUID.
func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

// observe writes the access log line of each request once it is answered,
// and, when metrics is not nil, its metrics. Both record what the client
// got: a response cut short (recoverPanics aborting it with
// http.ErrAbortHandler after it started) is logged as a 500 with aborted
// true, whatever status line may have gone out before the cut.
func observe(metrics *emf.Emitter, stage string) func(http.Handler) http.Handler {
	var served atomic.Bool // false until the process's first request: a cold start
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			sw := &statusWriter{ResponseWriter: w}
			defer func() {
				// Only an abort gets past recoverPanics; it goes on up to
				// net/http or the adapter, which cut the response.
				aborted := recover()
				status := sw.status
				switch {
				case aborted != nil:
					status = http.StatusInternalServerError
				case status == 0:
					status = http.StatusOK
				}
				elapsed := time.Since(start)
				rs := stateFrom(r.Context())
				attrs := []slog.Attr{
					slog.String("method", clip(r.Method)),
					slog.String("path", clip(r.URL.Path)),
					slog.Int("status", status),
					slog.Int64("bytes", sw.bytes),
					slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
					slog.String("remote_addr", clip(r.RemoteAddr)),
				}
				if aborted != nil {
					attrs = append(attrs, slog.Bool("aborted", true))
				}
				rs.log(r.Context(), slog.LevelInfo, "request", attrs...)
				if metrics != nil {
					emitRequestMetrics(metrics, stage, rs, status, elapsed, !served.Swap(true))
				}
				if aborted != nil {
					panic(aborted)
				}
			}()
			next.ServeHTTP(sw, r)
		})
	}
}

// The metrics' dimensions: requests and latency by stage, route and status class.
var metricDimensions = []string{"Stage", "Route", "StatusClass"}

var statusClasses = [...]string{"1xx", "1xx", "2xx", "3xx", "4xx", "5xx"}

func emitRequestMetrics(e *emf.Emitter, stage string, rs *requestState, status int, elapsed time.Duration, coldStart bool) {
	route := "unmatched" // no route: 404, 405, preflight, a request refused before routing
	if p := rs.route.Load(); p != nil {
		route = *p
	}
	class := "5xx"
	if status/100 < len(statusClasses) {
		class = statusClasses[status/100]
	}
	fields := []emf.Field{{Name: "Stage", Value: stage}, {Name: "Route", Value: route}, {Name: "StatusClass", Value: class},
		{Name: "request_id", Value: rs.id}}
	if rs.platform.TraceID != "" {
		fields = append(fields, emf.Field{Name: "trace_id", Value: rs.platform.TraceID})
	}
	metrics := []emf.Metric{
		{Name: "Requests", Unit: emf.Count, Value: 1},
		{Name: "Latency", Unit: emf.Milliseconds, Value: float64(elapsed.Microseconds()) / 1000},
	}
	if coldStart {
		metrics = append(metrics, emf.Metric{Name: "ColdStart", Unit: emf.Count, Value: 1})
	}
	e.Emit(time.Now(), fields, metrics...)
}

// statusWriter records the status and size of a response for the access log.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach Flush and deadlines underneath.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	http.NewResponseController(w.ResponseWriter).Flush()
}

// The outcomes of a handler panic, as the "handler panic" log line's outcome
// names them.
const (
	panicAnswered = "panic before response: 500 sent"
	panicCut      = "panic after response started: response cut"
	panicLate     = "panic after the deadline: already answered"
)

// recoverPanics handles a handler's panic, on the request's goroutine or
// handed over from the one answerBeforeDeadline runs the handler on. While
// nothing of the response has left (reached net/http or the adapter), the
// client gets the generic 500; once it has, the status is gone and all that
// is left is to cut the response short: a panic with http.ErrAbortHandler,
// which net/http and the adapter handle. Either way one log line says which,
// with the panic value and its stack; neither is ever sent.
// http.ErrAbortHandler itself (httputil.ReverseProxy's abort) is handled the
// same way, logged as a warning: it is a deliberate abort, not a bug.
func recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hw := &headerWatch{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == errCutAtDeadline {
				panic(http.ErrAbortHandler) // logged already, and no handler panic
			}
			var stack []byte
			if p, ok := v.(*handlerPanic); ok {
				v, stack = p.value, p.stack
			} else {
				stack = debug.Stack()
			}
			outcome := panicAnswered
			if hw.wrote {
				outcome = panicCut
			}
			logPanic(r, v, stack, outcome)
			if hw.wrote {
				panic(http.ErrAbortHandler)
			}
			writeError(w, r, http.StatusInternalServerError, "", nil)
		}()
		next.ServeHTTP(hw, r)
	})
}

// logPanic writes the "handler panic" line: the value, the stack and what the
// client got.
func logPanic(r *http.Request, v any, stack []byte, outcome string) {
	level := slog.LevelError
	if v == http.ErrAbortHandler {
		level = slog.LevelWarn
	}
	stateFrom(r.Context()).log(r.Context(), level, "handler panic",
		slog.String("outcome", outcome), slog.String("panic", fmt.Sprint(v)), slog.String("stack", string(stack)))
}

// handlerPanic carries a panic from the goroutine that ran the handler to the
// request's, with the stack of where it happened.
type handlerPanic struct {
	value any
	stack []byte
}

// String is what net/http logs should a handlerPanic ever reach it.
func (p *handlerPanic) String() string { return fmt.Sprintf("%v\n\n%s", p.value, p.stack) }

// headerWatch knows whether the status line has left: been written to the
// ResponseWriter below, net/http's or the adapter's, after which it cannot
// change.
type headerWatch struct {
	http.ResponseWriter
	wrote bool
}

func (w *headerWatch) WriteHeader(code int) {
	if code >= 200 {
		w.wrote = true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *headerWatch) Write(p []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(p)
}

func (w *headerWatch) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *headerWatch) Flush() {
	w.wrote = true
	http.NewResponseController(w.ResponseWriter).Flush()
}

// secureHeaders sets the headers every response carries.
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}

// corsMaxAge lets a browser reuse a preflight answer for 10 minutes rather
// than send one before every cross-origin request.
const corsMaxAge = "600"

// cors answers preflight requests and marks responses to allowed origins.
// API Gateway's proxy integration passes Lambda's headers through untouched,
// so the app must add Access-Control-Allow-Origin itself. The methods and
// headers are weborigin's, the same as the REST API's preflight mocks allow.
func cors(origins []string) func(http.Handler) http.Handler {
	allowlist := weborigin.NewAllowlist(origins)
	allowMethods := strings.Join(weborigin.AllowMethods(), ", ")
	allowHeaders := strings.Join(weborigin.AllowHeaders(), ", ")
	exposeHeaders := strings.Join(weborigin.ExposeHeaders(), ", ")
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			allow := allowlist.Allow(r.Header.Get("Origin"))
			ok := allow != ""
			if !allowlist.AllowsAny() {
				h.Add("Vary", "Origin") // the answer depends on the Origin: caches must know
			}
			if ok {
				h.Set("Access-Control-Allow-Origin", allow)
				h.Set("Access-Control-Expose-Headers", exposeHeaders)
			}
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				if ok {
					h.Set("Access-Control-Allow-Methods", allowMethods)
					h.Set("Access-Control-Allow-Headers", allowHeaders)
					h.Set("Access-Control-Max-Age", corsMaxAge)
				}
				w.WriteHeader(http.StatusNoContent)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// validQuery refuses a query string that is not valid URL encoding with a
// 422 that names each bad parameter, before any route reads it: net/url
// drops such a parameter silently, so a handler would see it as not sent.
func validQuery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw := r.URL.RawQuery
		if !strings.ContainsAny(raw, "%;") { // nothing ParseQuery could refuse
			next.ServeHTTP(w, r)
			return
		}
		if _, err := url.ParseQuery(raw); err == nil {
			next.ServeHTTP(w, r)
			return
		}
		var errs []ErrorDetail
		for pair := range strings.SplitSeq(raw, "&") {
			if _, err := url.ParseQuery(pair); err != nil {
				key, value, _ := strings.Cut(pair, "=")
				if k, kerr := url.QueryUnescape(key); kerr == nil {
					key = k
				}
				errs = append(errs, ErrorDetail{Location: "query." + key, Message: err.Error(), Value: value})
			}
		}
		writeJSON(w, http.StatusUnprocessableEntity, &Error{
			Detail:     detailFor(http.StatusUnprocessableEntity, "The query string is not valid URL encoding."),
			StatusCode: http.StatusUnprocessableEntity, RequestID: stateFrom(r.Context()).id, Errors: errs,
		})
	})
}

// limitBody refuses bodies over limit: at once when Content-Length says so,
// else when the handler reads past it.
func limitBody(limit int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > limit {
				writeError(w, r, http.StatusRequestEntityTooLarge,
					fmt.Sprintf("The request body is larger than the limit of %d bytes.", limit), nil)
				return
			}
			if r.Body != nil && r.Body != http.NoBody {
				r.Body = http.MaxBytesReader(w, r.Body, limit)
			}
			next.ServeHTTP(w, r)
		})
	}
}

// answerBeforeDeadline answers 504 shortly before the request context's
// deadline (on Lambda, the invocation's) when the handler has not finished,
// rather than letting the platform kill the invocation with no answer. The
// handler runs with the shortened deadline, so well-behaved handlers stop too.
// The response is held back until the handler is done, so the 504 can replace
// it; a handler that flushes (a stream) sends from then on, and one still
// streaming at the deadline is cut off there (aborted, as recoverPanics cuts a
// response, so that it never looks complete). Requests without a deadline
// (the local server's) pass straight through.
//
// The handler runs on a goroutine of its own, where nothing above it could
// recover a panic: its panic is recovered there and raised again, with its
// stack, on the request's goroutine (as http.TimeoutHandler does), for
// recoverPanics. What the handler wrote but did not flush is still held back
// here and is discarded: for recoverPanics nothing has left.
func answerBeforeDeadline(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		deadline, ok := r.Context().Deadline()
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		// Leave a tenth of the time, at most half a second, to send the 504.
		margin := min(time.Until(deadline)/10, 500*time.Millisecond)
		ctx, cancel := context.WithDeadline(r.Context(), deadline.Add(-margin))
		defer cancel()

		tw := &timeoutWriter{dst: w, header: make(http.Header)}
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer func() {
				var p *handlerPanic
				if v := recover(); v != nil {
					p = &handlerPanic{value: v, stack: debug.Stack()}
				}
				if !tw.handOver(p) && p != nil {
					// The deadline's answer has gone: no one else will hear of it.
					logPanic(r, p.value, p.stack, panicLate)
				}
			}()
			next.ServeHTTP(tw, r.WithContext(ctx))
		}()
		timedOut := false
		select {
		case <-done:
		case <-ctx.Done():
			timedOut = true
		}
		p, committed := tw.settle(timedOut)
		switch {
		case p != nil:
			panic(p)
		case !timedOut:
			tw.finish()
		case committed:
			stateFrom(r.Context()).log(r.Context(), slog.LevelError, "response cut off",
				slog.String("error", fmt.Sprintf("handler still running at the deadline: %v", ctx.Err())))
			// Ending it as usual would look complete to the client: cut it.
			panic(errCutAtDeadline)
		default:
			writeError(w, r, http.StatusGatewayTimeout, "", fmt.Errorf("handler still running at the deadline: %w", ctx.Err()))
		}
	})
}

// timeoutWriter holds a response back until the handler is done or flushes,
// and drops what the handler writes once it has been abandoned at the deadline.
type timeoutWriter struct {
	dst       http.ResponseWriter
	mu        sync.Mutex
	header    http.Header
	sent      http.Header // the header as it was at WriteHeader
	status    int
	body      bytes.Buffer
	committed bool          // flushed: the status is sent and writes go straight to dst
	abandoned bool          // the deadline passed first: writes fail
	panicked  *handlerPanic // the handler's panic, handed over
}

var errTimedOut = errors.New("response abandoned: the request's deadline passed")

// errCutAtDeadline is answerBeforeDeadline's panic for a response that had
// started when the deadline came: recoverPanics cuts it with
// http.ErrAbortHandler.
var errCutAtDeadline = errors.New("response cut off at the deadline")

func (w *timeoutWriter) Header() http.Header { return w.header }

func (w *timeoutWriter) WriteHeader(code int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.status != 0 || code < 200 {
		return
	}
	w.status = code
	w.sent = w.header.Clone()
}

func (w *timeoutWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.abandoned {
		return 0, errTimedOut
	}
	if w.status == 0 {
		w.status = http.StatusOK
		w.sent = w.header.Clone()
	}
	if w.committed {
		return w.dst.Write(p)
	}
	return w.body.Write(p)
}

// Flush sends what is held back and everything after it as it comes.
func (w *timeoutWriter) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.abandoned {
		return
	}
	w.commit(false)
	http.NewResponseController(w.dst).Flush()
}

// handOver records that the handler is done, and how (p is its panic, or
// nil), and reports whether the request's goroutine will hear of it: false
// once the response has been abandoned at the deadline.
func (w *timeoutWriter) handOver(p *handlerPanic) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.abandoned {
		return false
	}
	w.panicked = p
	return true
}

// settle is called by the request's goroutine once the handler is done or
// the deadline has come (timedOut). It returns the handler's panic, if it
// panicked before now. At the deadline the response is abandoned: the
// handler's writes fail from now on (a handler that returns because its
// context ended has no answer to give), and committed reports whether part of
// it has been sent already.
func (w *timeoutWriter) settle(timedOut bool) (p *handlerPanic, committed bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if timedOut {
		w.abandoned = true
	}
	return w.panicked, w.committed
}

// finish sends the response of a handler that returned in time.
func (w *timeoutWriter) finish() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.commit(true)
}

// commit sends the status, the header and the body held so far; complete
// says the body is all there is, so its length is known.
func (w *timeoutWriter) commit(complete bool) {
	if w.committed {
		return
	}
	w.committed = true
	if w.status == 0 {
		w.status = http.StatusOK
		w.sent = w.header.Clone()
	}
	h := w.dst.Header()
	for k, v := range w.sent {
		h[k] = v
	}
	if complete && h.Get("Content-Length") == "" && w.body.Len() > 0 {
		h.Set("Content-Length", strconv.Itoa(w.body.Len()))
	}
	w.dst.WriteHeader(w.status)
	if w.body.Len() > 0 {
		w.dst.Write(w.body.Bytes())
		w.body.Reset()
	}
}

// chain applies middleware so that the first one listed is the outermost.
func chain(h http.Handler, mw ...func(http.Handler) http.Handler) http.Handler {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}
