package api

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDocs(t *testing.T) {
	h, _ := newTestServer(t, nil)

	t.Run("page", func(t *testing.T) {
		w := serve(h, httptest.NewRequest("GET", "/api/docs", nil))
		if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/html") {
			t.Fatalf("GET /api/docs = %d %q, want 200 HTML", w.Code, w.Header().Get("Content-Type"))
		}
		if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("Content-Security-Policy = %q, want scripts from this origin only", csp)
		}
		if strings.Contains(w.Body.String(), "//") && strings.Contains(w.Body.String(), "http") {
			t.Errorf("docs page refers to another origin:\n%s", w.Body.String())
		}
	})
	t.Run("redirect", func(t *testing.T) {
		w := serve(h, httptest.NewRequest("GET", "/docs", nil))
		if w.Code != http.StatusFound || w.Header().Get("Location") != "api/docs" {
			t.Errorf("GET /docs = %d Location %q, want 302 to api/docs", w.Code, w.Header().Get("Location"))
		}
	})
	for _, file := range []string{"swagger-ui-bundle.js", "swagger-ui.css", "init.js"} {
		t.Run(file, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/api/docs/assets/"+file, nil)
			plain := serve(h, r)
			if plain.Code != 200 || plain.Header().Get("Content-Encoding") != "" || plain.Body.Len() < 100 {
				t.Fatalf("GET %s without gzip = %d, Content-Encoding %q, %d bytes; want 200 and a plain body",
					file, plain.Code, plain.Header().Get("Content-Encoding"), plain.Body.Len())
			}
			r.Header.Set("Accept-Encoding", "br, gzip;q=0.8")
			zipped := serve(h, r)
			body := zipped.Body.Bytes()
			if zipped.Header().Get("Content-Encoding") == "gzip" {
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				body, _ = io.ReadAll(zr)
			}
			if !bytes.Equal(body, plain.Body.Bytes()) {
				t.Errorf("GET %s with gzip decodes to %d bytes, want the same %d bytes as without", file, len(body), plain.Body.Len())
			}
			etag := zipped.Header().Get("ETag")
			r.Header.Set("If-None-Match", etag)
			if w := serve(h, r); etag == "" || w.Code != http.StatusNotModified {
				t.Errorf("GET %s with If-None-Match %q = %d, want 304", file, etag, w.Code)
			}
		})
	}
	if w := serve(h, httptest.NewRequest("GET", "/api/docs/assets/../../main.go", nil)); w.Code == 200 {
		t.Errorf("GET of a file outside the assets = 200, want an error")
	}
}
