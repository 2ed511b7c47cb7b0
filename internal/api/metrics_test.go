package api

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/r2r/r2r/internal/emf"
	"github.com/r2r/r2r/internal/emf/emftest"
	"github.com/r2r/r2r/internal/logtest"
)

func TestMetricsOneEMFLinePerRequest(t *testing.T) {
	var out logtest.Buffer
	e := emf.NewEmitter(&out, "r2r", MetricDimensions(), 64)
	h, _ := newTestServer(t, map[string]string{"STAGE": "prod"}, WithMetrics(e))
	requests := []struct {
		method, target string
		wantRoute      string
		wantClass      string
	}{
		{"GET", "/api/hello", "GET /api/hello", "2xx"},
		{"GET", "/api/hello?name=%3C", "GET /api/hello", "4xx"},
		{"GET", "/api/nope", "unmatched", "4xx"},
		{"DELETE", "/api/healthz", "unmatched", "4xx"},
	}
	var ids []string
	for _, r := range requests {
		w := serve(h, httptest.NewRequest(r.method, r.target, nil))
		ids = append(ids, w.Header().Get("X-Request-Id"))
	}
	e.Close()

	lines := bytes.Split(bytes.TrimSuffix([]byte(out.String()), []byte("\n")), []byte("\n"))
	if len(lines) != len(requests) {
		t.Fatalf("got %d EMF lines for %d requests:\n%s", len(lines), len(requests), out.String())
	}
	for i, line := range lines {
		values, err := emftest.Validate(line)
		if err != nil {
			t.Errorf("line %d is not valid EMF: %v\n%s", i, err, line)
			continue
		}
		var got map[string]any
		json.Unmarshal(line, &got)
		want := map[string]any{"Stage": "prod", "Route": requests[i].wantRoute, "StatusClass": requests[i].wantClass, "request_id": ids[i]}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s %s: %s = %v, want %v", requests[i].method, requests[i].target, k, got[k], v)
			}
		}
		wantMetrics := []string{"Latency", "Requests"}
		if i == 0 {
			wantMetrics = append(wantMetrics, "ColdStart") // the first request of the process only
		}
		var gotMetrics []string
		for name := range values {
			gotMetrics = append(gotMetrics, name)
		}
		if diff := cmp.Diff(wantMetrics, gotMetrics, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
			t.Errorf("%s %s metrics mismatch (-want +got):\n%s", requests[i].method, requests[i].target, diff)
		}
		if values["Requests"] != 1 || values["Latency"] < 0 {
			t.Errorf("%s %s values = %v, want Requests 1 and a latency", requests[i].method, requests[i].target, values)
		}
	}
}
