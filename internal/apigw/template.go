// Package apigw serves a REST API (API Gateway, payload 1.0) described by a
// synthesized CloudFormation template, on localhost: the template's resources
// and methods, its AWS_PROXY integrations (through an Invoker, e.g. a pool of
// Lambda Runtime Interface Emulators), its MOCK preflights, its gateway
// responses, its Cognito user-pool authorizer and its stage's throttling.
//
// Everything is read from the template; nothing of the stack is restated in
// code. What the template holds that this package cannot emulate, and that
// would change how a request is handled, stops Load with an error naming the
// resource and the property: it is never silently ignored. The resource types
// that play no part in handling a request are listed, with the reason, in
// ignoredTypes.
package apigw

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ignoredTypes are the resource types that do not take part in handling a
// request on localhost, each with the reason. Every other type is either
// emulated or refused.
var ignoredTypes = map[string]string{
	"AWS::ApiGateway::Deployment":      "a snapshot of the API for a stage; the template itself is served",
	"AWS::ApiGateway::Account":         "account-wide CloudWatch role of API Gateway",
	"AWS::Lambda::Permission":          "lets API Gateway invoke a function; locally the gateway invokes it directly",
	"AWS::Lambda::Version":             "a published version; locally the code of the working tree runs",
	"AWS::Lambda::Url":                 "a Function URL is another front door than the REST API, not served here",
	"AWS::CloudWatch::Alarm":           "monitoring",
	"AWS::CloudWatch::Dashboard":       "monitoring",
	"AWS::Logs::LogGroup":              "logs go to the terminal",
	"AWS::Logs::QueryDefinition":       "saved CloudWatch Logs Insights queries",
	"AWS::IAM::Role":                   "permissions of the deployed functions; local processes run as the developer",
	"AWS::IAM::Policy":                 "permissions of the deployed functions; local processes run as the developer",
	"AWS::SNS::Topic":                  "alarm notifications",
	"AWS::SNS::TopicPolicy":            "alarm notifications",
	"AWS::CodeDeploy::Application":     "gradual deployment of the alias; locally one version runs",
	"AWS::CodeDeploy::DeploymentGroup": "gradual deployment of the alias; locally one version runs",
	// WAF does filter requests (rate rules, managed rule groups): locally no
	// request is blocked by it. It is listed here, not refused, because its
	// rules are AWS-managed and cannot be evaluated offline.
	"AWS::WAFv2::WebACL":               "AWS WAF rules are not evaluated locally (no request is blocked by them)",
	"AWS::WAFv2::WebACLAssociation":    "AWS WAF rules are not evaluated locally (no request is blocked by them)",
	"AWS::WAFv2::LoggingConfiguration": "AWS WAF rules are not evaluated locally (no request is blocked by them)",
	"AWS::CDK::Metadata":               "CDK's usage metadata",
}

// IgnoredTypes returns the resource types Load ignores, with the reason.
func IgnoredTypes() map[string]string { return maps.Clone(ignoredTypes) }

// A Template is a CloudFormation template, as synthesized.
type Template struct {
	Resources map[string]resource `json:"Resources"`
}

type resource struct {
	Type       string                     `json:"Type"`
	Properties map[string]json.RawMessage `json:"Properties"`
	Metadata   map[string]json.RawMessage `json:"Metadata"`
}

// API is what Load read from a template: one REST API and one stage.
type API struct {
	// NotEmulated lists the resources of the template that change how
	// requests are handled on AWS but not here (AWS WAF), as "id (type):
	// reason", for the program to say so at start.
	NotEmulated []string

	Name             string
	Stage            string
	StageVariables   map[string]string // nil when the stage has none
	BinaryMediaTypes []string
	Root             *Resource
	// GatewayResponses by response type (DEFAULT_4XX, UNAUTHORIZED, ...).
	GatewayResponses map[string]GatewayResponse
	// Throttles are the stage's method settings, the most specific first.
	Throttles []Throttle
	// Functions by logical id: those the API's integrations invoke.
	Functions map[string]*Function
	// UserPools by logical id: those the API's authorizers use.
	UserPools map[string]*UserPool
}

