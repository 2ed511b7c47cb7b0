package lambdahttp_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/r2r/r2r/internal/lambdahttp"
	"github.com/r2r/r2r/internal/lambdahttp/lambdahttptest"
)

// ingressCase is one row of ingress-paths.json: a path a client sent and
// what an HTTP API delivered for it. REST, ALB and Function URL delivered
// sentPath itself.
type ingressCase struct {
	SentPath        string `json:"sentPath"`
	HTTPAPIPath     string `json:"httpAPIPath"`
	HTTPAPIRejected bool   `json:"httpAPIRejected"`
}

// TestIngressPaths replays every path encoding recorded live for every
// source: the handler must see what net/http would see for the path the
// client sent (or, for the HTTP API, the decoded path AWS delivered).
func TestIngressPaths(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(sharedEventsDir(t), "ingress-paths.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []ingressCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("ingress-paths.json has no cases")
	}
	for _, tc := range cases {
		c := lambdahttptest.Request{Method: "GET", Target: tc.SentPath, Header: [][2]string{{"Host", "api.example.com"}}}
		o := oracle(t, c)
		_, wantPattern := newRecorder().mux.Handler(o)
		wantName := ""
		if wantPattern == "GET /capture/{name}" {
			wantName, _ = url.PathUnescape(strings.TrimPrefix(o.URL.EscapedPath(), "/capture/"))
		}
		for _, src := range []struct {
			name  string
			event []byte
		}{
			{"apigw-v1", restAPI.EventV1(t, c)},
			{"alb-multivalue", targetGroup.EventALB(t, c, true)},
			{"alb-single", targetGroup.EventALB(t, c, false)},
			{"function-url", functionURL.EventFunctionURL(t, c)},
		} {
			t.Run(src.name+tc.SentPath, func(t *testing.T) {
				rec := newRecorder()
				invoke(t, lambdahttp.New(rec), src.event)
				got := rec.last
				if got.Path != o.URL.Path || got.RawPath != o.URL.RawPath || got.EscapedPath != o.URL.EscapedPath() {
					t.Errorf("URL (Path, RawPath, EscapedPath) = (%q, %q, %q), want (%q, %q, %q)",
						got.Path, got.RawPath, got.EscapedPath, o.URL.Path, o.URL.RawPath, o.URL.EscapedPath())
				}
				if got.Routed != wantPattern || got.Name != wantName {
					t.Errorf("routed to %q with name %q, want %q with name %q", got.Routed, got.Name, wantPattern, wantName)
				}
			})
		}
		if tc.HTTPAPIRejected {
			continue // the HTTP API answered 400 itself; Lambda never saw it
		}
		for _, stage := range []string{"$default", "live"} {
			t.Run("apigw-v2-"+stage+tc.SentPath, func(t *testing.T) {
				rec := newRecorder()
				invoke(t, lambdahttp.New(rec), atStage(stage).EventV2Path(t, c, tc.HTTPAPIPath))
				got := rec.last
				// What AWS decoded is the path; net/http escapes it again.
				wantEscaped := (&url.URL{Path: tc.HTTPAPIPath}).EscapedPath()
				if got.Path != tc.HTTPAPIPath || got.EscapedPath != wantEscaped {
					t.Errorf("URL (Path, EscapedPath) = (%q, %q), want (%q, %q)", got.Path, got.EscapedPath, tc.HTTPAPIPath, wantEscaped)
				}
				name, ok := strings.CutPrefix(tc.HTTPAPIPath, "/capture/")
				if ok && !strings.Contains(name, "/") {
					if got.Name != name {
						t.Errorf("PathValue(name) = %q, want %q", got.Name, name)
					}
				} else if got.Routed == "GET /capture/{name}" {
					t.Errorf("routed %q to GET /capture/{name}, want the catch-all", tc.HTTPAPIPath)
				}
			})
		}
	}
}

