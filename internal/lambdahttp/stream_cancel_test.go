package lambdahttp_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/r2r/r2r/internal/lambdahttp"
	"github.com/r2r/r2r/internal/lambdahttp/lambdahttptest"
)

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
