package lambdahttp

import (
	"context"
	"maps"
	"sync"

	"github.com/aws/aws-lambda-go/events"
)

// Source says which AWS service delivered a request.
type Source int

// The sources Invoke accepts. The zero value, SourceUnknown, is what
// SourceFromContext returns for a context that did not come from Invoke.
const (
	SourceUnknown      Source = iota
	SourceAPIGatewayV1        // API Gateway REST API (or HTTP API with payload 1.0)
	SourceAPIGatewayV2        // API Gateway HTTP API, payload 2.0
	SourceALB                 // Application Load Balancer target group
	SourceFunctionURL         // Lambda Function URL
)

// String returns a short stable name for logs, such as "apigateway-v1".
func (s Source) String() string {
	switch s {
	case SourceAPIGatewayV1:
		return "apigateway-v1"
	case SourceAPIGatewayV2:
		return "apigateway-v2"
	case SourceALB:
		return "alb"
	case SourceFunctionURL:
		return "function-url"
	}
	return "unknown"
}

// requestInfo is the one context value Invoke adds; the accessors read it.
type requestInfo struct {
	source      Source
	raw         *rawEvent // the decoded event, from which the typed one is built
	once        sync.Once
	event       any    // pointer to the typed aws-lambda-go event, once built
	requestID   string // requestContext.requestId
	platformID  string // see platformRequestID
	traceHeader string // the request's X-Amzn-Trace-Id header
}

type requestInfoKey struct{}

// typedEvent returns the typed event, built from the decoded one on first
// use: most handlers never ask for it.
func (info *requestInfo) typedEvent() any {
	info.once.Do(func() {
		switch info.source {
		case SourceAPIGatewayV1:
			info.event = info.raw.apigwV1Event()
		case SourceAPIGatewayV2:
			info.event = info.raw.apigwV2Event()
		case SourceALB:
			info.event = info.raw.albEvent()
		case SourceFunctionURL:
			info.event = info.raw.functionURLEvent()
		}
	})
	return info.event
}

func infoFrom(ctx context.Context) *requestInfo {
	info, _ := ctx.Value(requestInfoKey{}).(*requestInfo)
	return info
}

// EventFromContext returns the typed event of the request: an
// *events.APIGatewayProxyRequest, *events.APIGatewayV2HTTPRequest,
// *events.ALBTargetGroupRequest or *events.LambdaFunctionURLRequest. The
// handler must not modify it.
func EventFromContext(ctx context.Context) (any, bool) {
	if info := infoFrom(ctx); info != nil {
		return info.typedEvent(), true
	}
	return nil, false
}

// SourceFromContext returns the source of the request, or SourceUnknown.
func SourceFromContext(ctx context.Context) Source {
	if info := infoFrom(ctx); info != nil {
		return info.source
	}
	return SourceUnknown
}

// RequestIDFromContext returns API Gateway's or the Function URL's
// requestContext.requestId. It is "" for ALB, which has no request id (the
// caller generates one), and outside Invoke.
func RequestIDFromContext(ctx context.Context) string {
	if info := infoFrom(ctx); info != nil {
		return info.requestID
	}
	return ""
}

// PlatformRequestIDFromContext returns the id the platform logs the request
// under: API Gateway's requestContext.requestId behind a REST or HTTP API,
// else the Lambda invocation's request id (from lambdacontext; a Function URL
// or an ALB request), else a Function URL's requestContext.requestId. It is
// "" outside Invoke, and for an ALB request outside the Lambda runtime. The
// errors the adapter answers itself carry it (see [WithErrorBody] and
// [WithRequestIDHeader]).
func PlatformRequestIDFromContext(ctx context.Context) string {
	if info := infoFrom(ctx); info != nil {
		return info.platformID
	}
	return ""
}

