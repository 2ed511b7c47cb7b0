// The request body's size limit.

package api

import (
	"fmt"
	"net/http"
)

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
