package browsertest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// pending is the title a ScriptPage starts with; its script replaces it with
// the outcome, which Title waits for.
const pending = "pending"

// ScriptPage serves, on an origin of its own (as a browser app calling the
// API from elsewhere), a page that runs the script js returns for the
// request. The script reports its outcome by setting document.title. The
// server closes when the test ends.
func ScriptPage(t testing.TB, js func(r *http.Request) string) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, "<!doctype html><title>%s</title><script>\n%s\n</script>", pending, js(r))
	}))
	t.Cleanup(s.Close)
	return s
}

// Title opens the ScriptPage at url and returns the title its script sets.
func Title(ctx context.Context, url string) (string, error) {
	var title string
	err := chromedp.Run(ctx,
		chromedp.Navigate(url),
		chromedp.Poll(fmt.Sprintf("document.title !== %q", pending), nil, chromedp.WithPollingTimeout(30*time.Second)),
		chromedp.Title(&title),
	)
	return title, err
}

// DocsOperationPath opens the Swagger UI docs page at url, waits until it
// renders the operation operationID under tag, and returns the path shown
// in that operation's summary: proof the page loaded the OpenAPI document.
func DocsOperationPath(ctx context.Context, url, tag, operationID string) (string, error) {
	op := "#operations-" + tag + "-" + operationID
	var path string
	err := chromedp.Run(ctx,
		chromedp.Navigate(url),
		chromedp.WaitVisible(op, chromedp.ByQuery),
		chromedp.Text(op+" .opblock-summary-path", &path, chromedp.ByQuery),
	)
	return path, err
}

// Request is one request the tab sent.
type Request struct{ Method, URL string }

// Requests records the requests a tab sends and the loads that fail.
type Requests struct {
	mu     sync.Mutex
	sent   []Request
	failed []string
}

// Record starts recording what the tab of ctx requests from now on.
func Record(t testing.TB, ctx context.Context) *Requests {
	t.Helper()
	r := &Requests{}
	chromedp.ListenTarget(ctx, func(ev any) {
		r.mu.Lock()
		defer r.mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			r.sent = append(r.sent, Request{ev.Request.Method, ev.Request.URL})
		case *network.EventLoadingFailed:
			r.failed = append(r.failed, ev.ErrorText)
		}
	})
	if err := chromedp.Run(ctx, network.Enable()); err != nil {
		t.Fatalf("enable network events: %v", err)
	}
	return r
}

// Sent returns the requests sent so far.
func (r *Requests) Sent() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Request(nil), r.sent...)
}

// Failed returns the error text of each load that failed so far.
func (r *Requests) Failed() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.failed...)
}
