package api

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// addRoutes lists the whole API surface.
// Routes that need a signed-in user say so with auth.require.
func addRoutes(mux *http.ServeMux, api huma.API, cfg Config, auth *authenticator) {
	huma.Register(api, helloOperation(cfg), handleHello())
	huma.Register(api, helloStreamOperation(cfg), handleHelloStream())
	huma.Register(api, healthzOperation(cfg), handleHealthz(cfg))
	huma.Register(api, auth.require(meOperation(cfg), Requirement{}), handleMe())
	mux.Handle("GET /api/docs", handleDocsPage())
	mux.Handle("GET /api/docs/assets/{file}", handleDocsAsset())
	mux.Handle("GET /docs", redirectToDocs())
	// GET /api/openapi.json (and .yaml) is served by huma from the registered operations.
}
