package adapters_test

// The correctness table: the events, and what net/http would have done
// with each.

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"testing"

	"github.com/r2r/r2r/internal/lambdahttp/lambdahttptest"
)

// The fronts of the events, after the live captures in
// internal/lambdahttp/testdata/aws-events; lambdahttptest builds the
// events each one delivers.

const clientIP = "68.8.83.18"

var (
	restFront = lambdahttptest.Front{
		Domain: "5h7pqvr9u4.execute-api.us-west-2.amazonaws.com", AccountID: "910345601053", Stage: "live",
		RequestID: "7c2af7db-31f3-42b5-8a6d-9ffc74e3b9e0", SourceIP: clientIP, UserAgent: "curl/8.7.1",
	}
	httpFront = lambdahttptest.Front{
		Domain: "sjzepsqsu5.execute-api.us-west-2.amazonaws.com", AccountID: "910345601053", Stage: "$default",
		RequestID: "ATfSmjLgPHcESJw=", SourceIP: clientIP, UserAgent: "curl/8.7.1",
	}
	urlFront = lambdahttptest.Front{
		Domain: "abcdefghijklmnopqrstuvwxyz123456.lambda-url.us-west-2.on.aws", AccountID: "910345601053",
		RequestID: "ATfSmjLgPHcESJw=", SourceIP: clientIP, UserAgent: "curl/8.7.1",
	}
	albFront = lambdahttptest.Front{
		TargetGroupARN: "arn:aws:elasticloadbalancing:us-west-2:910345601053:targetgroup/r2r/abc", SourceIP: clientIP,
	}
)

// get is a GET through a payload 2.0 front: the client's headers, then
// the Host and X-Forwarded-For that AWS adds.
func get(front lambdahttptest.Front, target string, header ...[2]string) lambdahttptest.Request {
	header = append(header, [2]string{"Host", front.Domain}, [2]string{"X-Forwarded-For", clientIP})
	return lambdahttptest.Request{Method: "GET", Target: target, Header: header}
}

// albGet is a GET through the load balancer, with the headers it adds.
func albGet(target string) lambdahttptest.Request {
	return lambdahttptest.Request{Method: "GET", Target: target, Header: [][2]string{
		{"Host", "r2r-alb-123.us-west-2.elb.amazonaws.com"}, {"X-Forwarded-Proto", "https"},
		{"X-Forwarded-Port", "443"}, {"User-Agent", "curl/8.7.1"},
	}}
}

// Checks: each returns what differs from net/http semantics, or nothing.

func served(r result) []string {
	switch {
	case r.panicked != nil:
		return []string{fmt.Sprintf("panic escaped the adapter (%v)", r.panicked)}
	case r.err != nil:
		return []string{fmt.Sprintf("Invoke failed: %v", r.err)}
	case r.outErr != nil:
		return []string{r.outErr.Error()}
	case !r.called:
		return []string{"handler not called"}
	}
	return nil
}

func diff(what string, got, want any) []string {
	if fmt.Sprint(got) == fmt.Sprint(want) {
		return nil
	}
	return []string{fmt.Sprintf("%s = %q, want %q", what, got, want)}
}

func routed(name string) func(result) []string {
	return func(r result) []string {
		if p := served(r); p != nil {
			return p
		}
		return append(diff("route", r.seen.Route, "GET /capture/{name}"), diff("PathValue(name)", r.seen.Name, name)...)
	}
}

func headerValues(key string, want ...string) func(result) []string {
	return func(r result) []string {
		if p := served(r); p != nil {
			return p
		}
		return diff("Header["+key+"]", r.seen.Header[key], want)
	}
}

func cookies(want ...string) func(result) []string {
	return func(r result) []string {
		if p := served(r); p != nil {
			return p
		}
		return diff("r.Cookies()", r.seen.Cookies, want)
	}
}

func query(want url.Values) func(result) []string {
	return func(r result) []string {
		if p := served(r); p != nil {
			return p
		}
		return diff("r.URL.Query()", r.seen.Query, want)
	}
}

