package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/r2r/r2r/internal/browsertest"
)

// newBrowser starts headless Chromium for one test.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	return browsertest.New(t, 60*time.Second)
}

// corsPage calls the API from another origin, as a browser app would, and
// puts the outcome in the title.
const corsPage = `<!doctype html><title>pending</title><script>
fetch(%q, {headers: {"Authorization": "Bearer test"}})
  .then(r => r.json())
  .then(j => { document.title = "ok:" + j.message })
  .catch(e => { document.title = "blocked" });
</script>`

func TestBrowserCORS(t *testing.T) {
	ctx := newBrowser(t)
	page := func() *httptest.Server {
		s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, corsPage, r.URL.Query().Get("api"))
		}))
		t.Cleanup(s.Close)
		return s
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
			var title string
			err := chromedp.Run(ctx,
				chromedp.Navigate(tt.page.URL+"/?api="+api.URL+"/api/hello?name=Ada"),
				chromedp.Poll(`document.title !== "pending"`, nil, chromedp.WithPollingTimeout(20*time.Second)),
				chromedp.Title(&title),
			)
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

	var mu sync.Mutex
	var requested, failed []string
	chromedp.ListenTarget(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			requested = append(requested, ev.Request.URL)
		case *network.EventLoadingFailed:
			failed = append(failed, ev.ErrorText)
		}
	})

	var heading string
	err := chromedp.Run(ctx,
		network.Enable(),
		chromedp.Navigate(srv.URL+"/prod/api/docs"),
		chromedp.WaitVisible(`#operations-hello-hello`, chromedp.ByQuery),
		chromedp.Text(`#operations-hello-hello .opblock-summary-path`, &heading, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("docs page did not render the hello operation: %v", err)
	}
	if !strings.Contains(heading, "/api/hello") {
		t.Errorf("hello operation heading = %q, want /api/hello", heading)
	}

	mu.Lock()
	defer mu.Unlock()
	var spec bool
	for _, u := range requested {
		if strings.HasPrefix(u, "data:") {
			continue
		}
		if !strings.HasPrefix(u, srv.URL+"/prod/") {
			t.Errorf("docs page requested %s, want only %s/prod/...", u, srv.URL)
		}
		spec = spec || u == srv.URL+"/prod/api/openapi.json"
	}
	if !spec {
		t.Errorf("docs page did not load %s/prod/api/openapi.json; requested %v", srv.URL, requested)
	}
	if len(failed) > 0 {
		t.Errorf("docs page had failed loads: %v", failed)
	}
}
