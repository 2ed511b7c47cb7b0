package lambdahttp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/r2r/r2r/internal/lambdahttp"
)

// FuzzInvoke: whatever the payload, Invoke must not panic, and must return
// either an ErrUnsupportedEvent error or a JSON response with a valid
// status code.
func FuzzInvoke(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	if out, err := goListDir(); err == nil {
		for _, pattern := range []string{"events/testdata/apigw-*.json", "events/testdata/alb-*.json", "events/testdata/lambda-urls-*.json", "lambdaurl/testdata/*.json"} {
			m, _ := filepath.Glob(filepath.Join(out, pattern))
			seeds = append(seeds, m...)
		}
	}
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))

	h := lambdahttp.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		_ = r.URL.Query()
		_, _ = r.Cookies(), lambdahttp.AuthorizerFromContext(r.Context())
		w.Header().Set("X-Path", r.URL.Path)
		http.SetCookie(w, &http.Cookie{Name: "n", Value: "v"})
		w.Write(body)
	}), lambdahttp.WithLogger(discardLogger()), lambdahttp.WithBasePath("/v1"))
	f.Fuzz(func(t *testing.T, payload []byte) {
		out, err := h.Invoke(context.Background(), payload)
		if err != nil {
			if !errors.Is(err, lambdahttp.ErrUnsupportedEvent) {
				t.Fatalf("Invoke error %v does not wrap ErrUnsupportedEvent", err)
			}
			return
		}
		var resp struct {
			StatusCode int     `json:"statusCode"`
			Body       *string `json:"body"`
		}
		if err := json.Unmarshal(out, &resp); err != nil {
			t.Fatalf("Invoke = %q, not JSON: %v", out, err)
		}
		if resp.StatusCode < 200 || resp.StatusCode > 599 || resp.Body == nil {
			t.Fatalf("Invoke = %q, want a status code and a body", out)
		}
	})
}

// FuzzInvokeStream: whatever the payload, InvokeStream must not panic, and
// must return either an ErrUnsupportedEvent or ErrStreamingUnsupported error,
// or a stream that ends: a JSON prelude with a valid status code, the 8 null
// bytes, then the body.
func FuzzInvokeStream(f *testing.F) {
	for _, s := range []string{"testdata/*.json", "testdata/aws-events/*.json"} {
		m, _ := filepath.Glob(s)
		for _, name := range m {
			if b, err := os.ReadFile(name); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"version":"2.0","rawPath":"/a","requestContext":{"domainName":"u.lambda-url.us-east-1.on.aws","http":{"method":"GET"}}}`))
	f.Add([]byte(`{"httpMethod":"GET","path":"/p","body":"!","isBase64Encoded":true}`))

	h := lambdahttp.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Path", r.URL.Path)
		http.SetCookie(w, &http.Cookie{Name: "n", Value: "v"})
		w.Write(body)
		w.(http.Flusher).Flush()
		if r.URL.Query().Has("panic") {
			panic("fuzz")
		}
		w.Write(body)
	}), lambdahttp.WithLogger(discardLogger()), lambdahttp.WithResponseStreaming())
	f.Fuzz(func(t *testing.T, payload []byte) {
		rc, err := h.InvokeStream(context.Background(), payload)
		if err != nil {
			if !errors.Is(err, lambdahttp.ErrUnsupportedEvent) && !errors.Is(err, lambdahttp.ErrStreamingUnsupported) {
				t.Fatalf("InvokeStream error %v wraps neither ErrUnsupportedEvent nor ErrStreamingUnsupported", err)
			}
			return
		}
		out, _ := io.ReadAll(rc) // a panic mid-stream ends it with an error
		rc.Close()
		prelude, _, ok := bytes.Cut(out, []byte("\x00\x00\x00\x00\x00\x00\x00\x00"))
		if !ok {
			t.Fatalf("stream %q has no prelude separator", out)
		}
		var p struct {
			StatusCode int `json:"statusCode"`
		}
		if err := json.Unmarshal(prelude, &p); err != nil || p.StatusCode < 200 || p.StatusCode > 599 {
			t.Fatalf("prelude %q: status %d, %v; want JSON with a valid status", prelude, p.StatusCode, err)
		}
	})
}
