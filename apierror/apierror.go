// Package apierror is the body of every error response r2r sends: the API's
// own errors, the Lambda adapter's (through cmd/api), API Gateway's gateway
// responses (infra) and cmd/hello's. It is outside internal/ so that the
// infra module, which builds the gateway responses, can decode its templates
// into the same type.
package apierror

import "encoding/json"

// RequestIDHeader is the response header that carries a request's id, the
// id an error body repeats as request_id and the logs record.
const RequestIDHeader = "X-Request-Id"

// Error is the body of every error response. Detail is always safe to show
// a client; the cause, when there is one, is logged and never sent.
type Error struct {
	Detail     string   `json:"detail" doc:"What went wrong, safe to show to a user." example:"Not Found"`
	StatusCode int      `json:"status_code" doc:"The HTTP status code, repeated for clients that lose it." example:"404"`
	RequestID  string   `json:"request_id" doc:"The request's id, as in the X-Request-Id header and the logs." example:"c8a3e0a4-6b1e-4bd4-9b6a-6f4f1f1d2a3b"`
	Errors     []Detail `json:"errors,omitempty" doc:"For 422: one entry for each invalid input."`
}

// Detail names one invalid input of a 422 response.
type Detail struct {
	Location string `json:"location" doc:"Where the value was, e.g. query.name or body.items[0]." example:"query.name"`
	Message  string `json:"message" doc:"What is wrong with it." example:"expected length <= 64"`
	Value    any    `json:"value" doc:"The value that was sent."`
}

// Error returns the detail.
func (e *Error) Error() string { return e.Detail }

// GetStatus returns the HTTP status (huma's StatusError).
func (e *Error) GetStatus() int { return e.StatusCode }

// Body is the JSON encoding of an Error without per-input errors.
func Body(status int, detail, requestID string) []byte {
	b, err := json.Marshal(&Error{Detail: detail, StatusCode: status, RequestID: requestID})
	if err != nil {
		panic(err) // strings and an int always encode
	}
	return b
}
