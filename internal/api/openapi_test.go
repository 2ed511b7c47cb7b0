package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/schema_validation"
)

// openAPIDocument fetches /api/openapi.json from the server and parses it.
func openAPIDocument(t *testing.T, h http.Handler) (libopenapi.Document, []byte) {
	t.Helper()
	w := serve(h, httptest.NewRequest("GET", "/api/openapi.json", nil))
	if w.Code != http.StatusOK {
		t.Fatalf("GET /api/openapi.json status = %d, want 200", w.Code)
	}
	spec := w.Body.Bytes()
	doc, err := libopenapi.NewDocument(spec)
	if err != nil {
		t.Fatalf("libopenapi.NewDocument: %v", err)
	}
	return doc, spec
}

func TestOpenAPIDocumentIsValid31(t *testing.T) {
	h, _ := newTestServer(t, nil)
	doc, _ := openAPIDocument(t, h)
	if v := doc.GetVersion(); v != "3.1.0" {
		t.Errorf("OpenAPI version = %q, want 3.1.0", v)
	}
	if ok, errs := schema_validation.ValidateOpenAPIDocument(doc); !ok {
		for _, e := range errs {
			t.Errorf("invalid OpenAPI 3.1: %s: %s", e.Message, e.Reason)
		}
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		t.Fatalf("BuildV3Model: %v", err)
	}

	item, ok := model.Model.Paths.PathItems.Get("/api/hello")
	if !ok || item.Get == nil {
		t.Fatal("no GET /api/hello in the document")
	}
	var name bool
	for _, p := range item.Get.Parameters {
		if p.Name != "name" {
			continue
		}
		name = true
		s := p.Schema.Schema()
		if p.In != "query" || s.MaxLength == nil || *s.MaxLength != 64 || s.MinLength == nil || *s.MinLength != 1 || s.Pattern == "" {
			t.Errorf("parameter name: in %q, schema %+v; want a query parameter of 1 to 64 characters with a pattern", p.In, s)
		}
	}
	if !name {
		t.Error("GET /api/hello does not document its name parameter")
	}
	for code, wantProp := range map[string]string{"200": "message", "422": "errors"} {
		resp, ok := item.Get.Responses.Codes.Get(code)
		if !ok {
			t.Errorf("GET /api/hello does not document a %s response", code)
			continue
		}
		mt, ok := resp.Content.Get("application/json")
		if !ok {
			t.Errorf("GET /api/hello %s response has no application/json content", code)
			continue
		}
		if _, ok := mt.Schema.Schema().Properties.Get(wantProp); !ok {
			t.Errorf("GET /api/hello %s response schema has no %q property", code, wantProp)
		}
	}
	if _, ok := model.Model.Paths.PathItems.Get("/api/healthz"); !ok {
		t.Error("no /api/healthz in the document")
	}
}

// The document must describe what the server really sends: each response is
// validated against it.
func TestResponsesMatchOpenAPIDocument(t *testing.T) {
	h, _ := newTestServer(t, nil)
	doc, _ := openAPIDocument(t, h)
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("validator.NewValidator: %v", errs)
	}
	for _, target := range []string{"/api/hello", "/api/hello?name=Ada", "/api/hello?name=%3Cx%3E", "/api/healthz"} {
		r := httptest.NewRequest("GET", target, nil)
		w := serve(h, r)
		res := w.Result()
		if ok, verrs := v.ValidateHttpResponse(r, res); !ok {
			var msgs []string
			for _, e := range verrs {
				msgs = append(msgs, e.Message+": "+e.Reason)
			}
			t.Errorf("GET %s (%d %s) does not match the document:\n%s", target, w.Code, w.Body.String(), strings.Join(msgs, "\n"))
		}
	}
}

// interval_ms is bounded, so one request holds a (streaming) function for
// at most a second: the bound is in the document and enforced with a 422.
func TestStreamIntervalIsBounded(t *testing.T) {
	h, _ := newTestServer(t, nil)
	doc, _ := openAPIDocument(t, h)
	model, err := doc.BuildV3Model()
	if err != nil {
		t.Fatalf("BuildV3Model: %v", err)
	}
	item, ok := model.Model.Paths.PathItems.Get("/api/hello/stream")
	if !ok || item.Get == nil {
		t.Fatal("no GET /api/hello/stream in the document")
	}
	var documented bool
	for _, p := range item.Get.Parameters {
		if p.Name == "interval_ms" {
			s := p.Schema.Schema()
			documented = s.Maximum != nil && *s.Maximum == maxStreamIntervalMS && s.Minimum != nil && *s.Minimum == 0
		}
	}
	if !documented {
		t.Errorf("interval_ms: want a query parameter documented with minimum 0 and maximum %d", maxStreamIntervalMS)
	}
	if _, ok := model.Model.Paths.PathItems.Get("/api/hello/stream"); ok && item.Get.Responses.Codes.GetOrZero("422") == nil {
		t.Errorf("GET /api/hello/stream documents no 422")
	}

	for _, v := range []string{"1001", "5000", "-1"} {
		w := serve(h, httptest.NewRequest("GET", "/api/hello/stream?interval_ms="+v, nil))
		if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), `"location":"query.interval_ms"`) {
			t.Errorf("GET /api/hello/stream?interval_ms=%s = %d %s, want 422 naming query.interval_ms", v, w.Code, w.Body.String())
		}
	}
}
