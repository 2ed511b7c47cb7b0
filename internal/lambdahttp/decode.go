package lambdahttp

import (
	"encoding/json"
	"reflect"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/r2r/r2r/internal/jsonscan"
)

// decodeEvent fills ev from payload exactly as json.Unmarshal(payload, ev)
// would, and returns json.Unmarshal's error for a payload it rejects.
//
// A hand-written decoder handles the shapes the four sources actually send
// (every string, map, array and number field of rawEvent, in a single pass,
// with strings that need no unescaping sliced from one copy of the payload);
// it declines, and json.Unmarshal decodes the payload from scratch, on
// anything else: what jsonscan declines (invalid JSON, a value of an
// unexpected type, null inside a map or an array, invalid UTF-8, a lone
// surrogate escape, nesting deeper than jsonscan.MaxDepth), a key that only
// matches a field case-insensitively, and the keys of foreign events
// (marker fields), whose events are rejected anyway. So whatever the fast
// path returns is what encoding/json returns, and every error is
// encoding/json's own. TestDecodeMatchesJSON and FuzzDecodeEvent compare
// the two.
func decodeEvent(payload []byte, ev *rawEvent) error {
	if fastDecode(payload, ev) {
		return nil
	}
	*ev = rawEvent{}
	return json.Unmarshal(payload, ev)
}

// fastDecode reports whether the hand-written decoder decoded payload into
// ev; on false ev holds garbage.
func fastDecode(payload []byte, ev *rawEvent) bool {
	d := decoder{jsonscan.New(string(payload))}
	d.event(ev)
	d.Release()
	return !d.Bad()
}

// decoder fills rawEvent: the schema, on jsonscan's readers.
type decoder struct {
	jsonscan.Decoder
}

// The JSON names of the fields of each struct the decoder fills, as
// encoding/json sees them. A key that is not an exact name but matches one
// case-insensitively (encoding/json's v1 rule: strings.EqualFold) sends the
// payload to encoding/json. Derived from the types, so a field the decoder
// does not handle by name can never be decoded wrongly: its exact key also
// matches here, and the payload goes to encoding/json.
var (
	eventNames    = jsonNames(reflect.TypeFor[rawEvent]())
	contextNames  = jsonNames(reflect.TypeFor[rawRequestContext]())
	identityNames = jsonNames(reflect.TypeFor[events.APIGatewayRequestIdentity]())
	httpNames     = jsonNames(reflect.TypeFor[events.APIGatewayV2HTTPRequestContextHTTPDescription]())
	elbNames      = jsonNames(reflect.TypeFor[events.ELBContext]())
)

func jsonNames(t reflect.Type) []string {
	var names []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() && !f.Anonymous {
			continue // decoder state, invisible to encoding/json
		}
		if name == "-" || f.Anonymous {
			// No such field in the types above; fail loudly if one appears.
			panic("lambdahttp: jsonNames: unsupported field " + t.String() + "." + f.Name)
		}
		if name == "" {
			name = f.Name
		}
		names = append(names, name)
	}
	return names
}

// unknown handles the value of a key that is not one of names: skipped, as
// encoding/json skips unknown keys, unless the key matches a name
// case-insensitively.
func (d *decoder) unknown(key string, names []string) {
	for _, n := range names {
		if strings.EqualFold(key, n) {
			d.Fail()
			return
		}
	}
	d.Skip()
}

func (d *decoder) event(ev *rawEvent) {
	d.Space()
	if d.Null() {
		d.Fail() // encoding/json leaves ev as it is; let it
		return
	}
	for k := range d.Object() {
		switch k {
		case "resource":
			d.Str(&ev.Resource)
		case "path":
			d.Str(&ev.Path)
		case "httpMethod":
			d.Str(&ev.HTTPMethod)
		case "multiValueHeaders":
			d.MultiMap(&ev.MultiValueHeaders)
		case "multiValueQueryStringParameters":
			d.MultiMap(&ev.MultiValueQueryStringParameters)
		case "version":
			d.Str(&ev.Version)
		case "routeKey":
			d.Str(&ev.RouteKey)
		case "rawPath":
			d.Str(&ev.RawPath)
		case "rawQueryString":
			d.Str(&ev.RawQueryString)
		case "cookies":
			d.StrSlice(&ev.Cookies)
		case "headers":
			d.StrMap(&ev.Headers)
		case "queryStringParameters":
			d.StrMap(&ev.QueryStringParameters)
		case "pathParameters":
			d.StrMap(&ev.PathParameters)
		case "stageVariables":
			d.StrMap(&ev.StageVariables)
		case "requestContext":
			d.requestContext(&ev.RequestContext)
		case "body":
			d.Str(&ev.Body)
		case "isBase64Encoded":
			d.Bool(&ev.IsBase64Encoded)
		default:
			// Including the marker keys of foreign events.
			d.unknown(k, eventNames)
		}
	}
	d.End()
}

