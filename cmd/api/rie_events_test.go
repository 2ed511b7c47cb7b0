package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/r2r/r2r/internal/rie"
	"github.com/r2r/r2r/internal/rie/rietest"
)

// TestRIE serves every kind of event the function can get through the
// emulator, one at a time, from one process started by the first of them.
func TestRIE(t *testing.T) {
	rietest.RIE(t) // skip before building when there is no emulator
	bootstrap := goBuild(t, t.TempDir(), "-tags", "r2rtest")
	e := rietest.Start(t, rie.Config{
		Command: []string{bootstrap},
		Env: []string{
			"AWS_LAMBDA_FUNCTION_TIMEOUT=10",
			"STAGE=test",
			"LOG_LEVEL=info",
			"CORS_ALLOW_ORIGINS=https://app.example.com",
		},
	})
	wantHello := map[string]any{"message": "Hello World"}

	hello := []struct {
		name, event string
		// requestID: X-Request-Id is the event's requestContext.requestId
		// (API Gateway's), else the invocation's.
		requestID bool
		// shape: the response keys only this source has, and those it must not.
		has, hasNot []string
	}{
		{"REST", "apigw-v1-request-hello.json", true, []string{"multiValueHeaders"}, []string{"statusDescription", "cookies"}},
		{"HTTP API", "apigw-v2-request-hello.json", true, []string{"headers"}, []string{"multiValueHeaders", "statusDescription"}},
		{"ALB", "alb-request-hello.json", false, []string{"headers", "statusDescription"}, []string{"multiValueHeaders", "cookies"}},
		{"Function URL", "lambda-urls-request-hello.json", false, []string{"headers"}, []string{"multiValueHeaders", "statusDescription"}},
	}
	for _, tt := range hello {
		t.Run("hello/"+tt.name, func(t *testing.T) {
			lambdaID := rie.NewRequestID()
			resp, raw := invoke(t, e, tt.event, lambdaID)
			if resp.StatusCode != 200 {
				t.Fatalf("status = %d, want 200; response %s", resp.StatusCode, raw)
			}
			if diff := cmp.Diff(wantHello, jsonBody(t, resp)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			var keys map[string]json.RawMessage
			json.Unmarshal(raw, &keys)
			for _, k := range tt.has {
				if _, ok := keys[k]; !ok {
					t.Errorf("response has no %q, want the %s shape: %s", k, tt.name, raw)
				}
			}
			for _, k := range tt.hasNot {
				if _, ok := keys[k]; ok {
					t.Errorf("response has %q, not part of the %s shape: %s", k, tt.name, raw)
				}
			}
			if ct := resp.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
			gotID := resp.Header().Get("X-Request-Id")
			if tt.requestID {
				if want := eventRequestID(t, event(t, tt.event)); gotID != want {
					t.Errorf("X-Request-Id = %q, want the event's requestId %q", gotID, want)
				}
			} else if gotID != lambdaID {
				t.Errorf("X-Request-Id = %q, want the invocation's id %q", gotID, lambdaID)
			}

			// The request's log line carries both ids, so a CloudWatch search
			// by either finds it.
			line := waitLogLine(t, e, lambdaID)
			if line["request_id"] != gotID {
				t.Errorf("log line request_id = %v, want %q: %v", line["request_id"], gotID, line)
			}
			if line["path"] != "/api/hello" || line["status"] != float64(200) {
				t.Errorf("log line = %v, want path /api/hello, status 200", line)
			}
		})
	}

	t.Run("not found", func(t *testing.T) {
		invokeError(t, e, "apigw-v1-request-not-found.json", 404)
	})

	t.Run("CORS preflight", func(t *testing.T) {
		resp, raw := invoke(t, e, "apigw-v1-request-preflight.json", rie.NewRequestID())
		if resp.StatusCode != 204 {
			t.Fatalf("status = %d, want 204; response %s", resp.StatusCode, raw)
		}
		if got := resp.Header().Get("Access-Control-Allow-Origin"); got != "https://app.example.com" {
			t.Errorf("Access-Control-Allow-Origin = %q, want the allowed origin", got)
		}
		if got := resp.Header().Get("Access-Control-Allow-Methods"); !strings.Contains(got, "GET") {
			t.Errorf("Access-Control-Allow-Methods = %q, want GET among them", got)
		}
	})

	// A panic is a 500 for that request only: the same process, started by
	// the first invocation, serves the next one (no second INIT).
	t.Run("panic", func(t *testing.T) {
		pids := e.RuntimePIDs()
		raw := invokeError(t, e, "apigw-v1-request-panic.json", 500)
		if strings.Contains(string(raw), "deliberate") {
			t.Errorf("response leaks the panic value: %s", raw)
		}
		assertSameProcess(t, e, pids)
	})

	// An event that is no HTTP request is the invocation's error, returned
	// to the runtime, and the process goes on serving.
	t.Run("foreign event", func(t *testing.T) {
		pids := e.RuntimePIDs()
		raw, err := e.Invoke(context.Background(), event(t, "sqs-event.json"))
		if err != nil {
			t.Fatal(err)
		}
		var fnErr struct {
			ErrorMessage string `json:"errorMessage"`
			ErrorType    string `json:"errorType"`
		}
		if err := json.Unmarshal(raw, &fnErr); err != nil || !strings.Contains(fnErr.ErrorMessage, "unsupported event") {
			t.Errorf("SQS event: payload %s, want an error payload naming an unsupported event", raw)
		}
		if strings.Contains(string(raw), "statusCode") {
			t.Errorf("SQS event served as an HTTP request: %s", raw)
		}
		assertSameProcess(t, e, pids)
	})
}
