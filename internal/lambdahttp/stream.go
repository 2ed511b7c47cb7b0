package lambdahttp

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime/debug"

	"github.com/aws/aws-lambda-go/events"
)

// ErrStreamingUnsupported is wrapped by the error InvokeStream returns for an
// event from a source that cannot receive a streamed response: an HTTP API
// (payload 2.0) or an ALB.
var ErrStreamingUnsupported = errors.New("lambdahttp: response streaming unsupported")

var (
	errInvokeStreaming = errors.New("lambdahttp: Invoke called on a Handler made WithResponseStreaming; " +
		"its function streams responses: serve it with lambdahttp.Start, or call InvokeStream")
	// errStreamClosed is what the handler's writes return once the runtime
	// has closed the stream (the client went away, or the invoke ended).
	errStreamClosed = errors.New("lambdahttp: response stream closed")
	// errStreamPanic ends a stream whose handler panicked after the status
	// was sent: the runtime reports it to Lambda as a function error.
	errStreamPanic = errors.New("lambdahttp: handler panicked after the response started; the response is incomplete")
)

// streamBufferSize is how many bytes of a streamed response the writer holds
// before sending them, unless the handler flushes: net/http's server also
// buffers (2 KB before it picks chunking, 4 KB for the connection), which
// keeps small writes from each becoming a chunk and gives Content-Type
// sniffing data to read.
const streamBufferSize = 4 << 10

// WithResponseStreaming makes the Handler stream responses: its function is
// invoked with response streaming, through a Function URL with invoke mode
// RESPONSE_STREAM or an API Gateway REST API integration with response
// transfer mode STREAM (URI .../response-streaming-invocations). [Start] then
// serves it with [Handler.InvokeStream], and Invoke refuses every event. The
// invoke mode is a deployment fact, so it is configured, never guessed from
// the event: both invoke modes deliver the same event.
//
// Streaming needs the provided.al2023 runtime (or the lambda.norpc build
// tag), as every aws-lambda-go streaming response does.
func WithResponseStreaming() Option {
	return func(c *config) { c.streaming = true }
}

// InvokeStream decodes payload exactly as Invoke does (same request, same
// context accessors, same errors for foreign events) and serves it with a
// streamed response. It returns once the handler has sent the status: the
// returned reader yields what the Lambda runtime sends in streaming mode, a
// JSON prelude with the status and header, 8 null bytes, then the body as the
// handler writes and flushes it. The reader is an
// *events.LambdaFunctionURLStreamingResponse for a Function URL event and an
// *events.APIGatewayProxyStreamingResponse for a REST API event. Close it when
// done (the runtime does): closing it early cancels the request's context and
// makes the handler's writes fail, as a client disconnecting does under
// net/http.
//
// The handler runs in its own goroutine and writes, through a 4 KB buffer,
// into a pipe the reader drains: what leaves the buffer (a flush, a full
// buffer) blocks the handler until the runtime has read it. The prelude goes out
// when the handler first flushes (http.Flusher, http.ResponseController), when
// it has written more than a 4 KB buffer holds, or when it returns. A
// Content-Type the handler did not set is sniffed from the first bytes sent,
// as under net/http.
//
// A handler panic before the prelude went out is logged and answered with the
// usual 500 JSON error (whatever the handler wrote is discarded); a panic after
// it is logged and ends the stream with an error, which the runtime reports as
// a function error, so the client sees a truncated response, never a complete
// one. The request's context is the invoke's (the Lambda deadline), cancelled
// when the handler returns or the reader is closed.
//
// InvokeStream returns an error wrapping [ErrUnsupportedEvent] for events that
// are not HTTP requests, and one wrapping [ErrStreamingUnsupported] for HTTP
// API and ALB events: neither source can stream.
func (h *Handler) InvokeStream(ctx context.Context, payload []byte) (io.ReadCloser, error) {
	in := new(inbound) // shared with the handler's goroutine
	if err := readEvent(ctx, payload, in); err != nil {
		return nil, err
	}
	switch in.source {
	case SourceFunctionURL, SourceAPIGatewayV1:
	default:
		return nil, fmt.Errorf("%w: a %s event: only Function URLs (invoke mode RESPONSE_STREAM) and "+
			"API Gateway REST APIs (response transfer mode STREAM) stream; serve HTTP APIs and ALBs buffered",
			ErrStreamingUnsupported, in.source)
	}
	if in.badRequest != "" {
		return h.streamError(in, http.StatusBadRequest, in.badRequest), nil
	}
	invokeCtx := ctx
	ctx, cancel := context.WithCancel(ctx)
	r, detail := h.newRequest(ctx, in)
	if detail != "" {
		cancel()
		return h.streamError(in, http.StatusBadRequest, detail), nil
	}

	pr, pw := io.Pipe()
	// The invoke ending (its deadline) ends the stream: the handler's writes
	// fail, and the runtime reports the cut. After a complete response this
	// changes nothing: a closed pipe keeps its first error.
	stop := context.AfterFunc(invokeCtx, func() {
		pw.CloseWithError(fmt.Errorf("lambdahttp: the invoke ended during the response: %w", context.Cause(invokeCtx)))
	})
	heads := make(chan streamHead, 1)
	w := &streamWriter{headerState: headerState{header: make(http.Header)}, ctx: ctx, pw: pw, heads: heads}
	w.bw = bufio.NewWriterSize(streamSink{w}, streamBufferSize)
	go h.serveStream(w, r, in, func() { stop(); cancel() })

	head := <-heads
	if head.body == nil {
		head.body = &streamBody{pr: pr, cancel: cancel}
	}
	return streamResponse(in, head), nil
}

