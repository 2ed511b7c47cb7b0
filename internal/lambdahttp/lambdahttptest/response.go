package lambdahttptest

import (
	"encoding/base64"
	"fmt"
	"net/http"
)

// Response is a Lambda HTTP response of any of the four sources, as the
// function returns it to the runtime; each source sends only some fields.
type Response struct {
	StatusCode        int                 `json:"statusCode"`
	StatusDescription string              `json:"statusDescription"` // ALB
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Cookies           []string            `json:"cookies"` // payload 2.0
	Body              string              `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
}

// Header returns the header the client receives: both header maps, and
// payload 2.0's cookies[] as Set-Cookie.
func (r Response) Header() http.Header {
	h := http.Header{}
	for k, v := range r.Headers {
		h.Add(k, v)
	}
	for k, vs := range r.MultiValueHeaders {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	for _, c := range r.Cookies {
		h.Add("Set-Cookie", c)
	}
	return h
}

// DecodedBody returns the body the client receives: Body, base64-decoded
// when IsBase64Encoded.
func (r Response) DecodedBody() ([]byte, error) {
	if !r.IsBase64Encoded {
		return []byte(r.Body), nil
	}
	b, err := base64.StdEncoding.DecodeString(r.Body)
	if err != nil {
		return nil, fmt.Errorf("isBase64Encoded body is not base64: %v", err)
	}
	return b, nil
}
