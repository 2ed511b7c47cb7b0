package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
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
	return browsertest.New(t, 90*time.Second)
}

// appPage calls the local stack from another origin, as a browser app does:
// /api/hello without a token, then /hello with the ID token (a preflighted
// request, for its Authorization header); the outcome goes to the title.
const appPage = `<!doctype html><title>pending</title><script>
const base = %q, token = %q;
fetch(base + "/api/hello").then(r => r.json()).then(a =>
  fetch(base + "/hello", {headers: {"Authorization": token}}).then(r => r.json()).then(h => {
    document.title = "ok:" + a.message + "|" + h.message;
  })
).catch(e => { document.title = "blocked:" + e });
</script>`

// browserTest drives the stack s from headless Chromium.
func browserTest(t *testing.T, s *stack, idToken string) {
	ctx := newBrowser(t)
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, appPage, s.base, idToken)
	}))
	defer page.Close()

	var mu sync.Mutex
	var requested []string
	chromedp.ListenTarget(ctx, func(ev any) {
		if ev, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			requested = append(requested, ev.Request.Method+" "+ev.Request.URL)
			mu.Unlock()
		}
	})
	var title string
	err := chromedp.Run(ctx,
		network.Enable(),
		chromedp.Navigate(page.URL),
		chromedp.Poll(`document.title !== "pending"`, nil, chromedp.WithPollingTimeout(30*time.Second)),
		chromedp.Title(&title),
	)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	if want := "ok:Hello World|Hello alice@example.com"; title != want {
		t.Errorf("page on %s: title = %q, want %q", page.URL, title, want)
	}

	// The docs page under the stage prefix loads its document from there.
	var heading string
	err = chromedp.Run(ctx,
		chromedp.Navigate(s.base+"/api/docs"),
		chromedp.WaitVisible(`#operations-hello-hello`, chromedp.ByQuery),
		chromedp.Text(`#operations-hello-hello .opblock-summary-path`, &heading, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("docs page did not render the hello operation: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Contains(requested, "GET "+s.base+"/api/openapi.json") {
		t.Errorf("the docs page requested %q, want GET %s/api/openapi.json among them", requested, s.base)
	}
	if !strings.Contains(heading, "/api/hello") {
		t.Errorf("hello operation heading = %q, want /api/hello", heading)
	}
}
