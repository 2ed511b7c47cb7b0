package adapters_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/akrylysov/algnhsa"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/r2r/r2r/internal/lambdahttp/lambdahttptest"
)

// This file documents the "why our own" claim of DESIGN.md with evidence:
// every event below goes through every adapter that can serve its source,
// and what the handler saw and what came back is compared with what
// net/http would have given the handler (and what the client must get).
// lambdahttp must get each one right (t.Error); a peer that differs is
// logged, not failed, because the point is to record how it differs.

// seen is what the handler observed of the request.
type seen struct {
	Method, Path, RawPath, EscapedPath, RequestURI string
	Host, RemoteAddr, Route, Name                  string
	Query                                          url.Values
	Header                                         http.Header
	Cookies                                        []string // r.Cookies(), as name=value
	Body                                           []byte
	HasDeadline, HasLambdaContext                  bool
}

func (s seen) String() string {
	return fmt.Sprintf("%s path=%q rawPath=%q route=%q name=%q query=%q host=%q remote=%q cookies=%q body=%dB",
		s.Method, s.Path, s.RawPath, s.Route, s.Name, s.Query.Encode(), s.Host, s.RemoteAddr, s.Cookies, len(s.Body))
}

// outcome is the adapter's response as the client receives it.
type outcome struct {
	Status int
	Header http.Header // headers and multiValueHeaders; payload 2.0 cookies[] as Set-Cookie
	Body   []byte      // decoded when isBase64Encoded
	Base64 bool
}

// decodeOutput decodes a Lambda HTTP response of any source, or the stream
// lambdaurl writes (JSON prelude, 8 NUL bytes, raw body).
func decodeOutput(out []byte) (outcome, error) {
	var raw []byte
	streamed := false
	if prelude, body, ok := bytes.Cut(out, make([]byte, 8)); ok {
		out, raw, streamed = prelude, body, true
	}
	var r lambdahttptest.Response
	if err := json.Unmarshal(out, &r); err != nil {
		return outcome{}, fmt.Errorf("response is not JSON: %v: %q", err, out)
	}
	o := outcome{Status: r.StatusCode, Header: r.Header(), Base64: r.IsBase64Encoded, Body: raw}
	if streamed {
		return o, nil
	}
	var err error
	o.Body, err = r.DecodedBody()
	return o, err
}

// pngBytes is a real PNG: its signature (0x89 'P' 'N' 'G') is not UTF-8,
// so an adapter that sends it as a JSON string corrupts it.
var pngBytes = func() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 2, 2))
	img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}()

// probe is the handler of the correctness table: a ServeMux with a
// wildcard route and a catch-all, recording what the last request looked
// like. Special paths make it answer a PNG, two cookies, or panic.
type probe struct {
	mu    sync.Mutex
	calls int
	last  seen
}

func (p *probe) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /capture/{name}", p.serve("GET /capture/{name}"))
	mux.Handle("/", p.serve("/"))
	return mux
}

