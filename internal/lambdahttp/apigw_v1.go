package lambdahttp

import (
	"fmt"

	"github.com/aws/aws-lambda-go/events"
)

// apigwV1 reads an API Gateway REST API event (payload format 1.0).
//
// Its path is the resource path without the stage ("/users/a%2Fb" for
// https://host/prod/users/a%2Fb), percent-encoded as the client sent it;
// behind a custom domain it still starts with the base path mapping, which
// WithBasePath strips. pathParameters.proxy is never used: it is only there
// for {proxy+} resources.
func (ev *rawEvent) apigwV1(in *inbound) error {
	const src = SourceAPIGatewayV1
	if err := checkMethod(src, ev.HTTPMethod); err != nil {
		return err
	}
	if ev.Path == "" {
		return fmt.Errorf("%w: %s event without a path", ErrUnsupportedEvent, src)
	}
	rc := &ev.RequestContext
	auth, err := decodeAuthorizer[map[string]any](rc.Authorizer)
	if err != nil {
		return err
	}
	ev.auth = auth
	in.source = src
	in.info = requestInfo{source: src, raw: ev, requestID: rc.RequestID}
	in.method = ev.HTTPMethod
	in.path = ev.Path
	// multiValueQueryStringParameters holds every value, already decoded;
	// queryStringParameters may add names (see multiValueHeader).
	in.rawQuery = encodeQuery(ev.MultiValueQueryStringParameters, singleToMerge(ev.QueryStringParameters, ev.MultiValueQueryStringParameters, false), false)
	in.header = multiValueHeader(ev.MultiValueHeaders, singleToMerge(ev.Headers, ev.MultiValueHeaders, true))
	in.host = rc.DomainName
	in.sourceIP = rc.Identity.SourceIP
	in.protocol = rc.Protocol
	in.body, in.base64 = ev.Body, ev.IsBase64Encoded
	return nil
}

// apigwV1Event builds the typed event of an apigwV1 request.
func (ev *rawEvent) apigwV1Event() *events.APIGatewayProxyRequest {
	rc := &ev.RequestContext
	auth, _ := ev.auth.(map[string]any)
	return &events.APIGatewayProxyRequest{
		Resource:                        ev.Resource,
		Path:                            ev.Path,
		HTTPMethod:                      ev.HTTPMethod,
		Headers:                         ev.Headers,
		MultiValueHeaders:               ev.MultiValueHeaders,
		QueryStringParameters:           ev.QueryStringParameters,
		MultiValueQueryStringParameters: ev.MultiValueQueryStringParameters,
		PathParameters:                  ev.PathParameters,
		StageVariables:                  ev.StageVariables,
		RequestContext: events.APIGatewayProxyRequestContext{
			AccountID:         rc.AccountID,
			ResourceID:        rc.ResourceID,
			OperationName:     rc.OperationName,
			Stage:             rc.Stage,
			DomainName:        rc.DomainName,
			DomainPrefix:      rc.DomainPrefix,
			RequestID:         rc.RequestID,
			ExtendedRequestID: rc.ExtendedRequestID,
			Protocol:          rc.Protocol,
			Identity:          rc.Identity,
			ResourcePath:      rc.ResourcePath,
			Path:              rc.Path,
			Authorizer:        auth,
			HTTPMethod:        rc.HTTPMethod,
			RequestTime:       rc.RequestTime,
			RequestTimeEpoch:  rc.RequestTimeEpoch,
			APIID:             rc.APIID,
		},
		Body:            ev.Body,
		IsBase64Encoded: ev.IsBase64Encoded,
	}
}
