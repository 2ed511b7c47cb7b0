package lambdahttp_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/google/go-cmp/cmp"
	"golang.org/x/net/http/httpguts"

	"github.com/r2r/r2r/internal/lambdahttp"
	"github.com/r2r/r2r/internal/lambdahttp/lambdahttptest"
)

// hostileHeaders is what a careless handler might put in its response
// header: names net/http refuses to send, values that would start header
// lines of their own, padding, control bytes.
func hostileHeaders(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h["X-Injected"] = []string{"a\r\nSet-Cookie: evil=1"}
	h["Bad Name:"] = []string{"dropped"}
	h["X-Split\r\nX-Evil"] = []string{"dropped"}
	h["X-Ünicode"] = []string{"dropped"}
	h[""] = []string{"dropped"}
	h["X-Lf"] = []string{"line1\nline2"}
	h["X-Padded"] = []string{" \t padded \t\r\n"}
	h["X-Nul"] = []string{"a\x00b"}
	h["X-Ctl"] = []string{"a\x01b\x7fc\x1b"}
	h["X-Tab"] = []string{"a\tb"}
	h["X-Utf8"] = []string{"café λ"}
	h["X-Repeated"] = []string{"one\r\n", "two\ninjected: 1"}
	h["X-Blank"] = []string{"\r\n"}
	h["x-lower"] = []string{"kept as named"}
	h["Set-Cookie"] = []string{"ok=1; Path=/", "bad=2\r\nX-Evil: 1", " padded=3 "}
	h.Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "ok")
}

// serverAdded are the headers net/http's server adds itself.
var serverAdded = map[string]bool{"Date": true, "Content-Length": true, "Connection": true}

// rawExchange sends req to the server at addr on a new connection and
// returns the status code and the response header lines exactly as they
// came on the wire (names as sent, every line a value), without a client
// library in between to clean them.
func rawExchange(t *testing.T, addr, req string) (int, map[string][]string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	head, _, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
	if !ok {
		t.Fatalf("response %q has no end of header", raw)
	}
	lines := strings.Split(string(head), "\r\n")
	f := strings.Fields(lines[0])
	if len(f) < 2 {
		t.Fatalf("status line %q", lines[0])
	}
	status, err := strconv.Atoi(f[1])
	if err != nil {
		t.Fatalf("status line %q: %v", lines[0], err)
	}
	hdr := map[string][]string{}
	for _, l := range lines[1:] {
		k, v, ok := strings.Cut(l, ":")
		if !ok {
			t.Fatalf("header line %q has no colon", l)
		}
		if serverAdded[k] {
			continue
		}
		hdr[k] = append(hdr[k], strings.TrimPrefix(v, " "))
	}
	return status, hdr
}

// shaped is the header h (as net/http sends it, one line a value) as a
// response shape carries it: joined shapes put the values of a name in one
// field, joined with ","; Set-Cookie keeps every value, except in an ALB
// single-value response, which has room for the last one only.
func shaped(h map[string][]string, joined, lastCookieOnly bool) map[string][]string {
	out := map[string][]string{}
	for k, vs := range h {
		switch {
		case k == "Set-Cookie" && lastCookieOnly:
			out[k] = vs[len(vs)-1:]
		case k == "Set-Cookie" || !joined:
			out[k] = vs
		default:
			out[k] = []string{strings.Join(vs, ",")}
		}
	}
	return out
}

// clientHeader is what a client of the source gets from r: every field of
// the response that becomes a header line, Set-Cookie from cookies too.
func clientHeader(r response) map[string][]string {
	out := map[string][]string{}
	for k, vs := range r.MultiValueHeaders {
		out[k] = append(out[k], vs...)
	}
	for k, v := range r.Headers {
		out[k] = append(out[k], v)
	}
	if len(r.Cookies) > 0 {
		out["Set-Cookie"] = append(out["Set-Cookie"], r.Cookies...)
	}
	return out
}

