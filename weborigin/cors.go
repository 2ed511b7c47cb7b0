package weborigin

import "github.com/r2r/r2r/apierror"

// The CORS rules besides the origins. The API answers preflights itself
// (locally, and for any request API Gateway passes through), the REST API's
// mock integrations answer them on AWS, and the streaming Function URL has
// Lambda answer them: all three allow these methods and headers, so a
// request a browser may send to one it may send to the others.

// AllowMethods returns the methods a preflight allows
// (Access-Control-Allow-Methods).
func AllowMethods() []string {
	return []string{"GET", "POST", "PUT", "DELETE", "OPTIONS"}
}

// AllowHeaders returns the request headers a preflight allows
// (Access-Control-Allow-Headers) besides the CORS-safelisted ones: a JSON
// Content-Type, and the Authorization header that carries a Cognito token.
func AllowHeaders() []string {
	return []string{"Content-Type", "Authorization"}
}

// ExposeHeaders returns the response headers a script of an allowed origin
// may read besides the CORS-safelisted ones (Access-Control-Expose-Headers):
// X-Request-Id, the id a client quotes to find its request in the logs.
func ExposeHeaders() []string {
	return []string{apierror.RequestIDHeader}
}
