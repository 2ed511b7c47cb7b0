package lambdahttp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// rawEvent is the union of the fields of the four HTTP event types (and of a
// few fields that only foreign events have), so one json.Unmarshal of the
// payload both detects the source and fills the typed event: no field name
// has two different types across the four shapes except
// requestContext.authorizer, kept raw and decoded once the source is known.
type rawEvent struct {
	// REST API and ALB.
	Resource                        string              `json:"resource"`
	Path                            string              `json:"path"`
	HTTPMethod                      string              `json:"httpMethod"`
	MultiValueHeaders               map[string][]string `json:"multiValueHeaders"`
	MultiValueQueryStringParameters map[string][]string `json:"multiValueQueryStringParameters"`

	// Payload 2.0: HTTP API and Function URL.
	Version        string   `json:"version"`
	RouteKey       string   `json:"routeKey"`
	RawPath        string   `json:"rawPath"`
	RawQueryString string   `json:"rawQueryString"`
	Cookies        []string `json:"cookies"`

	// All four.
	Headers               map[string]string `json:"headers"`
	QueryStringParameters map[string]string `json:"queryStringParameters"`
	PathParameters        map[string]string `json:"pathParameters"`
	StageVariables        map[string]string `json:"stageVariables"`
	RequestContext        rawRequestContext `json:"requestContext"`
	Body                  string            `json:"body"`
	IsBase64Encoded       bool              `json:"isBase64Encoded"`

	// Only in foreign events: SQS/SNS/S3/... ("Records"), API Gateway
	// authorizer events ("type", "methodArn", "routeArn").
	Records   marker `json:"Records"`
	Type      marker `json:"type"`
	MethodArn marker `json:"methodArn"`
	RouteArn  marker `json:"routeArn"`

	// Decoder state, not part of the JSON.
	auth any // requestContext.authorizer decoded for the source's typed event
}

type rawRequestContext struct {
	// REST API.
	ResourceID        string                           `json:"resourceId"`
	OperationName     string                           `json:"operationName"`
	ExtendedRequestID string                           `json:"extendedRequestId"`
	Protocol          string                           `json:"protocol"`
	Identity          events.APIGatewayRequestIdentity `json:"identity"`
	ResourcePath      string                           `json:"resourcePath"`
	Path              string                           `json:"path"`
	HTTPMethod        string                           `json:"httpMethod"`
	RequestTime       string                           `json:"requestTime"`
	RequestTimeEpoch  int64                            `json:"requestTimeEpoch"`

	// Payload 2.0.
	RouteKey       string                                               `json:"routeKey"`
	Time           string                                               `json:"time"`
	TimeEpoch      int64                                                `json:"timeEpoch"`
	HTTP           events.APIGatewayV2HTTPRequestContextHTTPDescription `json:"http"`
	Authentication events.APIGatewayV2HTTPRequestContextAuthentication  `json:"authentication"`

	// API Gateway and Function URL.
	AccountID    string          `json:"accountId"`
	Stage        string          `json:"stage"`
	DomainName   string          `json:"domainName"`
	DomainPrefix string          `json:"domainPrefix"`
	RequestID    string          `json:"requestId"`
	APIID        string          `json:"apiId"`
	Authorizer   json.RawMessage `json:"authorizer"` // shape depends on the source

	// ALB.
	ELB events.ELBContext `json:"elb"`

	// Only in WebSocket events.
	ConnectionID marker `json:"connectionId"`
	EventType    marker `json:"eventType"`
}

// marker records that a key was present with a non-null value, without
// decoding (or allocating) the value.
type marker bool

func (m *marker) UnmarshalJSON(b []byte) error {
	*m = marker(string(b) != "null")
	return nil
}

// inbound is what the per-source code extracts from the event; newRequest
// turns it into an *http.Request.
type inbound struct {
	info          requestInfo
	source        Source
	method        string
	path          string // percent-encoded as the client sent it, unless pathDecoded
	pathDecoded   bool   // HTTP API rawPath: already decoded by AWS
	stage         string // HTTP API named stage to strip from the path
	rawQuery      string
	header        http.Header
	host          string // fallback when there is no Host header
	sourceIP      string
	protocol      string
	body          string
	base64        bool
	albMultiValue bool   // ALB target group with multi-value headers on
	badRequest    string // set when the request must be answered 400 unserved
}

// parse detects the source and fills in. Its errors wrap ErrUnsupportedEvent.
func (ev *rawEvent) parse(in *inbound) error {
	rc := &ev.RequestContext
	switch {
	case bool(ev.Records):
		return fmt.Errorf("%w: a \"Records\" event (SQS, SNS, S3, ...) is not an HTTP request", ErrUnsupportedEvent)
	case bool(ev.Type || ev.MethodArn || ev.RouteArn):
		return fmt.Errorf("%w: an API Gateway authorizer event is not an HTTP request", ErrUnsupportedEvent)
	case bool(rc.ConnectionID || rc.EventType):
		return fmt.Errorf("%w: an API Gateway WebSocket event is not an HTTP request", ErrUnsupportedEvent)
	case rc.ELB.TargetGroupArn != "":
		return ev.alb(in)
	case ev.Version == "2.0" || ev.RawPath != "" || rc.HTTP.Method != "":
		// Function URLs and HTTP APIs send the same payload 2.0 shape; only
		// the Function URL's domain tells them apart
		// (<url-id>.lambda-url.<region>.on.aws).
		if strings.Contains(rc.DomainName, ".lambda-url.") {
			return ev.functionURL(in)
		}
		return ev.apigwV2(in)
	case ev.HTTPMethod != "" || ev.Path != "" || ev.Resource != "" || rc.RequestID != "":
		return ev.apigwV1(in)
	}
	return fmt.Errorf("%w: not an API Gateway, ALB or Function URL HTTP request event", ErrUnsupportedEvent)
}

// decodeAuthorizer decodes the raw requestContext.authorizer into a T; an
// absent or null authorizer gives T's zero value.
func decodeAuthorizer[T any](raw json.RawMessage) (T, error) {
	var zero T
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return zero, nil
	}
	v := new(T) // allocated only here: most requests have no authorizer
	if err := json.Unmarshal(raw, v); err != nil {
		return zero, fmt.Errorf("%w: decoding requestContext.authorizer: %v", ErrUnsupportedEvent, err)
	}
	return *v, nil
}

// validMethod reports whether m is an HTTP token, as net/http requires.
func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for i := 0; i < len(m); i++ {
		c := m[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

func checkMethod(src Source, m string) error {
	if m == "" {
		return fmt.Errorf("%w: %s event without an HTTP method", ErrUnsupportedEvent, src)
	}
	if !validMethod(m) {
		return fmt.Errorf("%w: %s event with invalid HTTP method %q", ErrUnsupportedEvent, src, m)
	}
	return nil
}
