// The access log line and the metrics of each request.

package api

import (
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/r2r/r2r/internal/emf"
)

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

// statusWriter records the status and size of a response for the access log,
// and whether the status line has left (been written to the ResponseWriter
// below, net/http's or the adapter's, after which it cannot change) for
// recoverPanics. One serves both: observe puts it in place, recoverPanics
// finds it.
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

// started reports whether the status line has left: a 1xx does not count,
// a final status, a body byte or a flush does.
func (w *statusWriter) started() bool { return w.status != 0 }
