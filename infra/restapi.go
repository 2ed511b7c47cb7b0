package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
	"github.com/r2r/r2r/weborigin"
)

// restAPIName is the REST API's name, and the ApiName dimension of its metrics.
const restAPIName = "R2R API"

// accessLogFormat is one JSON object per request: who, what, how long, which
// Lambda/trace, and why API Gateway refused (authorizer and integration errors).
// Every value is quoted because API Gateway writes "-" for missing numbers.
func accessLogFormat() awsapigateway.AccessLogFormat {
	fields := map[string]string{
		"requestId":          "$context.requestId",
		"extendedRequestId":  "$context.extendedRequestId",
		"ip":                 "$context.identity.sourceIp",
		"userAgent":          "$context.identity.userAgent",
		"requestTime":        "$context.requestTime",
		"httpMethod":         "$context.httpMethod",
		"path":               "$context.path",
		"resourcePath":       "$context.resourcePath",
		"protocol":           "$context.protocol",
		"status":             "$context.status",
		"responseLength":     "$context.responseLength",
		"responseLatency":    "$context.responseLatency",
		"integrationLatency": "$context.integrationLatency",
		"integrationStatus":  "$context.integration.status",
		"integrationError":   "$context.integration.error",
		"errorMessage":       "$context.error.message",
		"errorType":          "$context.error.responseType",
		"authorizerError":    "$context.authorizer.error",
		"user":               "$context.authorizer.claims.sub",
		"xrayTraceId":        "$context.xrayTraceId",
	}
	b, err := json.Marshal(fields)
	if err != nil {
		panic(err)
	}
	return awsapigateway.AccessLogFormat_Custom(jsii.String(string(b)))
}

// streamRoute is the path of the streamed hello, which has its own throttle.
const streamRoute = "/api/hello/stream"

// newRestAPI is the "R2R API": CORS preflight on every resource, a logged,
// traced and throttled stage, /hello behind Cognito and /api/* proxied to the
// API function. It returns the API and its access log group.
func newRestAPI(stack awscdk.Stack, cfg Config, pool awscognito.IUserPool, helloFn, apiFn, streamFn awslambda.IFunction) (awsapigateway.RestApi, awslogs.LogGroup) {
	api, accessLogs := newRestAPIStage(stack, cfg)
	validator := newRequestValidator(api)
	addHelloRoute(stack, api, pool, helloFn, validator)
	apiHello := addAPIRoutes(api, apiFn, validator)
	addStreamRoute(apiHello, streamFn, validator)
	fixPreflightForBinary(api)
	addGatewayResponses(api, cfg)
	protectStage(stack, cfg, api.DeploymentStage())
	return api, accessLogs
}

// newRestAPIStage is the REST API and the one stage it is deployed to, named
// after cfg.Stage: access-logged, execution-logged (into a log group with a
// retention), traced and throttled, the streaming route more tightly. It
// returns the API and its access log group.
func newRestAPIStage(stack awscdk.Stack, cfg Config) (awsapigateway.RestApi, awslogs.LogGroup) {
	accessLogs := newLogGroup(stack, "ApiAccessLogs", cfg, nil)
	api := awsapigateway.NewRestApi(stack, jsii.String("RestApi"), &awsapigateway.RestApiProps{
		RestApiName: jsii.String(restAPIName),
		Description: jsii.String(fmt.Sprintf("r2r REST API (%s)", cfg.Stage)),
		DefaultCorsPreflightOptions: &awsapigateway.CorsOptions{
			AllowOrigins: jsii.Strings(cfg.CORSAllowOrigins...),
			AllowMethods: jsii.Strings(weborigin.AllowMethods()...),
			AllowHeaders: jsii.Strings(weborigin.AllowHeaders()...),
		},
		// The Go adapter base64-encodes every non-text body and sets
		// isBase64Encoded; API Gateway decodes it only when the request's
		// Accept header (or Content-Type) matches a binary media type. "*/*"
		// matches every request, so images, PDFs and gzip-encoded bodies reach
		// clients intact whatever their type; a list of types would corrupt any
		// type not on it. The price: request bodies arrive base64-encoded (the
		// adapter decodes them) and the CORS mock integrations must convert to
		// text (see fixPreflightForBinary).
		BinaryMediaTypes: jsii.Strings("*/*"),
		// Execution logging needs the account's API Gateway CloudWatch role,
		// an account-wide setting: the account stack owns it (see
		// NewAccountStack), so that no stage overwrites another's and every
		// stage but prod deletes completely.
		CloudWatchRole: jsii.Bool(false),
		DeployOptions: &awsapigateway.StageOptions{
			StageName:            jsii.String(cfg.Stage),
			AccessLogDestination: awsapigateway.NewLogGroupLogDestination(accessLogs),
			AccessLogFormat:      accessLogFormat(),
			LoggingLevel:         awsapigateway.MethodLoggingLevel_INFO,
			// Full request/response logging would write tokens and personal data.
			DataTraceEnabled:     jsii.Bool(false),
			MetricsEnabled:       jsii.Bool(true),
			TracingEnabled:       jsii.Bool(true),
			ThrottlingRateLimit:  jsii.Number(cfg.ThrottlingRateLimit),
			ThrottlingBurstLimit: jsii.Number(cfg.ThrottlingBurstLimit),
			// A stream holds a function for up to its timeout, so it gets a
			// smaller share of the stage's rate.
			MethodOptions: &map[string]*awsapigateway.MethodDeploymentOptions{
				streamRoute + "/GET": {
					ThrottlingRateLimit:  jsii.Number(cfg.StreamThrottlingRateLimit),
					ThrottlingBurstLimit: jsii.Number(cfg.StreamThrottlingBurstLimit),
				},
			},
		},
	})

	// API Gateway creates the execution log group itself, without retention,
	// on the first logged request. Creating it first (same name) bounds it.
	execLogs := newLogGroup(stack, "ApiExecutionLogs", cfg, awscdk.Fn_Join(jsii.String(""), jsii.Strings(
		"API-Gateway-Execution-Logs_", *api.RestApiId(), "/", cfg.Stage)))
	api.DeploymentStage().Node().AddDependency(execLogs)
	return api, accessLogs
}

