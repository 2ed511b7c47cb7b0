//go:build r2rtest

package api

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"
)

// WithTestRoutes adds routes that misbehave on purpose, for end-to-end tests
// of the built binary: only a build with -tags r2rtest has this option (and
// cmd/api passes it there), so a production build cannot serve them.
func WithTestRoutes() Option {
	return withRoutes(func(mux *http.ServeMux) {
		// /api/_test/panic panics at once. With ?after=write it first writes
		// part of a body; with ?after=flush it also flushes it, so the status
		// and that part leave before the panic. With ?with=abort it panics
		// with http.ErrAbortHandler, as httputil.ReverseProxy does when the
		// upstream fails in the middle of a body.
		mux.HandleFunc("GET /api/_test/panic", func(w http.ResponseWriter, r *http.Request) {
			q := r.URL.Query()
			switch q.Get("after") {
			case "write", "flush":
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				w.Write([]byte(TestPartialBody))
				if q.Get("after") == "flush" {
					http.NewResponseController(w).Flush()
				}
			}
			if q.Get("with") == "abort" {
				panic(http.ErrAbortHandler)
			}
			panic("r2rtest: deliberate panic")
		})
		// /api/_test/slow?ms=N answers after N milliseconds, ignoring cancellation
		// like a handler stuck in a call that takes no context.
		// It logs "slow request started" first, for tests that wait until it
		// is in flight.
		mux.HandleFunc("GET /api/_test/slow", func(w http.ResponseWriter, r *http.Request) {
			ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
			stateFrom(r.Context()).log(r.Context(), slog.LevelInfo, "slow request started", slog.Int("ms", ms))
			time.Sleep(time.Duration(ms) * time.Millisecond)
			writeJSON(w, http.StatusOK, map[string]int{"slept_ms": ms})
		})
	})
}

// TestPartialBody is what /api/_test/panic?after=write|flush writes before it
// panics.
const TestPartialBody = "r2rtest: the start of a response that never ends\n"
