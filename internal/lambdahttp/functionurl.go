package lambdahttp

import "github.com/aws/aws-lambda-go/events"

// functionURL reads a Lambda Function URL event. It has the payload 2.0
// shape of an HTTP API event, but its rawPath is percent-encoded as the
// client sent it (requestContext.http.path is the decoded one), and there is
// no stage.
func (ev *rawEvent) functionURL(in *inbound) error {
	return payloadV2[*events.LambdaFunctionURLRequestContextAuthorizerDescription](ev, in, SourceFunctionURL, ev.RawPath)
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
