package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/r2r/r2r/apierror"
	"github.com/r2r/r2r/internal/lambdahttp/lambdahttptest"
)

// The errors the adapter answers itself (here a body that is not valid
// base64) are the API's errors: apierror.Error, nothing else in it, with API
// Gateway's request id, in the body and in the header every API response
// carries it in.
func TestAdapterErrorsAreAPIErrors(t *testing.T) {
	ev, err := os.ReadFile("../../internal/lambdahttp/testdata/apigw-v1-request-invalid-base64.json")
	if err != nil {
		t.Fatal(err)
	}
	out, err := lambdaHandler(t, nil, io.Discard).Invoke(context.Background(), ev)
	if err != nil {
		t.Fatalf("Invoke = %v, want a 400 response", err)
	}
	var resp lambdahttptest.Response
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("Invoke = %s: %v", out, err)
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(resp.Body)))
	dec.DisallowUnknownFields()
	var got apierror.Error
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("Invoke body = %s, not an apierror.Error: %v", resp.Body, err)
	}
	want := apierror.Error{Detail: "request body is not valid base64", StatusCode: 400, RequestID: eventRequestID(t, ev)}
	if resp.StatusCode != 400 {
		t.Errorf("Invoke status = %d, want 400", resp.StatusCode)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Invoke body mismatch (-want +got):\n%s", diff)
	}
	if id := resp.Header().Get(apierror.RequestIDHeader); id != want.RequestID {
		t.Errorf("Invoke %s header = %q, want %q", apierror.RequestIDHeader, id, want.RequestID)
	}
}
