package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/r2r/r2r/internal/cognitotest"
)

// The docs page's Authorize button works: a user pastes a real token of the
// pool in Swagger UI's dialog, tries GET /api/me, and gets 200 with their sub.
func TestBrowserDocsAuthorize(t *testing.T) {
	m := cognitotest.Start(t)
	pool := m.CreatePool(t, "r2r-docs")
	sub := pool.CreateUser(t, testUser, testPassword)
	tokens := pool.SignIn(t, testUser, testPassword)
	h, _ := newTestServer(t, pool.Env())
	srv := httptest.NewServer(http.StripPrefix("/prod", h)) // as API Gateway strips the stage
	t.Cleanup(srv.Close)
	ctx := newBrowser(t) // after the pool: its 60 s are for the browser

	const op = `#operations-users-me`
	var status, body string
	err := chromedp.Run(ctx,
		chromedp.Navigate(srv.URL+"/prod/api/docs"),
		chromedp.WaitVisible(`.auth-wrapper .authorize`, chromedp.ByQuery),
		chromedp.Click(`.auth-wrapper .authorize`, chromedp.ByQuery),
		chromedp.WaitVisible(`.modal-ux input`, chromedp.ByQuery),
		chromedp.SendKeys(`.modal-ux input`, tokens.ID, chromedp.ByQuery),
		chromedp.Click(`.modal-ux .auth-btn-wrapper .authorize`, chromedp.ByQuery),
		chromedp.WaitVisible(`.modal-ux .auth-btn-wrapper .btn-done`, chromedp.ByQuery),
		chromedp.Click(`.modal-ux .auth-btn-wrapper .btn-done`, chromedp.ByQuery),
		chromedp.WaitNotPresent(`.modal-ux`, chromedp.ByQuery),
		chromedp.Click(op+` .opblock-summary-control`, chromedp.ByQuery),
		chromedp.WaitVisible(op+` .try-out__btn`, chromedp.ByQuery),
		chromedp.Click(op+` .try-out__btn`, chromedp.ByQuery),
		chromedp.WaitVisible(op+` .execute`, chromedp.ByQuery),
		chromedp.Click(op+` .execute`, chromedp.ByQuery),
		chromedp.WaitVisible(op+` .live-responses-table tbody .response-col_status`, chromedp.ByQuery),
		chromedp.Poll(`document.querySelector("`+op+` .live-responses-table tbody .response-col_status").innerText.trim() !== ""`, nil,
			chromedp.WithPollingTimeout(20*time.Second)),
		chromedp.Text(op+` .live-responses-table tbody .response-col_status`, &status, chromedp.ByQuery),
		chromedp.Text(op+` .live-responses-table tbody .response-col_description`, &body, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatalf("docs Authorize flow: %v", err)
	}
	if strings.TrimSpace(status) != "200" || !strings.Contains(body, sub) {
		t.Errorf("GET /api/me from the docs after Authorize = %q %q, want 200 with sub %s", status, body, sub)
	}
}
