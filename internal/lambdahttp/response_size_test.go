package lambdahttp_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/r2r/r2r/internal/lambdahttp"
	"github.com/r2r/r2r/internal/lambdahttp/lambdahttptest"
)

func TestResponseTooLarge(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	size := 6291556 // the limit in body bytes alone, so over it once encoded
	h := lambdahttp.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(bytes.Repeat([]byte("x"), size))
	}), lambdahttp.WithLogger(logger), withErrorFields)
	for _, src := range respSources(t) {
		t.Run(src.name, func(t *testing.T) {
			logs.Reset()
			r := decodeResponse(t, invoke(t, h, src.event))
			e := decodeAdapterError(t, r, http.StatusInternalServerError)
			if !strings.Contains(e.Detail, "6291556") {
				t.Errorf("detail = %q, want it to name the 6291556-byte limit", e.Detail)
			}
			if !strings.Contains(logs.String(), `"level":"ERROR"`) || !strings.Contains(logs.String(), `"size":`) {
				t.Errorf("log = %s, want an error with the size", logs.String())
			}
		})
	}
	// Just under the limit is delivered.
	under := lambdahttp.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write(bytes.Repeat([]byte("x"), 6291556-200))
	}))
	out, err := under.Invoke(context.Background(), restAPI.EventV1(t, lambdahttptest.Request{Method: "GET", Target: "/"}))
	if err != nil || len(out) > 6291556 || decodeResponse(t, out).StatusCode != 200 {
		t.Errorf("Invoke(just under the limit) = %d bytes, %v; want a 200 within the limit", len(out), err)
	}
}
