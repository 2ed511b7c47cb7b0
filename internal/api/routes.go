package api

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// addRoutes lists the whole API surface.
func addRoutes(mux *http.ServeMux, api huma.API, cfg Config) {
	huma.Register(api, helloOperation(cfg), handleHello())
	huma.Register(api, helloStreamOperation(cfg), handleHelloStream())
	huma.Register(api, healthzOperation(cfg), handleHealthz(cfg))
	mux.Handle("GET /api/docs", handleDocsPage())
	mux.Handle("GET /api/docs/assets/{file}", handleDocsAsset())
	mux.Handle("GET /docs", redirectToDocs())
	// GET /api/openapi.json (and .yaml) is served by huma from the registered operations.
}
