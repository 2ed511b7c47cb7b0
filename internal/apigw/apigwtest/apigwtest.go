// Package apigwtest holds what the tests of the emulated API Gateway share,
// in-package and from the local stack that serves it: sending a request and
// reading the whole answer.
package apigwtest

import (
	"io"
	"net/http"
	"testing"
)

// Do sends req and returns the response with its body read and closed; a
// request that gets no response ends the test.
func Do(t testing.TB, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}