// A Resource is one API Gateway resource (a path part) and its methods.
type Resource struct {
	ID       string // logical id
	PathPart string // "" for the root
	Path     string // "/api/{proxy+}"
	Children []*Resource
	Methods  map[string]*Method // by HTTP method; "ANY" too
}

// A Method is a resource's method and its integration.
type Method struct {
	ID          string
	HTTPMethod  string
	Resource    *Resource
	Authorizer  *Authorizer // nil: AuthorizationType NONE
	Integration Integration
}

// Integration kinds.
const (
	AWSProxy = "AWS_PROXY"
	Mock     = "MOCK"
)

// Integration is a method's integration.
type Integration struct {
	Type string // AWSProxy or Mock
	// AWS_PROXY
	Function  *Function
	Qualifier string // the alias invoked ("live"), "" for $LATEST
	Stream    bool   // ResponseTransferMode STREAM
	Timeout   time.Duration
	// MOCK: the integration response chosen by the request template's status.
	MockStatus  int
	MockHeaders map[string]string
	MockBody    string
}

// A GatewayResponse is the template's customization of a response type.
type GatewayResponse struct {
	StatusCode int               // 0: the type's default
	Headers    map[string]string // literal values
	Template   string            // application/json template; "" for the default
}

// A Throttle is a method setting's rate and burst for the methods it names.
type Throttle struct {
	ResourcePath string // "/*" or a resource path
	HTTPMethod   string // "*" or a method
	Rate         float64
	Burst        int
}

// A Function is a Lambda function of the template.
type Function struct {
	ID          string // logical id
	CDKPath     string // aws:cdk:path, e.g. R2RStack/HelloFunction/Resource
	PackageType string // "Zip" or "Image"
	AssetPath   string // aws:asset:path: the asset's directory in cdk.out
	Handler     string
	Runtime     string
	MemoryMB    int
	Timeout     time.Duration
	Env         map[string]string
	// EnvRefs are the variables whose value is a Ref to a resource of the
	// template (a user pool's or an app client's id): variable -> logical id,
	// resolved by whoever creates those resources locally.
	EnvRefs   map[string]string
	LogFormat string // LoggingConfig.LogFormat
	LogLevel  string // LoggingConfig.ApplicationLogLevel
}

// An Authorizer is a COGNITO_USER_POOLS authorizer.
type Authorizer struct {
	ID             string
	Name           string
	IdentityHeader string // from IdentitySource method.request.header.X
	UserPool       *UserPool
}

// A UserPool is a Cognito user pool of the template and its app clients.
type UserPool struct {
	ID         string
	Properties map[string]json.RawMessage // as in the template, to create it locally
	Clients    []*UserPoolClient
}

// A UserPoolClient is an app client of a user pool.
type UserPoolClient struct {
	ID         string
	Properties map[string]json.RawMessage
}

// An UnsupportedError says which construct of the template cannot be emulated.
type UnsupportedError struct {
	Resource string // logical id
	Property string // e.g. Integration.Type
	Reason   string
}

func (e *UnsupportedError) Error() string {
	if e.Property == "" {
		return fmt.Sprintf("template: resource %s: %s", e.Resource, e.Reason)
	}
	return fmt.Sprintf("template: resource %s: property %s: %s", e.Resource, e.Property, e.Reason)
}

func unsupported(res, prop, format string, args ...any) error {
	return &UnsupportedError{Resource: res, Property: prop, Reason: fmt.Sprintf(format, args...)}
}