// TestMuxWildcardWithEncodedSlash is the case users hit first: an id with
// a "/" in it, sent as %2F, must reach GET /capture/{name} whole.
func TestMuxWildcardWithEncodedSlash(t *testing.T) {
	c := lambdahttptest.Request{Method: "GET", Target: "/capture/a%2Fb", Header: [][2]string{{"Host", "x"}}}
	for _, src := range sources {
		if src.decodesPath {
			continue // AWS has already turned %2F into "/"
		}
		t.Run(src.name, func(t *testing.T) {
			rec := newRecorder()
			invoke(t, lambdahttp.New(rec), src.build(t, c))
			if rec.last.Routed != "GET /capture/{name}" || rec.last.Name != "a/b" {
				t.Errorf("GET /capture/a%%2Fb routed to %q with PathValue(name) = %q, want GET /capture/{name} with \"a/b\"", rec.last.Routed, rec.last.Name)
			}
		})
	}
}

func TestBasePathAndStage(t *testing.T) {
	c := func(target string) lambdahttptest.Request {
		return lambdahttptest.Request{Method: "GET", Target: target, Header: [][2]string{{"Host", "api.example.com"}}}
	}
	tests := []struct {
		name     string
		event    func(*testing.T) []byte
		basePath string
		wantPath string
	}{
		{"v1 base path", func(t *testing.T) []byte { return restAPI.EventV1(t, c("/v1/capture/x")) }, "/v1", "/capture/x"},
		{"v1 base path with trailing slash option", func(t *testing.T) []byte { return restAPI.EventV1(t, c("/v1/capture/x")) }, "v1/", "/capture/x"},
		{"v1 base path only", func(t *testing.T) []byte { return restAPI.EventV1(t, c("/v1")) }, "/v1", "/"},
		{"v1 outside base path is untouched", func(t *testing.T) []byte { return restAPI.EventV1(t, c("/v10/x")) }, "/v1", "/v10/x"},
		{"v1 no base path", func(t *testing.T) []byte { return restAPI.EventV1(t, c("/v1/capture/x")) }, "", "/v1/capture/x"},
		{"v2 named stage stripped", func(t *testing.T) []byte { return atStage("prod").EventV2(t, c("/capture/x")) }, "", "/capture/x"},
		{"v2 named stage root", func(t *testing.T) []byte { return atStage("prod").EventV2Path(t, c("/"), "") }, "", "/"},
		{"v2 $default stage", func(t *testing.T) []byte { return httpAPI.EventV2(t, c("/prod/x")) }, "", "/prod/x"},
		{"v2 stage and base path", func(t *testing.T) []byte { return atStage("prod").EventV2(t, c("/v1/capture/x")) }, "/v1", "/capture/x"},
		{"alb base path", func(t *testing.T) []byte { return targetGroup.EventALB(t, c("/v1/capture/a%2Fb"), true) }, "/v1", "/capture/a/b"},
		{"function url base path", func(t *testing.T) []byte { return functionURL.EventFunctionURL(t, c("/v1/capture/x")) }, "/v1", "/capture/x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder()
			invoke(t, lambdahttp.New(rec, lambdahttp.WithBasePath(tc.basePath)), tc.event(t))
			if rec.last.Path != tc.wantPath {
				t.Errorf("URL.Path = %q, want %q", rec.last.Path, tc.wantPath)
			}
		})
	}
}

// TestStripBasePathMatchesWithBasePath: a net/http server serving through
// StripBasePath hands the handler the path the adapter with WithBasePath
// does, for paths inside and outside the base path.
func TestStripBasePathMatchesWithBasePath(t *testing.T) {
	var seen string
	record := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = r.URL.Path + " " + r.URL.EscapedPath() })
	for _, base := range []string{"/v1", "v1/", "/a b"} {
		adapter := lambdahttp.New(record, lambdahttp.WithBasePath(base))
		srv := httptest.NewServer(lambdahttp.StripBasePath(base, record))
		for _, target := range []string{"/v1", "/v1/", "/v1/items/42", "/v10/items", "/items", "/a%20b/x%2Fy", "/a%20bc"} {
			seen = ""
			invoke(t, adapter, restAPI.EventV1(t, lambdahttptest.Request{Method: "GET", Target: target}))
			want := seen
			seen = ""
			res, err := http.Get(srv.URL + target)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if seen != want {
				t.Errorf("base %q, GET %s: handler saw %q through StripBasePath, %q through WithBasePath", base, target, seen, want)
			}
		}
		srv.Close()
	}
}
