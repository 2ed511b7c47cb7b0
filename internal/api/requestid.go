// The request's id and state: identify, and what handlers read of it.

package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"unicode/utf8"

	"github.com/r2r/r2r/apierror"
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
			sent := r.Header.Get(apierror.RequestIDHeader)
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
			w.Header().Set(apierror.RequestIDHeader, id)
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
