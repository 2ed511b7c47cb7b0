package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHelloValidation(t *testing.T) {
	h, _ := newTestServer(t, nil)
	tests := []struct {
		name  string
		query string
		value string
	}{
		{"markup", "name=%3Cscript%3E", "<script>"},
		{"too long", "name=" + strings.Repeat("b", 65), strings.Repeat("b", 65)},
		{"slash", "name=a%2Fb", "a/b"},
		{"newline", "name=a%0Ab", "a\nb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := serve(h, httptest.NewRequest("GET", "/api/hello?"+tt.query, nil))
			if w.Code != http.StatusUnprocessableEntity {
				t.Fatalf("GET /api/hello?%s status = %d, want 422 (body %q)", tt.query, w.Code, w.Body.String())
			}
			got := decodeJSON(t, w)
			if got["status_code"] != 422.0 || got["detail"] == "" {
				t.Errorf("body = %v, want status_code 422 and a detail", got)
			}
			errs, _ := got["errors"].([]any)
			if len(errs) != 1 {
				t.Fatalf("errors = %v, want one entry", got["errors"])
			}
			e := errs[0].(map[string]any)
			if e["location"] != "query.name" || e["value"] != tt.value || e["message"] == "" {
				t.Errorf("errors[0] = %v, want location query.name, value %q and a message", e, tt.value)
			}
		})
	}
}
