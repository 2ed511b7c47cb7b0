package lambdahttp

import (
	"fmt"

	"github.com/aws/aws-lambda-go/events"
)

// apigwV2 reads an API Gateway HTTP API event (payload format 2.0).
//
// Unlike every other source, its rawPath arrives decoded, and lossily so: a
// client's %2F is already "/", %3F cut the path, %2525 became "%" (see
// testdata/aws-events/ingress-paths.json). It is used as URL.Path
// as is; net/http computes the escaped form. A named stage ("/prod/...")
// is part of rawPath and is stripped.
func (ev *rawEvent) apigwV2(in *inbound) error {
	rc := &ev.RequestContext
	path := ev.RawPath
	if path == "" {
		path = rc.HTTP.Path
	}
	err := payloadV2[*events.APIGatewayV2HTTPRequestContextAuthorizerDescription](ev, in, SourceAPIGatewayV2, path)
	if err != nil {
		return err
	}
	in.pathDecoded = true
	if rc.Stage != "$default" {
		in.stage = rc.Stage
	}
	return nil
}

// payloadV2 reads what HTTP API and Function URL events (payload format
// 2.0) carry alike: the source src, the request path as src gives it, and
// A, the type of src's authorizer context.
func payloadV2[A any](ev *rawEvent, in *inbound, src Source, path string) error {
	rc := &ev.RequestContext
	if err := checkMethod(src, rc.HTTP.Method); err != nil {
		return err
	}
	if path == "" {
		return fmt.Errorf("%w: %s event without rawPath", ErrUnsupportedEvent, src)
	}
	auth, err := decodeAuthorizer[A](rc.Authorizer)
	if err != nil {
		return err
	}
	ev.auth = auth
	in.source = src
	in.info = requestInfo{source: src, raw: ev, requestID: rc.RequestID}
	in.method = rc.HTTP.Method
	in.path = path
	in.rawQuery = ev.RawQueryString
	in.header = singleValueHeader(ev.Headers, ev.Cookies)
	in.host = rc.DomainName
	in.sourceIP = rc.HTTP.SourceIP
	in.protocol = rc.HTTP.Protocol
	in.body, in.base64 = ev.Body, ev.IsBase64Encoded
	return nil
}

// apigwV2Event builds the typed event of an apigwV2 request.
func (ev *rawEvent) apigwV2Event() *events.APIGatewayV2HTTPRequest {
	rc := &ev.RequestContext
	auth, _ := ev.auth.(*events.APIGatewayV2HTTPRequestContextAuthorizerDescription)
	return &events.APIGatewayV2HTTPRequest{
		Version:               ev.Version,
		RouteKey:              ev.RouteKey,
		RawPath:               ev.RawPath,
		RawQueryString:        ev.RawQueryString,
		Cookies:               ev.Cookies,
		Headers:               ev.Headers,
		QueryStringParameters: ev.QueryStringParameters,
		PathParameters:        ev.PathParameters,
		StageVariables:        ev.StageVariables,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:       rc.RouteKey,
			AccountID:      rc.AccountID,
			Stage:          rc.Stage,
			RequestID:      rc.RequestID,
			Authorizer:     auth,
			APIID:          rc.APIID,
			DomainName:     rc.DomainName,
			DomainPrefix:   rc.DomainPrefix,
			Time:           rc.Time,
			TimeEpoch:      rc.TimeEpoch,
			HTTP:           rc.HTTP,
			Authentication: rc.Authentication,
		},
		Body:            ev.Body,
		IsBase64Encoded: ev.IsBase64Encoded,
	}
}