// Properties of each emulated type: those read, and those that change nothing
// locally (with the reason in a comment). Any other property is refused.
var knownProperties = map[string][]string{
	"AWS::ApiGateway::RestApi": {"Name", "Description", "BinaryMediaTypes",
		"EndpointConfiguration", // REGIONAL or EDGE: where AWS serves it, not how
		"DisableExecuteApiEndpoint"},
	"AWS::ApiGateway::Resource": {"ParentId", "PathPart", "RestApiId"},
	"AWS::ApiGateway::Method": {"HttpMethod", "ResourceId", "RestApiId", "AuthorizationType", "AuthorizerId",
		"Integration", "ApiKeyRequired", "RequestValidatorId", "RequestParameters", "RequestModels",
		"MethodResponses", // only documents the integration responses
		"OperationName"},
	"AWS::ApiGateway::Stage": {"StageName", "RestApiId", "DeploymentId", "Variables", "MethodSettings", "Description",
		"TracingEnabled",   // X-Ray: locally only the X-Amzn-Trace-Id header is set
		"AccessLogSetting", // access logs go to CloudWatch; locally the functions log to the terminal
	},
	"AWS::ApiGateway::GatewayResponse":  {"ResponseType", "RestApiId", "StatusCode", "ResponseParameters", "ResponseTemplates"},
	"AWS::ApiGateway::Authorizer":       {"Type", "Name", "IdentitySource", "ProviderARNs", "RestApiId"},
	"AWS::ApiGateway::RequestValidator": {"RestApiId", "ValidateRequestBody", "ValidateRequestParameters", "Name"},
	"AWS::Lambda::Function": {"Code", "Environment", "MemorySize", "Timeout", "Handler", "Runtime", "PackageType",
		"Description", "FunctionName", "LoggingConfig",
		"Architectures", // built natively for the local machine
		"Role",          // see AWS::IAM::Role
		"TracingConfig", // X-Ray
	},
	"AWS::Lambda::Alias":           {"FunctionName", "FunctionVersion", "Name", "Description"},
	"AWS::Cognito::UserPool":       nil, // created as it is in the local Cognito endpoint
	"AWS::Cognito::UserPoolClient": nil,
}

// Load reads the REST API of a synthesized template, or says what in it
// cannot be emulated.
func Load(data []byte) (*API, error) {
	var t Template
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	l := &loader{t: &t, api: &API{
		GatewayResponses: map[string]GatewayResponse{},
		Functions:        map[string]*Function{},
		UserPools:        map[string]*UserPool{},
	}, resources: map[string]*Resource{}, authorizers: map[string]*Authorizer{}}
	if err := l.load(); err != nil {
		return nil, err
	}
	return l.api, nil
}

type loader struct {
	t           *Template
	api         *API
	restAPI     string
	resources   map[string]*Resource
	authorizers map[string]*Authorizer
}

