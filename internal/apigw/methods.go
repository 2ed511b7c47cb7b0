package apigw

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

var httpMethods = []string{"ANY", "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"}

func (l *loader) loadMethods() error {
	for _, id := range l.ids("AWS::ApiGateway::Method") {
		m := &Method{ID: id}
		if err := l.prop(id, "HttpMethod", &m.HTTPMethod); err != nil {
			return err
		}
		if !slices.Contains(httpMethods, m.HTTPMethod) {
			return unsupported(id, "HttpMethod", "unknown method %q", m.HTTPMethod)
		}
		resID, attr, ok := refID(l.t.Resources[id].Properties["ResourceId"])
		if ok && attr == "RootResourceId" {
			resID = l.restAPI
		}
		res, found := l.resources[resID]
		if !ok || !found {
			return unsupported(id, "ResourceId", "not a resource of the API")
		}
		m.Resource = res
		var authType string
		if err := l.prop(id, "AuthorizationType", &authType); err != nil {
			return err
		}
		switch authType {
		case "", "NONE":
		case "COGNITO_USER_POOLS":
			aid, _, ok := refID(l.t.Resources[id].Properties["AuthorizerId"])
			a, found := l.authorizers[aid]
			if !ok || !found {
				return unsupported(id, "AuthorizerId", "not an authorizer of the template")
			}
			m.Authorizer = a
		default:
			return unsupported(id, "AuthorizationType", "%s is not emulated", authType)
		}
		var apiKey bool
		if err := l.prop(id, "ApiKeyRequired", &apiKey); err != nil {
			return err
		}
		if apiKey {
			return unsupported(id, "ApiKeyRequired", "API keys and usage plans are not emulated")
		}
		for _, p := range []string{"RequestParameters", "RequestModels"} {
			var v map[string]any
			if err := l.prop(id, p, &v); err != nil {
				return err
			}
			if len(v) > 0 {
				return unsupported(id, p, "request validation against models or required parameters is not emulated")
			}
		}
		if err := l.loadIntegration(id, m); err != nil {
			return err
		}
		if _, dup := res.Methods[m.HTTPMethod]; dup {
			return unsupported(id, "HttpMethod", "second %s method on %s", m.HTTPMethod, res.Path)
		}
		res.Methods[m.HTTPMethod] = m
	}
	return nil
}

// loadValidators checks that request validators have nothing to validate:
// a validator only checks the method's RequestParameters and RequestModels,
// which loadMethods refuses.
func (l *loader) loadValidators() error { return nil }

func (l *loader) loadIntegration(id string, m *Method) error {
	var in map[string]json.RawMessage
	if err := l.prop(id, "Integration", &in); err != nil {
		return err
	}
	var typ string
	if err := json.Unmarshal(in["Type"], &typ); err != nil {
		return unsupported(id, "Integration.Type", "missing")
	}
	m.Integration.Type = typ
	allowed := map[string][]string{
		AWSProxy: {"Type", "IntegrationHttpMethod", "Uri", "ResponseTransferMode", "TimeoutInMillis"},
		Mock:     {"Type", "RequestTemplates", "IntegrationResponses", "ContentHandling", "PassthroughBehavior"},
	}[typ]
	if allowed == nil {
		return unsupported(id, "Integration.Type", "integration type %s is not emulated (only AWS_PROXY and MOCK)", typ)
	}
	for _, k := range slices.Sorted(maps.Keys(in)) {
		if !slices.Contains(allowed, k) {
			return unsupported(id, "Integration."+k, "not emulated for %s", typ)
		}
	}
	if typ == Mock {
		return l.loadMock(id, m, in)
	}
	m.Integration.Timeout = 29 * time.Second
	if raw, ok := in["TimeoutInMillis"]; ok {
		var ms int
		if err := json.Unmarshal(raw, &ms); err != nil || ms <= 0 {
			return unsupported(id, "Integration.TimeoutInMillis", "want a positive number, have %s", raw)
		}
		m.Integration.Timeout = time.Duration(ms) * time.Millisecond
	}
	if raw, ok := in["ResponseTransferMode"]; ok {
		var mode string
		json.Unmarshal(raw, &mode)
		switch mode {
		case "BUFFERED":
		case "STREAM":
			m.Integration.Stream = true
		default:
			return unsupported(id, "Integration.ResponseTransferMode", "unknown mode %s", raw)
		}
	}
	fn, qualifier, err := l.integrationTarget(in["Uri"])
	var ue *UnsupportedError
	if errors.As(err, &ue) {
		return err // of the function itself
	}
	if err != nil {
		return unsupported(id, "Integration.Uri", "%v", err)
	}
	m.Integration.Function = fn
	m.Integration.Qualifier = qualifier
	return nil
}

