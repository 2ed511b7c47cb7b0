package adapters_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/akrylysov/algnhsa"
	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-lambda-go/lambdaurl"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/r2r/r2r/internal/lambdahttp"
)

// invokeFunc is the shape every adapter is driven through here: event bytes
// in, response bytes out, as the Lambda runtime sees a function. Driving
// all of them from bytes makes the comparison fair: each one pays for its
// own decoding and encoding.
type invokeFunc func(ctx context.Context, payload []byte) ([]byte, error)

// lambdahttpInvoke is our adapter: it already implements lambda.Handler.
func lambdahttpInvoke(h http.Handler) invokeFunc {
	return lambdahttp.New(h, lambdahttp.WithLogger(slog.New(slog.DiscardHandler))).Invoke
}

// algnhsaInvoke drives algnhsa v1.1.0, whose New returns a lambda.Handler
// (Invoke(ctx, []byte) ([]byte, error)): exactly what the runtime calls.
// RequestTypeAuto is its default; it then tries to decode the event as
// HTTP API, REST API and ALB in turn, so a REST event is decoded twice.
// Passing the request type skips that, and is measured too, so algnhsa is
// also seen at its best.
func algnhsaInvoke(h http.Handler, rt algnhsa.RequestType) invokeFunc {
	return algnhsa.New(h, &algnhsa.Options{RequestType: rt}).Invoke
}

// typed does for a typed handler func(ctx, E) (R, error) what the runtime
// does for it: decode the event into E, call, encode R. (The runtime uses a
// json.Decoder, a reflect call and a pooled json.Encoder, which cost a bit
// more than json.Unmarshal and json.Marshal; the plain calls are the
// generous version.)
func typed[E, R any](f func(context.Context, E) (R, error)) invokeFunc {
	return func(ctx context.Context, payload []byte) ([]byte, error) {
		var ev E
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, err
		}
		resp, err := f(ctx, ev)
		if err != nil {
			return nil, err
		}
		return json.Marshal(resp)
	}
}

// aws-lambda-go-api-proxy has one adapter per source; a user picks the one
// matching the trigger, so the comparison does too. It has no Function URL
// adapter: Function URLs send payload 2.0, so users take the V2 one.
func apiproxyV1(h http.Handler) invokeFunc  { return typed(httpadapter.New(h).ProxyWithContext) }
func apiproxyV2(h http.Handler) invokeFunc  { return typed(httpadapter.NewV2(h).ProxyWithContext) }
func apiproxyALB(h http.Handler) invokeFunc { return typed(httpadapter.NewALB(h).ProxyWithContext) }

// lambdaurlInvoke drives aws-lambda-go's lambdaurl, a streaming handler for
// Function URLs in RESPONSE_STREAM mode. Its response is an io.Reader the
// runtime copies to the Runtime API: a JSON prelude (status, headers,
// cookies), 8 NUL bytes, then the body. Reading it all here is that copy,
// so it too ends in the bytes the runtime sends.
func lambdaurlInvoke(h http.Handler) invokeFunc {
	wrapped := lambdaurl.Wrap(h)
	return func(ctx context.Context, payload []byte) ([]byte, error) {
		var ev events.LambdaFunctionURLRequest
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, err
		}
		resp, err := wrapped(ctx, &ev)
		if err != nil {
			return nil, err
		}
		defer resp.Close() // as the runtime does: it closes the pipe
		return io.ReadAll(resp)
	}
}

// invokeContext is the context the runtime gives a handler: the invocation
// deadline and the lambdacontext.
func invokeContext() (context.Context, context.CancelFunc) {
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{
		AwsRequestID:       "0f7c6a54-4b52-4f0b-9a0e-2f4a6f3c1a10",
		InvokedFunctionArn: "arn:aws:lambda:us-west-2:910345601053:function:r2r-api",
	})
	return context.WithDeadline(ctx, time.Now().Add(29*time.Second))
}

// helloBody is what the trivial handler answers; a package-level slice so
// no adapter pays for a string conversion in the handler.
var helloBody = []byte(`{"message":"Hello World"}`)

// helloHandler is the trivial handler every adapter serves in the
// benchmarks. It reads the request body to the end (io.Copy to io.Discard
// takes the body's WriterTo, allocation-free for every adapter's reader),
// so each adapter must deliver the whole body, without the handler's own
// buffering blurring the adapters' differences.
func helloHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(helloBody)
	})
}

// fixture returns testdata/name compacted, as Lambda delivers events
// (the files are indented to be read).
func fixture(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	return out.Bytes()
}
