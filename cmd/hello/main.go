// Command hello is the Cognito-protected GET /hello function of the r2r stack.
//
// API Gateway's Cognito user-pool authorizer verifies the caller's ID token
// before this function runs and passes the token's claims in
// requestContext.authorizer.claims; the function greets the caller by the
// cognito:username (or email) claim. It never reads identity from request
// headers: only what the authorizer put into the request context is trusted.
//
// Responses and errors have the same shape as the r2r API:
//
//	200 {"message": "Hello <name>"}
//	401 {"detail": "Unauthorized", "status_code": 401, "request_id": "<id>"}
//
// Configuration (environment, validated at start):
//
//	ALLOW_ORIGINS  comma-separated CORS origins ("*" or e.g. https://app.example.com),
//	               the same list the stack gives API Gateway's CORS preflight, read by
//	               weborigin exactly as the API reads CORS_ALLOW_ORIGINS; default "*".
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/r2r/r2r/apierror"
	"github.com/r2r/r2r/weborigin"
)

func main() {
	h, err := newHandler(os.Getenv, slog.New(slog.NewJSONHandler(os.Stdout, nil)))
	if err != nil {
		// Fail the init phase loudly: a misconfigured function must not serve.
		fmt.Fprintln(os.Stderr, "hello:", err)
		os.Exit(1)
	}
	lambda.Start(h)
}

// handler answers API Gateway REST (payload 1.0) proxy events.
type handler func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error)

// newHandler validates the configuration read through getenv and returns the
// Lambda handler.
func newHandler(getenv func(string) string, logger *slog.Logger) (handler, error) {
	origins, err := parseOrigins(getenv("ALLOW_ORIGINS"))
	if err != nil {
		return nil, fmt.Errorf("ALLOW_ORIGINS=%q: %w", getenv("ALLOW_ORIGINS"), err)
	}
	return func(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		requestID := req.RequestContext.RequestID
		name := callerName(req.RequestContext.Authorizer)
		if name == "" {
			// Reaching here without claims means the route was deployed without the
			// authorizer or invoked directly: refuse rather than guess.
			logger.WarnContext(ctx, "no Cognito claims in request context", "request_id", requestID)
			return respond(http.StatusUnauthorized, &apierror.Error{
				Detail:     http.StatusText(http.StatusUnauthorized),
				StatusCode: http.StatusUnauthorized,
				RequestID:  requestID,
			}, requestID, origins, req), nil
		}
		return respond(http.StatusOK, helloBody{Message: "Hello " + name}, requestID, origins, req), nil
	}, nil
}

// helloBody is the success response.
type helloBody struct {
	Message string `json:"message"`
}

// callerName returns the cognito:username claim, else the email claim, else "".
// API Gateway's Cognito authorizer puts the verified token's claims under
// authorizer["claims"] as a map of strings. In a pool that signs in by e-mail
// (as the r2r pool does) the username is the opaque sub, so the e-mail is the
// better greeting there.
func callerName(authorizer map[string]any) string {
	claims, _ := authorizer["claims"].(map[string]any)
	claim := func(key string) string {
		v, _ := claims[key].(string)
		return strings.TrimSpace(v)
	}
	username, email := claim("cognito:username"), claim("email")
	if username != "" && (username != claim("sub") || email == "") {
		return username
	}
	return email
}

// respond encodes body as JSON with the headers every r2r response carries.
func respond(status int, body any, requestID string, origins weborigin.Allowlist, req events.APIGatewayProxyRequest) events.APIGatewayProxyResponse {
	b, err := json.Marshal(body)
	if err != nil {
		// Only plain structs of strings and ints are encoded here.
		panic(err)
	}
	headers := map[string]string{
		"Content-Type":           "application/json",
		"X-Content-Type-Options": "nosniff",
		// The greeting is personal: no shared cache may keep it.
		"Cache-Control": "no-store",
	}
	if requestID != "" {
		headers[apierror.RequestIDHeader] = requestID
	}
	// API Gateway's proxy integration does not add CORS headers to Lambda
	// responses, so the function sets them from the same list as the preflight.
	allow, vary := allowOrigin(origins, header(req, "Origin"))
	if allow != "" {
		headers["Access-Control-Allow-Origin"] = allow
	}
	if vary {
		headers["Vary"] = "Origin"
	}
	return events.APIGatewayProxyResponse{StatusCode: status, Headers: headers, Body: string(b)}
}

// allowOrigin returns the Access-Control-Allow-Origin value for a request
// from origin, and whether the answer depends on the Origin header.
func allowOrigin(origins weborigin.Allowlist, origin string) (allow string, vary bool) {
	return origins.Allow(origin), !origins.AllowsAny()
}

// header returns the first value of the request header name, matched
// case-insensitively as HTTP requires.
func header(req events.APIGatewayProxyRequest, name string) string {
	for k, v := range req.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	for k, vs := range req.MultiValueHeaders {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

// parseOrigins parses a comma-separated origin list, the same way the API
// reads its CORS_ALLOW_ORIGINS; empty means "*", the stack's default.
func parseOrigins(s string) (weborigin.Allowlist, error) {
	if strings.TrimSpace(s) == "" {
		return weborigin.NewAllowlist([]string{weborigin.Any}), nil
	}
	origins, err := weborigin.ParseList(s)
	if err != nil {
		return weborigin.Allowlist{}, err
	}
	return weborigin.NewAllowlist(origins), nil
}