// invokeStreamFunc is InvokeStream in a shape lambda.Start takes: the runtime
// hands over the payload undecoded and, since the result's MarshalJSON fails
// and it is an io.Reader, streams it with the result's ContentType.
func (h *Handler) invokeStreamFunc(ctx context.Context, payload json.RawMessage) (io.Reader, error) {
	rc, err := h.InvokeStream(ctx, payload)
	if err != nil {
		return nil, err // a nil io.Reader, not a nil io.ReadCloser in one
	}
	return rc, nil
}

// serveStream runs the handler (in its own goroutine) and ends the stream;
// done is called last.
func (h *Handler) serveStream(w *streamWriter, r *http.Request, in *inbound, done func()) {
	// As net/http does, the request's context ends with ServeHTTP.
	defer done()
	returned := false
	defer func() {
		if returned {
			w.finish()
			return
		}
		v := recover()
		started := w.committed
		log := h.logger().ErrorContext
		msg := "lambdahttp: handler panic"
		if started {
			msg = "lambdahttp: handler panic after the response started; the stream was cut short"
		}
		attrs := []any{"panic", fmt.Sprint(v), "stack", string(debug.Stack())}
		if v == http.ErrAbortHandler {
			// net/http aborts silently for this sentinel: no stack.
			log, msg, attrs = h.logger().WarnContext, "lambdahttp: handler aborted the response", nil
		}
		log(r.Context(), msg, append(attrs, "streaming", true, "response_started", started,
			"request_id", in.info.requestID, "method", r.Method, "path", r.URL.Path)...)
		if !started {
			// Nothing reached the client: answer 500 as buffered mode does,
			// discarding whatever the handler had buffered.
			w.heads <- streamHead{
				status: http.StatusInternalServerError,
				header: h.errorHeader(in),
				body:   bytes.NewReader(h.errorBody(in, http.StatusInternalServerError, http.StatusText(http.StatusInternalServerError))),
			}
			w.pw.Close()
			return
		}
		err := errStreamPanic
		if v == http.ErrAbortHandler {
			err = fmt.Errorf("lambdahttp: handler aborted the response: %w", http.ErrAbortHandler)
		}
		w.pw.CloseWithError(err)
	}()
	h.handler.ServeHTTP(w, r)
	returned = true
}

// streamError is an adapter-made JSON error as a streamed response.
func (h *Handler) streamError(in *inbound, status int, detail string) io.ReadCloser {
	return streamResponse(in, streamHead{
		status: status,
		header: h.errorHeader(in),
		body:   bytes.NewReader(h.errorBody(in, status, detail)),
	})
}

// streamHead is what goes in the prelude, and the body to stream after it
// (nil for the handler's stream).
type streamHead struct {
	status int
	header http.Header
	body   io.Reader
}

