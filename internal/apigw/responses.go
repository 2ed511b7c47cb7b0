package apigw

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// responseTypes are API Gateway's gateway response types: the status and the
// message ($context.error.message) API Gateway gives each by default
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html).
var responseTypes = map[string]struct {
	status  int
	message string
}{
	"ACCESS_DENIED":                  {403, "Forbidden"},
	"API_CONFIGURATION_ERROR":        {500, "Internal server error"},
	"AUTHORIZER_CONFIGURATION_ERROR": {500, "Internal server error"},
	"AUTHORIZER_FAILURE":             {500, "Internal server error"},
	"BAD_REQUEST_PARAMETERS":         {400, "Bad request parameters"},
	"BAD_REQUEST_BODY":               {400, "Bad request body"},
	"DEFAULT_4XX":                    {0, ""},
	"DEFAULT_5XX":                    {0, ""},
	"EXPIRED_TOKEN":                  {403, "Expired token"},
	"INTEGRATION_FAILURE":            {504, "Internal server error"},
	"INTEGRATION_TIMEOUT":            {504, "Endpoint request timed out"},
	"INVALID_API_KEY":                {403, "Forbidden"},
	"INVALID_SIGNATURE":              {403, "Invalid signature"},
	"MISSING_AUTHENTICATION_TOKEN":   {403, "Missing Authentication Token"},
	"QUOTA_EXCEEDED":                 {429, "Limit Exceeded"},
	"REQUEST_TOO_LARGE":              {413, "Request Too Long"},
	"RESOURCE_NOT_FOUND":             {404, "Resource not found"},
	"THROTTLED":                      {429, "Too Many Requests"},
	"UNAUTHORIZED":                   {401, "Unauthorized"},
	"UNSUPPORTED_MEDIA_TYPE":         {415, "Unsupported Media Type"},
	"WAF_FILTERED":                   {403, "Forbidden"},
}

// defaultGatewayTemplate is the body of a gateway response the template does
// not customize.
const defaultGatewayTemplate = `{"message":$context.error.messageString}`

// contextVar matches the $context variables of a template, in either form
// ($context.x.y or ${context.x.y}... only the first is used by CDK).
var contextVar = regexp.MustCompile(`\$context\.[A-Za-z][A-Za-z0-9.]*[A-Za-z0-9]`)

// contextVars are the $context variables a gateway response template may use.
var contextVars = map[string]bool{
	"$context.requestId": true, "$context.extendedRequestId": true,
	"$context.error.message": true, "$context.error.messageString": true, "$context.error.responseType": true,
	"$context.stage": true, "$context.httpMethod": true, "$context.path": true, "$context.resourcePath": true,
	"$context.resourceId": true, "$context.domainName": true, "$context.protocol": true,
	"$context.requestTime": true, "$context.requestTimeEpoch": true,
	"$context.identity.sourceIp": true, "$context.identity.userAgent": true,
	"$context.apiId": true, "$context.accountId": true,
}

// checkTemplate refuses anything but $context substitutions: a gateway
// response template is VTL, and a VTL engine is not emulated.
func checkTemplate(tpl string) error {
	rest := contextVar.ReplaceAllStringFunc(tpl, func(v string) string {
		if contextVars[v] {
			return ""
		}
		return v
	})
	if m := contextVar.FindString(rest); m != "" {
		return fmt.Errorf("variable %s is not emulated", m)
	}
	if strings.ContainsAny(rest, "$#") {
		return fmt.Errorf("VTL beyond $context variables is not emulated: %q", tpl)
	}
	return nil
}

// render substitutes the $context variables of tpl.
func render(tpl string, vars map[string]string) string {
	return contextVar.ReplaceAllStringFunc(tpl, func(v string) string {
		if s, ok := vars[v]; ok {
			return s
		}
		return ""
	})
}

// gatewayResponse writes the gateway response of type typ, as the template
// customizes it, for the request described by rc. status, if not 0, is the
// status API Gateway gives this case when the template sets none (502 for a
// failed Lambda integration under DEFAULT_5XX).
func (g *Gateway) gatewayResponse(w http.ResponseWriter, typ string, rc *requestInfo, status int) {
	def := responseTypes[typ]
	if status == 0 {
		status = def.status
	}
	gr, ok := g.api.GatewayResponses[typ]
	if !ok {
		// An uncustomized type takes DEFAULT_4XX's or DEFAULT_5XX's template
		// and headers, with its own status.
		fallback := "DEFAULT_4XX"
		if status >= 500 {
			fallback = "DEFAULT_5XX"
		}
		gr = g.api.GatewayResponses[fallback]
		gr.StatusCode = 0
	}
	if gr.StatusCode != 0 {
		status = gr.StatusCode
	}
	if status == 0 {
		status = http.StatusInternalServerError
	}
	tpl := gr.Template
	if tpl == "" {
		tpl = defaultGatewayTemplate
	}
	msg := def.message
	if rc.errorMessage != "" {
		msg = rc.errorMessage
	}
	quoted, _ := json.Marshal(msg)
	vars := rc.contextVars()
	vars["$context.error.message"] = msg
	vars["$context.error.messageString"] = string(quoted)
	vars["$context.error.responseType"] = typ
	h := w.Header()
	for k, v := range gr.Headers {
		h.Set(k, v)
	}
	h.Set("Content-Type", "application/json")
	h.Set("x-amzn-ErrorType", errorType(typ))
	body := render(tpl, vars)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write([]byte(body))
}

// errorType is the x-amzn-ErrorType header API Gateway sends with a gateway
// response.
func errorType(typ string) string {
	switch typ {
	case "MISSING_AUTHENTICATION_TOKEN":
		return "MissingAuthenticationTokenException"
	case "UNAUTHORIZED":
		return "UnauthorizedException"
	case "THROTTLED":
		return "TooManyRequestsException"
	case "ACCESS_DENIED":
		return "AccessDeniedException"
	case "REQUEST_TOO_LARGE":
		return "RequestTooLargeException"
	}
	return "InternalServerErrorException"
}
