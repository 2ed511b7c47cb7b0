package main

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/r2r/r2r/internal/api"
)

// The /hello function and the API read the same origin list the same way: a
// browser allowed on one is allowed on the other, whatever the case or the
// default port in the list or in its Origin header.
func TestCORSAgreesWithAPI(t *testing.T) {
	lists := []string{
		"https://App.Example.com",
		"https://app.example.com:443, HTTP://LOCALHOST:3000",
		"*",
	}
	origins := []string{
		"https://app.example.com", "https://App.Example.com", "https://app.example.com:443",
		"http://localhost:3000", "http://localhost", "https://evil.example", "null",
	}
	for _, list := range lists {
		cfg, err := api.LoadConfig(func(k string) string {
			if k == "CORS_ALLOW_ORIGINS" {
				return list
			}
			return ""
		})
		if err != nil {
			t.Fatalf("api.LoadConfig(CORS_ALLOW_ORIGINS=%q): %v", list, err)
		}
		apiHandler := api.NewServer(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		hello := newTestHandler(t, map[string]string{"ALLOW_ORIGINS": list})
		for _, origin := range origins {
			r := httptest.NewRequest("GET", "/api/hello", nil)
			r.Header.Set("Origin", origin)
			w := httptest.NewRecorder()
			apiHandler.ServeHTTP(w, r)
			apiAllow := w.Header().Get("Access-Control-Allow-Origin")

			req := loadEvent(t, filepath.Join("testdata", "apigw-request-cognito.json"))
			req.Headers = map[string]string{"Origin": origin}
			req.MultiValueHeaders = nil
			resp, err := hello(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if helloAllow := resp.Headers["Access-Control-Allow-Origin"]; helloAllow != apiAllow {
				t.Errorf("list %q, Origin %q: /hello allows %q, the API %q", list, origin, helloAllow, apiAllow)
			}
			if got, want := resp.Headers["Vary"], w.Header().Get("Vary"); got != want {
				t.Errorf("list %q, Origin %q: /hello Vary %q, the API %q", list, origin, got, want)
			}
		}
	}
}

// A list one of them refuses, the other refuses too.
func TestOriginListsRefusedByBoth(t *testing.T) {
	for _, list := range []string{"https://*.example.com", "https://a.example:99999", "https://a.example/", "https://a.example,,https://b.example"} {
		_, apiErr := api.LoadConfig(func(k string) string {
			if k == "CORS_ALLOW_ORIGINS" {
				return list
			}
			return ""
		})
		_, helloErr := newHandler(func(string) string { return list }, slog.New(slog.DiscardHandler))
		if apiErr == nil || helloErr == nil {
			t.Errorf("list %q: API error %v, /hello error %v; want both to refuse it", list, apiErr, helloErr)
		}
	}
}
