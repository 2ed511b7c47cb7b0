package api

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestOutboundClientPropagatesTrace(t *testing.T) {
	var got []string
	downstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Get("X-Amzn-Trace-Id"))
	}))
	defer downstream.Close()
	client := NewHTTPClient(nil, 5*time.Second)

	const trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
	h, _ := newTestServer(t, nil,
		WithPlatformInfo(func(r *http.Request) PlatformInfo { return PlatformInfo{TraceID: r.Header.Get("X-Test-Trace")} }),
		withRoutes(func(mux *http.ServeMux) {
			mux.HandleFunc("GET /api/call", func(w http.ResponseWriter, r *http.Request) {
				out, _ := http.NewRequestWithContext(r.Context(), "GET", downstream.URL, nil)
				res, err := client.Do(out)
				if err != nil {
					t.Errorf("outbound call: %v", err)
					return
				}
				res.Body.Close()
				if out.Header.Get("X-Amzn-Trace-Id") != "" {
					t.Errorf("the client changed the caller's request headers")
				}
			})
		}))

	r := httptest.NewRequest("GET", "/api/call", nil)
	r.Header.Set("X-Test-Trace", trace)
	serve(h, r)
	serve(h, httptest.NewRequest("GET", "/api/call", nil)) // no trace: no header

	if len(got) != 2 || got[0] != trace || got[1] != "" {
		t.Errorf("downstream saw X-Amzn-Trace-Id %q, want [%q, \"\"]", got, trace)
	}
}
