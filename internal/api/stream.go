package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
)

func helloStreamOperation(cfg Config) huma.Operation {
	return huma.Operation{
		OperationID: "hello-stream",
		Method:      http.MethodGet,
		Path:        "/api/hello/stream",
		Summary:     "Say hello, one word at a time",
		Description: "Streams the greeting as server-sent events, one word per event, each flushed " +
			"to the client as it is written. On Lambda this needs the streaming invoke mode " +
			"(a Function URL with RESPONSE_STREAM, or API Gateway's STREAM transfer mode).",
		Tags:         []string{"hello"},
		Errors:       []int{http.StatusUnprocessableEntity},
		MaxBodyBytes: cfg.MaxRequestBytes,
		Responses: map[string]*huma.Response{
			"200": {
				Description: "A stream of events: `id: <n>` and `data: <word>`, ending when the greeting is complete.",
				Content: map[string]*huma.MediaType{
					"text/event-stream": {
						Schema:  &huma.Schema{Type: huma.TypeString, Description: "text/event-stream (https://html.spec.whatwg.org/multipage/server-sent-events.html)"},
						Example: "id: 1\ndata: Hello\n\nid: 2\ndata: World\n\n",
					},
				},
			},
		},
	}
}

// maxStreamIntervalMS bounds interval_ms (the tag below must say the same):
// enough to watch the words arrive, while one request holds the function,
// and its memory, for a second at most.
const maxStreamIntervalMS = 1000

type helloStreamInput struct {
	IntervalMS int `query:"interval_ms" minimum:"0" maximum:"1000" default:"0" doc:"Pause between words in milliseconds, to watch the stream arrive: 0 to 1000."`
}

func handleHelloStream() func(context.Context, *helloStreamInput) (*huma.StreamResponse, error) {
	words := strings.Fields("Hello World")
	return func(_ context.Context, in *helloStreamInput) (*huma.StreamResponse, error) {
		interval := time.Duration(in.IntervalMS) * time.Millisecond
		return &huma.StreamResponse{Body: func(hctx huma.Context) {
			r, w := humago.Unwrap(hctx)
			h := w.Header()
			h.Set("Content-Type", "text/event-stream")
			h.Set("Cache-Control", "no-cache")
			rc := http.NewResponseController(w)
			for i, word := range words {
				if i > 0 && interval > 0 {
					select {
					case <-time.After(interval):
					case <-r.Context().Done():
						return // the client left
					}
				}
				event := "id: " + strconv.Itoa(i+1) + "\ndata: " + word + "\n\n"
				if _, err := w.Write([]byte(event)); err != nil {
					return
				}
				if err := rc.Flush(); err != nil {
					return
				}
			}
		}}, nil
	}
}
