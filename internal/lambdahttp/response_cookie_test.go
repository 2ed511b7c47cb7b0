package lambdahttp_test

import (
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/r2r/r2r/internal/lambdahttp"
)

// TestSetCookie: two cookies must both arrive, each in the field the source
// reads them from; v2-only "cookies" must never appear in v1/ALB responses.
func TestSetCookie(t *testing.T) {
	h := lambdahttp.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "a", Value: "1", Path: "/"})
		http.SetCookie(w, &http.Cookie{Name: "b", Value: "2", Expires: testExpires})
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "ok")
	}), lambdahttp.WithLogger(slog.New(slog.DiscardHandler)))
	cookies := []string{"a=1; Path=/", "b=2; Expires=Wed, 21 Oct 2065 07:28:00 GMT"}
	tests := []struct {
		src      respSource
		wantKeys []string
		check    func(t *testing.T, r response)
	}{}
	for _, src := range respSources(t) {
		tc := struct {
			src      respSource
			wantKeys []string
			check    func(t *testing.T, r response)
		}{src: src, wantKeys: src.keys}
		switch {
		case src.cookies:
			tc.wantKeys = []string{"body", "cookies", "headers", "isBase64Encoded", "statusCode"}
			tc.check = func(t *testing.T, r response) {
				if diff := cmp.Diff(cookies, r.Cookies); diff != "" {
					t.Errorf("cookies mismatch (-want +got):\n%s", diff)
				}
				if _, ok := r.Headers["Set-Cookie"]; ok {
					t.Errorf("headers has Set-Cookie %q, want it only in cookies", r.Headers["Set-Cookie"])
				}
			}
		case src.multi:
			tc.check = func(t *testing.T, r response) {
				if diff := cmp.Diff(cookies, r.MultiValueHeaders["Set-Cookie"]); diff != "" {
					t.Errorf("multiValueHeaders[Set-Cookie] mismatch (-want +got):\n%s", diff)
				}
			}
		default: // ALB single-value: one cookie fits; the last one, never a broken join
			tc.check = func(t *testing.T, r response) {
				if got := r.Headers["Set-Cookie"]; got != cookies[1] {
					t.Errorf("headers[Set-Cookie] = %q, want %q", got, cookies[1])
				}
			}
		}
		tests = append(tests, tc)
	}
	for _, tc := range tests {
		t.Run(tc.src.name, func(t *testing.T) {
			r := decodeResponse(t, invoke(t, h, tc.src.event))
			tc.check(t, r)
			if diff := cmp.Diff(tc.wantKeys, r.Keys); diff != "" {
				t.Errorf("response keys mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

var testExpires = time.Date(2065, 10, 21, 7, 28, 0, 0, time.UTC)
