package lambdahttp_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/r2r/r2r/internal/lambdahttp"
	"github.com/r2r/r2r/internal/lambdahttp/lambdahttptest"
)

// respSource is a source seen from the response side.
type respSource struct {
	name    string
	event   []byte
	keys    []string // exact top-level keys of a response with a body and no cookies
	multi   bool     // headers in multiValueHeaders
	cookies bool     // Set-Cookie in cookies[]
}

func respSources(t *testing.T) []respSource {
	c := lambdahttptest.Request{Method: "GET", Target: "/", Header: [][2]string{{"Host", "h"}}}
	v1Keys := []string{"body", "isBase64Encoded", "multiValueHeaders", "statusCode"}
	v2Keys := []string{"body", "headers", "isBase64Encoded", "statusCode"}
	return []respSource{
		{"apigw-v1", restAPI.EventV1(t, c), v1Keys, true, false},
		{"apigw-v2", httpAPI.EventV2(t, c), v2Keys, false, true},
		{"function-url", functionURL.EventFunctionURL(t, c), v2Keys, false, true},
		{"alb-multivalue", targetGroup.EventALB(t, c, true), []string{"body", "isBase64Encoded", "multiValueHeaders", "statusCode", "statusDescription"}, true, false},
		{"alb-single", targetGroup.EventALB(t, c, false), []string{"body", "headers", "isBase64Encoded", "statusCode", "statusDescription"}, false, false},
	}
}