func (l *loader) ids(typ string) []string {
	var ids []string
	for id, r := range l.t.Resources {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

func (l *loader) load() error {
	ids := slices.Sorted(maps.Keys(l.t.Resources))
	for _, id := range ids {
		r := l.t.Resources[id]
		if reason, ok := ignoredTypes[r.Type]; ok {
			if strings.HasPrefix(r.Type, "AWS::WAFv2::") {
				l.api.NotEmulated = append(l.api.NotEmulated, fmt.Sprintf("%s (%s): %s", id, r.Type, reason))
			}
			continue
		}
		known, ok := knownProperties[r.Type]
		if !ok {
			return unsupported(id, "Type", "resource type %s is not emulated", r.Type)
		}
		if known == nil {
			continue
		}
		for _, p := range slices.Sorted(maps.Keys(r.Properties)) {
			if !slices.Contains(known, p) {
				return unsupported(id, p, "property of %s not emulated", r.Type)
			}
		}
	}
	apis := l.ids("AWS::ApiGateway::RestApi")
	if len(apis) != 1 {
		return fmt.Errorf("template: want one AWS::ApiGateway::RestApi, have %d", len(apis))
	}
	l.restAPI = apis[0]
	if err := l.loadRestAPI(); err != nil {
		return err
	}
	for _, steps := range []func() error{l.loadStage, l.loadResources, l.loadAuthorizers, l.loadMethods, l.loadGatewayResponses, l.loadValidators} {
		if err := steps(); err != nil {
			return err
		}
	}
	return nil
}

func (l *loader) prop(id, name string, v any) error {
	raw, ok := l.t.Resources[id].Properties[name]
	if !ok {
		return nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return unsupported(id, name, "%v", err)
	}
	return nil
}

func (l *loader) loadRestAPI() error {
	id := l.restAPI
	if err := l.prop(id, "Name", &l.api.Name); err != nil {
		return err
	}
	if err := l.prop(id, "BinaryMediaTypes", &l.api.BinaryMediaTypes); err != nil {
		return err
	}
	var disable bool
	if err := l.prop(id, "DisableExecuteApiEndpoint", &disable); err != nil {
		return err
	}
	if disable {
		return unsupported(id, "DisableExecuteApiEndpoint", "the API is only reachable through a custom domain, which is not emulated")
	}
	l.api.Root = &Resource{ID: id, Path: "/", Methods: map[string]*Method{}}
	l.resources[id] = l.api.Root
	return nil
}

func (l *loader) loadStage() error {
	stages := l.ids("AWS::ApiGateway::Stage")
	if len(stages) != 1 {
		return fmt.Errorf("template: want one AWS::ApiGateway::Stage, have %d", len(stages))
	}
	id := stages[0]
	if err := l.prop(id, "StageName", &l.api.Stage); err != nil {
		return err
	}
	if l.api.Stage == "" {
		return unsupported(id, "StageName", "want a literal stage name")
	}
	if err := l.prop(id, "Variables", &l.api.StageVariables); err != nil {
		return err
	}
	var settings []map[string]json.RawMessage
	if err := l.prop(id, "MethodSettings", &settings); err != nil {
		return err
	}
	for i, s := range settings {
		var th Throttle
		var rate, burst *float64
		for _, k := range slices.Sorted(maps.Keys(s)) {
			v := s[k]
			prop := fmt.Sprintf("MethodSettings[%d].%s", i, k)
			var err error
			switch k {
			case "ResourcePath":
				err = json.Unmarshal(v, &th.ResourcePath)
			case "HttpMethod":
				err = json.Unmarshal(v, &th.HTTPMethod)
			case "ThrottlingRateLimit":
				err = json.Unmarshal(v, &rate)
			case "ThrottlingBurstLimit":
				err = json.Unmarshal(v, &burst)
			case "LoggingLevel", "MetricsEnabled", "DataTraceEnabled":
				// CloudWatch execution logs and metrics: nothing to do locally.
			case "CachingEnabled", "CacheDataEncrypted":
				var on bool
				err = json.Unmarshal(v, &on)
				if err == nil && on && k == "CachingEnabled" {
					return unsupported(id, prop, "the stage cache is not emulated")
				}
			default:
				return unsupported(id, prop, "method setting not emulated")
			}
			if err != nil {
				return unsupported(id, prop, "%v", err)
			}
		}
		if rate == nil && burst == nil {
			continue
		}
		if rate != nil {
			th.Rate = *rate
		} else {
			th.Rate = -1 // unlimited
		}
		if burst != nil {
			th.Burst = int(*burst)
		} else {
			th.Burst = -1
		}
		// "/~1api~1hello" is "/api/hello": a JSON pointer whose one token is
		// the resource path.
		if th.ResourcePath != "/*" {
			tok, ok := strings.CutPrefix(th.ResourcePath, "/")
			if !ok || strings.Contains(tok, "/") {
				return unsupported(id, fmt.Sprintf("MethodSettings[%d].ResourcePath", i), "want /* or /<escaped resource path>, have %q", th.ResourcePath)
			}
			th.ResourcePath = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		}
		l.api.Throttles = append(l.api.Throttles, th)
	}
	// Most specific first: a method's own setting overrides the stage's "/*".
	sort.SliceStable(l.api.Throttles, func(i, j int) bool {
		return l.api.Throttles[i].ResourcePath != "/*" && l.api.Throttles[j].ResourcePath == "/*"
	})
	return nil
}

// refID returns the logical id of {"Ref": id} or {"Fn::GetAtt": [id, attr]}.
func refID(raw json.RawMessage) (id, attr string, ok bool) {
	var v struct {
		Ref    string   `json:"Ref"`
		GetAtt []string `json:"Fn::GetAtt"`
	}
	if json.Unmarshal(raw, &v) != nil {
		return "", "", false
	}
	if v.Ref != "" {
		return v.Ref, "", true
	}
	if len(v.GetAtt) == 2 {
		return v.GetAtt[0], v.GetAtt[1], true
	}
	return "", "", false
}

func (l *loader) loadResources() error {
	ids := l.ids("AWS::ApiGateway::Resource")
	// Parents before children: resolve until no progress.
	pending := ids
	for len(pending) > 0 {
		var next []string
		for _, id := range pending {
			parentID, attr, ok := refID(l.t.Resources[id].Properties["ParentId"])
			if !ok {
				return unsupported(id, "ParentId", "want a Ref or Fn::GetAtt")
			}
			if attr != "" && (parentID != l.restAPI || attr != "RootResourceId") {
				return unsupported(id, "ParentId", "unknown parent %s.%s", parentID, attr)
			}
			parent, ok := l.resources[parentID]
			if !ok {
				if _, exists := l.t.Resources[parentID]; !exists {
					return unsupported(id, "ParentId", "no resource %s", parentID)
				}
				next = append(next, id)
				continue
			}
			var part string
			if err := l.prop(id, "PathPart", &part); err != nil {
				return err
			}
			if part == "" || strings.Contains(part, "/") {
				return unsupported(id, "PathPart", "bad path part %q", part)
			}
			if strings.HasPrefix(part, "{") && !strings.HasSuffix(part, "}") {
				return unsupported(id, "PathPart", "bad path parameter %q", part)
			}
			path := strings.TrimSuffix(parent.Path, "/") + "/" + part
			r := &Resource{ID: id, PathPart: part, Path: path, Methods: map[string]*Method{}}
			parent.Children = append(parent.Children, r)
			l.resources[id] = r
		}
		if len(next) == len(pending) {
			return unsupported(next[0], "ParentId", "parent cycle")
		}
		pending = next
	}
	return nil
}

func (l *loader) loadAuthorizers() error {
	for _, id := range l.ids("AWS::ApiGateway::Authorizer") {
		a := &Authorizer{ID: id}
		var typ, source string
		if err := l.prop(id, "Type", &typ); err != nil {
			return err
		}
		if typ != "COGNITO_USER_POOLS" {
			return unsupported(id, "Type", "authorizer type %s is not emulated (only COGNITO_USER_POOLS)", typ)
		}
		if err := l.prop(id, "Name", &a.Name); err != nil {
			return err
		}
		if err := l.prop(id, "IdentitySource", &source); err != nil {
			return err
		}
		h, ok := strings.CutPrefix(source, "method.request.header.")
		if !ok || h == "" {
			return unsupported(id, "IdentitySource", "want method.request.header.<name>, have %q", source)
		}
		a.IdentityHeader = h
		var arns []json.RawMessage
		if err := l.prop(id, "ProviderARNs", &arns); err != nil {
			return err
		}
		if len(arns) != 1 {
			return unsupported(id, "ProviderARNs", "want one user pool of this template, have %d", len(arns))
		}
		poolID, _, ok := refID(arns[0])
		if !ok || l.t.Resources[poolID].Type != "AWS::Cognito::UserPool" {
			return unsupported(id, "ProviderARNs", "want a user pool of this template (Fn::GetAtt Arn), have %s", arns[0])
		}
		a.UserPool = l.userPool(poolID)
		l.authorizers[id] = a
	}
	return nil
}

func (l *loader) userPool(id string) *UserPool {
	if p, ok := l.api.UserPools[id]; ok {
		return p
	}
	p := &UserPool{ID: id, Properties: l.t.Resources[id].Properties}
	for _, cid := range l.ids("AWS::Cognito::UserPoolClient") {
		if pid, _, ok := refID(l.t.Resources[cid].Properties["UserPoolId"]); ok && pid == id {
			p.Clients = append(p.Clients, &UserPoolClient{ID: cid, Properties: l.t.Resources[cid].Properties})
		}
	}
	l.api.UserPools[id] = p
	return p
}

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
