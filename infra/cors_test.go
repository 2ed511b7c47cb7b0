package main

import (
	"testing"
)

func TestCORSPreflight(t *testing.T) {
	// GIVEN the stack with the default origins ["*"]
	s := prod(t)
	// WHEN a browser sends a preflight to any routed path
	// THEN an unauthenticated mock answers with the methods and headers the API allows
	for _, path := range []string{"/api", "/api/{proxy+}", "/api/hello", "/api/hello/stream", "/hello"} {
		t.Run(path, func(t *testing.T) {
			m := s.method(t, path, "OPTIONS")
			assertEqual(t, "AuthorizationType", m["AuthorizationType"], "NONE")
			integration := m["Integration"].(map[string]any)
			assertEqual(t, "Integration.Type", integration["Type"], "MOCK")
			params := integration["IntegrationResponses"].([]any)[0].(map[string]any)["ResponseParameters"]
			assertEqual(t, "preflight headers", params, map[string]any{
				"method.response.header.Access-Control-Allow-Origin":  "'*'",
				"method.response.header.Access-Control-Allow-Methods": "'GET,POST,PUT,DELETE,OPTIONS'",
				"method.response.header.Access-Control-Allow-Headers": "'Content-Type,Authorization'",
			})
		})
	}
}

// TestBinaryMediaTypesKeepPreflight proves the binary choice: "*/*" lets API
// Gateway decode every base64 body the Go adapter returns, and every mock
// OPTIONS integration converts to text so the preflight still answers.
func TestBinaryMediaTypesKeepPreflight(t *testing.T) {
	s := prod(t)
	_, api := s.one(t, "AWS::ApiGateway::RestApi", map[string]any{"Name": "R2R API"})
	assertEqual(t, "BinaryMediaTypes", props(api)["BinaryMediaTypes"], []any{"*/*"})
	var options int
	for id, m := range s.resources("AWS::ApiGateway::Method") {
		p := props(m)
		if p["HttpMethod"] != "OPTIONS" {
			continue
		}
		options++
		if got := p["Integration"].(map[string]any)["ContentHandling"]; got != "CONVERT_TO_TEXT" {
			t.Errorf("%s Integration.ContentHandling = %v, want CONVERT_TO_TEXT (else */* breaks the mock preflight)", id, got)
		}
	}
	if options < 6 { // /, /hello, /api, /api/{proxy+}, /api/hello, /api/hello/stream
		t.Errorf("OPTIONS methods = %d, want at least 6", options)
	}
}
