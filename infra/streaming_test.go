package main

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/r2r/r2r/weborigin"
)

func TestAPIStreamFunction(t *testing.T) {
	// GIVEN the stack
	s := prod(t)
	// WHEN comparing the streaming function with the API function
	_, api := s.function(t, "r2r API (")
	_, stream := s.function(t, "r2r streaming API")
	// THEN it runs the same image, sized, traced and logged alike ...
	for _, k := range []string{"Code", "PackageType", "Architectures", "MemorySize", "TracingConfig"} {
		assertEqual(t, "stream function "+k, stream[k], api[k])
	}
	logging := stream["LoggingConfig"].(map[string]any)
	assertEqual(t, "LogFormat", logging["LogFormat"], "JSON")
	assertEqual(t, "ApplicationLogLevel", logging["ApplicationLogLevel"], "INFO")
	// ... with the API's environment plus stream mode, and a streaming timeout
	want := map[string]any{}
	for k, v := range api["Environment"].(map[string]any)["Variables"].(map[string]any) {
		want[k] = v
	}
	want["LAMBDA_RESPONSE_MODE"] = "stream"
	assertEqual(t, "stream function env", stream["Environment"], map[string]any{"Variables": want})
	assertEqual(t, "stream function Timeout", stream["Timeout"], float64(300))
	// The image is built once for both.
	if n := len(readAssetManifest(t, s).DockerImages); n != 1 {
		t.Errorf("docker image assets = %d, want 1", n)
	}
}

func TestStreamingIntegration(t *testing.T) {
	// GIVEN the stack
	s := prod(t)
	streamFn, _ := s.function(t, "r2r streaming API")
	streamLive, _ := s.one(t, "AWS::Lambda::Alias", map[string]any{"Name": "live", "FunctionName": ref(streamFn)})
	// WHEN a client calls GET /api/hello/stream
	m := s.method(t, "/api/hello/stream", "GET")
	integration := m["Integration"].(map[string]any)
	// THEN API Gateway streams the response of InvokeWithResponseStream on the alias
	assertEqual(t, "Integration.Type", integration["Type"], "AWS_PROXY")
	assertEqual(t, "Integration.ResponseTransferMode", integration["ResponseTransferMode"], "STREAM")
	uri, _ := json.Marshal(integration["Uri"])
	for _, want := range []string{`:lambda:path/2021-11-15/functions/",{"Ref":"` + streamLive + `"},"/response-streaming-invocations"`} {
		if !strings.Contains(string(uri), want) {
			t.Errorf("Integration.Uri = %s, want it to contain %s", uri, want)
		}
	}
	// ... for as long as the function may run (API Gateway allows 15 minutes when streaming)
	assertEqual(t, "Integration.TimeoutInMillis", integration["TimeoutInMillis"], float64(300_000))
	// ... and may invoke the alias from this method only (lambda:InvokeFunction
	// covers InvokeWithResponseStream).
	_, perm := s.one(t, "AWS::Lambda::Permission", map[string]any{"FunctionName": ref(streamLive)})
	assertEqual(t, "permission Action", props(perm)["Action"], "lambda:InvokeFunction")
	assertEqual(t, "permission Principal", props(perm)["Principal"], "apigateway.amazonaws.com")
	if src, _ := json.Marshal(props(perm)["SourceArn"]); !strings.HasSuffix(string(src), `"/GET/api/hello/stream"]]}`) {
		t.Errorf("permission SourceArn = %s, want the GET /api/hello/stream method", src)
	}
	// The buffered routes keep the classic invocation.
	buffered, _ := json.Marshal(s.method(t, "/api/{proxy+}", "ANY")["Integration"])
	if strings.Contains(string(buffered), "STREAM") || !strings.Contains(string(buffered), "2015-03-31/functions/") {
		t.Errorf("/api/{proxy+} integration = %s, want a buffered Invoke", buffered)
	}
}

