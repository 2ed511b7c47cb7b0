package main

import (
	"context"

	"github.com/r2r/r2r/internal/api"
	"github.com/r2r/r2r/internal/lambdahttp"
)

// lambdaAPIOptions are what the API learns from the Lambda adapter: the
// invocation's ids and the claims API Gateway verified.
func lambdaAPIOptions() []api.Option {
	return []api.Option{api.WithPlatformInfo(lambdaPlatformInfo), api.WithAuthorizerClaims(authorizerClaims)}
}

// authorizerClaims returns the claims that an API Gateway Cognito authorizer
// verified for the invocation: requestContext.authorizer.claims of the event
// (REST API), or the JWT authorizer's claims (HTTP API). They come from the
// event API Gateway built, never from request headers a client could set.
func authorizerClaims(ctx context.Context) map[string]any {
	claims, _ := lambdahttp.AuthorizerFromContext(ctx)["claims"].(map[string]any)
	return claims
}
