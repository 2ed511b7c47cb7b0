package lambdahttp

import (
	"fmt"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// alb reads an Application Load Balancer target group event.
//
// The ALB passes path and query parameters on still percent-encoded, as the
// client sent them. With "multi-value headers" enabled on the target group
// the event has multiValueHeaders and multiValueQueryStringParameters, and
// the ALB expects the response in the same mode (in.albMultiValue).
func (ev *rawEvent) alb(in *inbound) error {
	const src = SourceALB
	if err := checkMethod(src, ev.HTTPMethod); err != nil {
		return err
	}
	if ev.Path == "" {
		return fmt.Errorf("%w: %s event without a path", ErrUnsupportedEvent, src)
	}
	in.source = src
	in.info = requestInfo{source: src, raw: ev} // an ALB has no request id
	in.method = ev.HTTPMethod
	in.path = ev.Path
	in.albMultiValue = ev.MultiValueHeaders != nil || ev.MultiValueQueryStringParameters != nil
	in.rawQuery = encodeQuery(ev.MultiValueQueryStringParameters, singleToMerge(ev.QueryStringParameters, ev.MultiValueQueryStringParameters, false), true)
	in.header = multiValueHeader(ev.MultiValueHeaders, singleToMerge(ev.Headers, ev.MultiValueHeaders, true))
	in.sourceIP = albClientIP(in.header)
	in.body, in.base64 = ev.Body, ev.IsBase64Encoded
	return nil
}

// albEvent builds the typed event of an alb request.
func (ev *rawEvent) albEvent() *events.ALBTargetGroupRequest {
	return &events.ALBTargetGroupRequest{
		HTTPMethod:                      ev.HTTPMethod,
		Path:                            ev.Path,
		QueryStringParameters:           ev.QueryStringParameters,
		MultiValueQueryStringParameters: ev.MultiValueQueryStringParameters,
		Headers:                         ev.Headers,
		MultiValueHeaders:               ev.MultiValueHeaders,
		RequestContext:                  events.ALBTargetGroupRequestContext{ELB: ev.RequestContext.ELB},
		IsBase64Encoded:                 ev.IsBase64Encoded,
		Body:                            ev.Body,
	}
}

// albClientIP returns the client address the ALB appended to
// X-Forwarded-For: the last entry, the only one a client cannot forge.
func albClientIP(h map[string][]string) string {
	v := h["X-Forwarded-For"]
	if len(v) == 0 {
		return ""
	}
	last := v[len(v)-1]
	if i := strings.LastIndexByte(last, ','); i >= 0 {
		last = last[i+1:]
	}
	return strings.TrimSpace(last)
}
