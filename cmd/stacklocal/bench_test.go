package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/r2r/r2r/internal/apigw"
	"github.com/r2r/r2r/internal/rie"
	"github.com/r2r/r2r/internal/rie/rietest"
)

// lastEvent invokes the emulator and keeps the event, so the direct
// invocations send exactly what the gateway sent.
type lastEvent struct {
	e  *rie.Emulator
	ev []byte
}

func (l *lastEvent) Invoke(ctx context.Context, _ *apigw.Function, _, id string, ev []byte) ([]byte, error) {
	l.ev = ev
	return l.e.InvokeID(ctx, id, ev)
}

// reportPercentiles reports the p50 and p99 of ds.
func reportPercentiles(b *testing.B, ds []time.Duration) {
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(ds[len(ds)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkOverhead: GET /prod/api/hello through the gateway over HTTP, and
// the same event sent to the emulator directly; the difference is what
// stacklocal adds to a request. Throttling is off: the stage's 100/s would
// answer most requests 429.
func BenchmarkOverhead(b *testing.B) {
	api, _ := buildBootstraps(b)
	data, err := os.ReadFile(stackTemplate)
	if err != nil {
		b.Fatal(err)
	}
	model, err := apigw.Load(data)
	if err != nil {
		b.Fatal(err)
	}
	model.Throttles = nil
	e := rietest.Start(b, rie.Config{Command: []string{api}, Env: []string{"AWS_LAMBDA_FUNCTION_TIMEOUT=29", "STAGE=prod", "LOG_LEVEL=ERROR"}})
	inv := &lastEvent{e: e}
	g, err := apigw.New(model, apigw.Config{Invoker: inv, Verifier: &apigw.CognitoVerifier{}})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(g)
	defer srv.Close()
	b.Run("gateway", func(b *testing.B) {
		var ds []time.Duration
		for b.Loop() {
			t0 := time.Now()
			resp, err := http.Get(srv.URL + "/prod/api/hello")
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Fatalf("status %d", resp.StatusCode)
			}
			ds = append(ds, time.Since(t0))
		}
		reportPercentiles(b, ds)
	})
	b.Run("rie", func(b *testing.B) {
		if inv.ev == nil {
			b.Skip("the gateway benchmark did not run")
		}
		var ds []time.Duration
		for b.Loop() {
			t0 := time.Now()
			if _, err := e.Invoke(context.Background(), inv.ev); err != nil {
				b.Fatal(err)
			}
			ds = append(ds, time.Since(t0))
		}
		reportPercentiles(b, ds)
	})
}
