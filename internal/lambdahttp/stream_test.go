package lambdahttp_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/google/go-cmp/cmp"

	"github.com/r2r/r2r/internal/lambdahttp"
	"github.com/r2r/r2r/internal/lambdahttp/lambdahttptest"
)

// streamSources are the sources that can receive a streamed response.
var streamSources = []struct {
	name  string
	build func(testing.TB, lambdahttptest.Request) []byte
}{
	{"apigw-v1", restAPI.EventV1},
	{"function-url", functionURL.EventFunctionURL},
}

// hangLimit turns a stream that never delivers into a test failure instead
// of a hung test; it bounds waits, it times nothing.
const hangLimit = 20 * time.Second

// await runs f and returns its result, failing the test if f does not
// return within hangLimit (the stream it reads never delivered).
func await[T any](t *testing.T, what string, f func() T) T {
	t.Helper()
	c := make(chan T, 1)
	go func() { c <- f() }()
	select {
	case v := <-c:
		return v
	case <-time.After(hangLimit):
		t.Fatalf("%s: nothing after %v; the stream is stuck", what, hangLimit)
		panic("unreachable")
	}
}

// stream is a streamed response as the runtime reads it.
type stream struct {
	rc      io.ReadCloser
	prelude []byte
	body    *bufio.Reader
}

// invokeStream calls InvokeStream with a deadline, as the runtime does, and
// reads the prelude up to the 8 null bytes.
func invokeStream(t *testing.T, h *lambdahttp.Handler, payload []byte) *stream {
	t.Helper()
	return invokeStreamContext(t, context.Background(), h, payload)
}

// invokeStreamContext is invokeStream with the invocation's context.
func invokeStreamContext(t *testing.T, ctx context.Context, h *lambdahttp.Handler, payload []byte) *stream {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 29*time.Second)
	t.Cleanup(cancel)
	rc := await(t, "InvokeStream", func() io.ReadCloser {
		rc, err := h.InvokeStream(ctx, payload)
		if err != nil {
			t.Errorf("InvokeStream(%.200s) = %v, want a response", payload, err)
			return nil
		}
		return rc
	})
	if rc == nil {
		t.FailNow()
	}
	t.Cleanup(func() { rc.Close() })
	s := &stream{rc: rc, body: bufio.NewReader(rc)}
	s.prelude = await(t, "reading the prelude", func() []byte {
		var p []byte
		for !bytes.HasSuffix(p, make([]byte, 8)) {
			c, err := s.body.ReadByte()
			if err != nil {
				t.Errorf("reading the prelude: %v after %q", err, p)
				return nil
			}
			p = append(p, c)
		}
		return p[:len(p)-8]
	})
	if s.prelude == nil {
		t.FailNow()
	}
	return s
}

// next reads the next n body bytes.
func (s *stream) next(t *testing.T, n int) string {
	t.Helper()
	return await(t, "reading the body", func() string {
		b := make([]byte, n)
		if _, err := io.ReadFull(s.body, b); err != nil {
			t.Errorf("reading %d body bytes: %v", n, err)
		}
		return string(b)
	})
}

// rest reads the body to its end and returns it with the error that ended
// it (nil for a clean end).
func (s *stream) rest(t *testing.T) (string, error) {
	t.Helper()
	type result struct {
		b   []byte
		err error
	}
	r := await(t, "reading the rest of the body", func() result {
		b, err := io.ReadAll(s.body)
		return result{b, err}
	})
	return string(r.b), r.err
}

// preludeOf decodes a prelude into a generic value, for comparing by meaning.
func preludeOf(t *testing.T, s *stream) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(s.prelude, &m); err != nil {
		t.Fatalf("prelude %q is not a JSON object: %v", s.prelude, err)
	}
	return m
}

func TestStreamDeliversBeforeHandlerReturns(t *testing.T) {
	for _, src := range streamSources {
		t.Run(src.name, func(t *testing.T) {
			release := make(chan struct{})
			h := lambdahttp.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				io.WriteString(w, "data: one\n\n")
				w.(http.Flusher).Flush()
				<-release // until the test has read the first event
				io.WriteString(w, "data: two\n\n")
			}), lambdahttp.WithResponseStreaming())
			s := invokeStream(t, h, src.build(t, lambdahttptest.Request{Method: "GET", Target: "/events"}))
			if got := s.next(t, len("data: one\n\n")); got != "data: one\n\n" {
				t.Fatalf("first event = %q, want %q", got, "data: one\n\n")
			}
			close(release)
			got, err := s.rest(t)
			if err != nil || got != "data: two\n\n" {
				t.Errorf("rest of the body = %q, %v; want %q, nil", got, err, "data: two\n\n")
			}
		})
	}
}

