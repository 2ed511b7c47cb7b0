package api

import (
	"net/http/httptest"
	"testing"
)

func TestCORS(t *testing.T) {
	tests := []struct {
		name       string
		origins    string
		method     string
		origin     string
		preflight  bool
		wantStatus int
		wantHeader map[string]string // "" means absent
	}{
		{"any origin", "*", "GET", "https://app.example", false, 200, map[string]string{
			"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "X-Request-Id", "Vary": ""}},
		{"listed origin", "https://app.example,https://admin.example", "GET", "https://admin.example", false, 200, map[string]string{
			"Access-Control-Allow-Origin": "https://admin.example", "Vary": "Origin"}},
		{"listed in another case, with the default port", "https://App.Example:443", "GET", "https://app.example", false, 200, map[string]string{
			"Access-Control-Allow-Origin": "https://app.example", "Vary": "Origin"}},
		{"origin sent in another case", "https://app.example", "GET", "HTTPS://APP.EXAMPLE", false, 200, map[string]string{
			"Access-Control-Allow-Origin": "HTTPS://APP.EXAMPLE", "Vary": "Origin"}},
		{"origin not listed", "https://app.example", "GET", "https://evil.example", false, 200, map[string]string{
			"Access-Control-Allow-Origin": "", "Vary": "Origin"}},
		{"no origin", "https://app.example", "GET", "", false, 200, map[string]string{
			"Access-Control-Allow-Origin": ""}},
		{"preflight", "https://app.example", "OPTIONS", "https://app.example", true, 204, map[string]string{
			"Access-Control-Allow-Origin":  "https://app.example",
			"Access-Control-Allow-Methods": "GET, POST, PUT, DELETE, OPTIONS",
			"Access-Control-Allow-Headers": "Content-Type, Authorization",
			"Access-Control-Max-Age":       "600"}},
		{"preflight on any path", "*", "OPTIONS", "https://app.example", true, 204, map[string]string{
			"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET, POST, PUT, DELETE, OPTIONS"}},
		{"preflight from origin not listed", "https://app.example", "OPTIONS", "https://evil.example", true, 204, map[string]string{
			"Access-Control-Allow-Origin": "", "Access-Control-Allow-Methods": ""}},
		{"plain OPTIONS is no preflight", "*", "OPTIONS", "", false, 405, map[string]string{
			"Access-Control-Allow-Methods": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, _ := newTestServer(t, map[string]string{"CORS_ALLOW_ORIGINS": tt.origins})
			r := httptest.NewRequest(tt.method, "/api/hello", nil)
			if tt.origin != "" {
				r.Header.Set("Origin", tt.origin)
			}
			if tt.preflight {
				r.Header.Set("Access-Control-Request-Method", "GET")
			}
			w := serve(h, r)
			if w.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", w.Code, tt.wantStatus)
			}
			for k, want := range tt.wantHeader {
				if got := w.Header().Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
		})
	}
}
