package lambdahttp

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/r2r/r2r/internal/jsonstr"
)

// maxResponseBytes is Lambda's limit on a buffered response payload, as its
// error message states it: "Response payload size (N bytes) exceeded maximum
// allowed payload size (6291556 bytes)".
const maxResponseBytes = 6291556

// responseWriter is the buffered http.ResponseWriter the handler writes to.
// It follows net/http's semantics: an implicit 200, the first WriteHeader
// wins, the header is snapshotted when the status is written, and an unset
// Content-Type is sniffed from the body.
type responseWriter struct {
	headerState
	body []byte
}

// headerState is the status and header half of an http.ResponseWriter, with
// net/http's rules; the buffered and the streaming writers share it.
type headerState struct {
	header      http.Header
	snapshot    http.Header // header as it was at WriteHeader
	status      int
	wroteHeader bool
}

var writerPool = sync.Pool{New: func() any { return new(responseWriter) }}

func newResponseWriter() *responseWriter {
	w := writerPool.Get().(*responseWriter)
	if w.header == nil {
		w.header = make(http.Header)
	}
	return w
}

// release returns w to the pool, keeping its buffer unless it grew large.
func (w *responseWriter) release() {
	body := w.body[:0]
	if cap(body) > 64<<10 {
		body = nil
	}
	// The live header map is reused, cleared (the snapshot, if any, was a
	// clone and is already encoded).
	hdr := w.header
	if len(hdr) > 32 {
		hdr = nil
	}
	clear(hdr)
	*w = responseWriter{body: body, headerState: headerState{header: hdr}}
	writerPool.Put(w)
}

func (w *headerState) Header() http.Header { return w.header }

func (w *headerState) WriteHeader(code int) {
	if w.wroteHeader {
		return // net/http logs "superfluous WriteHeader" and ignores it too
	}
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code)) // as net/http does
	}
	if code < 200 && code != http.StatusSwitchingProtocols {
		// Informational responses (103 Early Hints, ...) cannot be sent ahead
		// of a Lambda response (its prelude carries one status): the final
		// status follows.
		return
	}
	w.status = code
	w.wroteHeader = true
	w.snapshot = w.header.Clone()
}