// integrationTarget finds the function (and alias) a Lambda proxy
// integration's Uri invokes: the Ref of an alias or the Fn::GetAtt Arn of a
// function inside its Fn::Join.
func (l *loader) integrationTarget(uri json.RawMessage) (*Function, string, error) {
	var join struct {
		Join []json.RawMessage `json:"Fn::Join"`
	}
	if err := json.Unmarshal(uri, &join); err != nil || len(join.Join) != 2 {
		return nil, "", fmt.Errorf("want an Fn::Join naming a function of the template, have %s", uri)
	}
	var parts []json.RawMessage
	if err := json.Unmarshal(join.Join[1], &parts); err != nil {
		return nil, "", fmt.Errorf("want an Fn::Join naming a function of the template, have %s", uri)
	}
	var found []string
	for _, p := range parts {
		id, attr, ok := refID(p)
		if !ok || strings.HasPrefix(id, "AWS::") {
			continue
		}
		switch t := l.t.Resources[id].Type; {
		case t == "AWS::Lambda::Function" && attr == "Arn":
			f, err := l.function(id)
			return f, "", err
		case t == "AWS::Lambda::Alias" && attr == "":
			var name string
			if err := l.prop(id, "Name", &name); err != nil {
				return nil, "", err
			}
			fid, _, ok := refID(l.t.Resources[id].Properties["FunctionName"])
			if !ok || l.t.Resources[fid].Type != "AWS::Lambda::Function" {
				return nil, "", fmt.Errorf("alias %s: FunctionName is not a function of the template", id)
			}
			f, err := l.function(fid)
			return f, name, err
		default:
			found = append(found, id)
		}
	}
	return nil, "", fmt.Errorf("no Lambda function or alias of the template in %s (found %v)", uri, found)
}

func (l *loader) function(id string) (*Function, error) {
	if f, ok := l.api.Functions[id]; ok {
		return f, nil
	}
	r := l.t.Resources[id]
	f := &Function{ID: id, PackageType: "Zip", MemoryMB: 128, Timeout: 3 * time.Second}
	json.Unmarshal(r.Metadata["aws:cdk:path"], &f.CDKPath)
	json.Unmarshal(r.Metadata["aws:asset:path"], &f.AssetPath)
	l.prop(id, "PackageType", &f.PackageType)
	l.prop(id, "Handler", &f.Handler)
	l.prop(id, "Runtime", &f.Runtime)
	l.prop(id, "MemorySize", &f.MemoryMB)
	var timeout int
	if l.prop(id, "Timeout", &timeout) == nil && timeout > 0 {
		f.Timeout = time.Duration(timeout) * time.Second
	}
	var env struct {
		Variables map[string]json.RawMessage `json:"Variables"`
	}
	if err := l.prop(id, "Environment", &env); err != nil {
		return nil, err
	}
	f.Env, f.EnvRefs = map[string]string{}, map[string]string{}
	for k, raw := range env.Variables {
		var v string
		if json.Unmarshal(raw, &v) == nil {
			f.Env[k] = v
			continue
		}
		ref, attr, ok := refID(raw)
		typ := l.t.Resources[ref].Type
		if !ok || attr != "" || (typ != "AWS::Cognito::UserPool" && typ != "AWS::Cognito::UserPoolClient") {
			return nil, unsupported(id, "Environment.Variables."+k, "only literals and the Ref of a user pool or app client are resolved locally, have %s", raw)
		}
		f.EnvRefs[k] = ref
		if typ == "AWS::Cognito::UserPoolClient" {
			if pid, _, ok := refID(l.t.Resources[ref].Properties["UserPoolId"]); ok {
				l.userPool(pid)
			}
		} else {
			l.userPool(ref)
		}
	}
	var logging struct {
		LogFormat           string `json:"LogFormat"`
		ApplicationLogLevel string `json:"ApplicationLogLevel"`
	}
	l.prop(id, "LoggingConfig", &logging)
	f.LogFormat, f.LogLevel = logging.LogFormat, logging.ApplicationLogLevel
	l.api.Functions[id] = f
	return f, nil
}

