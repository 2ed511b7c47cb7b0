package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A query that is not valid URL encoding is refused with a 422 naming each
// bad parameter, on every route, rather than served as if the parameter
// had not been sent.
func TestBadQueryEncoding(t *testing.T) {
	tests := []struct {
		target string
		want   []ErrorDetail
	}{
		{"/api/hello?name=%ZZ", []ErrorDetail{{Location: "query.name", Message: `invalid URL escape "%ZZ"`, Value: "%ZZ"}}},
		{"/api/hello?name=Ada&x=%4", []ErrorDetail{{Location: "query.x", Message: `invalid URL escape "%4"`, Value: "%4"}}},
		{"/api/hello/stream?interval_ms=1%G0", []ErrorDetail{{Location: "query.interval_ms", Message: `invalid URL escape "%G0"`, Value: "1%G0"}}},
		{"/api/healthz?a=%ZZ&b=ok&c%ZZ=1", []ErrorDetail{
			{Location: "query.a", Message: `invalid URL escape "%ZZ"`, Value: "%ZZ"},
			{Location: "query.c%ZZ", Message: `invalid URL escape "%ZZ"`, Value: "1"},
		}},
		{"/api/nope?name=%ZZ", []ErrorDetail{{Location: "query.name", Message: `invalid URL escape "%ZZ"`, Value: "%ZZ"}}},
		{"/api/hello?a=1;b=2", []ErrorDetail{{Location: "query.a", Message: "invalid semicolon separator in query", Value: "1;b=2"}}},
	}
	h, _ := newTestServer(t, nil)
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.URL.RawQuery = tt.target[strings.Index(tt.target, "?")+1:]
			r.URL.Path = tt.target[:strings.Index(tt.target, "?")]
			w := serve(h, r)
			if w.Code != http.StatusUnprocessableEntity {
				t.Fatalf("GET %s = %d %s, want 422", tt.target, w.Code, w.Body.String())
			}
			var got Error
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got.Errors); diff != "" {
				t.Errorf("GET %s errors (-want +got):\n%s", tt.target, diff)
			}
			if got.StatusCode != 422 || got.RequestID == "" || got.Detail == "" {
				t.Errorf("GET %s = %+v, want the usual error body", tt.target, got)
			}
		})
	}
	// Valid encodings, empty values and a '+' are served as before.
	for _, target := range []string{"/api/hello?name=Ada%20L", "/api/hello?name=Ada+L&empty=&flag", "/api/hello?"} {
		if w := serve(h, httptest.NewRequest("GET", target, nil)); w.Code != 200 {
			t.Errorf("GET %s = %d %s, want 200", target, w.Code, w.Body.String())
		}
	}
}
