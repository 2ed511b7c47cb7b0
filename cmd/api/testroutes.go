//go:build !r2rtest

package main

import "github.com/r2r/r2r/internal/api"

// buildOptions are the API options of this build: none in a release build
// (testroutes_r2rtest.go adds the test-only routes).
func buildOptions() []api.Option { return nil }
