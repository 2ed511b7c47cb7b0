package api

import (
	"context"
	"net/http"
	"time"
)

// TraceIDFromContext returns the X-Ray trace header of the request being
// served (Root=...;Parent=...;Sampled=...), or "" when there is none.
func TraceIDFromContext(ctx context.Context) string { return stateFrom(ctx).platform.TraceID }

// NewHTTPClient returns the client for every outbound call the service makes:
// it passes the served request's X-Ray trace header on (X-Amzn-Trace-Id), so
// that a trace follows the request into the services it calls. Requests must
// carry the served request's context (http.NewRequestWithContext). base may be
// nil for http.DefaultTransport.
func NewHTTPClient(base http.RoundTripper, timeout time.Duration) *http.Client {
	if base == nil {
		base = http.DefaultTransport
	}
	return &http.Client{Transport: propagateTrace{base}, Timeout: timeout}
}

type propagateTrace struct{ base http.RoundTripper }

func (t propagateTrace) RoundTrip(r *http.Request) (*http.Response, error) {
	if id := TraceIDFromContext(r.Context()); id != "" && r.Header.Get("X-Amzn-Trace-Id") == "" {
		r = r.Clone(r.Context()) // a RoundTripper must not change the caller's request
		r.Header.Set("X-Amzn-Trace-Id", id)
	}
	return t.base.RoundTrip(r)
}
