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
	const src = SourceAPIGatewayV2
	rc := &ev.RequestContext
	if err := checkMethod(src, rc.HTTP.Method); err != nil {
		return err
	}
	path := ev.RawPath
	if path == "" {
		path = rc.HTTP.Path
	}
	if path == "" {
		return fmt.Errorf("%w: %s event without rawPath", ErrUnsupportedEvent, src)
	}
	auth, err := decodeAuthorizer[*events.APIGatewayV2HTTPRequestContextAuthorizerDescription](rc.Authorizer)
	if err != nil {
		return err
	}
	ev.auth = auth
	ev.payloadV2(in, src, path)
	in.pathDecoded = true
	if rc.Stage != "$default" {
		in.stage = rc.Stage
	}
	return nil
}

// payloadV2 reads what HTTP API and Function URL events (payload format
// 2.0) carry alike.
func (ev *rawEvent) payloadV2(in *inbound, src Source, path string) {
	rc := &ev.RequestContext
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
