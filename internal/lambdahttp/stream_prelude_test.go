package lambdahttp_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/google/go-cmp/cmp"

	"github.com/r2r/r2r/internal/lambdahttp"
	"github.com/r2r/r2r/internal/lambdahttp/lambdahttptest"
)

func TestStreamPrelude(t *testing.T) {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Add("X-Multi", "a")
		h.Add("X-Multi", "b")
		h.Add("Set-Cookie", "session=abc; Path=/; HttpOnly")
		h.Add("Set-Cookie", "theme=dark")
		h["X-Nil"] = nil
		w.WriteHeader(http.StatusCreated)
		h.Set("X-After", "too late") // not in the snapshot taken at WriteHeader
		io.WriteString(w, "created")
	})
	for _, tc := range []struct {
		name  string
		build func(testing.TB, lambdahttptest.Request) []byte
		want  string
	}{
		{"apigw-v1", restAPI.EventV1, `{"statusCode":201,
			"multiValueHeaders":{"Content-Type":["text/plain; charset=utf-8"],"X-Multi":["a","b"]},
			"cookies":["session=abc; Path=/; HttpOnly","theme=dark"]}`},
		{"function-url", functionURL.EventFunctionURL, `{"statusCode":201,
			"headers":{"Content-Type":"text/plain; charset=utf-8","X-Multi":"a,b"},
			"cookies":["session=abc; Path=/; HttpOnly","theme=dark"]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := lambdahttp.New(handler, lambdahttp.WithResponseStreaming())
			s := invokeStream(t, h, tc.build(t, lambdahttptest.Request{Method: "POST", Target: "/items"}))
			var want any
			json.Unmarshal([]byte(tc.want), &want)
			if diff := cmp.Diff(want, any(preludeOf(t, s))); diff != "" {
				t.Errorf("prelude mismatch (-want +got):\n%s\nprelude: %s", diff, s.prelude)
			}
			if got, err := s.rest(t); err != nil || got != "created" {
				t.Errorf("body = %q, %v; want %q, nil", got, err, "created")
			}
		})
	}
}

// TestStreamResponseType checks the value the runtime gets: aws-lambda-go's
// streaming type of the source, with the streaming content type.
func TestStreamResponseType(t *testing.T) {
	h := lambdahttp.New(http.NotFoundHandler(), lambdahttp.WithResponseStreaming())
	for _, tc := range []struct {
		build func(testing.TB, lambdahttptest.Request) []byte
		want  string
	}{
		{restAPI.EventV1, "*events.APIGatewayProxyStreamingResponse"},
		{functionURL.EventFunctionURL, "*events.LambdaFunctionURLStreamingResponse"},
	} {
		rc, err := h.InvokeStream(context.Background(), tc.build(t, lambdahttptest.Request{Method: "GET", Target: "/"}))
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprintf("%T", rc); got != tc.want {
			t.Errorf("InvokeStream returned a %s, want a %s", got, tc.want)
		}
		ct, ok := rc.(interface{ ContentType() string })
		if !ok || ct.ContentType() != "application/vnd.awslambda.http-integration-response" {
			t.Errorf("%T has no streaming ContentType", rc)
		}
		io.Copy(io.Discard, rc)
		rc.Close()
	}
}

func TestStreamWriterSemantics(t *testing.T) {
	for _, tc := range []struct {
		name        string
		handler     http.HandlerFunc
		wantStatus  float64
		wantType    string // Content-Type in the prelude, "" for none
		wantBody    string
		wantWriteOK bool
	}{
		{
			name:       "implicit 200 and sniffed type",
			handler:    func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "<!DOCTYPE html><p>hi") },
			wantStatus: 200, wantType: "text/html; charset=utf-8", wantBody: "<!DOCTYPE html><p>hi",
		},
		{
			name: "sniffing turned off",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header()["Content-Type"] = nil
				io.WriteString(w, "<!DOCTYPE html>")
			},
			wantStatus: 200, wantBody: "<!DOCTYPE html>",
		},
		{
			name: "nothing written: 200 with the header at return",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
			},
			wantStatus: 200, wantType: "application/json",
		},
		{
			name: "first WriteHeader wins, informational skipped",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusEarlyHints)
				w.WriteHeader(http.StatusAccepted)
				w.WriteHeader(http.StatusTeapot)
				w.Write([]byte("{}"))
			},
			wantStatus: 202, wantType: "text/plain; charset=utf-8", wantBody: "{}",
		},
		{
			name: "no body for 204",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusNoContent)
				if _, err := w.Write([]byte("x")); !errors.Is(err, http.ErrBodyNotAllowed) {
					panic(fmt.Sprintf("Write after 204 = %v, want ErrBodyNotAllowed", err))
				}
			},
			wantStatus: 204,
		},
		{
			name: "large body in small writes",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				for i := range 3000 {
					fmt.Fprintf(w, "%04d\n", i)
				}
			},
			wantStatus: 200, wantType: "text/plain", wantBody: func() string {
				var b strings.Builder
				for i := range 3000 {
					fmt.Fprintf(&b, "%04d\n", i)
				}
				return b.String()
			}(),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := lambdahttp.New(tc.handler, lambdahttp.WithResponseStreaming(), lambdahttp.WithLogger(discardLogger()))
			s := invokeStream(t, h, functionURL.EventFunctionURL(t, lambdahttptest.Request{Method: "GET", Target: "/"}))
			p := preludeOf(t, s)
			if p["statusCode"] != tc.wantStatus {
				t.Errorf("statusCode = %v, want %v (prelude %s)", p["statusCode"], tc.wantStatus, s.prelude)
			}
			hdr, _ := p["headers"].(map[string]any)
			if got, _ := hdr["Content-Type"].(string); got != tc.wantType {
				t.Errorf("Content-Type = %q, want %q", got, tc.wantType)
			}
			if got, err := s.rest(t); err != nil || got != tc.wantBody {
				t.Errorf("body = %.100q, %v; want %.100q, nil", got, err, tc.wantBody)
			}
		})
	}
}

// TestStreamThroughLambdaRuntime hands the function Start gives lambda.Start
// to aws-lambda-go's own handler plumbing, which serializes the result as
// the runtime would post it: the prelude, the 8 null bytes and the body, not
// a JSON encoding of the response value.
func TestStreamThroughLambdaRuntime(t *testing.T) {
	h := lambdahttp.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "a", Value: "1"})
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "streamed")
	}), lambdahttp.WithResponseStreaming())
	rt := lambda.NewHandler(lambdahttp.InvokeStreamFunc(h))
	out, err := rt.Invoke(context.Background(), functionURL.EventFunctionURL(t, lambdahttptest.Request{Method: "GET", Target: "/"}))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"statusCode":200,"headers":{"Content-Type":"text/plain"},"cookies":["a=1"]}` + "\x00\x00\x00\x00\x00\x00\x00\x00" + "streamed"
	if string(out) != want {
		t.Errorf("runtime output = %q, want %q", out, want)
	}

	_, err = rt.Invoke(context.Background(), httpAPI.EventV2(t, lambdahttptest.Request{Method: "GET", Target: "/"}))
	if !errors.Is(err, lambdahttp.ErrStreamingUnsupported) {
		t.Errorf("runtime error for an HTTP API event = %v, want ErrStreamingUnsupported", err)
	}
}

// TestStreamPreludeMatchesAWSLambdaGo pins the prelude on aws-lambda-go's own
// rendering of the same values, so a change there shows up here.
func TestStreamPreludeMatchesAWSLambdaGo(t *testing.T) {
	ref := &events.APIGatewayProxyStreamingResponse{StatusCode: 200, MultiValueHeaders: map[string][]string{"Content-Type": {"text/plain"}}}
	b, _ := io.ReadAll(ref)
	h := lambdahttp.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
	}), lambdahttp.WithResponseStreaming())
	s := invokeStream(t, h, restAPI.EventV1(t, lambdahttptest.Request{Method: "GET", Target: "/"}))
	if want := string(b[:len(b)-8]); string(s.prelude) != want {
		t.Errorf("prelude = %s, want %s", s.prelude, want)
	}
}