// sseHandler is the shape of internal/api's GET /api/hello/stream: server-sent
// events, one word each, flushed through http.ResponseController, behind a
// middleware that wraps the ResponseWriter (as the API's logging does). The
// next word is written only once the client has read the previous one.
func sseHandler(read <-chan struct{}) http.Handler {
	words := []string{"Hello", "World"}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		rc := http.NewResponseController(w)
		for i, word := range words {
			if i > 0 {
				select {
				case <-read:
				case <-r.Context().Done():
					return
				}
			}
			if _, err := io.WriteString(w, "id: "+strconv.Itoa(i+1)+"\ndata: "+word+"\n\n"); err != nil {
				return
			}
			if err := rc.Flush(); err != nil {
				return
			}
		}
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(&wrappedWriter{ResponseWriter: w}, r)
	})
}

// wrappedWriter is a middleware's ResponseWriter: no Flush of its own, only
// Unwrap, which http.ResponseController follows.
type wrappedWriter struct{ http.ResponseWriter }

func (w *wrappedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func TestStreamServerSentEvents(t *testing.T) {
	for _, src := range streamSources {
		t.Run(src.name, func(t *testing.T) {
			read := make(chan struct{})
			h := lambdahttp.New(sseHandler(read), lambdahttp.WithResponseStreaming())
			s := invokeStream(t, h, src.build(t, lambdahttptest.Request{Method: "GET", Target: "/api/hello/stream"}))
			p := preludeOf(t, s)
			if p["statusCode"] != 200.0 {
				t.Errorf("prelude statusCode = %v, want 200", p["statusCode"])
			}
			if !strings.Contains(string(s.prelude), "text/event-stream") {
				t.Errorf("prelude %s lacks Content-Type text/event-stream", s.prelude)
			}
			first := "id: 1\ndata: Hello\n\n"
			if got := s.next(t, len(first)); got != first {
				t.Fatalf("first event = %q, want %q", got, first)
			}
			close(read)
			if got, err := s.rest(t); err != nil || got != "id: 2\ndata: World\n\n" {
				t.Errorf("rest = %q, %v; want the second event, nil", got, err)
			}
		})
	}
}

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

func TestStreamPanic(t *testing.T) {
	var mu sync.Mutex
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(syncWriter{&mu, &logs}, nil))
	logged := func() string { mu.Lock(); defer mu.Unlock(); return logs.String() }
	h := lambdahttp.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/before":
			w.Header().Set("X-Partial", "yes")
			io.WriteString(w, "half a success") // buffered, not sent
			panic("boom before")
		case "/after":
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, "sent ")
			w.(http.Flusher).Flush()
			io.WriteString(w, "buffered")
			panic("boom after")
		case "/abort":
			io.WriteString(w, "sent")
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		}
		io.WriteString(w, "fine")
	}), lambdahttp.WithResponseStreaming(), lambdahttp.WithLogger(logger), withErrorFields)

	for _, src := range streamSources {
		t.Run(src.name+"/before first write", func(t *testing.T) {
			s := invokeStream(t, h, src.build(t, lambdahttptest.Request{Method: "GET", Target: "/before"}))
			p := preludeOf(t, s)
			if p["statusCode"] != 500.0 {
				t.Errorf("statusCode = %v, want 500 (prelude %s)", p["statusCode"], s.prelude)
			}
			if strings.Contains(string(s.prelude), "X-Partial") {
				t.Errorf("prelude %s has the panicking handler's header", s.prelude)
			}
			if !strings.Contains(string(s.prelude), "application/json") {
				t.Errorf("prelude %s lacks Content-Type application/json", s.prelude)
			}
			body, err := s.rest(t)
			if err != nil {
				t.Fatalf("reading the 500: %v", err)
			}
			var e adapterError
			if err := json.Unmarshal([]byte(body), &e); err != nil {
				t.Fatalf("body %q is not the JSON error: %v", body, err)
			}
			if e.StatusCode != 500 || e.RequestID != testRequestID || strings.Contains(e.Detail, "boom") {
				t.Errorf("error = %+v, want status_code 500, request_id %s, no internals", e, testRequestID)
			}
			if !strings.Contains(logged(), "boom before") || !strings.Contains(logged(), "goroutine") {
				t.Errorf("log = %s, want the panic value and a stack", logged())
			}
		})

		t.Run(src.name+"/after first write", func(t *testing.T) {
			s := invokeStream(t, h, src.build(t, lambdahttptest.Request{Method: "GET", Target: "/after"}))
			if p := preludeOf(t, s); p["statusCode"] != 200.0 {
				t.Errorf("statusCode = %v, want the 200 already sent", p["statusCode"])
			}
			body, err := s.rest(t)
			if body != "sent " {
				t.Errorf("body = %q, want only what was flushed, %q", body, "sent ")
			}
			// The error reaches the runtime, which reports a function error
			// (so the client gets a truncated stream, never a clean end).
			if err == nil || !strings.Contains(err.Error(), "panicked") {
				t.Errorf("stream ended with %v, want the panic error", err)
			}
			if !strings.Contains(logged(), "boom after") || !strings.Contains(logged(), "stream was cut short") {
				t.Errorf("log = %s, want the panic logged as cutting the stream", logged())
			}
		})

		t.Run(src.name+"/abort", func(t *testing.T) {
			s := invokeStream(t, h, src.build(t, lambdahttptest.Request{Method: "GET", Target: "/abort"}))
			if _, err := s.rest(t); !errors.Is(err, http.ErrAbortHandler) {
				t.Errorf("stream ended with %v, want http.ErrAbortHandler", err)
			}
		})

		t.Run(src.name+"/serving continues", func(t *testing.T) {
			s := invokeStream(t, h, src.build(t, lambdahttptest.Request{Method: "GET", Target: "/next"}))
			if got, err := s.rest(t); err != nil || got != "fine" {
				t.Errorf("next stream = %q, %v; want %q", got, err, "fine")
			}
		})
	}
}

type syncWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (s syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func TestStreamCancel(t *testing.T) {
	type outcome struct {
		ctxErr   error
		writeErr error
	}
	newHandler := func(done chan<- outcome) *lambdahttp.Handler {
		return lambdahttp.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "first")
			w.(http.Flusher).Flush()
			<-r.Context().Done() // a long stream, until the client leaves
			_, err := io.WriteString(w, strings.Repeat("x", 64<<10))
			if err == nil {
				err = http.NewResponseController(w).Flush()
			}
			done <- outcome{r.Context().Err(), err}
		}), lambdahttp.WithResponseStreaming())
	}
	check := func(t *testing.T, done <-chan outcome) {
		t.Helper()
		got := await(t, "the handler noticing the cancel", func() outcome { return <-done })
		if !errors.Is(got.ctxErr, context.Canceled) {
			t.Errorf("handler's ctx.Err() = %v, want context.Canceled", got.ctxErr)
		}
		if got.writeErr == nil {
			t.Errorf("writing after the stream closed succeeded, want an error")
		}
	}

	t.Run("reader closed", func(t *testing.T) {
		done := make(chan outcome, 1)
		s := invokeStream(t, newHandler(done), functionURL.EventFunctionURL(t, lambdahttptest.Request{Method: "GET", Target: "/"}))
		if got := s.next(t, 5); got != "first" {
			t.Fatalf("first chunk = %q", got)
		}
		s.rc.Close() // what the runtime does when it stops streaming
		check(t, done)
	})

	t.Run("invoke context cancelled", func(t *testing.T) {
		done := make(chan outcome, 1)
		ctx, cancel := context.WithCancel(context.Background())
		rc, err := newHandler(done).InvokeStream(ctx, restAPI.EventV1(t, lambdahttptest.Request{Method: "GET", Target: "/"}))
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		go io.Copy(io.Discard, rc) // the runtime keeps reading
		cancel()
		check(t, done)
	})
}

func TestStreamDeadlineAndContext(t *testing.T) {
	rec := newRecorder()
	h := lambdahttp.New(rec, lambdahttp.WithResponseStreaming())
	deadline := time.Now().Add(time.Minute).Truncate(time.Millisecond)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	rc, err := h.InvokeStream(ctx, restAPI.EventV1(t, lambdahttptest.Request{Method: "GET", Target: "/capture/x"}))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, rc)
	rc.Close()
	if !rec.last.HasDeadline || !rec.last.Deadline.Equal(deadline) {
		t.Errorf("request deadline = %v (%v), want the invoke's %v", rec.last.Deadline, rec.last.HasDeadline, deadline)
	}
}

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