func TestStreamFunctionURL(t *testing.T) {
	for _, tt := range []struct {
		name    string
		s       func(*testing.T) *synthesized
		auth    string
		origins []any
		public  bool
	}{
		{"prod (default AWS_IAM)", prod, "AWS_IAM", []any{"*"}, false},
		{"staging with streamUrlAuth=NONE", staging, "NONE", []any{"https://app.example.com"}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// GIVEN the stage's stack
			s := tt.s(t)
			streamFn, _ := s.function(t, "r2r streaming API")
			// WHEN looking at the Function URL
			urlID, url := s.one(t, "AWS::Lambda::Url", map[string]any{})
			p := props(url)
			// THEN it streams from the live alias with the configured auth
			assertEqual(t, "InvokeMode", p["InvokeMode"], "RESPONSE_STREAM")
			assertEqual(t, "AuthType", p["AuthType"], tt.auth)
			assertEqual(t, "Qualifier", p["Qualifier"], "live")
			assertEqual(t, "TargetFunctionArn", p["TargetFunctionArn"], map[string]any{"Fn::GetAtt": []any{streamFn, "Arn"}})
			if _, ok := url["DependsOn"]; !ok {
				// The alias must exist before a URL can be qualified with it.
				t.Errorf("Function URL DependsOn = nil, want the live alias")
			}
			// ... and the API's CORS rules
			cors := p["Cors"].(map[string]any)
			assertEqual(t, "Cors.AllowOrigins", cors["AllowOrigins"], tt.origins)
			assertEqual(t, "Cors.AllowMethods", cors["AllowMethods"], []any{"GET", "POST", "PUT", "DELETE"})
			headers := cors["AllowHeaders"].([]any)
			for _, h := range weborigin.AllowHeaders() {
				if !strings.Contains(describe(headers), `"`+h+`"`) {
					t.Errorf("Cors.AllowHeaders = %v, want %s", headers, h)
				}
			}
			// Only a public URL gets permissions for everyone, limited to URL
			// calls: since October 2025 a new URL needs both InvokeFunctionUrl
			// and InvokeFunction.
			var public []string
			for _, perm := range s.resources("AWS::Lambda::Permission") {
				p := props(perm)
				if p["Principal"] != "*" {
					continue
				}
				public = append(public, p["Action"].(string))
				switch p["Action"] {
				case "lambda:InvokeFunctionUrl":
					assertEqual(t, "FunctionUrlAuthType", p["FunctionUrlAuthType"], "NONE")
				case "lambda:InvokeFunction":
					assertEqual(t, "InvokedViaFunctionUrl", p["InvokedViaFunctionUrl"], true)
				}
			}
			sort.Strings(public)
			want := []string(nil)
			if tt.public {
				want = []string{"lambda:InvokeFunction", "lambda:InvokeFunctionUrl"}
			}
			assertEqual(t, "public permissions", public, want)
			// The URL is an output.
			out, _ := json.Marshal(s.json["Outputs"].(map[string]any)["StreamFunctionUrl"])
			if !strings.Contains(string(out), urlID) {
				t.Errorf("output StreamFunctionUrl = %s, want %s's URL", out, urlID)
			}
		})
	}
}

// TestStreamFunctionURLIsOptional: without the Function URL the stream is
// still served through API Gateway, and no output points at a missing URL.
func TestStreamFunctionURLIsOptional(t *testing.T) {
	s := noURLConfig.synth(t)
	if n := len(s.resources("AWS::Lambda::Url")); n != 0 {
		t.Errorf("Function URLs = %d, want 0", n)
	}
	if _, ok := s.json["Outputs"].(map[string]any)["StreamFunctionUrl"]; ok {
		t.Error("output StreamFunctionUrl exists without a Function URL")
	}
	m := s.method(t, "/api/hello/stream", "GET")
	assertEqual(t, "stream integration mode", m["Integration"].(map[string]any)["ResponseTransferMode"], "STREAM")
}