func (l *loader) loadMock(id string, m *Method, in map[string]json.RawMessage) error {
	var reqTemplates map[string]string
	if raw, ok := in["RequestTemplates"]; ok {
		if err := json.Unmarshal(raw, &reqTemplates); err != nil {
			return unsupported(id, "Integration.RequestTemplates", "%v", err)
		}
	}
	// The request template chooses the integration's status, which selects
	// the integration response; only the literal form is emulated.
	for ct, tpl := range reqTemplates {
		if _, ok := mockStatus(tpl); !ok {
			return unsupported(id, "Integration.RequestTemplates."+ct, "only a literal {\"statusCode\": N} is emulated, have %q", tpl)
		}
	}
	var responses []struct {
		StatusCode         string            `json:"StatusCode"`
		SelectionPattern   string            `json:"SelectionPattern"`
		ResponseParameters map[string]string `json:"ResponseParameters"`
		ResponseTemplates  map[string]string `json:"ResponseTemplates"`
		ContentHandling    string            `json:"ContentHandling"`
	}
	if raw, ok := in["IntegrationResponses"]; ok {
		if err := json.Unmarshal(raw, &responses); err != nil {
			return unsupported(id, "Integration.IntegrationResponses", "%v", err)
		}
	}
	// With no selection pattern, the one response is the default: it answers
	// whatever status the mock produced.
	chosen := -1
	for i, r := range responses {
		prop := fmt.Sprintf("Integration.IntegrationResponses[%d]", i)
		if r.SelectionPattern != "" {
			return unsupported(id, prop+".SelectionPattern", "selection patterns are not emulated")
		}
		if chosen >= 0 {
			return unsupported(id, prop, "more than one default integration response")
		}
		chosen = i
	}
	if chosen < 0 {
		return unsupported(id, "Integration.IntegrationResponses", "a MOCK integration without a response")
	}
	r := responses[chosen]
	prop := fmt.Sprintf("Integration.IntegrationResponses[%d]", chosen)
	code, err := strconv.Atoi(r.StatusCode)
	if err != nil {
		return unsupported(id, prop+".StatusCode", "want a status code, have %q", r.StatusCode)
	}
	m.Integration.MockStatus = code
	m.Integration.MockHeaders = map[string]string{}
	for k, v := range r.ResponseParameters {
		h, ok := strings.CutPrefix(k, "method.response.header.")
		lit, isLit := literal(v)
		if !ok || !isLit {
			return unsupported(id, prop+".ResponseParameters."+k, "only literal header values ('...') are emulated, have %q", v)
		}
		m.Integration.MockHeaders[h] = lit
	}
	for ct, tpl := range r.ResponseTemplates {
		if strings.ContainsAny(tpl, "$#") {
			return unsupported(id, prop+".ResponseTemplates."+ct, "templates with VTL are not emulated for MOCK, have %q", tpl)
		}
		m.Integration.MockBody = tpl
	}
	return nil
}

// mockStatus parses a MOCK request template "{ statusCode: 200 }".
func mockStatus(tpl string) (int, bool) {
	s := strings.TrimSpace(tpl)
	s, ok := strings.CutPrefix(s, "{")
	if !ok {
		return 0, false
	}
	s, ok = strings.CutSuffix(s, "}")
	if !ok {
		return 0, false
	}
	k, v, ok := strings.Cut(s, ":")
	if !ok || strings.Trim(strings.TrimSpace(k), `"`) != "statusCode" {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	return n, err == nil
}

// literal unquotes a response parameter's static value 'text'.
func literal(v string) (string, bool) {
	if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
		return v[1 : len(v)-1], true
	}
	return "", false
}

func (l *loader) loadGatewayResponses() error {
	for _, id := range l.ids("AWS::ApiGateway::GatewayResponse") {
		var typ, status string
		var params, templates map[string]string
		for _, p := range []struct {
			name string
			v    any
		}{{"ResponseType", &typ}, {"StatusCode", &status}, {"ResponseParameters", &params}, {"ResponseTemplates", &templates}} {
			if err := l.prop(id, p.name, p.v); err != nil {
				return err
			}
		}
		if _, ok := responseTypes[typ]; !ok {
			return unsupported(id, "ResponseType", "unknown response type %q", typ)
		}
		gr := GatewayResponse{Headers: map[string]string{}}
		if status != "" {
			n, err := strconv.Atoi(status)
			if err != nil || n < 100 || n > 599 {
				return unsupported(id, "StatusCode", "want a status code, have %q", status)
			}
			gr.StatusCode = n
		}
		for k, v := range params {
			h, ok := strings.CutPrefix(k, "gatewayresponse.header.")
			lit, isLit := literal(v)
			if !ok || !isLit {
				return unsupported(id, "ResponseParameters."+k, "only literal header values ('...') are emulated, have %q", v)
			}
			gr.Headers[h] = lit
		}
		for ct, tpl := range templates {
			if ct != "application/json" {
				return unsupported(id, "ResponseTemplates."+ct, "only the application/json template is emulated")
			}
			if err := checkTemplate(tpl); err != nil {
				return unsupported(id, "ResponseTemplates."+ct, "%v", err)
			}
			gr.Template = tpl
		}
		l.api.GatewayResponses[typ] = gr
	}
	return nil
}
