// CORS: preflight answers and the headers of cross-origin responses.

package api

import (
	"net/http"
	"strings"

	"github.com/r2r/r2r/weborigin"
)

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