// TraceIDFromContext returns the X-Ray trace header of the invocation: the
// one the Lambda runtime put in the context (aws-lambda-go's
// "x-amzn-trace-id" value, the same one it writes to _X_AMZN_TRACE_ID), else
// the request's X-Amzn-Trace-Id header, which an ALB or API Gateway adds.
func TraceIDFromContext(ctx context.Context) string {
	// aws-lambda-go stores it under a plain string key; we must use the same.
	if id, ok := ctx.Value("x-amzn-trace-id").(string); ok && id != "" { //nolint:staticcheck
		return id
	}
	if info := infoFrom(ctx); info != nil {
		return info.traceHeader
	}
	return ""
}

// StageVariablesFromContext returns a copy of the API Gateway stage
// variables (nil for ALB and Function URLs, or when there are none).
func StageVariablesFromContext(ctx context.Context) map[string]string {
	if info := infoFrom(ctx); info != nil {
		switch info.source {
		case SourceAPIGatewayV1, SourceAPIGatewayV2:
			return maps.Clone(info.raw.StageVariables)
		}
	}
	return nil
}

// AuthorizerFromContext returns what the API Gateway authorizer or IAM auth
// established, as a new map in one shape for every source, or nil if nothing:
//
//   - REST API: requestContext.authorizer as sent, so a Cognito user pool
//     authorizer's claims are under "claims" (map[string]any), a Lambda
//     authorizer's context keys and "principalId" at the top level.
//   - HTTP API JWT authorizer: "claims" (map[string]any of the string claims)
//     and "scopes" ([]string), so claims are under "claims" as for REST.
//   - HTTP API Lambda authorizer: its context keys at the top level, as for
//     REST.
//   - IAM auth (HTTP API and Function URL): "iam" (map[string]any with the
//     event's keys: accessKey, accountId, callerId, userArn, userId, ...),
//     only when the caller was authenticated (an unauthenticated request
//     carries an all-empty iam object, which is dropped).
func AuthorizerFromContext(ctx context.Context) map[string]any {
	info := infoFrom(ctx)
	if info == nil {
		return nil
	}
	out := map[string]any{}
	switch ev := info.typedEvent().(type) {
	case *events.APIGatewayProxyRequest:
		maps.Copy(out, ev.RequestContext.Authorizer)
	case *events.APIGatewayV2HTTPRequest:
		if a := ev.RequestContext.Authorizer; a != nil {
			maps.Copy(out, a.Lambda)
			if a.JWT != nil && (a.JWT.Claims != nil || a.JWT.Scopes != nil) {
				claims := make(map[string]any, len(a.JWT.Claims))
				for k, v := range a.JWT.Claims {
					claims[k] = v
				}
				out["claims"] = claims
				out["scopes"] = a.JWT.Scopes
			}
			if iam := a.IAM; iam != nil && (iam.AccessKey != "" || iam.CallerID != "" || iam.UserARN != "" || iam.UserID != "" || iam.AccountID != "") {
				out["iam"] = map[string]any{
					"accessKey":      iam.AccessKey,
					"accountId":      iam.AccountID,
					"callerId":       iam.CallerID,
					"principalOrgId": iam.PrincipalOrgID,
					"userArn":        iam.UserARN,
					"userId":         iam.UserID,
					"cognitoIdentity": map[string]any{
						"amr":            iam.CognitoIdentity.AMR,
						"identityId":     iam.CognitoIdentity.IdentityID,
						"identityPoolId": iam.CognitoIdentity.IdentityPoolID,
					},
				}
			}
		}
	case *events.LambdaFunctionURLRequest:
		if a := ev.RequestContext.Authorizer; a != nil {
			if iam := a.IAM; iam != nil && (iam.AccessKey != "" || iam.CallerID != "" || iam.UserARN != "" || iam.UserID != "" || iam.AccountID != "") {
				out["iam"] = map[string]any{
					"accessKey": iam.AccessKey,
					"accountId": iam.AccountID,
					"callerId":  iam.CallerID,
					"userArn":   iam.UserARN,
					"userId":    iam.UserID,
				}
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
