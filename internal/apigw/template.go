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
	"fmt"
	"maps"
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