// TestResponseHeadersMatchNetHTTP runs one handler under net/http's server
// and under the adapter for every source, buffered and streamed, and checks
// that the client of each gets the same header: invalid names dropped,
// CR and LF turned into spaces, values trimmed, other bytes as they are.
func TestResponseHeadersMatchNetHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(hostileHeaders))
	defer srv.Close()
	status, want := rawExchange(t, srv.Listener.Addr().String(), "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")
	if status != http.StatusOK {
		t.Fatalf("net/http answered %d, want 200", status)
	}
	if _, ok := want["X-Injected"]; !ok || len(want) < 10 {
		t.Fatalf("net/http's header %q does not look like the handler's", want)
	}

	h := lambdahttp.New(http.HandlerFunc(hostileHeaders), lambdahttp.WithLogger(discardLogger()))
	for _, src := range respSources(t) {
		t.Run(src.name, func(t *testing.T) {
			r := decodeResponse(t, invoke(t, h, src.event))
			w := shaped(want, !src.multi, src.name == "alb-single")
			if diff := cmp.Diff(w, clientHeader(r)); diff != "" {
				t.Errorf("header the client gets mismatch (-net/http +adapter):\n%s", diff)
			}
		})
	}

	sh := lambdahttp.New(http.HandlerFunc(hostileHeaders), lambdahttp.WithResponseStreaming(), lambdahttp.WithLogger(discardLogger()))
	c := lambdahttptest.Request{Method: "GET", Target: "/", Header: [][2]string{{"Host", "h"}}}
	for _, tc := range []struct {
		name   string
		event  []byte
		joined bool
	}{
		{"stream apigw-v1", restAPI.EventV1(t, c), false},
		{"stream function-url", functionURL.EventFunctionURL(t, c), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := invokeStream(t, sh, tc.event)
			var r response
			if err := json.Unmarshal(s.prelude, &r); err != nil {
				t.Fatalf("prelude %q: %v", s.prelude, err)
			}
			if diff := cmp.Diff(shaped(want, tc.joined, false), clientHeader(r)); diff != "" {
				t.Errorf("header the client gets mismatch (-net/http +adapter):\n%s", diff)
			}
		})
	}
}

// FuzzResponseHeader: for any header a handler sets, a REST API and an HTTP
// API client get what net/http's Header.Write (the server's header writer)
// puts on the wire.
func FuzzResponseHeader(f *testing.F) {
	for _, s := range [][2]string{
		{"X-Plain", "v"}, {"Bad Name", "v"}, {"X-A", "a\r\nSet-Cookie: x=1"}, {"Set-Cookie", " a=1\n"},
		{"X-Nul", "\x00"}, {"X-Tab", "\t a \t"}, {"", "v"}, {"X-\x7f", "v"}, {"x-lower", "\r\r\n\n"},
	} {
		f.Add(s[0], s[1])
	}
	c := lambdahttptest.Request{Method: "GET", Target: "/", Header: [][2]string{{"Host", "h"}}}
	v1, v2 := restAPI.EventV1(f, c), httpAPI.EventV2(f, c)
	f.Fuzz(func(t *testing.T, name, value string) {
		if !utf8.ValidString(name) || !utf8.ValidString(value) {
			t.Skip("a JSON string cannot carry invalid UTF-8")
		}
		if http.CanonicalHeaderKey(name) == "Content-Type" {
			t.Skip("Content-Type also decides the body's encoding")
		}
		vals := []string{value, "second " + value}
		var wire bytes.Buffer
		http.Header{name: vals}.Write(&wire)
		want := map[string][]string{}
		for l := range strings.SplitSeq(strings.TrimSuffix(wire.String(), "\r\n"), "\r\n") {
			if l == "" {
				continue
			}
			k, v, _ := strings.Cut(l, ": ")
			want[k] = append(want[k], v)
		}
		h := lambdahttp.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header()[name] = vals
		}))
		for _, ev := range []struct {
			payload []byte
			joined  bool
		}{{v1, false}, {v2, true}} {
			got := clientHeader(decodeResponse(t, invoke(t, h, ev.payload)))
			if diff := cmp.Diff(shaped(want, ev.joined, false), got); diff != "" {
				t.Fatalf("header %q: %q mismatch (-net/http +adapter):\n%s", name, vals, diff)
			}
		}
	})
}

