//go:build r2rtest

package api

import (
	"net/http"
	"strconv"
	"time"
)

// Routes that misbehave on purpose, for end-to-end tests of the built binary
// (go build -tags r2rtest). A production build never has them.
func init() {
	defaultOptions = append(defaultOptions, withRoutes(func(mux *http.ServeMux) {
		mux.HandleFunc("GET /api/_test/panic", func(http.ResponseWriter, *http.Request) {
			panic("r2rtest: deliberate panic")
		})
		// /api/_test/slow?ms=N answers after N milliseconds, ignoring cancellation
		// like a handler stuck in a call that takes no context.
		mux.HandleFunc("GET /api/_test/slow", func(w http.ResponseWriter, r *http.Request) {
			ms, _ := strconv.Atoi(r.URL.Query().Get("ms"))
			time.Sleep(time.Duration(ms) * time.Millisecond)
			writeJSON(w, http.StatusOK, map[string]int{"slept_ms": ms})
		})
	}))
}
