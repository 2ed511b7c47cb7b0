// The answer before the invocation's deadline: answerBeforeDeadline and its
// held-back response writer.

package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync"
	"time"
)

// answerBeforeDeadline answers 504 shortly before the request context's
// deadline (on Lambda, the invocation's) when the handler has not finished,
// rather than letting the platform kill the invocation with no answer. The
// handler runs with the shortened deadline, so well-behaved handlers stop too.
// The response is held back until the handler is done, so the 504 can replace
// it; a handler that flushes (a stream) sends from then on, and one still
// streaming at the deadline is cut off there (aborted, as recoverPanics cuts a
// response, so that it never looks complete). Requests without a deadline
// (the local server's) pass straight through.
//
// The handler runs on a goroutine of its own, where nothing above it could
// recover a panic: its panic is recovered there and raised again, with its
// stack, on the request's goroutine (as http.TimeoutHandler does), for
// recoverPanics. What the handler wrote but did not flush is still held back
// here and is discarded: for recoverPanics nothing has left.
func answerBeforeDeadline(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		deadline, ok := r.Context().Deadline()
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		// Leave a tenth of the time, at most half a second, to send the 504.
		margin := min(time.Until(deadline)/10, 500*time.Millisecond)
		ctx, cancel := context.WithDeadline(r.Context(), deadline.Add(-margin))
		defer cancel()

		tw := &timeoutWriter{dst: w, header: make(http.Header)}
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer func() {
				var p *handlerPanic
				if v := recover(); v != nil {
					p = &handlerPanic{value: v, stack: debug.Stack()}
				}
				if !tw.handOver(p) && p != nil {
					// The deadline's answer has gone: no one else will hear of it.
					logPanic(r, p.value, p.stack, panicLate)
				}
			}()
			next.ServeHTTP(tw, r.WithContext(ctx))
		}()
		timedOut := false
		select {
		case <-done:
		case <-ctx.Done():
			timedOut = true
		}
		p, committed := tw.settle(timedOut)
		switch {
		case p != nil:
			panic(p)
		case !timedOut:
			tw.finish()
		case committed:
			stateFrom(r.Context()).log(r.Context(), slog.LevelError, "response cut off",
				slog.String("error", fmt.Sprintf("handler still running at the deadline: %v", ctx.Err())))
			// Ending it as usual would look complete to the client: cut it.
			panic(errCutAtDeadline)
		default:
			writeError(w, r, http.StatusGatewayTimeout, "", fmt.Errorf("handler still running at the deadline: %w", ctx.Err()))
		}
	})
}

// timeoutWriter holds a response back until the handler is done or flushes,
// and drops what the handler writes once it has been abandoned at the deadline.
type timeoutWriter struct {
	dst       http.ResponseWriter
	mu        sync.Mutex
	header    http.Header
	sent      http.Header // the header as it was at WriteHeader
	status    int
	body      bytes.Buffer
	committed bool          // flushed: the status is sent and writes go straight to dst
	abandoned bool          // the deadline passed first: writes fail
	panicked  *handlerPanic // the handler's panic, handed over
}

var errTimedOut = errors.New("response abandoned: the request's deadline passed")

// errCutAtDeadline is answerBeforeDeadline's panic for a response that had
// started when the deadline came: recoverPanics cuts it with
// http.ErrAbortHandler.
var errCutAtDeadline = errors.New("response cut off at the deadline")

func (w *timeoutWriter) Header() http.Header { return w.header }

func (w *timeoutWriter) WriteHeader(code int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.status != 0 || code < 200 {
		return
	}
	w.status = code
	w.sent = w.header.Clone()
}

func (w *timeoutWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.abandoned {
		return 0, errTimedOut
	}
	if w.status == 0 {
		w.status = http.StatusOK
		w.sent = w.header.Clone()
	}
	if w.committed {
		return w.dst.Write(p)
	}
	return w.body.Write(p)
}

// Flush sends what is held back and everything after it as it comes.
func (w *timeoutWriter) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.abandoned {
		return
	}
	w.commit(false)
	http.NewResponseController(w.dst).Flush()
}

// handOver records that the handler is done, and how (p is its panic, or
// nil), and reports whether the request's goroutine will hear of it: false
// once the response has been abandoned at the deadline.
func (w *timeoutWriter) handOver(p *handlerPanic) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.abandoned {
		return false
	}
	w.panicked = p
	return true
}

// settle is called by the request's goroutine once the handler is done or
// the deadline has come (timedOut). It returns the handler's panic, if it
// panicked before now. At the deadline the response is abandoned: the
// handler's writes fail from now on (a handler that returns because its
// context ended has no answer to give), and committed reports whether part of
// it has been sent already.
func (w *timeoutWriter) settle(timedOut bool) (p *handlerPanic, committed bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if timedOut {
		w.abandoned = true
	}
	return w.panicked, w.committed
}

// finish sends the response of a handler that returned in time.
func (w *timeoutWriter) finish() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.commit(true)
}

// commit sends the status, the header and the body held so far; complete
// says the body is all there is, so its length is known.
func (w *timeoutWriter) commit(complete bool) {
	if w.committed {
		return
	}
	w.committed = true
	if w.status == 0 {
		w.status = http.StatusOK
		w.sent = w.header.Clone()
	}
	h := w.dst.Header()
	for k, v := range w.sent {
		h[k] = v
	}
	if complete && h.Get("Content-Length") == "" && w.body.Len() > 0 {
		h.Set("Content-Length", strconv.Itoa(w.body.Len()))
	}
	w.dst.WriteHeader(w.status)
	if w.body.Len() > 0 {
		w.dst.Write(w.body.Bytes())
		w.body.Reset()
	}
}
