package lambdahttp

import (
	"fmt"

	"github.com/aws/aws-lambda-go/events"
)

// functionURL reads a Lambda Function URL event. It has the payload 2.0
// shape of an HTTP API event, but its rawPath is percent-encoded as the
// client sent it (requestContext.http.path is the decoded one), and there is
// no stage.
func (ev *rawEvent) functionURL(in *inbound) error {
	const src = SourceFunctionURL
	rc := &ev.RequestContext
	if err := checkMethod(src, rc.HTTP.Method); err != nil {
		return err
	}
	if ev.RawPath == "" {
		return fmt.Errorf("%w: %s event without rawPath", ErrUnsupportedEvent, src)
	}
	auth, err := decodeAuthorizer[*events.LambdaFunctionURLRequestContextAuthorizerDescription](rc.Authorizer)
	if err != nil {
		return err
	}
	ev.auth = auth
	ev.payloadV2(in, src, ev.RawPath)
	return nil
}

// functionURLEvent builds the typed event of a functionURL request.
func (ev *rawEvent) functionURLEvent() *events.LambdaFunctionURLRequest {
	rc := &ev.RequestContext
	auth, _ := ev.auth.(*events.LambdaFunctionURLRequestContextAuthorizerDescription)
	return &events.LambdaFunctionURLRequest{
		Version:               ev.Version,
		RawPath:               ev.RawPath,
		RawQueryString:        ev.RawQueryString,
		Cookies:               ev.Cookies,
		Headers:               ev.Headers,
		QueryStringParameters: ev.QueryStringParameters,
		RequestContext: events.LambdaFunctionURLRequestContext{
			AccountID:    rc.AccountID,
			RequestID:    rc.RequestID,
			Authorizer:   auth,
			APIID:        rc.APIID,
			DomainName:   rc.DomainName,
			DomainPrefix: rc.DomainPrefix,
			Time:         rc.Time,
			TimeEpoch:    rc.TimeEpoch,
			HTTP: events.LambdaFunctionURLRequestContextHTTPDescription{
				Method:    rc.HTTP.Method,
				Path:      rc.HTTP.Path,
				Protocol:  rc.HTTP.Protocol,
				SourceIP:  rc.HTTP.SourceIP,
				UserAgent: rc.HTTP.UserAgent,
			},
		},
		Body:            ev.Body,
		IsBase64Encoded: ev.IsBase64Encoded,
	}
}