// TestRequestHeaderRefusedAsNetHTTPDoes sends each header to net/http's
// server and, inside every source's event, to the adapter: what net/http
// answers 400 the adapter answers with its 400 JSON error, without running
// the handler; what net/http serves reaches the handler unchanged.
func TestRequestHeaderRefusedAsNetHTTPDoes(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	tests := []struct {
		name, value string
		refused     bool // by net/http: asserted below against the real server
		offWire     bool // HTTP/1 cannot carry it: checked with net/http's rule instead
	}{
		{"X-Cr", "a\rb", true, false},
		{"X-Lf", "a\nb", true, false},
		// On an HTTP/1 wire this is two header lines; in an event (or an
		// HTTP/2 frame) it is one value, which net/http's server refuses.
		{"X-Crlf-Injection", "a\r\nX-Evil: 1", true, true},
		{"X-Nul", "a\x00b", true, false},
		{"X-Escape", "a\x1bb", true, false},
		{"X-Del", "a\x7fb", true, false},
		{"Bad Name", "x", true, false},
		{"X-Ünicode", "x", true, false},
		{"Cookie", "a=1\x00", true, false},
		{"X-Tab", "a\tb", false, false},
		{"X-Obs-Text", "café λ", false, false},
		{"X-Punctuation", `!#$%&'*+-.^_|~"(),/:;<=>?@[\]{}`, false, false},
	}
	for _, tc := range tests {
		if tc.offWire {
			// The checks net/http's server makes of every request header.
			if ok := httpguts.ValidHeaderFieldName(tc.name) && httpguts.ValidHeaderFieldValue(tc.value); ok == tc.refused {
				t.Fatalf("net/http's rule accepts %q: %q = %v; the table says refused=%v", tc.name, tc.value, ok, tc.refused)
			}
		} else {
			status, _ := rawExchange(t, srv.Listener.Addr().String(),
				"GET / HTTP/1.1\r\nHost: h\r\n"+tc.name+": "+tc.value+"\r\nConnection: close\r\n\r\n")
			if refused := status == http.StatusBadRequest; refused != tc.refused || (!refused && status != http.StatusOK) {
				t.Fatalf("net/http answers %q: %q with %d; the table says refused=%v", tc.name, tc.value, status, tc.refused)
			}
		}
		c := lambdahttptest.Request{Method: "GET", Target: "/", Header: [][2]string{{"Host", "api.example.com"}, {tc.name, tc.value}}}
		for _, src := range sources {
			t.Run(tc.name+"/"+src.name, func(t *testing.T) {
				var got []string
				called := false
				handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					called = true
					for k, vs := range r.Header {
						if strings.EqualFold(k, tc.name) {
							got = append(got, vs...)
						}
					}
				})
				r := decodeResponse(t, invoke(t, lambdahttp.New(handler, withErrorFields), src.build(t, c)))
				if !tc.refused {
					if r.StatusCode != http.StatusOK || !called {
						t.Fatalf("statusCode = %d, handler called = %v; want 200 from the handler", r.StatusCode, called)
					}
					if diff := cmp.Diff([]string{tc.value}, got); diff != "" {
						t.Errorf("handler's %s mismatch (-want +got):\n%s", tc.name, diff)
					}
					return
				}
				e := decodeAdapterError(t, r, http.StatusBadRequest)
				checkHeaderDetail(t, e, tc.name, tc.value)
				if e.RequestID != testRequestID && src.source != lambdahttp.SourceALB {
					t.Errorf("request_id = %q, want %q", e.RequestID, testRequestID)
				}
				if called {
					t.Error("handler called, want not")
				}
			})
		}
	}

	// Streaming answers the same 400 in its prelude and body.
	for _, tc := range []struct {
		name  string
		build func(testing.TB, lambdahttptest.Request) []byte
	}{{"stream apigw-v1", restAPI.EventV1}, {"stream function-url", functionURL.EventFunctionURL}} {
		t.Run(tc.name, func(t *testing.T) {
			called := false
			h := lambdahttp.New(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }), lambdahttp.WithResponseStreaming(), withErrorFields)
			c := lambdahttptest.Request{Method: "GET", Target: "/", Header: [][2]string{{"Host", "h"}, {"X-Injected", "a\r\nX-Evil: 1"}}}
			s := invokeStream(t, h, tc.build(t, c))
			if p := preludeOf(t, s); p["statusCode"] != 400.0 {
				t.Errorf("statusCode = %v, want 400", p["statusCode"])
			}
			body, _ := s.rest(t)
			var e adapterError
			if err := json.Unmarshal([]byte(body), &e); err != nil {
				t.Fatalf("body %q: %v", body, err)
			}
			checkHeaderDetail(t, e, "X-Injected", "a\r\n")
			if called {
				t.Error("handler called, want not")
			}
		})
	}
}

