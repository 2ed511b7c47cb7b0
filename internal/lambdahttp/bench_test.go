package lambdahttp_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/r2r/r2r/internal/lambdahttp"
	"github.com/r2r/r2r/internal/lambdahttp/lambdahttptest"
)

// benchEvents are a REST GET and an HTTP API POST of 4 KB, each measured against
// the floor of decoding the same bytes into the aws-lambda-go type.
func benchEvents(b *testing.B) (v1GET, v2POST []byte) {
	c := lambdahttptest.Request{Method: "GET", Target: "/api/items/42?expand=owner&limit=10", Header: [][2]string{
		{"Host", "abc123.execute-api.us-east-1.amazonaws.com"}, {"Accept", "application/json"},
		{"Accept-Encoding", "gzip, deflate, br"}, {"Accept-Language", "en-US,en;q=0.9"},
		{"Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig"}, {"User-Agent", "Mozilla/5.0 (X11; Linux x86_64)"},
		{"X-Amzn-Trace-Id", "Root=1-6a5145a8-536f3e792f6be9b44c1f46fa"}, {"X-Forwarded-For", "198.51.100.7"},
		{"X-Forwarded-Port", "443"}, {"X-Forwarded-Proto", "https"},
	}}
	v1GET = restAPI.EventV1(b, c)
	body := `{"items":[` + strings.Repeat(`{"id":"0123456789","name":"widget","tags":["a","b"],"price":12.5},`, 62) + `{"id":"last"}]}`
	if len(body) < 4000 || len(body) > 4300 {
		b.Fatalf("body is %d bytes, want ~4 KB", len(body))
	}
	p := lambdahttptest.Request{Method: "POST", Target: "/api/items", Header: append(c.Header[:0:0], append([][2]string{{"Content-Type", "application/json"}}, c.Header...)...), Body: []byte(body)}
	v2POST = httpAPI.EventV2(b, p)
	return v1GET, v2POST
}

func trivialHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"message":"Hello World"}`)
	})
}

func BenchmarkInvoke(b *testing.B) {
	v1, v2 := benchEvents(b)
	h := lambdahttp.New(trivialHandler())
	ctx := context.Background()
	for _, bc := range []struct {
		name    string
		payload []byte
	}{{"apigw-v1-get", v1}, {"apigw-v2-post-4k", v2}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.payload)))
			for b.Loop() {
				if _, err := h.Invoke(ctx, bc.payload); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkUnmarshal is the floor: only decoding the event, nothing served.
func BenchmarkUnmarshal(b *testing.B) {
	v1, v2 := benchEvents(b)
	b.Run("apigw-v1-get", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(v1)))
		for b.Loop() {
			var ev events.APIGatewayProxyRequest
			if err := json.Unmarshal(v1, &ev); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("apigw-v2-post-4k", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(v2)))
		for b.Loop() {
			var ev events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal(v2, &ev); err != nil {
				b.Fatal(err)
			}
		}
	})
}