func pngResponse(r result) []string {
	if p := served(r); p != nil {
		return p
	}
	if !bytes.Equal(r.out.Body, pngBytes) {
		return []string{fmt.Sprintf("client gets a corrupted PNG (isBase64Encoded=%t, %d bytes, want %d)", r.out.Base64, len(r.out.Body), len(pngBytes))}
	}
	return nil
}

func notServed(r result) []string {
	switch {
	case r.called:
		return []string{fmt.Sprintf("foreign event served as an HTTP request: %s %q", r.seen.Method, r.seen.Path)}
	case r.panicked != nil:
		return []string{fmt.Sprintf("panic escaped the adapter (%v)", r.panicked)}
	case r.err == nil:
		return []string{fmt.Sprintf("no error for a foreign event; returned %d", r.out.Status)}
	}
	return nil
}

func panicAnswered(r result) []string {
	switch {
	case r.panicked != nil:
		return []string{"the panic escaped the adapter: the runtime reports a function error (the client gets a 502) and the process exits (cold start next)"}
	case r.err != nil:
		return []string{fmt.Sprintf("Invoke failed: %v", r.err)}
	case r.out.Status != http.StatusInternalServerError:
		return []string{fmt.Sprintf("status = %d body %q, want 500", r.out.Status, r.out.Body)}
	}
	return nil
}

