package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/r2r/r2r/internal/api"
	"github.com/r2r/r2r/internal/lambdahttp"
	"github.com/r2r/r2r/internal/lambdahttp/lambdahttptest"
)

// lambdaHandler is what serveLambda starts, as a buffered lambdahttp.Handler
// whose log lines go to logs.
func lambdaHandler(t *testing.T, env map[string]string, logs io.Writer) *lambdahttp.Handler {
	t.Helper()
	cfg, err := api.LoadConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewJSONHandler(logs, nil))
	h := api.NewServer(cfg, logger, append(buildOptions(), lambdaAPIOptions()...)...)
	return lambdahttp.New(h, lambdaOptions(cfg, logger)...)
}

// withHeader returns the event with the request header name set to value, in
// each header map the event has.
func withHeader(t *testing.T, ev []byte, name, value string) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(ev, &m); err != nil {
		t.Fatal(err)
	}
	if h, ok := m["headers"].(map[string]any); ok {
		h[name] = value
	}
	if h, ok := m["multiValueHeaders"].(map[string]any); ok {
		h[name] = []string{value}
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// On Lambda the request id is the platform's: API Gateway's requestId, else
// (ALB, Function URLs) the invocation's. A caller's X-Request-Id never
// replaces it, or a client could make its requests look like others' in the
// logs; it is logged beside it as client_request_id.
func TestLambdaRequestIDIsThePlatforms(t *testing.T) {
	const lambdaID = "8476a536-e9f4-11e8-9739-2dfe598c3fcd"
	const callerID = "caller-chosen-id"
	tests := []struct {
		event  string
		wantID string
	}{
		{"apigw-v1-request-hello.json", "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"},
		{"apigw-v2-request-hello.json", "LV7fzho-PHcEJPw="},
		{"alb-request-hello.json", lambdaID},
		{"lambda-urls-request-hello.json", lambdaID},
	}
	for _, tt := range tests {
		t.Run(tt.event, func(t *testing.T) {
			logs := newLineWriter()
			h := lambdaHandler(t, nil, logs)
			ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: lambdaID})
			raw, err := h.Invoke(ctx, withHeader(t, event(t, tt.event), "X-Request-Id", callerID))
			if err != nil {
				t.Fatal(err)
			}
			var resp lambdahttptest.Response
			if err := json.Unmarshal(raw, &resp); err != nil {
				t.Fatal(err)
			}
			if got := resp.Header().Get("X-Request-Id"); got != tt.wantID {
				t.Errorf("X-Request-Id = %q, want the platform's %q", got, tt.wantID)
			}
			access := logs.waitFor(t, "request")
			if access["request_id"] != tt.wantID || access["client_request_id"] != callerID || access["lambda_request_id"] != lambdaID {
				t.Errorf("access log request_id, client_request_id, lambda_request_id = %v, %v, %v; want %q, %q, %q",
					access["request_id"], access["client_request_id"], access["lambda_request_id"], tt.wantID, callerID, lambdaID)
			}
		})
	}
}

// A query that is not valid URL encoding is refused through the adapter as
// it is locally: the HTTP API and Function URLs pass rawQueryString verbatim.
func TestLambdaRefusesBadQueryEncoding(t *testing.T) {
	for _, name := range []string{"apigw-v2-request-hello.json", "lambda-urls-request-hello.json"} {
		t.Run(name, func(t *testing.T) {
			var m map[string]any
			if err := json.Unmarshal(event(t, name), &m); err != nil {
				t.Fatal(err)
			}
			m["rawQueryString"] = "name=%ZZ"
			ev, _ := json.Marshal(m)
			h := lambdaHandler(t, nil, newLineWriter())
			raw, err := h.Invoke(context.Background(), ev)
			if err != nil {
				t.Fatal(err)
			}
			var resp lambdahttptest.Response
			if err := json.Unmarshal(raw, &resp); err != nil {
				t.Fatal(err)
			}
			body := jsonBody(t, resp)
			errs, _ := body["errors"].([]any)
			if resp.StatusCode != 422 || len(errs) != 1 || !strings.Contains(resp.Body, `"location":"query.name"`) {
				t.Errorf("?name=%%ZZ = %d %s, want 422 with one error at query.name", resp.StatusCode, resp.Body)
			}
		})
	}
}
