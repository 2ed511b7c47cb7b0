package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/r2r/r2r/apierror"
)

// TestGatewayResponsesAreAPIErrors: every error API Gateway answers itself
// has the body the API sends, apierror.Error, once API Gateway has filled
// in its variables.
func TestGatewayResponsesAreAPIErrors(t *testing.T) {
	const requestID = "c8a3e0a4-6b1e-4bd4-9b6a-6f4f1f1d2a3b"
	fill := strings.NewReplacer(
		"$context.error.messageString", `"Invalid request body"`, // API Gateway quotes it
		"$context.requestId", requestID,
	)
	resources, _ := prod(t).json["Resources"].(map[string]any)
	n := 0
	for id, r := range resources {
		r, _ := r.(map[string]any)
		if r["Type"] != "AWS::ApiGateway::GatewayResponse" {
			continue
		}
		n++
		props, _ := r["Properties"].(map[string]any)
		templates, _ := props["ResponseTemplates"].(map[string]any)
		tmpl, ok := templates["application/json"].(string)
		if !ok {
			t.Errorf("%s: no application/json template (%v)", id, templates)
			continue
		}
		dec := json.NewDecoder(bytes.NewReader([]byte(fill.Replace(tmpl))))
		dec.DisallowUnknownFields()
		var got apierror.Error
		if err := dec.Decode(&got); err != nil {
			t.Errorf("%s: template %s is not an apierror.Error: %v", id, tmpl, err)
			continue
		}
		want := apierror.Error{Detail: got.Detail, RequestID: requestID}
		if code, ok := props["StatusCode"].(string); ok {
			want.StatusCode = atoi(t, code)
		}
		if diff := cmp.Diff(want, got); diff != "" || got.Detail == "" {
			t.Errorf("%s: body mismatch (-want +got):\n%s(detail %q)", id, diff, got.Detail)
		}
	}
	if n != 8 {
		t.Errorf("%d gateway responses, want 8", n)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if err := json.Unmarshal([]byte(s), &n); err != nil {
		t.Fatalf("status %q: %v", s, err)
	}
	return n
}
