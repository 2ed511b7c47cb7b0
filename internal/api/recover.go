// Recovery from a handler's panic.

package api

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
)

// The outcomes of a handler panic, as the "handler panic" log line's outcome
// names them.
const (
	panicAnswered = "panic before response: 500 sent"
	panicCut      = "panic after response started: response cut"
	panicLate     = "panic after the deadline: already answered"
)

// recoverPanics handles a handler's panic, on the request's goroutine or
// handed over from the one answerBeforeDeadline runs the handler on. While
// nothing of the response has left (reached net/http or the adapter), the
// client gets the generic 500; once it has, the status is gone and all that
// is left is to cut the response short: a panic with http.ErrAbortHandler,
// which net/http and the adapter handle. Either way one log line says which,
// with the panic value and its stack; neither is ever sent.
// http.ErrAbortHandler itself (httputil.ReverseProxy's abort) is handled the
// same way, logged as a warning: it is a deliberate abort, not a bug.
func recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw, ok := w.(*statusWriter) // observe's, when recoverPanics runs inside it
		if !ok {
			sw = &statusWriter{ResponseWriter: w}
			w = sw
		}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == errCutAtDeadline {
				panic(http.ErrAbortHandler) // logged already, and no handler panic
			}
			var stack []byte
			if p, ok := v.(*handlerPanic); ok {
				v, stack = p.value, p.stack
			} else {
				stack = debug.Stack()
			}
			outcome := panicAnswered
			if sw.started() {
				outcome = panicCut
			}
			logPanic(r, v, stack, outcome)
			if sw.started() {
				panic(http.ErrAbortHandler)
			}
			writeError(w, r, http.StatusInternalServerError, "", nil)
		}()
		next.ServeHTTP(w, r)
	})
}

// logPanic writes the "handler panic" line: the value, the stack and what the
// client got.
func logPanic(r *http.Request, v any, stack []byte, outcome string) {
	level := slog.LevelError
	if v == http.ErrAbortHandler {
		level = slog.LevelWarn
	}
	stateFrom(r.Context()).log(r.Context(), level, "handler panic",
		slog.String("outcome", outcome), slog.String("panic", fmt.Sprint(v)), slog.String("stack", string(stack)))
}

// handlerPanic carries a panic from the goroutine that ran the handler to the
// request's, with the stack of where it happened.
type handlerPanic struct {
	value any
	stack []byte
}

// String is what net/http logs should a handlerPanic ever reach it.
func (p *handlerPanic) String() string { return fmt.Sprintf("%v\n\n%s", p.value, p.stack) }
