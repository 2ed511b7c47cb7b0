package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// loadEvent decodes a REST API (payload 1.0) event from a JSON file.
func loadEvent(t *testing.T, path string) events.APIGatewayProxyRequest {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var req events.APIGatewayProxyRequest
	if err := json.Unmarshal(b, &req); err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	return req
}

// lambdaGoTestdata returns aws-lambda-go's events/testdata directory in the module cache.
func lambdaGoTestdata(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/aws/aws-lambda-go").Output()
	if err != nil {
		t.Fatalf("locate aws-lambda-go: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "events", "testdata")
}

func newTestHandler(t *testing.T, env map[string]string) handler {
	t.Helper()
	h, err := newHandler(func(k string) string { return env[k] }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("newHandler(%v): %v", env, err)
	}
	return h
}

// assertJSON compares a JSON body with want by meaning, not bytes.
func assertJSON(t *testing.T, body string, want map[string]any) {
	t.Helper()
	var got map[string]any
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("body %q is not JSON: %v", body, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("body = %v, want %v", got, want)
	}
}

// cognitoRequestID is the request id of testdata/apigw-request-cognito.json.
const cognitoRequestID = "c0ffee00-1111-4222-8333-944455556666"

// unauthorized is the body of the 401 for the request requestID, the same
// as the API's errors.
func unauthorized(requestID string) map[string]any {
	return map[string]any{"detail": "Unauthorized", "status_code": float64(401), "request_id": requestID}
}

func TestHello(t *testing.T) {
	cognito := func(t *testing.T) events.APIGatewayProxyRequest {
		return loadEvent(t, filepath.Join("testdata", "apigw-request-cognito.json"))
	}
	// withClaims is the cognito event with its authorizer's claims changed by edit.
	withClaims := func(edit func(claims map[string]any)) func(*testing.T) events.APIGatewayProxyRequest {
		return func(t *testing.T) events.APIGatewayProxyRequest {
			req := cognito(t)
			edit(req.RequestContext.Authorizer["claims"].(map[string]any))
			return req
		}
	}
	tests := []struct {
		name      string
		event     func(t *testing.T) events.APIGatewayProxyRequest
		wantCode  int
		wantBody  map[string]any
		requestID string
	}{
		{
			name:      "cognito username claim",
			event:     cognito,
			wantCode:  200,
			wantBody:  map[string]any{"message": "Hello alice"},
			requestID: cognitoRequestID,
		},
		{
			name:      "email claim when no username",
			event:     withClaims(func(c map[string]any) { delete(c, "cognito:username") }),
			wantCode:  200,
			wantBody:  map[string]any{"message": "Hello alice@example.com"},
			requestID: cognitoRequestID,
		},
		{
			// Pools that sign in by e-mail make the username the opaque sub.
			name:      "email claim when username is the sub",
			event:     withClaims(func(c map[string]any) { c["cognito:username"] = c["sub"] }),
			wantCode:  200,
			wantBody:  map[string]any{"message": "Hello alice@example.com"},
			requestID: cognitoRequestID,
		},
		{
			// aws-lambda-go's sample has a custom-authorizer context but no Cognito claims.
			name: "aws-lambda-go apigw-request.json without claims",
			event: func(t *testing.T) events.APIGatewayProxyRequest {
				return loadEvent(t, filepath.Join(lambdaGoTestdata(t), "apigw-request.json"))
			},
			wantCode:  401,
			wantBody:  unauthorized("deef4878-7910-11e6-8f14-25afc3e9ae33"),
			requestID: "deef4878-7910-11e6-8f14-25afc3e9ae33",
		},
		{
			// Identity claimed in headers must never be trusted.
			name: "claims only in headers",
			event: func(t *testing.T) events.APIGatewayProxyRequest {
				req := cognito(t)
				req.RequestContext.Authorizer = nil
				req.Headers["cognito:username"] = "mallory"
				req.Headers["email"] = "mallory@example.com"
				req.MultiValueHeaders["cognito:username"] = []string{"mallory"}
				return req
			},
			wantCode:  401,
			wantBody:  unauthorized(cognitoRequestID),
			requestID: cognitoRequestID,
		},
		{
			name: "blank claims",
			event: withClaims(func(c map[string]any) {
				clear(c)
				c["cognito:username"], c["email"] = "  ", ""
			}),
			wantCode:  401,
			wantBody:  unauthorized(cognitoRequestID),
			requestID: cognitoRequestID,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newTestHandler(t, nil)
			ev := tt.event(t)
			resp, err := h(context.Background(), ev)
			if err != nil {
				t.Fatalf("handler error: %v", err)
			}
			if resp.StatusCode != tt.wantCode {
				t.Errorf("StatusCode = %d, want %d", resp.StatusCode, tt.wantCode)
			}
			assertJSON(t, resp.Body, tt.wantBody)
			wantHeaders := map[string]string{
				"Content-Type":           "application/json",
				"X-Content-Type-Options": "nosniff",
				"Cache-Control":          "no-store",
				"X-Request-Id":           tt.requestID,
			}
			if header(ev, "Origin") != "" { // CORS headers answer a browser's Origin, as the API's do
				wantHeaders["Access-Control-Allow-Origin"] = "*"
			}
			if !reflect.DeepEqual(resp.Headers, wantHeaders) {
				t.Errorf("Headers = %v, want %v", resp.Headers, wantHeaders)
			}
			if resp.IsBase64Encoded {
				t.Error("IsBase64Encoded = true, want false for a JSON body")
			}
		})
	}
}

// TestHelloLiveCapture runs a REST API event captured from AWS (no authorizer on
// that route) through the handler: it must be refused, not greeted.
func TestHelloLiveCapture(t *testing.T) {
	// Copied from the live captures of internal/lambdahttp/testdata/aws-events.
	req := loadEvent(t, filepath.Join("testdata", "aws-apigwv1-request.json"))
	resp, err := newTestHandler(t, nil)(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 401 {
		t.Errorf("StatusCode = %d, want 401", resp.StatusCode)
	}
	assertJSON(t, resp.Body, unauthorized(req.RequestContext.RequestID))
}

func TestHelloCORS(t *testing.T) {
	env := map[string]string{"ALLOW_ORIGINS": "https://app.example.com, https://admin.example.com"}
	tests := []struct {
		origin    string
		wantAllow string
	}{
		{origin: "https://app.example.com", wantAllow: "https://app.example.com"},
		{origin: "https://admin.example.com", wantAllow: "https://admin.example.com"},
		{origin: "https://evil.example", wantAllow: ""},
		{origin: "", wantAllow: ""},
	}
	for _, tt := range tests {
		t.Run(tt.origin, func(t *testing.T) {
			req := loadEvent(t, filepath.Join("testdata", "apigw-request-cognito.json"))
			delete(req.Headers, "Origin")
			req.MultiValueHeaders = nil
			if tt.origin != "" {
				req.Headers["origin"] = tt.origin // header names arrive in any case
			}
			resp, err := newTestHandler(t, env)(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if got := resp.Headers["Access-Control-Allow-Origin"]; got != tt.wantAllow {
				t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, tt.wantAllow)
			}
			// The answer depends on Origin, so caches must key on it.
			if got := resp.Headers["Vary"]; got != "Origin" {
				t.Errorf("Vary = %q, want %q", got, "Origin")
			}
		})
	}
}

func TestNewHandlerRejectsBadOrigins(t *testing.T) {
	for _, v := range []string{"app.example.com", "https://app.example.com/path", "ftp://x.example", "https://", "*,nope", "*,https://app.example.com"} {
		t.Run(v, func(t *testing.T) {
			_, err := newHandler(func(string) string { return v }, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err == nil || !strings.Contains(err.Error(), "ALLOW_ORIGINS") {
				t.Errorf("newHandler(ALLOW_ORIGINS=%q) error = %v, want one naming ALLOW_ORIGINS", v, err)
			}
		})
	}
}