func (d *decoder) requestContext(rc *rawRequestContext) {
	for k := range d.Object() {
		switch k {
		case "resourceId":
			d.Str(&rc.ResourceID)
		case "operationName":
			d.Str(&rc.OperationName)
		case "extendedRequestId":
			d.Str(&rc.ExtendedRequestID)
		case "protocol":
			d.Str(&rc.Protocol)
		case "identity":
			d.identity(&rc.Identity)
		case "resourcePath":
			d.Str(&rc.ResourcePath)
		case "path":
			d.Str(&rc.Path)
		case "httpMethod":
			d.Str(&rc.HTTPMethod)
		case "requestTime":
			d.Str(&rc.RequestTime)
		case "requestTimeEpoch":
			d.Int64(&rc.RequestTimeEpoch)
		case "routeKey":
			d.Str(&rc.RouteKey)
		case "time":
			d.Str(&rc.Time)
		case "timeEpoch":
			d.Int64(&rc.TimeEpoch)
		case "http":
			d.http(&rc.HTTP)
		case "authentication":
			d.delegate(&rc.Authentication)
		case "accountId":
			d.Str(&rc.AccountID)
		case "stage":
			d.Str(&rc.Stage)
		case "domainName":
			d.Str(&rc.DomainName)
		case "domainPrefix":
			d.Str(&rc.DomainPrefix)
		case "requestId":
			d.Str(&rc.RequestID)
		case "apiId":
			d.Str(&rc.APIID)
		case "authorizer":
			// json.RawMessage gets the value as written, null included.
			rc.Authorizer = json.RawMessage(d.Raw())
		case "elb":
			d.elb(&rc.ELB)
		default:
			d.unknown(k, contextNames)
		}
	}
}

func (d *decoder) identity(id *events.APIGatewayRequestIdentity) {
	for k := range d.Object() {
		switch k {
		case "cognitoIdentityPoolId":
			d.Str(&id.CognitoIdentityPoolID)
		case "accountId":
			d.Str(&id.AccountID)
		case "cognitoIdentityId":
			d.Str(&id.CognitoIdentityID)
		case "caller":
			d.Str(&id.Caller)
		case "apiKey":
			d.Str(&id.APIKey)
		case "apiKeyId":
			d.Str(&id.APIKeyID)
		case "accessKey":
			d.Str(&id.AccessKey)
		case "sourceIp":
			d.Str(&id.SourceIP)
		case "cognitoAuthenticationType":
			d.Str(&id.CognitoAuthenticationType)
		case "cognitoAuthenticationProvider":
			d.Str(&id.CognitoAuthenticationProvider)
		case "userArn":
			d.Str(&id.UserArn)
		case "userAgent":
			d.Str(&id.UserAgent)
		case "user":
			d.Str(&id.User)
		case "clientCert":
			d.delegate(&id.ClientCert)
		default:
			d.unknown(k, identityNames)
		}
	}
}

func (d *decoder) http(h *events.APIGatewayV2HTTPRequestContextHTTPDescription) {
	for k := range d.Object() {
		switch k {
		case "method":
			d.Str(&h.Method)
		case "path":
			d.Str(&h.Path)
		case "protocol":
			d.Str(&h.Protocol)
		case "sourceIp":
			d.Str(&h.SourceIP)
		case "userAgent":
			d.Str(&h.UserAgent)
		default:
			d.unknown(k, httpNames)
		}
	}
}

func (d *decoder) elb(e *events.ELBContext) {
	for k := range d.Object() {
		if k == "targetGroupArn" {
			d.Str(&e.TargetGroupArn)
		} else {
			d.unknown(k, elbNames)
		}
	}
}

// delegate decodes the next value into v (a pointer to the field) with
// encoding/json, for the rarely present nested types not worth decoding by
// hand. Decoding the value alone into the field as it is gives what decoding
// it in place would.
func (d *decoder) delegate(v any) {
	raw := d.Raw()
	if d.Bad() {
		return
	}
	if err := json.Unmarshal([]byte(raw), v); err != nil {
		d.Fail()
	}
}