// correctnessCases are the events and what net/http would have done.
func correctnessCases(t testing.TB) []struct {
	name  string
	src   source
	event []byte
	check func(result) []string
} {
	return []struct {
		name  string
		src   source
		event []byte
		check func(result) []string
	}{
		{"REST GET as net/http builds it", restAPI,
			restFront.EventV1(t, lambdahttptest.Request{Method: "GET", Target: "/items/42?" + url.Values{"tag": {"a", "b"}, "q": {"a b&c"}}.Encode(),
				Header: [][2]string{{"Host", restFront.Domain}, {"Accept", "application/json"}, {"Accept", "text/plain"}, {"X-Forwarded-For", clientIP}}}),
			func(r result) []string {
				if p := served(r); p != nil {
					return p
				}
				s := r.seen
				var p []string
				p = append(p, diff("Path", s.Path, "/items/42")...)
				p = append(p, diff("Query", s.Query, url.Values{"tag": {"a", "b"}, "q": {"a b&c"}})...)
				p = append(p, diff("Header[Accept]", s.Header["Accept"], []string{"application/json", "text/plain"})...)
				p = append(p, diff("Host", s.Host, restFront.Domain)...)
				if _, ok := s.Header["Host"]; ok {
					p = append(p, "Host is also in r.Header (net/http moves it to r.Host only)")
				}
				if host, _, err := net.SplitHostPort(s.RemoteAddr); err != nil || host != clientIP {
					p = append(p, fmt.Sprintf("RemoteAddr = %q: net.SplitHostPort fails or is not the client IP (net/http gives ip:port)", s.RemoteAddr))
				}
				if !s.HasDeadline || !s.HasLambdaContext {
					p = append(p, fmt.Sprintf("request context: deadline %t, lambdacontext %t", s.HasDeadline, s.HasLambdaContext))
				}
				if r.out.Status != 200 {
					p = append(p, fmt.Sprintf("status %d, want 200", r.out.Status))
				}
				return p
			}},
		{"REST %2F in path (GET /capture/a%2Fb)", restAPI,
			restFront.EventV1(t, lambdahttptest.Request{Method: "GET", Target: "/capture/a%2Fb"}), routed("a/b")},
		{"Function URL %2F in path", functionURL,
			urlFront.EventFunctionURL(t, get(urlFront, "/capture/a%2Fb")), routed("a/b")},
		{"HTTP API decoded path with # (client sent %23)", httpAPI,
			httpFront.EventV2(t, get(httpFront, "/capture/hash%23value")), routed("hash#value")},
		{"HTTP API decoded path with % (client sent %2525)", httpAPI,
			httpFront.EventV2Path(t, get(httpFront, "/capture/100%2525"), "/capture/100%"), routed("100%")},
		{"REST binary request body (isBase64Encoded)", restAPI,
			restFront.EventV1(t, lambdahttptest.Request{Method: "POST", Target: "/upload", Header: [][2]string{{"Content-Type", "image/png"}}, Body: pngBytes, Binary: true}),
			func(r result) []string {
				if p := served(r); p != nil {
					return p
				}
				if !bytes.Equal(r.seen.Body, pngBytes) {
					return []string{fmt.Sprintf("handler got a %d-byte body, want the %d-byte PNG", len(r.seen.Body), len(pngBytes))}
				}
				return nil
			}},
		{"ALB multi-value query, still encoded", alb,
			albFront.EventALB(t, albGet("/items?q=a%20b&plus=1%2B1&k%20y=v"), true),
			query(url.Values{"q": {"a b"}, "plus": {"1+1"}, "k y": {"v"}})},
		{"ALB single-value target group", alb,
			albFront.EventALB(t, albGet("/items?q=a%20b"), false), query(url.Values{"q": {"a b"}})},
		{"HTTP API comma inside one header value", httpAPI,
			httpFront.EventV2(t, get(httpFront, "/items", [2]string{"X-Note", "hello, world"})),
			headerValues("X-Note", "hello, world")},
		{"HTTP API comma inside an ETag", httpAPI,
			httpFront.EventV2(t, get(httpFront, "/items", [2]string{"If-None-Match", `W/"a,b"`})),
			headerValues("If-None-Match", `W/"a,b"`)},
		{"HTTP API cookies[]", httpAPI,
			httpFront.EventV2(t, get(httpFront, "/items", [2]string{"Cookie", "a=1; b=2"})),
			func(r result) []string {
				p := cookies("a=1", "b=2")(r)
				if p == nil && len(r.seen.Header["Cookie"]) != 1 {
					p = append(p, fmt.Sprintf("%d Cookie header lines %q (an HTTP/1.1 client sends one)", len(r.seen.Header["Cookie"]), r.seen.Header["Cookie"]))
				}
				return p
			}},
		{"Function URL cookie header and cookies[]", functionURL,
			urlFront.EventFunctionURL(t, get(urlFront, "/items", [2]string{"Cookie", "a=1; b=2"})), cookies("a=1", "b=2")},
		{"REST PNG response", restAPI, restFront.EventV1(t, lambdahttptest.Request{Method: "GET", Target: "/png"}), pngResponse},
		{"HTTP API PNG response", httpAPI, httpFront.EventV2(t, get(httpFront, "/png")), pngResponse},
		{"Function URL PNG response", functionURL, urlFront.EventFunctionURL(t, get(urlFront, "/png")), pngResponse},
		{"HTTP API two Set-Cookie", httpAPI, httpFront.EventV2(t, get(httpFront, "/cookies")),
			func(r result) []string {
				if p := served(r); p != nil {
					return p
				}
				return diff("Set-Cookie", r.out.Header["Set-Cookie"], []string{"session=new; Path=/; HttpOnly", "theme=light; Path=/"})
			}},
		{"{} behind a REST API", restAPI, []byte(`{}`), notServed},
		{"{} behind a Function URL", functionURL, []byte(`{}`), notServed},
		{"SQS event behind a REST API", restAPI,
			[]byte(`{"Records":[{"messageId":"059f36b4-87a3-44ab-83d2-661975830a7d","receiptHandle":"AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a",` +
				`"body":"hello","attributes":{"ApproximateReceiveCount":"1"},"messageAttributes":{},"md5OfBody":"5d41402abc4b2a76b9719d911017c592",` +
				`"eventSource":"aws:sqs","eventSourceARN":"arn:aws:sqs:us-west-2:910345601053:r2r-queue","awsRegion":"us-west-2"}]}`),
			notServed},
		{"REST handler panic", restAPI, restFront.EventV1(t, lambdahttptest.Request{Method: "GET", Target: "/panic"}), panicAnswered},
		{"HTTP API handler panic", httpAPI, httpFront.EventV2(t, get(httpFront, "/panic")), panicAnswered},
	}
}