// checkHeaderDetail checks that a 400's detail says what was wrong and names
// the header.
func checkHeaderDetail(t *testing.T, e adapterError, name, value string) {
	t.Helper()
	prefix := "invalid value in request header "
	if strings.ContainsFunc(name, func(r rune) bool { return r <= ' ' || r >= 0x7f }) {
		prefix = "invalid request header name "
	}
	if !strings.HasPrefix(e.Detail, prefix) || !strings.Contains(strings.ToLower(e.Detail), strings.ToLower(strconv.Quote(name))) {
		t.Errorf("detail = %q, want %q followed by the header's name %q", e.Detail, prefix, name)
	}
	if e.StatusCode != http.StatusBadRequest {
		t.Errorf("status_code = %d, want 400", e.StatusCode)
	}
}

// TestRESTMergesSingleValueMaps: a REST API event whose headers or
// queryStringParameters carry a name the multi-value maps lack (as events
// made by test tools and other adapters' suites do) keeps it; where both
// maps have a name, the multi-value one, which holds every value, wins.
func TestRESTMergesSingleValueMaps(t *testing.T) {
	payload, err := os.ReadFile(filepath.Join("testdata", "apigw-v1-request-get.json"))
	if err != nil {
		t.Fatal(err)
	}
	payload = eventWith(t, payload, func(ev map[string]any) {
		h := ev["headers"].(map[string]any)
		h["X-Single-Only"] = "kept"
		h["x-forwarded-port"] = "9999" // multiValueHeaders has X-Forwarded-Port: 443
		q := ev["queryStringParameters"].(map[string]any)
		q["singleOnly"] = "yes"
	})
	rec := newRecorder()
	r := decodeResponse(t, invoke(t, lambdahttp.New(rec), payload))
	if r.StatusCode != http.StatusOK {
		t.Fatalf("statusCode = %d, want 200", r.StatusCode)
	}
	got := rec.last
	for _, c := range []struct {
		name string
		got  []string
		want []string
	}{
		{"header X-Single-Only", got.Header["X-Single-Only"], []string{"kept"}},
		{"header Accept (in both)", got.Header["Accept"], []string{"application/json", "text/plain"}},
		{"header X-Probe (in both)", got.Header["X-Probe"], []string{"first", "second"}},
		{"header X-Forwarded-Port (in both, other case)", got.Header["X-Forwarded-Port"], []string{"443"}},
		{"query singleOnly", got.Query["singleOnly"], []string{"yes"}},
		{"query repeat (in both)", got.Query["repeat"], []string{"one", "two"}},
		{"query redirect (in both)", got.Query["redirect"], []string{"https://example.com/a/b"}},
	} {
		if diff := cmp.Diff(c.want, c.got); diff != "" {
			t.Errorf("%s mismatch (-want +got):\n%s", c.name, diff)
		}
	}
	// The typed event is the event as delivered, not the merged view.
	ev, ok := got.Event.(*events.APIGatewayProxyRequest)
	if !ok {
		t.Fatalf("event is %T, want *events.APIGatewayProxyRequest", got.Event)
	}
	if _, ok := ev.MultiValueQueryStringParameters["singleOnly"]; ok {
		t.Error("typed event's multiValueQueryStringParameters gained singleOnly, want it as delivered")
	}
}
