package adapters_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/akrylysov/algnhsa"
	"github.com/aws/aws-lambda-go/events"
)

// benchCase is one event and the adapters that can serve it.
type benchCase struct {
	name     string
	fixture  string
	floor    func([]byte) error // decoding the same bytes into the aws-lambda-go type
	adapters []namedInvoke
}

type namedInvoke struct {
	name   string
	invoke invokeFunc
}

func unmarshalInto[E any](b []byte) error {
	var ev E
	return json.Unmarshal(b, &ev)
}

func benchCases() []benchCase {
	h := helloHandler()
	return []benchCase{
		{
			name: "apigw-v1-get", fixture: "apigw-v1-get.json",
			floor: unmarshalInto[events.APIGatewayProxyRequest],
			adapters: []namedInvoke{
				{"lambdahttp", lambdahttpInvoke(h)},
				{"algnhsa", algnhsaInvoke(h, algnhsa.RequestTypeAuto)},
				{"algnhsa-typed", algnhsaInvoke(h, algnhsa.RequestTypeAPIGatewayV1)},
				{"apiproxy", apiproxyV1(h)},
			},
		},
		{
			name: "apigw-v2-post-4k", fixture: "apigw-v2-post-4k.json",
			floor: unmarshalInto[events.APIGatewayV2HTTPRequest],
			adapters: []namedInvoke{
				{"lambdahttp", lambdahttpInvoke(h)},
				{"algnhsa", algnhsaInvoke(h, algnhsa.RequestTypeAuto)},
				{"algnhsa-typed", algnhsaInvoke(h, algnhsa.RequestTypeAPIGatewayV2)},
				{"apiproxy", apiproxyV2(h)},
			},
		},
		{
			// lambdaurl serves only Function URLs, so it gets its own event:
			// the v2 POST as a Function URL sends it.
			name: "functionurl-post-4k", fixture: "functionurl-post-4k.json",
			floor: unmarshalInto[events.LambdaFunctionURLRequest],
			adapters: []namedInvoke{
				{"lambdahttp", lambdahttpInvoke(h)},
				{"lambdaurl", lambdaurlInvoke(h)},
			},
		},
	}
}

// BenchmarkAdapters measures each adapter from event bytes to response
// bytes, beside the floor of only decoding the event.
//
//	go test -bench . -benchmem -count 6 | tee out.txt
func BenchmarkAdapters(b *testing.B) {
	for _, bc := range benchCases() {
		payload := fixture(b, bc.fixture)
		b.Run(bc.name, func(b *testing.B) {
			b.Run("floor", func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if err := bc.floor(payload); err != nil {
						b.Fatal(err)
					}
				}
			})
			for _, a := range bc.adapters {
				b.Run(a.name, func(b *testing.B) {
					ctx, cancel := invokeContext()
					defer cancel()
					// Speed means nothing if the answer is wrong: check the
					// response once before timing.
					out, err := a.invoke(ctx, payload)
					if err != nil {
						b.Fatalf("Invoke = %v", err)
					}
					got, err := decodeOutput(out)
					if err != nil || got.Status != 200 || !bytes.Equal(got.Body, helloBody) {
						b.Fatalf("Invoke = %d %q (%v), want 200 %s", got.Status, got.Body, err, helloBody)
					}
					b.ReportAllocs()
					for b.Loop() {
						if _, err := a.invoke(ctx, payload); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}