// newRequestValidator is the validator every method uses. Parameters
// declared required are checked by API Gateway; bodies have no API Gateway
// models (the app validates them and answers 422), so body validation
// passes them through.
func newRequestValidator(api awsapigateway.RestApi) awsapigateway.RequestValidator {
	return api.AddRequestValidator(jsii.String("RequestValidator"), &awsapigateway.RequestValidatorOptions{
		ValidateRequestBody:       jsii.Bool(true),
		ValidateRequestParameters: jsii.Bool(true),
	})
}

// protectStage puts the web ACL in front of the stage when cfg.WAF is set,
// and otherwise says, for cdk-nag, why this stage goes without one.
func protectStage(stack awscdk.Stack, cfg Config, stage awsapigateway.Stage) {
	if cfg.WAF {
		newWebACL(stack, cfg, stage)
		return
	}
	cdknag.NagSuppressions_AddResourceSuppressions(stage, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-APIG3"), Reason: jsii.String(
			"waf=false for this stage (the default outside prod): the stage is throttled and /hello is authenticated; -c waf=true adds the web ACL.")},
	}, jsii.Bool(false))
}

// fixPreflightForBinary makes the CORS preflight work with binaryMediaTypes
// "*/*". With it, API Gateway treats the OPTIONS request as binary and passes
// it through untransformed, so the mock integration never sees its
// {"statusCode": 200} request template and the preflight fails with a 500.
// CONVERT_TO_TEXT makes API Gateway apply the template again. CorsOptions has
// no knob for it, hence the override on every generated OPTIONS method.
func fixPreflightForBinary(api awsapigateway.RestApi) {
	overrideMethods(api, "OPTIONS", map[string]string{"Integration.ContentHandling": "CONVERT_TO_TEXT"})
}

// overrideMethods sets CloudFormation properties the L2 constructs have no
// knob for on every method of one HTTP method, and feeds them into the
// deployment's logical id. CDK derives that id from the methods' construct
// properties, never from overrides: without this, changing an override
// would create no new deployment, and the stage would keep serving the old
// methods.
func overrideMethods(api awsapigateway.RestApi, httpMethod string, overrides map[string]string) {
	for _, m := range *api.Methods() {
		if *m.HttpMethod() != httpMethod {
			continue
		}
		cfn := m.Node().DefaultChild().(awsapigateway.CfnMethod)
		for _, path := range slices.Sorted(maps.Keys(overrides)) {
			cfn.AddPropertyOverride(jsii.String(path), jsii.String(overrides[path]))
		}
		api.LatestDeployment().AddToLogicalId(map[string]any{
			"override": *m.Resource().Path() + " " + httpMethod, "properties": overrides,
		})
	}
}

// addGatewayResponses gives the errors API Gateway answers itself (bad or
// missing token, throttling, unknown path, timeouts) the API's JSON error
// shape and CORS headers, so browsers can read them.
func addGatewayResponses(api awsapigateway.RestApi, cfg Config) {
	headers := map[string]*string{
		"X-Content-Type-Options": jsii.String("'nosniff'"),
	}
	// A gateway response can only send a fixed origin; for a list of origins
	// the browser gets no CORS header on these errors (same as today's default).
	if len(cfg.CORSAllowOrigins) == 1 {
		headers["Access-Control-Allow-Origin"] = jsii.String("'" + cfg.CORSAllowOrigins[0] + "'")
	}
	for _, r := range []struct {
		id     string
		typ    awsapigateway.ResponseType
		status int
		detail string // "" keeps API Gateway's message
	}{
		{"Unauthorized", awsapigateway.ResponseType_UNAUTHORIZED(), 401, "Unauthorized"},
		{"AccessDenied", awsapigateway.ResponseType_ACCESS_DENIED(), 403, "Forbidden"},
		// A REST API answers unknown paths with 403 "Missing Authentication Token".
		{"MissingAuthToken", awsapigateway.ResponseType_MISSING_AUTHENTICATION_TOKEN(), 404, "Not Found"},
		{"Throttled", awsapigateway.ResponseType_THROTTLED(), 429, "Too Many Requests"},
		{"RequestTooLarge", awsapigateway.ResponseType_REQUEST_TOO_LARGE(), 413, "Request Entity Too Large"},
		{"IntegrationTimeout", awsapigateway.ResponseType_INTEGRATION_TIMEOUT(), 504, "Gateway Timeout"},
		{"Default4xx", awsapigateway.ResponseType_DEFAULT_4XX(), 0, ""},
		{"Default5xx", awsapigateway.ResponseType_DEFAULT_5XX(), 0, ""},
	} {
		detail := "$context.error.messageString" // already a quoted JSON string
		if r.detail != "" {
			detail = fmt.Sprintf("%q", r.detail)
		}
		body := `{"detail":` + detail
		var status *string
		if r.status != 0 {
			body += fmt.Sprintf(`,"status_code":%d`, r.status)
			status = jsii.String(fmt.Sprint(r.status))
		}
		body += `,"request_id":"$context.requestId"}`
		api.AddGatewayResponse(jsii.String(r.id), &awsapigateway.GatewayResponseOptions{
			Type:            r.typ,
			StatusCode:      status,
			ResponseHeaders: &headers,
			Templates:       &map[string]*string{"application/json": jsii.String(body)},
		})
	}
}
