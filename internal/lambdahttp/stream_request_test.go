package lambdahttp_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/r2r/r2r/internal/lambdahttp"
	"github.com/r2r/r2r/internal/lambdahttp/lambdahttptest"
)

// TestStreamRequestSameAsBuffered: decoding, base path, request ids and the
// context accessors are those of buffered mode, for every client request.
func TestStreamRequestSameAsBuffered(t *testing.T) {
	for _, src := range streamSources {
		for _, tc := range clientRequests {
			t.Run(src.name+"/"+tc.name, func(t *testing.T) {
				payload := src.build(t, tc.req)
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()

				buffered := newRecorder()
				if _, err := lambdahttp.New(buffered, lambdahttp.WithBasePath("/capture")).Invoke(ctx, payload); err != nil {
					t.Fatal(err)
				}
				streamed := newRecorder()
				rc, err := lambdahttp.New(streamed, lambdahttp.WithBasePath("/capture"), lambdahttp.WithResponseStreaming()).InvokeStream(ctx, payload)
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, rc)
				rc.Close()
				if diff := cmp.Diff(buffered.last, streamed.last); diff != "" {
					t.Errorf("request differs between buffered and streaming modes (-buffered +streamed):\n%s", diff)
				}
			})
		}
	}
}

func TestStreamBadRequest(t *testing.T) {
	called := false
	h := lambdahttp.New(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }), lambdahttp.WithResponseStreaming(), withErrorFields)
	payload := eventWith(t, functionURL.EventFunctionURL(t, lambdahttptest.Request{Method: "POST", Target: "/"}), func(ev map[string]any) {
		ev["body"], ev["isBase64Encoded"] = "%%% not base64", true
	})
	s := invokeStream(t, h, payload)
	if p := preludeOf(t, s); p["statusCode"] != 400.0 {
		t.Errorf("statusCode = %v, want 400", p["statusCode"])
	}
	body, _ := s.rest(t)
	var e adapterError
	if err := json.Unmarshal([]byte(body), &e); err != nil || e.StatusCode != 400 {
		t.Errorf("body = %s, want the 400 JSON error", body)
	}
	if called {
		t.Errorf("handler called for an undecodable body")
	}
}

func TestStreamUnsupportedSources(t *testing.T) {
	called := false
	h := lambdahttp.New(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }), lambdahttp.WithResponseStreaming())
	c := lambdahttptest.Request{Method: "GET", Target: "/"}
	for _, tc := range []struct {
		name    string
		payload []byte
		want    error
	}{
		{"apigw-v2", httpAPI.EventV2(t, c), lambdahttp.ErrStreamingUnsupported},
		{"alb-multivalue", targetGroup.EventALB(t, c, true), lambdahttp.ErrStreamingUnsupported},
		{"alb-single", targetGroup.EventALB(t, c, false), lambdahttp.ErrStreamingUnsupported},
		{"empty object", []byte(`{}`), lambdahttp.ErrUnsupportedEvent},
		{"sqs", []byte(`{"Records":[{"eventSource":"aws:sqs"}]}`), lambdahttp.ErrUnsupportedEvent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rc, err := h.InvokeStream(context.Background(), tc.payload)
			if !errors.Is(err, tc.want) || rc != nil {
				t.Errorf("InvokeStream = %v, %v; want nil, an error wrapping %v", rc, err, tc.want)
			}
		})
	}
	if called {
		t.Errorf("handler called for an event that cannot stream")
	}
}

func TestInvokeRefusedWhenStreaming(t *testing.T) {
	h := lambdahttp.New(http.NotFoundHandler(), lambdahttp.WithResponseStreaming())
	out, err := h.Invoke(context.Background(), functionURL.EventFunctionURL(t, lambdahttptest.Request{Method: "GET", Target: "/"}))
	if err == nil || !strings.Contains(err.Error(), "WithResponseStreaming") {
		t.Errorf("Invoke on a streaming Handler = %q, %v; want an error naming the mode", out, err)
	}
}
