package apigw

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// proxyResponse is a Lambda proxy integration's response.
type proxyResponse struct {
	StatusCode        *int                `json:"statusCode"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Body              *string             `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
}

// streamDelimiter separates a streamed response's JSON prelude from its body.
var streamDelimiter = []byte("\x00\x00\x00\x00\x00\x00\x00\x00")

func (g *Gateway) invoke(w http.ResponseWriter, r *http.Request, ri *requestInfo, m *Method, body []byte) int {
	ev, err := g.buildEvent(r, ri, body)
	if err != nil {
		ri.errorMessage = "Internal server error"
		return g.fail(w, "DEFAULT_5XX", ri)
	}
	in := m.Integration
	ctx, cancel := context.WithTimeout(r.Context(), in.Timeout)
	defer cancel()
	payload, err := g.cfg.Invoker.Invoke(ctx, in.Function, in.Qualifier, ri.requestID, ev)
	if err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			g.cfg.Logger.Warn("integration timeout", "function", in.Function.ID, "timeout", in.Timeout.String(), "request_id", ri.requestID)
			return g.fail(w, "INTEGRATION_TIMEOUT", ri)
		}
		if r.Context().Err() != nil {
			return 499 // the client went away; nobody to answer
		}
		g.cfg.Logger.Error("invocation failed", "function", in.Function.ID, "request_id", ri.requestID, "error", err.Error())
		return g.badGateway(w, ri)
	}
	var resp proxyResponse
	var streamed []byte
	if in.Stream {
		prelude, rest, ok := bytes.Cut(payload, streamDelimiter)
		if !ok {
			// A streamed function that wrote no prelude: AWS passes the bytes
			// on as the body of a 200 (the Lambda function URL rules).
			prelude, rest = []byte(`{"statusCode":200}`), payload
		}
		payload, streamed = prelude, rest
	}
	if err := json.Unmarshal(payload, &resp); err != nil || resp.StatusCode == nil {
		g.cfg.Logger.Error("malformed Lambda proxy response", "function", in.Function.ID, "request_id", ri.requestID,
			"payload", truncate(payload, 512))
		return g.badGateway(w, ri)
	}
	var out []byte
	switch {
	case in.Stream:
		out = streamed
	case resp.Body == nil:
	case resp.IsBase64Encoded && g.acceptsBinary(r.Header.Get("Accept")):
		out, err = base64.StdEncoding.DecodeString(*resp.Body)
		if err != nil {
			g.cfg.Logger.Error("response body is not base64", "function", in.Function.ID, "request_id", ri.requestID)
			return g.badGateway(w, ri)
		}
	default:
		out = []byte(*resp.Body)
	}
	h := w.Header()
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	for k, v := range resp.Headers {
		if _, ok := resp.MultiValueHeaders[k]; !ok {
			h.Set(k, v)
		}
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	// The function does not decide the framing: API Gateway does.
	h.Del("Transfer-Encoding")
	if !in.Stream {
		h.Set("Content-Length", strconv.Itoa(len(out)))
	} else {
		h.Del("Content-Length")
	}
	status := *resp.StatusCode
	if status < 100 || status > 599 {
		return g.badGateway(w, ri)
	}
	w.WriteHeader(status)
	w.Write(out)
	return status
}

// badGateway is API Gateway's answer to a function error, a crash or a
// malformed response: 502 through DEFAULT_5XX.
func (g *Gateway) badGateway(w http.ResponseWriter, ri *requestInfo) int {
	ri.errorMessage = "Internal server error"
	rec := &statusWriter{ResponseWriter: w}
	g.gatewayResponse(rec, "DEFAULT_5XX", ri, http.StatusBadGateway)
	return rec.status
}

// acceptsBinary reports whether API Gateway would decode a base64 response
// for a request with this Accept header: its first media type matches a
// binary media type (a request without one is taken as accepting */*).
func (g *Gateway) acceptsBinary(accept string) bool {
	first, _, _ := strings.Cut(accept, ",")
	first = strings.TrimSpace(first)
	if first == "" {
		first = "*/*"
	}
	for _, t := range g.api.BinaryMediaTypes {
		if t == "*/*" || strings.EqualFold(t, first) || matchesMediaType(first, []string{t}) {
			return true
		}
	}
	return false
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}
