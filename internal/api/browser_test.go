package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/r2r/r2r/internal/browsertest"
)

// newBrowser starts headless Chromium for one test.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	return browsertest.New(t, 60*time.Second)
}

// corsPage calls the API from another origin, as a browser app would, and
// puts the outcome in the title.
const corsPage = `fetch(%q, {headers: {"Authorization": "Bearer test"}})
  .then(r => r.json())
  .then(j => { document.title = "ok:" + j.message })
  .catch(e => { document.title = "blocked" });`

func TestBrowserCORS(t *testing.T) {
	ctx := newBrowser(t)
	page := func() *httptest.Server {
		return browsertest.ScriptPage(t, func(r *http.Request) string {
			return fmt.Sprintf(corsPage, r.URL.Query().Get("api"))
		})
	}
	allowed, other := page(), page()

	h, _ := newTestServer(t, map[string]string{"CORS_ALLOW_ORIGINS": allowed.URL})
	api := httptest.NewServer(h)
	t.Cleanup(api.Close)

	for _, tt := range []struct {
		name      string
		page      *httptest.Server
		wantTitle string
	}{
		{"allowed origin", allowed, "ok:Hello Ada"},
		{"other origin", other, "blocked"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			title, err := browsertest.Title(ctx, tt.page.URL+"/?api="+api.URL+"/api/hello?name=Ada")
			if err != nil {
				t.Fatalf("browser: %v", err)
			}
			if title != tt.wantTitle {
				t.Errorf("fetch from %s: title = %q, want %q", tt.page.URL, title, tt.wantTitle)
			}
		})
	}
}

// The docs page served under an API Gateway stage prefix loads everything it
// needs from the same server under that prefix and renders the operations.
func TestBrowserDocsUnderStagePrefix(t *testing.T) {
	ctx := newBrowser(t)
	h, _ := newTestServer(t, nil)
	srv := httptest.NewServer(http.StripPrefix("/prod", h)) // as API Gateway strips the stage
	t.Cleanup(srv.Close)

	requests := browsertest.Record(t, ctx)
	heading, err := browsertest.DocsOperationPath(ctx, srv.URL+"/prod/api/docs", "hello", "hello")
	if err != nil {
		t.Fatalf("docs page did not render the hello operation: %v", err)
	}
	if !strings.Contains(heading, "/api/hello") {
		t.Errorf("hello operation heading = %q, want /api/hello", heading)
	}

	var spec bool
	sent := requests.Sent()
	for _, r := range sent {
		if strings.HasPrefix(r.URL, "data:") {
			continue
		}
		if !strings.HasPrefix(r.URL, srv.URL+"/prod/") {
			t.Errorf("docs page requested %s, want only %s/prod/...", r.URL, srv.URL)
		}
		spec = spec || r.URL == srv.URL+"/prod/api/openapi.json"
	}
	if !spec {
		t.Errorf("docs page did not load %s/prod/api/openapi.json; requested %v", srv.URL, sent)
	}
	if failed := requests.Failed(); len(failed) > 0 {
		t.Errorf("docs page had failed loads: %v", failed)
	}
}
