package lambdahttp

import (
	"context"
	"encoding/json"
	"io"
)

// InvokeStreamFunc returns the function Start hands lambda.Start for a
// Handler made WithResponseStreaming.
func InvokeStreamFunc(h *Handler) func(context.Context, json.RawMessage) (io.Reader, error) {
	return h.invokeStreamFunc
}