func (w *responseWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !bodyAllowed(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	w.body = append(w.body, p...)
	return len(p), nil
}

// WriteString lets io.WriteString skip a []byte conversion.
func (w *responseWriter) WriteString(s string) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !bodyAllowed(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	w.body = append(w.body, s...)
	return len(s), nil
}

// Flush implements http.Flusher. Lambda responses are buffered, so it only
// commits the status, as a flush does under net/http.
func (w *responseWriter) Flush() {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
}

// result returns the final status, header and body.
func (w *responseWriter) result() (int, http.Header, []byte) {
	if !w.wroteHeader {
		// The handler wrote nothing: net/http sends 200 with the header as
		// it is when the handler returns.
		w.status, w.snapshot = http.StatusOK, w.header
	}
	h := w.snapshot
	if _, ok := h["Content-Type"]; !ok && len(w.body) > 0 {
		// Sniff as net/http does; setting Header()["Content-Type"] = nil
		// turns it off, as under net/http.
		h.Set("Content-Type", http.DetectContentType(w.body))
	}
	return w.status, h, w.body
}

func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

// IsTextContent is the default binary policy (see [WithBinaryPolicy]): a
// body is sent as text when it has no Content-Encoding (or "identity") and
// its media type is text/*, JSON, XML, JavaScript, form data, YAML, or any
// +json / +xml type. Everything else, including every compressed body, is
// base64-encoded: API Gateway and ALB would otherwise corrupt it.
func IsTextContent(contentType, contentEncoding string) bool {
	if contentEncoding != "" && !strings.EqualFold(contentEncoding, "identity") {
		return false
	}
	mt := contentType
	if i := strings.IndexByte(mt, ';'); i >= 0 {
		mt = mt[:i]
	}
	mt = strings.ToLower(strings.TrimSpace(mt))
	if strings.HasPrefix(mt, "text/") || strings.HasSuffix(mt, "+json") || strings.HasSuffix(mt, "+xml") {
		return true
	}
	switch mt {
	case "application/json", "application/xml", "application/javascript",
		"application/x-javascript", "application/ecmascript",
		"application/x-www-form-urlencoded", "application/yaml",
		"application/x-yaml", "application/x-ndjson", "application/graphql":
		return true
	}
	return false
}

// encode renders the response in the JSON shape of the request's source,
// with net/http's header rules (see validResponseHeaderName and
// responseHeaderValue) in every shape. It is written by hand, not with aws-lambda-go's response structs, whose
// omitempty tags would put keys in the wrong places (e.g. "cookies" in a
// REST response); and it is faster.
func (h *Handler) encode(in *inbound, status int, hdr http.Header, body []byte) []byte {
	text := len(body) == 0 || (h.cfg.isText(hdr.Get("Content-Type"), hdr.Get("Content-Encoding")) && utf8.Valid(body))

	var keyBuf [16]string
	keys := keyBuf[:0]
	size := 128
	for k, vs := range hdr {
		if len(vs) == 0 || !validResponseHeaderName(k) {
			continue
		}
		keys = append(keys, k)
		size += len(k) + 8
		for _, v := range vs {
			size += len(v) + 4
		}
	}
	slices.Sort(keys)
	if text {
		size += len(body) + len(body)/8
	} else {
		size += base64.StdEncoding.EncodedLen(len(body))
	}
	out := make([]byte, 0, size)

	out = append(out, `{"statusCode":`...)
	out = strconv.AppendInt(out, int64(status), 10)
	switch {
	case in.source == SourceAPIGatewayV1:
		out = appendMultiValueHeaders(out, hdr, keys)
	case in.source == SourceALB:
		out = append(out, `,"statusDescription":`...)
		desc := strconv.Itoa(status)
		if t := http.StatusText(status); t != "" {
			desc += " " + t
		}
		out = jsonstr.Append(out, desc)
		if in.albMultiValue {
			out = appendMultiValueHeaders(out, hdr, keys)
		} else {
			out = h.appendALBSingleHeaders(out, hdr, keys, in)
		}
	default: // payload 2.0: HTTP API and Function URL
		out = appendJoinedHeaders(out, hdr, keys)
		if c := hdr["Set-Cookie"]; len(c) > 0 {
			out = append(out, `,"cookies":[`...)
			for i, v := range c {
				if i > 0 {
					out = append(out, ',')
				}
				out = jsonstr.Append(out, responseHeaderValue(v))
			}
			out = append(out, ']')
		}
	}
	out = append(out, `,"body":`...)
	if text {
		out = jsonstr.Append(out, body)
		out = append(out, `,"isBase64Encoded":false}`...)
	} else {
		out = append(out, '"')
		out = base64.StdEncoding.AppendEncode(out, body)
		out = append(out, `","isBase64Encoded":true}`...)
	}
	return out
}

// appendMultiValueHeaders writes "multiValueHeaders" (REST API, multi-value
// ALB), where Set-Cookie and every repeated header keep all their values.
func appendMultiValueHeaders(out []byte, hdr http.Header, keys []string) []byte {
	out = append(out, `,"multiValueHeaders":{`...)
	for i, k := range keys {
		if i > 0 {
			out = append(out, ',')
		}
		out = jsonstr.Append(out, k)
		out = append(out, ":["...)
		for j, v := range hdr[k] {
			if j > 0 {
				out = append(out, ',')
			}
			out = jsonstr.Append(out, responseHeaderValue(v))
		}
		out = append(out, ']')
	}
	return append(out, '}')
}

// appendJoinedHeaders writes payload 2.0 "headers": repeated values joined
// with ",", as HTTP allows for every header but Set-Cookie, which goes to
// "cookies" instead.
func appendJoinedHeaders(out []byte, hdr http.Header, keys []string) []byte {
	out = append(out, `,"headers":{`...)
	first := true
	for _, k := range keys {
		if k == "Set-Cookie" {
			continue
		}
		if !first {
			out = append(out, ',')
		}
		first = false
		out = jsonstr.Append(out, k)
		out = append(out, ':')
		out = jsonstr.Append(out, joinedHeaderValue(hdr[k]))
	}
	return append(out, '}')
}

// appendALBSingleHeaders writes "headers" for an ALB target group without
// multi-value headers: repeated values are joined with ",", except
// Set-Cookie, whose values cannot be joined; only the last is sent, as the
// ALB itself keeps only the last value of a repeated request header in this
// mode. The loss is logged: enable multi-value headers on the target group to
// send several cookies.
func (h *Handler) appendALBSingleHeaders(out []byte, hdr http.Header, keys []string, in *inbound) []byte {
	out = append(out, `,"headers":{`...)
	for i, k := range keys {
		if i > 0 {
			out = append(out, ',')
		}
		out = jsonstr.Append(out, k)
		out = append(out, ':')
		vs := hdr[k]
		if len(vs) > 1 && k == "Set-Cookie" {
			h.logger().Warn("lambdahttp: ALB target group without multi-value headers can send only one Set-Cookie; dropped the others",
				"dropped", len(vs)-1, "request_id", in.info.requestID)
			vs = vs[len(vs)-1:]
		}
		out = jsonstr.Append(out, joinedHeaderValue(vs))
	}
	return append(out, '}')
}

// joinedHeaderValue is the one value a single-value header field carries
// for vs: each value as net/http would send it, joined with ",".
func joinedHeaderValue(vs []string) string {
	if len(vs) == 1 {
		return responseHeaderValue(vs[0])
	}
	return strings.Join(responseHeaderValues(vs), ",")
}

// errorResponse is an error made by the adapter itself, encoded for the
// request's source.
func (h *Handler) errorResponse(in *inbound, status int, detail string) []byte {
	return h.encode(in, status, h.errorHeader(in), h.errorBody(in, status, detail))
}

// errorBody is the body of an adapter-made error: WithErrorBody's, else
// {"message": detail}, the shape of API Gateway's own error responses, so a
// client sees one shape whether the gateway or the adapter refused.
func (h *Handler) errorBody(in *inbound, status int, detail string) []byte {
	if h.cfg.errorBody != nil {
		return h.cfg.errorBody(status, detail, in.info.platformID)
	}
	body := make([]byte, 0, 16+len(detail))
	body = append(body, `{"message":`...)
	body = jsonstr.Append(body, detail)
	return append(body, '}')
}

// errorHeader is the header of an adapter-made error.
func (h *Handler) errorHeader(in *inbound) http.Header {
	hdr := http.Header{
		"Content-Type":           {"application/json"},
		"X-Content-Type-Options": {"nosniff"},
	}
	if h.cfg.requestIDHeader != "" && in.info.platformID != "" {
		hdr[h.cfg.requestIDHeader] = []string{in.info.platformID}
	}
	return hdr
}
