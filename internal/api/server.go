// Package api is the r2r HTTP API: one http.Handler, served the same way by
// the local HTTP server and, through the Lambda adapter, on AWS Lambda.
package api

import (
	"log/slog"
	"net/http"
	"slices"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/r2r/r2r/internal/emf"
)

// Option changes how NewServer builds the handler.
type Option func(*options)

type options struct {
	platform func(*http.Request) PlatformInfo
	metrics  *emf.Emitter
	routes   []func(*http.ServeMux)
	auth     authOptions
}

// WithPlatformInfo tells the server how to learn what the platform knows of a
// request (on Lambda: API Gateway's request id, the invocation id, the trace id).
func WithPlatformInfo(f func(*http.Request) PlatformInfo) Option {
	return func(o *options) { o.platform = f }
}

// WithMetrics makes the server emit each request's metrics (requests and
// latency by stage, route and status class; cold start) through e.
func WithMetrics(e *emf.Emitter) Option {
	return func(o *options) { o.metrics = e }
}

// MetricDimensions are the dimensions of the metrics the server emits; an
// emitter given to WithMetrics must use them.
func MetricDimensions() []string { return slices.Clone(metricDimensions) }

// withRoutes adds routes beside the API's own: for tests only.
func withRoutes(add func(*http.ServeMux)) Option {
	return func(o *options) { o.routes = append(o.routes, add) }
}

// NewServer returns the API's handler with every route and middleware. It
// serves paths as the API defines them (/api/...): stripping a stage or a
// custom domain's base path (cfg.BasePath) is the job of whatever serves it.
func NewServer(cfg Config, logger *slog.Logger, opts ...Option) http.Handler {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	useErrorModel()

	mux := http.NewServeMux()
	api := humago.New(mux, humaConfig(cfg))
	auth := newAuthenticator(api, cfg.Cognito, o.auth)
	addRoutes(mux, api, cfg, auth)
	for _, add := range o.auth.operations {
		add(api, auth)
	}
	for _, add := range o.routes {
		add(mux)
	}

	var h http.Handler = jsonMuxErrors(mux)
	h = chain(h,
		identify(logger, o.platform),
		observe(o.metrics, cfg.Stage),
		recoverPanics,
		secureHeaders,
		cors(cfg.CORSAllowOrigins),
		validQuery,
		limitBody(cfg.MaxRequestBytes),
		answerBeforeDeadline, // hands a panic of the handler's goroutine to recoverPanics
	)
	return h
}

func humaConfig(cfg Config) huma.Config {
	registry := huma.NewMapRegistry("#/components/schemas/", huma.DefaultSchemaNamer)
	return huma.Config{
		OpenAPI: &huma.OpenAPI{
			OpenAPI: "3.1.0",
			Info: &huma.Info{
				Title:       "r2r API",
				Version:     cfg.Version,
				Description: "The r2r HTTP API, served identically locally and on AWS Lambda behind API Gateway.",
			},
			Components: &huma.Components{Schemas: registry},
			// Listed here so the docs show them in this order.
			Tags: []*huma.Tag{
				{Name: "hello", Description: "Greetings: the API's example routes."},
				{Name: "operations", Description: "For load balancers, monitors and operators."},
				{Name: "users", Description: "The signed-in user: routes that need a token of the Cognito user pool."},
			},
		},
		OpenAPIPath:   "/api/openapi",
		Formats:       huma.DefaultFormats,
		DefaultFormat: "application/json",
		// No DocsPath: huma's page loads its scripts from a CDN; ours are embedded.
		// No SchemasPath and no link transformer: responses are exactly the documented JSON.
	}
}

// jsonMuxErrors answers the requests the mux has no route for (404, or 405
// with Allow) with the JSON error body instead of the mux's plain text.
func jsonMuxErrors(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			stateFrom(r.Context()).route.Store(&pattern)
			mux.ServeHTTP(w, r)
			return
		}
		rec := &headerRecorder{header: make(http.Header)}
		mux.ServeHTTP(rec, r)
		switch rec.status {
		case http.StatusNotFound:
			writeError(w, r, http.StatusNotFound, "", nil)
		case http.StatusMethodNotAllowed:
			w.Header()["Allow"] = rec.header["Allow"]
			writeError(w, r, http.StatusMethodNotAllowed, "", nil)
		default: // the mux's redirects to a cleaned path
			for k, v := range rec.header {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.status)
		}
	})
}

// headerRecorder keeps the status and headers of the mux's own answers; their
// plain-text bodies are dropped.
type headerRecorder struct {
	header http.Header
	status int
}

func (r *headerRecorder) Header() http.Header { return r.header }
func (r *headerRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}
func (r *headerRecorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return len(p), nil
}