func TestResponse(t *testing.T) {
	type want struct {
		status      int
		body        []byte
		base64      bool
		contentType string
		missing     []string            // headers that must not be sent
		header      map[string][]string // headers that must be sent exactly
	}
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    want
	}{
		{
			name:    "empty handler is 200 with no body",
			handler: func(w http.ResponseWriter, r *http.Request) {},
			want:    want{status: 200, body: []byte{}},
		},
		{
			name: "text untouched",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				io.WriteString(w, "{\"msg\":\"héllo \\\"q\\\" <tag>\\n\u2028\"}")
			},
			want: want{status: 200, body: []byte("{\"msg\":\"héllo \\\"q\\\" <tag>\\n\u2028\"}"), contentType: "application/json; charset=utf-8"},
		},
		{
			name: "png intact through base64",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "image/png")
				w.Write(pngBytes)
			},
			want: want{status: 200, body: pngBytes, base64: true, contentType: "image/png"},
		},
		{
			name: "gzip text is binary",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				w.Header().Set("Content-Encoding", "gzip")
				w.Write([]byte("pretend gzip"))
			},
			want: want{status: 200, body: []byte("pretend gzip"), base64: true, contentType: "text/plain"},
		},
		{
			name: "invalid UTF-8 labelled text is base64",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				w.Write([]byte("a\xffb"))
			},
			want: want{status: 200, body: []byte("a\xffb"), base64: true, contentType: "text/plain"},
		},
		{
			name: "content type sniffed",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Write([]byte("<!DOCTYPE html><html></html>"))
			},
			want: want{status: 200, body: []byte("<!DOCTYPE html><html></html>"), contentType: "text/html; charset=utf-8"},
		},
		{
			name: "sniffed png is binary",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Write(pngBytes)
			},
			want: want{status: 200, body: pngBytes, base64: true, contentType: "image/png"},
		},
		{
			name: "first WriteHeader wins",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusTeapot)
				w.WriteHeader(http.StatusInternalServerError)
				w.Write([]byte("short and stout"))
			},
			want: want{status: 418, body: []byte("short and stout"), contentType: "text/plain; charset=utf-8"},
		},
		{
			name: "headers set after WriteHeader not sent",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Before", "yes")
				w.WriteHeader(http.StatusCreated)
				w.Header().Set("X-After", "no")
				w.Header().Set("X-Before", "changed")
			},
			want: want{status: 201, body: []byte{}, header: map[string][]string{"X-Before": {"yes"}}, missing: []string{"X-After"}},
		},
		{
			name: "headers set after first Write not sent",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				w.Write([]byte("x"))
				w.Header().Set("X-After", "no")
			},
			want: want{status: 200, body: []byte("x"), contentType: "text/plain", missing: []string{"X-After"}},
		},
		{
			name: "flush commits 200",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/plain")
				w.(http.Flusher).Flush()
				w.WriteHeader(http.StatusNotFound)
				w.Write([]byte("late"))
			},
			want: want{status: 200, body: []byte("late"), contentType: "text/plain"},
		},
		{
			name: "no body on 204",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusNoContent)
				if _, err := w.Write([]byte("x")); !errors.Is(err, http.ErrBodyNotAllowed) {
					panic("Write after 204 did not return http.ErrBodyNotAllowed")
				}
			},
			want: want{status: 204, body: []byte{}},
		},
		{
			name: "repeated header",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Add("Vary", "Origin")
				w.Header().Add("Vary", "Accept")
			},
			want: want{status: 200, body: []byte{}, header: map[string][]string{"Vary": {"Origin", "Accept"}}},
		},
	}
	for _, src := range respSources(t) {
		for _, tc := range tests {
			t.Run(src.name+"/"+tc.name, func(t *testing.T) {
				resp := decodeResponse(t, invoke(t, lambdahttp.New(tc.handler), src.event))
				if resp.StatusCode != tc.want.status {
					t.Errorf("statusCode = %d, want %d", resp.StatusCode, tc.want.status)
				}
				if got := resp.bodyBytes(t); !bytes.Equal(got, tc.want.body) {
					t.Errorf("body = %q, want %q", got, tc.want.body)
				}
				if resp.IsBase64Encoded != tc.want.base64 {
					t.Errorf("isBase64Encoded = %v, want %v", resp.IsBase64Encoded, tc.want.base64)
				}
				if tc.want.contentType != "" {
					if diff := cmp.Diff([]string{tc.want.contentType}, resp.Header().Values("Content-Type")); diff != "" {
						t.Errorf("Content-Type mismatch (-want +got):\n%s", diff)
					}
				}
				for _, k := range tc.want.missing {
					if v := resp.Header().Values(k); v != nil {
						t.Errorf("header %s = %q, want it not sent", k, v)
					}
				}
				for k, v := range tc.want.header {
					want := v
					if !src.multi && len(v) > 1 {
						want = []string{strings.Join(v, ",")} // single-value headers join
					}
					if diff := cmp.Diff(want, resp.Header().Values(k)); diff != "" {
						t.Errorf("header %s mismatch (-want +got):\n%s", k, diff)
					}
				}
				if strings.HasPrefix(src.name, "alb") {
					wantDesc := http.StatusText(tc.want.status)
					if d := resp.StatusDescription; d != itoaStatus(tc.want.status)+" "+wantDesc {
						t.Errorf("statusDescription = %q, want %q", d, itoaStatus(tc.want.status)+" "+wantDesc)
					}
				}
				if diff := cmp.Diff(src.keys, resp.Keys); diff != "" {
					t.Errorf("response keys mismatch (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func itoaStatus(code int) string {
	b, _ := json.Marshal(code)
	return string(b)
}

func TestIsTextContent(t *testing.T) {
	tests := []struct {
		contentType, contentEncoding string
		want                         bool
	}{
		{"text/html; charset=utf-8", "", true},
		{"TEXT/CSV", "", true},
		{"application/json", "", true},
		{"application/problem+json", "", true},
		{"application/xml", "", true},
		{"image/svg+xml", "", true},
		{"application/javascript", "", true},
		{"application/x-www-form-urlencoded", "", true},
		{"application/yaml", "", true},
		{"application/json", "gzip", false},
		{"text/plain", "br", false},
		{"text/plain", "identity", true},
		{"image/png", "", false},
		{"application/octet-stream", "", false},
		{"application/pdf", "", false},
		{"", "", false},
	}
	for _, tc := range tests {
		if got := lambdahttp.IsTextContent(tc.contentType, tc.contentEncoding); got != tc.want {
			t.Errorf("IsTextContent(%q, %q) = %v, want %v", tc.contentType, tc.contentEncoding, got, tc.want)
		}
	}
}

func TestWithBinaryPolicy(t *testing.T) {
	h := lambdahttp.New(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.custom")
		io.WriteString(w, "plain words")
	}), lambdahttp.WithBinaryPolicy(func(ct, ce string) bool { return ct == "application/vnd.custom" }))
	c := lambdahttptest.Request{Method: "GET", Target: "/"}
	r := decodeResponse(t, invoke(t, h, restAPI.EventV1(t, c)))
	if r.IsBase64Encoded || r.Body != "plain words" {
		t.Errorf("response body = %q (isBase64Encoded %v), want %q as text", r.Body, r.IsBase64Encoded, "plain words")
	}
}
