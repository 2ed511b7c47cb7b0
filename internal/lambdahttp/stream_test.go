package lambdahttp_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

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
