package lambdahttp_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/r2r/r2r/internal/lambdahttp"
	"github.com/r2r/r2r/internal/lambdahttp/lambdahttptest"
)

// The 1 MB benchmarks compare what a client waits for: the first body byte
// (ttfb) and the whole response (total), streamed and buffered. The handler
// writes 1 MB of text in 16 KB chunks, flushing after each, as a producer of
// a long stream does. In buffered mode nothing leaves before Invoke returns,
// so its ttfb is its total. BenchmarkFloorPipe1MB is the floor: the same
// chunks through a bare io.Pipe from a goroutine, no adapter, no net/http.

const (
	benchBodySize  = 1 << 20
	benchChunkSize = 16 << 10
)

func oneMBHandler() http.Handler {
	chunk := bytes.Repeat([]byte("0123456789abcdef"), benchChunkSize/16)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		rc := http.NewResponseController(w)
		for range benchBodySize / benchChunkSize {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
		}
	})
}

// readFirstByte reads the prelude, the 8 null bytes and the first body byte.
func readFirstByte(b *testing.B, r io.Reader) {
	var buf [512]byte
	nulls := 0
	for {
		n, err := r.Read(buf[:])
		for _, c := range buf[:n] {
			if nulls == 8 {
				return // c is the first body byte
			}
			if c == 0 {
				nulls++
			} else {
				nulls = 0
			}
		}
		if err != nil {
			b.Fatalf("stream ended before the body: %v", err)
		}
	}
}

func BenchmarkStream1MB(b *testing.B) {
	payload := functionURL.EventFunctionURL(b, lambdahttptest.Request{Method: "GET", Target: "/big"})
	h := lambdahttp.New(oneMBHandler(), lambdahttp.WithResponseStreaming())
	ctx := context.Background()
	// Both sub-benchmarks run the same loop, reading every stream to its end
	// (stopping the timer around the rest would disturb what it measures);
	// ns/op is the mean time to the first body byte in one, to the end in
	// the other.
	run := func(b *testing.B, ttfbIsNsOp bool) {
		b.ReportAllocs()
		if !ttfbIsNsOp {
			b.SetBytes(benchBodySize)
		}
		var ttfb, total time.Duration
		for range b.N {
			start := time.Now()
			rc, err := h.InvokeStream(ctx, payload)
			if err != nil {
				b.Fatal(err)
			}
			readFirstByte(b, rc)
			ttfb += time.Since(start)
			if _, err := io.Copy(io.Discard, rc); err != nil {
				b.Fatal(err)
			}
			total += time.Since(start)
			rc.Close()
		}
		perOp := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N) }
		b.ReportMetric(perOp(ttfb), "ttfb-ns/op")
		b.ReportMetric(perOp(total), "total-ns/op")
		if ttfbIsNsOp {
			b.ReportMetric(perOp(ttfb), "ns/op")
		}
	}
	b.Run("ttfb", func(b *testing.B) { run(b, true) })
	b.Run("total", func(b *testing.B) { run(b, false) })
}

func BenchmarkBuffered1MB(b *testing.B) {
	payload := functionURL.EventFunctionURL(b, lambdahttptest.Request{Method: "GET", Target: "/big"})
	h := lambdahttp.New(oneMBHandler())
	ctx := context.Background()
	b.ReportAllocs()
	b.SetBytes(benchBodySize)
	var total time.Duration
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		if _, err := h.Invoke(ctx, payload); err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
	}
	ns := float64(total.Nanoseconds()) / float64(b.N)
	b.ReportMetric(ns, "ttfb-ns/op")
	b.ReportMetric(ns, "total-ns/op")
}

// BenchmarkFloorPipe1MB moves the same 1 MB, in the same 16 KB chunks, from a
// producer goroutine through an io.Pipe: what any streamed response costs in
// process before an adapter adds its prelude, its goroutine hand-off and
// net/http's ResponseWriter.
func BenchmarkFloorPipe1MB(b *testing.B) {
	chunk := bytes.Repeat([]byte("0123456789abcdef"), benchChunkSize/16)
	b.ReportAllocs()
	b.SetBytes(benchBodySize)
	var ttfb, total time.Duration
	var first [1]byte
	for range b.N {
		start := time.Now()
		pr, pw := io.Pipe()
		go func() {
			for range benchBodySize / benchChunkSize {
				if _, err := pw.Write(chunk); err != nil {
					return
				}
			}
			pw.Close()
		}()
		if _, err := io.ReadFull(pr, first[:]); err != nil {
			b.Fatal(err)
		}
		ttfb += time.Since(start)
		if _, err := io.Copy(io.Discard, pr); err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
	}
	perOp := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N) }
	b.ReportMetric(perOp(ttfb), "ttfb-ns/op")
	b.ReportMetric(perOp(total), "total-ns/op")
}
