package lambdahttp_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/r2r/r2r/internal/lambdahttp"
	"github.com/r2r/r2r/internal/lambdahttp/lambdahttptest"
)

// TestHostFallback: without a Host header, Request.Host is the domain name
// from the request context (ALB has none: Host stays empty).
func TestHostFallback(t *testing.T) {
	c := lambdahttptest.Request{Method: "GET", Target: "/"}
	tests := []struct {
		name  string
		event []byte
		want  string
	}{
		{"apigw-v1", restAPI.EventV1(t, c), "abc123.execute-api.us-east-1.amazonaws.com"},
		{"apigw-v2", httpAPI.EventV2(t, c), "xyz789.execute-api.us-east-1.amazonaws.com"},
		{"function-url", functionURL.EventFunctionURL(t, c), "urlid.lambda-url.us-east-1.on.aws"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder()
			invoke(t, lambdahttp.New(rec), tc.event)
			if rec.last.Host != tc.want {
				t.Errorf("Host = %q, want %q", rec.last.Host, tc.want)
			}
			if _, ok := rec.last.Header["Host"]; ok {
				t.Errorf("Header has Host %q, want it only in Request.Host (as net/http)", rec.last.Header["Host"])
			}
		})
	}
}

// TestCookiesNotDuplicated: a Function URL sends the cookie header and
// cookies[]; the handler must see each cookie once.
func TestCookiesNotDuplicated(t *testing.T) {
	c := lambdahttptest.Request{Method: "GET", Target: "/", Header: [][2]string{{"Cookie", "a=1; b=2"}}}
	for _, src := range sources {
		t.Run(src.name, func(t *testing.T) {
			var got []string
			h := lambdahttp.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for _, ck := range r.Cookies() {
					got = append(got, ck.Name+"="+ck.Value)
				}
			}))
			invoke(t, h, src.build(t, c))
			if diff := cmp.Diff([]string{"a=1", "b=2"}, got); diff != "" {
				t.Errorf("r.Cookies() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestNothingFromEventInHeaders: the adapter must not smuggle event data
// into request headers, where a client could have forged it.
func TestNothingFromEventInHeaders(t *testing.T) {
	c := lambdahttptest.Request{Method: "GET", Target: "/", Header: [][2]string{{"Host", "h"}}}
	for _, src := range sources {
		t.Run(src.name, func(t *testing.T) {
			rec := newRecorder()
			invoke(t, lambdahttp.New(rec), src.build(t, c))
			keys := slices.Sorted(func(yield func(string) bool) {
				for k := range rec.last.Header {
					if !yield(k) {
						return
					}
				}
			})
			want := []string{}
			if src.extraHeader {
				want = []string{"X-Forwarded-For"} // added by the ALB itself, as on the wire
			}
			if diff := cmp.Diff(want, keys, cmp.Comparer(func(a, b []string) bool { return len(a) == 0 && len(b) == 0 || slices.Equal(a, b) })); diff != "" {
				t.Errorf("header keys mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
