package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"

	"github.com/danielgtaylor/huma/v2"

	"github.com/r2r/r2r/apierror"
)

// Error is the body of every error response the API sends (see apierror,
// its one definition).
type Error = apierror.Error

// ErrorDetail names one invalid input of a 422 response.
type ErrorDetail = apierror.Detail

// ErrorBody is the body the API sends for an error it did not raise itself
// (the Lambda adapter's: bad request, handler panic, oversized response):
// the API's shape, with the detail a client may see for status.
func ErrorBody(status int, detail, requestID string) []byte {
	return apierror.Body(status, detailFor(status, detail), requestID)
}

// detailFor is the one place that decides what a client is told for a status.
// Server errors never carry their cause: a generic text is all that leaves.
func detailFor(status int, msg string) string {
	switch {
	case status == http.StatusGatewayTimeout:
		return "The request took too long and was stopped."
	case status == http.StatusServiceUnavailable && (msg == detailAuthNotConfigured || msg == detailAuthUnavailable):
		return msg // worded by the API itself, naming no cause
	case status >= 500:
		return "Internal Server Error"
	case msg == "":
		return http.StatusText(status)
	}
	return msg
}

// writeError sends the JSON error for status. cause, when not nil, is logged
// with the request's id; it never reaches the client.
func writeError(w http.ResponseWriter, r *http.Request, status int, msg string, cause error) {
	rs := stateFrom(r.Context())
	if cause != nil {
		rs.log(r.Context(), levelFor(status), "request failed",
			slog.Int("status", status), slog.String("error", cause.Error()))
	}
	writeJSON(w, status, &Error{Detail: detailFor(status, msg), StatusCode: status, RequestID: rs.id})
}

func levelFor(status int) slog.Level {
	if status >= 500 {
		return slog.LevelError
	}
	return slog.LevelWarn
}

var installHumaErrors sync.Once

// useErrorModel makes huma build its errors (validation, body size, handler
// errors) as our Error, so its responses follow the same contract as ours.
// huma offers this only as package variables, hence the sync.Once.
func useErrorModel() {
	installHumaErrors.Do(func() {
		huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
			return newHumaError(context.Background(), status, msg, errs)
		}
		huma.NewErrorWithContext = func(hctx huma.Context, status int, msg string, errs ...error) huma.StatusError {
			return newHumaError(hctx.Context(), status, msg, errs)
		}
	})
}

func newHumaError(ctx context.Context, status int, msg string, errs []error) *Error {
	rs := stateFrom(ctx)
	e := &Error{Detail: detailFor(status, msg), StatusCode: status, RequestID: rs.id}
	if status >= 500 {
		// The errors are the handler's own: log them, send nothing of them.
		if status == http.StatusInternalServerError && len(errs) == 1 && errors.Is(errs[0], context.DeadlineExceeded) {
			e.StatusCode, e.Detail = http.StatusGatewayTimeout, detailFor(http.StatusGatewayTimeout, "")
		}
		if len(errs) > 0 {
			rs.log(ctx, slog.LevelError, "request failed",
				slog.Int("status", e.StatusCode), slog.String("error", fmt.Sprint(errors.Join(errs...))))
		}
		return e
	}
	for _, err := range errs {
		var d huma.ErrorDetailer
		if errors.As(err, &d) {
			hd := d.ErrorDetail()
			e.Errors = append(e.Errors, ErrorDetail{Location: hd.Location, Message: hd.Message, Value: hd.Value})
			continue
		}
		e.Errors = append(e.Errors, ErrorDetail{Message: err.Error()})
	}
	return e
}
