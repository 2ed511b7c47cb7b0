//go:build r2rtest

package main

import "github.com/r2r/r2r/internal/api"

// buildOptions are the API options of this build: with -tags r2rtest, the
// routes that panic or stall on purpose for the end-to-end tests.
func buildOptions() []api.Option { return []api.Option{api.WithTestRoutes()} }
