package apigw

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"mime"
	"net"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
)

// requestInfo is what the gateway knows of a request: its ids, its route,
// and what becomes the event's requestContext and the $context variables.
type requestInfo struct {
	requestID, extendedRequestID, traceID string
	start                                 time.Time
	method                                string
	stagePath                             string // the path as sent, with the stage: /prod/api/hello
	path                                  string // without the stage, still encoded: /api/hello
	resource                              *Resource
	methodID                              string
	pathParams                            map[string]string
	sourceIP, userAgent, domainName       string
	protocol                              string
	stage                                 string
	claims                                map[string]string
	errorMessage                          string // overrides the response type's message
}

func newRequestInfo(r *http.Request, stage string, now time.Time) *requestInfo {
	ri := &requestInfo{
		requestID: uuid(),
		// 11 bytes: the 16 characters of AWS's ("ATfSdF7nPHcErRA=").
		extendedRequestID: base64.StdEncoding.EncodeToString(randBytes(11)),
		traceID:           fmt.Sprintf("Root=1-%08x-%s", now.Unix(), hex.EncodeToString(randBytes(12))),
		start:             now,
		method:            r.Method,
		stagePath:         r.URL.EscapedPath(),
		userAgent:         r.UserAgent(),
		domainName:        r.Host,
		protocol:          r.Proto,
		stage:             stage,
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		ri.sourceIP = host
	}
	return ri
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func uuid() string {
	b := randBytes(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// requestTime is API Gateway's $context.requestTime format (CLF).
const requestTime = "02/Jan/2006:15:04:05 -0700"

func (ri *requestInfo) resourcePath() string {
	if ri.resource == nil {
		return ""
	}
	return ri.resource.Path
}

// resourceID is the resource's id in AWS's form (six lower-case letters
// and digits, "al6gqb"), derived from its logical id so it is stable.
func (ri *requestInfo) resourceID() string {
	if ri.resource == nil {
		return ""
	}
	h := fnv.New32a()
	h.Write([]byte(ri.resource.ID))
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	n := h.Sum32()
	id := make([]byte, 6)
	for i := range id {
		id[i] = alphabet[n%36]
		n /= 36
	}
	return string(id)
}

// contextVars are the $context variables of the request.
func (ri *requestInfo) contextVars() map[string]string {
	return map[string]string{
		"$context.requestId":          ri.requestID,
		"$context.extendedRequestId":  ri.extendedRequestID,
		"$context.stage":              ri.stage,
		"$context.httpMethod":         ri.method,
		"$context.path":               ri.stagePath,
		"$context.resourcePath":       ri.resourcePath(),
		"$context.resourceId":         ri.resourceID(),
		"$context.domainName":         ri.domainName,
		"$context.protocol":           ri.protocol,
		"$context.requestTime":        ri.start.UTC().Format(requestTime),
		"$context.requestTimeEpoch":   strconv.FormatInt(ri.start.UnixMilli(), 10),
		"$context.identity.sourceIp":  ri.sourceIP,
		"$context.identity.userAgent": ri.userAgent,
		"$context.apiId":              localAPIID,
		"$context.accountId":          localAccountID,
	}
}

// The ids of the local API: fixed, in the form of AWS's.
const (
	localAPIID     = "local00000"
	localAccountID = "000000000000"
)

// Event types of REST payload 1.0, with the keys API Gateway sends, in its
// order (a live capture: testdata/apigwv1-request.json).
type (
	restEvent struct {
		Resource                        string              `json:"resource"`
		Path                            string              `json:"path"`
		HTTPMethod                      string              `json:"httpMethod"`
		Headers                         map[string]string   `json:"headers"`
		MultiValueHeaders               map[string][]string `json:"multiValueHeaders"`
		QueryStringParameters           map[string]string   `json:"queryStringParameters"`
		MultiValueQueryStringParameters map[string][]string `json:"multiValueQueryStringParameters"`
		PathParameters                  map[string]string   `json:"pathParameters"`
		StageVariables                  map[string]string   `json:"stageVariables"`
		RequestContext                  restContext         `json:"requestContext"`
		Body                            *string             `json:"body"`
		IsBase64Encoded                 bool                `json:"isBase64Encoded"`
	}
	restContext struct {
		AccountID         string          `json:"accountId"`
		APIID             string          `json:"apiId"`
		Authorizer        *restAuthorizer `json:"authorizer"`
		DomainName        string          `json:"domainName"`
		DomainPrefix      string          `json:"domainPrefix"`
		ExtendedRequestID string          `json:"extendedRequestId"`
		HTTPMethod        string          `json:"httpMethod"`
		Identity          restIdentity    `json:"identity"`
		OperationName     string          `json:"operationName"`
		Path              string          `json:"path"`
		Protocol          string          `json:"protocol"`
		RequestID         string          `json:"requestId"`
		RequestTime       string          `json:"requestTime"`
		RequestTimeEpoch  int64           `json:"requestTimeEpoch"`
		ResourceID        string          `json:"resourceId"`
		ResourcePath      string          `json:"resourcePath"`
		Stage             string          `json:"stage"`
	}
	restAuthorizer struct {
		Claims map[string]string `json:"claims"`
	}
	restIdentity struct {
		AccessKey                     string         `json:"accessKey"`
		AccountID                     string         `json:"accountId"`
		APIKey                        string         `json:"apiKey"`
		APIKeyID                      string         `json:"apiKeyId"`
		Caller                        string         `json:"caller"`
		CognitoAuthenticationProvider string         `json:"cognitoAuthenticationProvider"`
		CognitoAuthenticationType     string         `json:"cognitoAuthenticationType"`
		CognitoIdentityID             string         `json:"cognitoIdentityId"`
		CognitoIdentityPoolID         string         `json:"cognitoIdentityPoolId"`
		PrincipalOrgID                string         `json:"principalOrgId"`
		SourceIP                      string         `json:"sourceIp"`
		User                          string         `json:"user"`
		UserAgent                     string         `json:"userAgent"`
		UserArn                       string         `json:"userArn"`
		ClientCert                    restClientCert `json:"clientCert"`
	}
	restClientCert struct {
		ClientCertPem string `json:"clientCertPem"`
		SubjectDN     string `json:"subjectDN"`
		IssuerDN      string `json:"issuerDN"`
		SerialNumber  string `json:"serialNumber"`
		Validity      struct {
			NotBefore string `json:"notBefore"`
			NotAfter  string `json:"notAfter"`
		} `json:"validity"`
	}
)

// buildEvent builds the REST payload 1.0 event of r as API Gateway does for
// a Lambda proxy integration.
func (g *Gateway) buildEvent(r *http.Request, ri *requestInfo, body []byte) ([]byte, error) {
	ev := restEvent{
		Resource:       ri.resourcePath(),
		Path:           ri.path,
		HTTPMethod:     r.Method,
		StageVariables: g.api.StageVariables,
	}
	ev.Headers, ev.MultiValueHeaders = eventHeaders(r, ri)
	ev.QueryStringParameters, ev.MultiValueQueryStringParameters = eventQuery(r.URL.RawQuery)
	if len(ri.pathParams) > 0 {
		ev.PathParameters = ri.pathParams
	}
	if len(body) > 0 {
		if g.isBinary(r.Header.Get("Content-Type")) {
			s := base64.StdEncoding.EncodeToString(body)
			ev.Body, ev.IsBase64Encoded = &s, true
		} else {
			s := string(body)
			ev.Body = &s
		}
	}
	rc := &ev.RequestContext
	rc.AccountID = localAccountID
	rc.APIID = localAPIID
	if ri.claims != nil {
		rc.Authorizer = &restAuthorizer{Claims: ri.claims}
	}
	rc.DomainName = ri.domainName
	rc.DomainPrefix, _, _ = strings.Cut(ri.domainName, ".")
	rc.ExtendedRequestID = ri.extendedRequestID
	rc.HTTPMethod = r.Method
	rc.Identity.SourceIP = ri.sourceIP
	rc.Identity.UserAgent = ri.userAgent
	rc.Path = ri.stagePath
	// API Gateway speaks HTTP/1.1 to the integration whatever the client used.
	rc.Protocol = "HTTP/1.1"
	rc.RequestID = ri.requestID
	rc.RequestTime = ri.start.UTC().Format(requestTime)
	rc.RequestTimeEpoch = ri.start.UnixMilli()
	rc.ResourceID = ri.resourceID()
	rc.ResourcePath = ri.resourcePath()
	rc.Stage = ri.stage
	return json.Marshal(ev)
}

// eventHeaders returns the request's headers as API Gateway passes them: the
// last value of each in headers, all of them in multiValueHeaders, plus the
// headers API Gateway adds (X-Amzn-Trace-Id, X-Forwarded-*). nil when none.
func eventHeaders(r *http.Request, ri *requestInfo) (map[string]string, map[string][]string) {
	mv := map[string][]string{}
	for k, vs := range r.Header {
		mv[k] = append([]string(nil), vs...)
	}
	if r.Host != "" {
		mv["Host"] = []string{r.Host}
	}
	mv["X-Amzn-Trace-Id"] = []string{ri.traceID}
	if ri.sourceIP != "" {
		mv["X-Forwarded-For"] = append(mv["X-Forwarded-For"], ri.sourceIP)
		mv["X-Forwarded-For"] = []string{strings.Join(mv["X-Forwarded-For"], ", ")}
	}
	port, proto := "80", "http"
	if r.TLS != nil {
		port, proto = "443", "https"
	}
	if _, p, err := net.SplitHostPort(r.Host); err == nil {
		port = p
	}
	mv["X-Forwarded-Port"] = []string{port}
	mv["X-Forwarded-Proto"] = []string{proto}
	single := make(map[string]string, len(mv))
	for k, vs := range mv {
		single[k] = vs[len(vs)-1]
	}
	return single, mv
}

// eventQuery returns the query as API Gateway passes it: decoded values,
// the last of each name in the single-value map; nil maps when there is no
// query.
func eventQuery(raw string) (map[string]string, map[string][]string) {
	if raw == "" {
		return nil, nil
	}
	mv := map[string][]string{}
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		dk, err := url.QueryUnescape(k)
		if err != nil {
			dk = k
		}
		dv, err := url.QueryUnescape(v)
		if err != nil {
			dv = v
		}
		mv[dk] = append(mv[dk], dv)
	}
	if len(mv) == 0 {
		return nil, nil
	}
	single := make(map[string]string, len(mv))
	for k, vs := range mv {
		single[k] = vs[len(vs)-1]
	}
	return single, mv
}

// isBinary reports whether a body of contentType is passed base64-encoded:
// whether it matches one of the API's binary media types (a request without
// a Content-Type is taken as application/json, as API Gateway does).
func (g *Gateway) isBinary(contentType string) bool {
	return matchesMediaType(contentType, g.api.BinaryMediaTypes)
}

func matchesMediaType(contentType string, types []string) bool {
	if contentType == "" {
		contentType = "application/json"
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(contentType))
	}
	for _, t := range types {
		// Binary media types are globs: */*, image/*, application/octet-stream.
		if ok, _ := path.Match(strings.ToLower(t), mt); ok {
			return true
		}
	}
	return false
}
