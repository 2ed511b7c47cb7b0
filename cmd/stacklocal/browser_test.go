package main

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/r2r/r2r/internal/browsertest"
)

// appPage calls the local stack from another origin, as a browser app does:
// /api/hello without a token, then /hello with the ID token (a preflighted
// request, for its Authorization header); the outcome goes to the title.
const appPage = `const base = %q, token = %q;
fetch(base + "/api/hello").then(r => r.json()).then(a =>
  fetch(base + "/hello", {headers: {"Authorization": token}}).then(r => r.json()).then(h => {
    document.title = "ok:" + a.message + "|" + h.message;
  })
).catch(e => { document.title = "blocked:" + e });`

// browserTest drives the stack s from headless Chromium.
func browserTest(t *testing.T, s *stack, idToken string) {
	ctx := browsertest.New(t, 90*time.Second)
	page := browsertest.ScriptPage(t, func(*http.Request) string {
		return fmt.Sprintf(appPage, s.base, idToken)
	})
	requests := browsertest.Record(t, ctx)
	title, err := browsertest.Title(ctx, page.URL)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	if want := "ok:Hello World|Hello alice@example.com"; title != want {
		t.Errorf("page on %s: title = %q, want %q", page.URL, title, want)
	}

	// The docs page under the stage prefix loads its document from there.
	heading, err := browsertest.DocsOperationPath(ctx, s.base+"/api/docs", "hello", "hello")
	if err != nil {
		t.Fatalf("docs page did not render the hello operation: %v", err)
	}
	spec := browsertest.Request{Method: "GET", URL: s.base + "/api/openapi.json"}
	if sent := requests.Sent(); !slices.Contains(sent, spec) {
		t.Errorf("the docs page requested %v, want GET %s/api/openapi.json among them", sent, s.base)
	}
	if !strings.Contains(heading, "/api/hello") {
		t.Errorf("hello operation heading = %q, want /api/hello", heading)
	}
}