// streamResponse wraps head in the source's aws-lambda-go streaming type,
// which renders the prelude, with net/http's header rules (as encode has
// them). Set-Cookie values go to "cookies", the field
// both preludes have for them; a REST API gets every other header in
// "multiValueHeaders" (repeated values kept apart, as in buffered mode), a
// Function URL in "headers", repeated values joined with ",".
func streamResponse(in *inbound, head streamHead) io.ReadCloser {
	var cookies []string
	if c := head.header["Set-Cookie"]; len(c) > 0 {
		cookies = responseHeaderValues(c)
	}
	if in.source == SourceAPIGatewayV1 {
		return &events.APIGatewayProxyStreamingResponse{
			StatusCode:        head.status,
			MultiValueHeaders: preludeHeaders(head.header, responseHeaderValues),
			Cookies:           cookies,
			Body:              head.body,
		}
	}
	return &events.LambdaFunctionURLStreamingResponse{
		StatusCode: head.status,
		Headers:    preludeHeaders(head.header, joinedHeaderValue),
		Cookies:    cookies,
		Body:       head.body,
	}
}

// preludeHeaders returns the headers of h that a prelude's header map
// carries, each one's values rendered by values: every header but
// Set-Cookie (the prelude's "cookies" has it) and those net/http would not
// send. It is nil when none is left.
func preludeHeaders[V any](h http.Header, values func([]string) V) map[string]V {
	var m map[string]V
	for k, vs := range h {
		if len(vs) == 0 || k == "Set-Cookie" || !validResponseHeaderName(k) {
			continue
		}
		if m == nil {
			m = make(map[string]V, len(h))
		}
		m[k] = values(vs)
	}
	return m
}

// streamBody is the body of a streamed response: the read end of the pipe
// the handler writes into.
type streamBody struct {
	pr     *io.PipeReader
	cancel context.CancelFunc
}

func (b *streamBody) Read(p []byte) (int, error) { return b.pr.Read(p) }

// Close ends the stream: the handler's context is cancelled and its writes
// fail. After the whole body was read, the handler has already returned.
func (b *streamBody) Close() error {
	b.cancel()
	b.pr.CloseWithError(errStreamClosed)
	return nil
}

// streamWriter is the http.ResponseWriter of a streamed response. Like the
// buffered responseWriter it follows net/http: an implicit 200, the first
// WriteHeader wins, the header is snapshotted when the status is written, an
// unset Content-Type is sniffed. Only the handler's goroutine uses it.
type streamWriter struct {
	headerState
	committed bool            // the prelude was handed to InvokeStream
	ctx       context.Context // the request's: once it ends, writes fail
	bw        *bufio.Writer
	pw        *io.PipeWriter
	heads     chan<- streamHead
}

func (w *streamWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !bodyAllowed(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	return w.bw.Write(p)
}

// WriteString lets io.WriteString skip a []byte conversion.
func (w *streamWriter) WriteString(s string) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !bodyAllowed(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	return w.bw.WriteString(s)
}

// FlushError sends the prelude, if it has not gone yet, and what the handler
// wrote; it returns once the runtime has read it, or with the error that
// closed the stream. http.ResponseController.Flush calls it.
func (w *streamWriter) FlushError() error {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if err := w.bw.Flush(); err != nil {
		return err
	}
	w.commit(nil)
	return nil
}

// Flush implements http.Flusher.
func (w *streamWriter) Flush() { w.FlushError() }

// commit hands the prelude to InvokeStream, once, before the first body
// bytes p (if any) go into the pipe.
func (w *streamWriter) commit(p []byte) {
	if w.committed {
		return
	}
	w.committed = true
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	hdr := w.snapshot
	if _, ok := hdr["Content-Type"]; !ok && len(p) > 0 {
		// Header()["Content-Type"] = nil turns sniffing off, as under net/http.
		hdr.Set("Content-Type", http.DetectContentType(p))
	}
	w.heads <- streamHead{status: w.status, header: hdr}
}

// finish ends the stream of a handler that returned: what is buffered is
// sent (with the prelude, if it has not gone yet) and the body ends.
func (w *streamWriter) finish() {
	w.bw.Flush() // an error means the runtime closed the stream: nothing to do
	w.commit(nil)
	w.pw.Close()
}

// streamSink is what the writer's buffer drains into: the pipe, behind the
// prelude.
type streamSink struct{ w *streamWriter }

func (s streamSink) Write(p []byte) (int, error) {
	s.w.commit(p)
	// The pipe is closed when the invoke ends, but by another goroutine: a
	// handler woken by the same cancel could otherwise still write.
	if err := s.w.ctx.Err(); err != nil {
		return 0, fmt.Errorf("lambdahttp: the stream ended: %w", context.Cause(s.w.ctx))
	}
	return s.w.pw.Write(p)
}