func (p *probe) serve(route string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s := seen{
			Method: r.Method, Path: r.URL.Path, RawPath: r.URL.RawPath, EscapedPath: r.URL.EscapedPath(),
			RequestURI: r.RequestURI, Host: r.Host, RemoteAddr: r.RemoteAddr, Route: route,
			Name: r.PathValue("name"), Query: r.URL.Query(), Header: r.Header.Clone(), Body: body,
		}
		for _, c := range r.Cookies() {
			s.Cookies = append(s.Cookies, c.Name+"="+c.Value)
		}
		_, s.HasDeadline = r.Context().Deadline()
		_, s.HasLambdaContext = lambdacontext.FromContext(r.Context())
		p.mu.Lock()
		p.calls++
		p.last = s
		p.mu.Unlock()

		switch r.URL.Path {
		case "/png":
			w.Header().Set("Content-Type", "image/png")
			w.Write(pngBytes)
			return
		case "/panic":
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"half":`)) // a half-written success must not reach the client
			panic("boom")
		case "/cookies":
			http.SetCookie(w, &http.Cookie{Name: "session", Value: "new", Path: "/", HttpOnly: true})
			http.SetCookie(w, &http.Cookie{Name: "theme", Value: "light", Path: "/"})
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(helloBody)
	}
}

// result is one adapter's handling of one event.
type result struct {
	called   bool // the handler ran
	seen     seen
	out      outcome
	outErr   error // the response did not decode
	err      error // Invoke's error: a function error at the runtime
	panicked any   // a panic escaped the adapter: the runtime reports it and exits the process
}

func (r result) String() string {
	var b strings.Builder
	if r.called {
		fmt.Fprintf(&b, "handler saw %s; ", r.seen)
	} else {
		b.WriteString("handler not called; ")
	}
	switch {
	case r.panicked != nil:
		fmt.Fprintf(&b, "panic escaped the adapter: %v", r.panicked)
	case r.err != nil:
		fmt.Fprintf(&b, "Invoke error: %v", r.err)
	case r.outErr != nil:
		fmt.Fprintf(&b, "bad response: %v", r.outErr)
	default:
		body := string(r.out.Body)
		if len(body) > 60 {
			body = body[:60] + "..."
		}
		fmt.Fprintf(&b, "returned %d isBase64Encoded=%t body=%q", r.out.Status, r.out.Base64, body)
	}
	return b.String()
}

func runAdapter(invoke invokeFunc, p *probe, payload []byte) (res result) {
	before := p.calls
	defer func() {
		res.panicked = recover()
		res.called = p.calls > before
		res.seen = p.last
	}()
	ctx, cancel := invokeContext()
	defer cancel()
	out, err := invoke(ctx, payload)
	if err != nil {
		res.err = err
		return res
	}
	res.out, res.outErr = decodeOutput(out)
	return res
}

type source int

const (
	restAPI source = iota
	httpAPI
	alb
	functionURL
)

// adapterSpec builds one adapter around a handler.
type adapterSpec struct {
	name  string
	build func(http.Handler) invokeFunc
}

// adaptersFor returns the adapters a function behind src could use, each
// set up as its documentation says for that source.
func adaptersFor(src source) []adapterSpec {
	list := []adapterSpec{
		{"lambdahttp", lambdahttpInvoke},
		{"algnhsa", func(h http.Handler) invokeFunc { return algnhsaInvoke(h, algnhsa.RequestTypeAuto) }},
	}
	switch src {
	case restAPI:
		list = append(list, adapterSpec{"apiproxy", apiproxyV1})
	case httpAPI:
		list = append(list, adapterSpec{"apiproxy", apiproxyV2})
	case alb:
		list = append(list, adapterSpec{"apiproxy", apiproxyALB})
	case functionURL:
		list = append(list, adapterSpec{"apiproxy", apiproxyV2}, adapterSpec{"lambdaurl", lambdaurlInvoke})
	}
	return list
}

// TestCorrectness runs the table through every adapter. Run with -v to see
// what each adapter gave the handler and returned.
func TestCorrectness(t *testing.T) {
	for _, tc := range correctnessCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			for _, a := range adaptersFor(tc.src) {
				if a.name == "lambdaurl" && strings.HasSuffix(tc.name, "panic") {
					continue // it would crash the test binary: see TestLambdaurlPanic
				}
				p := &probe{} // a fresh handler and adapter for each run
				r := runAdapter(a.build(p.handler()), p, tc.event)
				t.Logf("%-10s %s", a.name, r)
				for _, problem := range tc.check(r) {
					if a.name == "lambdahttp" {
						t.Errorf("lambdahttp: %s", problem)
					} else {
						t.Logf("%-10s DIFFERS: %s", a.name, problem)
					}
				}
			}
		})
	}
}

// TestLambdaurlPanic shows what a handler panic does under lambdaurl: the
// handler runs in a goroutine of lambdaurl's own, without a recover, so
// the panic cannot be caught by the runtime (or by anyone) and kills the
// process. It runs the panic in a child process and looks at how it died.
func TestLambdaurlPanic(t *testing.T) {
	if os.Getenv("ADAPTERS_LAMBDAURL_PANIC") == "1" {
		p := &probe{}
		ctx, cancel := invokeContext()
		defer cancel()
		func() {
			defer func() { recover() }() // catches nothing: the panic is on another goroutine
			lambdaurlInvoke(p.handler())(ctx, urlFront.EventFunctionURL(t, get(urlFront, "/panic")))
		}()
		fmt.Println("survived")
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestLambdaurlPanic$")
	cmd.Env = append(os.Environ(), "ADAPTERS_LAMBDAURL_PANIC=1")
	out, err := cmd.CombinedOutput()
	// The panicking goroutine's deferred calls close the pipe before the
	// runtime ends the process, so the child may read the half-written body
	// (which the Lambda runtime would already be streaming to the client)
	// and even print "survived" first: it dies all the same.
	crashed := err != nil && bytes.Contains(out, []byte("panic: boom"))
	t.Logf("lambdaurl   handler panic: child process crashed=%t (%v)", crashed, err)
	if !crashed {
		t.Logf("lambdaurl   output:\n%s", out)
	}
	// The same panic under lambdahttp is a 500 and the process lives on.
	p := &probe{}
	r := runAdapter(lambdahttpInvoke(p.handler()), p, urlFront.EventFunctionURL(t, get(urlFront, "/panic")))
	if problems := panicAnswered(r); len(problems) > 0 {
		t.Errorf("lambdahttp: %s", strings.Join(problems, "; "))
	}
}
