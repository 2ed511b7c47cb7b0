package lambdahttptest_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/r2r/r2r/internal/lambdahttp/lambdahttptest"
)

// captured is the request behind the live captures in
// ../testdata/aws-events, with the header names as the client sent them.
var captured = lambdahttptest.Request{
	Method: "POST",
	Target: "/capture/space%20value?repeat=one&repeat=two&redirect=https%3A%2F%2Fexample.com%2Fa%2Fb&literalPlus=a+b&encodedPlus=a%2Bb&empty=",
	Header: [][2]string{
		{"content-type", "application/json"}, {"cookie", "session=abc123; theme=dark"},
		{"x-voker-probe", "first"}, {"x-voker-probe", "second"},
	},
	Body: []byte(`{"message":"hello from the public internet","unicode":"lambda-λ"}`),
}

// TestEventsMatchCaptures builds the captured request for each source and
// compares, field by field, what each source does with the path, the
// query, repeated headers, cookies and the body: where the sources differ
// from one another, and where a builder that drifts from AWS would let a
// test pass that production fails.
func TestEventsMatchCaptures(t *testing.T) {
	front := lambdahttptest.Front{Stage: "live", SourceIP: "68.8.83.18"}
	tests := []struct {
		file   string
		event  []byte
		fields []string // dot-separated paths into the event
	}{
		{"apigwv1-request.json", front.EventV1(t, captured), []string{
			"httpMethod", "path", "pathParameters.proxy", "queryStringParameters", "multiValueQueryStringParameters",
			"multiValueHeaders.cookie", "multiValueHeaders.x-voker-probe", "headers.x-voker-probe",
			"requestContext.path", "requestContext.stage", "body", "isBase64Encoded",
		}},
		{"apigwv2-request.json", withStage(front, "$default").EventV2(t, captured), []string{
			"rawPath", "rawQueryString", "cookies", "headers.cookie", "headers.x-voker-probe",
			"requestContext.http.method", "requestContext.http.path", "requestContext.stage", "body", "isBase64Encoded",
		}},
		{"functionurl-request.json", front.EventFunctionURL(t, captured), []string{
			"rawPath", "rawQueryString", "cookies", "headers.cookie", "headers.x-voker-probe",
			"requestContext.http.method", "requestContext.http.path", "requestContext.stage", "body", "isBase64Encoded",
		}},
		{"alb-request.json", front.EventALB(t, captured, true), []string{
			"httpMethod", "path", "multiValueQueryStringParameters",
			"multiValueHeaders.cookie", "multiValueHeaders.x-voker-probe", "multiValueHeaders.x-forwarded-for",
			"body", "isBase64Encoded",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("..", "testdata", "aws-events", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			want, got := decode(t, b), decode(t, tc.event)
			for _, f := range tc.fields {
				w, wok := field(want, f)
				g, gok := field(got, f)
				if diff := cmp.Diff(w, g); diff != "" || wok != gok {
					t.Errorf("%s (present %t, want %t) mismatch (-capture +built):\n%s", f, gok, wok, diff)
				}
			}
		})
	}
}

func withStage(f lambdahttptest.Front, stage string) lambdahttptest.Front {
	f.Stage = stage
	return f
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("not a JSON object: %v\n%s", err, b)
	}
	return v
}

// field returns the value at a dot-separated path; a null is absent.
func field(v map[string]any, path string) (any, bool) {
	var cur any = v
	for _, k := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[k]; !ok || cur == nil {
			return nil, false
		}
	}
	return cur, true
}
