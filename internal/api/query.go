// Validation of the query string before routing.

package api

import (
	"net/http"
	"net/url"
	"strings"
)

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
