package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodedeploy"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecrassets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// R2RStackProps configures NewR2RStack. The zero value (or nil) deploys the
// repository this module lives in, configured from the app's context.
type R2RStackProps struct {
	awscdk.StackProps
	// Config replaces the context keys (see ConfigFromContext) when not nil.
	Config *Config
	// RepoDir is the app module's root: the Docker build context of the API
	// image (its .dockerignore applies) and where cmd/hello is built.
	// Default "..", the repository root seen from infra/.
	RepoDir string
	// ImageDir overrides RepoDir as the API image's build context (it must hold
	// a Dockerfile). Default RepoDir.
	ImageDir string
}

// corsMethods and corsHeaders are the seed's CORS preflight settings.
var (
	corsMethods = []string{"GET", "POST", "PUT", "DELETE", "OPTIONS"}
	corsHeaders = []string{"Content-Type", "Authorization"}
)

// imageExcludes keep the API image's build context small and free of
// secrets and build output, in addition to the repository's .dockerignore.
// infra/cdk.out above all: copying the cloud assembly into itself recurses.
// The rest of infra/ is a separate Go module the image never builds; leaving
// it in would change the image hash, and redeploy the function, on every
// infrastructure edit.
var imageExcludes = []string{
	"infra", "infra/cdk.out", "cdk.out", ".git", "**/node_modules", "bin", "tmp", ".air", "**/*.test", "coverage.out",
}

// NewR2RStack defines r2r: a Cognito user pool, the Cognito-protected /hello
// function, the Go API (a container image) as two functions, buffered behind
// /api and streaming behind /api/hello/stream and a Function URL, each through
// its "live" alias, the REST API in front, alarms notifying an SNS topic that
// also roll back a gradual deployment, a dashboard, saved Logs Insights
// queries, and outputs.
//
// With props.Config nil it reads the context and panics with the validation
// error when a value is invalid (main checks the context first to print a
// clean message).
func NewR2RStack(scope constructs.Construct, id string, props *R2RStackProps) awscdk.Stack {
	var p R2RStackProps
	if props != nil {
		p = *props
	}
	if p.RepoDir == "" {
		p.RepoDir = ".."
	}
	if p.ImageDir == "" {
		p.ImageDir = p.RepoDir
	}
	if p.StackProps.Description == nil {
		p.StackProps.Description = jsii.String("r2r: Go API on Lambda behind API Gateway, with Cognito")
	}
	stack := awscdk.NewStack(scope, &id, &p.StackProps)
	cfg := p.Config
	if cfg == nil {
		c, err := ConfigFromContext(stack.Node())
		if err != nil {
			panic(err)
		}
		cfg = &c
	}

	pool, client := newUserPool(stack, *cfg)
	helloFn := newHelloFunction(stack, *cfg, p.RepoDir)
	// One image asset for both API functions: built and pushed once per deploy.
	image := apiImage(p.ImageDir, cfg.Version)
	apiFn := newAPIFunction(stack, *cfg, image, responseModeBuffered, pool, client)
	streamFn := newAPIFunction(stack, *cfg, image, responseModeStream, pool, client)
	live := newLiveAlias(stack, "ApiFunctionLive", apiFn, "Version serving /api; shifted by CodeDeploy")
	streamLive := newLiveAlias(stack, "ApiStreamFunctionLive", streamFn,
		"Version serving /api/hello/stream and the streaming Function URL; shifted by CodeDeploy")
	api, accessLogs := newRestAPI(stack, *cfg, pool, helloFn, live, streamLive)
	var streamURL awslambda.FunctionUrl
	if cfg.StreamFunctionURL {
		streamURL = newStreamURL(stack, *cfg, streamLive)
	}
	topic := newAlarmTopic(stack, *cfg)
	alarms := newAlarms(stack, *cfg, topic, live, streamLive)
	allowAlarmsToPublish(topic, alarms)
	newGradualDeployment(stack, *cfg, live, streamLive, alarms)
	newQueries(stack, *cfg, apiFn, streamFn, accessLogs)
	newDashboard(stack, *cfg, live, streamLive, apiFn, streamFn, alarms)
	newOutputs(stack, *cfg, api, accessLogs, pool, client, helloFn, apiFn, streamFn, streamURL, topic)
	return stack
}

// removalPolicy keeps production data when the stack is deleted or a
// resource replaced, and cleans up everything else. Not RETAIN: a first
// create that fails and rolls back would leave the retained resources behind,
// and the next create would fail on or duplicate them;
// RETAIN_ON_UPDATE_OR_DELETE (DeletionPolicy RetainExceptOnCreate) deletes
// what a failed create made.
func removalPolicy(cfg Config) awscdk.RemovalPolicy {
	if cfg.IsProd() {
		return awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE
	}
	return awscdk.RemovalPolicy_DESTROY
}

// newLogGroup is a log group with a bounded retention: never-expiring logs
// cost money forever and keep personal data longer than needed.
func newLogGroup(scope constructs.Construct, id string, cfg Config, name *string) awslogs.LogGroup {
	retention := awslogs.RetentionDays_ONE_MONTH
	if cfg.IsProd() {
		retention = awslogs.RetentionDays_THREE_MONTHS
	}
	return awslogs.NewLogGroup(scope, &id, &awslogs.LogGroupProps{
		LogGroupName:  name,
		Retention:     retention,
		RemovalPolicy: removalPolicy(cfg),
	})
}

// newUserPool creates the user pool (administrators create the users) and the
// app client used by browser and CLI sign-ins.
func newUserPool(stack awscdk.Stack, cfg Config) (awscognito.UserPool, awscognito.UserPoolClient) {
	pool := awscognito.NewUserPool(stack, jsii.String("UserPool"), &awscognito.UserPoolProps{
		SelfSignUpEnabled: jsii.Bool(false),
		SignInAliases:     &awscognito.SignInAliases{Email: jsii.Bool(true)},
		AutoVerify:        &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true)},
		StandardAttributes: &awscognito.StandardAttributes{
			Email: &awscognito.StandardAttribute{Required: jsii.Bool(true), Mutable: jsii.Bool(true)},
		},
		PasswordPolicy: &awscognito.PasswordPolicy{
			MinLength:            jsii.Number(12),
			RequireLowercase:     jsii.Bool(true),
			RequireUppercase:     jsii.Bool(true),
			RequireDigits:        jsii.Bool(true),
			RequireSymbols:       jsii.Bool(true),
			TempPasswordValidity: awscdk.Duration_Days(jsii.Number(3)),
		},
		// TOTP only: SMS needs an SNS role, a sandbox exit and costs per message.
		Mfa:                awscognito.Mfa_OPTIONAL,
		MfaSecondFactor:    &awscognito.MfaSecondFactor{Otp: jsii.Bool(true), Sms: jsii.Bool(false)},
		AccountRecovery:    awscognito.AccountRecovery_EMAIL_ONLY,
		FeaturePlan:        awscognito.FeaturePlan_ESSENTIALS,
		DeletionProtection: jsii.Bool(cfg.IsProd()),
		RemovalPolicy:      removalPolicy(cfg),
	})
	cdknag.NagSuppressions_AddResourceSuppressions(pool, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-COG2"), Reason: jsii.String(
			"MFA is optional by requirement: users opt in to TOTP; the pool has no self sign-up and only administrator-created users.")},
		{Id: jsii.String("AwsSolutions-COG8"), Reason: jsii.String(
			"Threat protection needs the Plus feature plan, billed per monthly active user; the pool has no self sign-up and a strong password policy. Switch FeaturePlan to PLUS with StandardThreatProtectionMode FULL_FUNCTION when the user base is opened to the public.")},
	}, jsii.Bool(false))

	client := pool.AddClient(jsii.String("AppClient"), &awscognito.UserPoolClientOptions{
		// Public client (browser, CLI): a secret could not be kept secret there.
		GenerateSecret: jsii.Bool(false),
		AuthFlows: &awscognito.AuthFlow{
			UserSrp:      jsii.Bool(true),
			UserPassword: jsii.Bool(true),
		},
		// No hosted UI yet: without this CDK enables OAuth flows to https://example.com.
		DisableOAuth:               jsii.Bool(true),
		PreventUserExistenceErrors: jsii.Bool(true),
		EnableTokenRevocation:      jsii.Bool(true),
	})
	return pool, client
}

// newFunctionRole is an execution role with only what a function needs:
// writing to its own log group (X-Ray is added by the function's tracing).
func newFunctionRole(scope constructs.Construct, id string, logGroup awslogs.LogGroup) awsiam.Role {
	role := awsiam.NewRole(scope, &id, &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("r2r function role: its own log group and X-Ray only"),
	})
	logGroup.GrantWrite(role)
	return role
}

// suppressXRayWildcard documents the one wildcard in the function roles.
func suppressXRayWildcard(role awsiam.Role) {
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id:        jsii.String("AwsSolutions-IAM5"),
		Reason:    jsii.String("xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions; AWS documents Resource \"*\" for them."),
		AppliesTo: &[]any{"Resource::*"},
	}}, jsii.Bool(true))
}

// jsonLogging is the logging both functions share: JSON lines that Lambda
// filters by level (it also sets AWS_LAMBDA_LOG_LEVEL, which the Go code
// honours), and platform records at INFO, because START/END/REPORT carry each
// invocation's duration and memory.
func jsonLogging(cfg Config) (awslambda.LoggingFormat, awslambda.ApplicationLogLevel, awslambda.SystemLogLevel) {
	return awslambda.LoggingFormat_JSON, awslambda.ApplicationLogLevel(cfg.LogLevel), awslambda.SystemLogLevel_INFO
}

// newHelloFunction is the Cognito-protected /hello function: cmd/hello built
// at synthesis time into a zip for provided.al2023 on arm64.
func newHelloFunction(stack awscdk.Stack, cfg Config, repoDir string) awslambda.Function {
	logGroup := newLogGroup(stack, "HelloFunctionLogs", cfg, nil)
	role := newFunctionRole(stack, "HelloFunctionRole", logGroup)
	format, appLevel, sysLevel := jsonLogging(cfg)
	fn := awslambda.NewFunction(stack, jsii.String("HelloFunction"), &awslambda.FunctionProps{
		Description:  jsii.String("r2r GET /hello: greets the Cognito user"),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code: awslambda.Code_FromAsset(jsii.String(repoDir), &awss3assets.AssetOptions{
			// The source is the whole module; hash what was built instead, which is
			// reproducible thanks to -trimpath and no VCS stamp.
			AssetHashType: awscdk.AssetHashType_OUTPUT,
			Bundling:      goBundlingOptions(repoDir, "./cmd/hello"),
		}),
		MemorySize: jsii.Number(128),
		Timeout:    awscdk.Duration_Seconds(jsii.Number(10)),
		Tracing:    awslambda.Tracing_ACTIVE,
		LogGroup:   logGroup,
		Role:       role,
		Environment: &map[string]*string{
			"ALLOW_ORIGINS": jsii.String(strings.Join(cfg.CORSAllowOrigins, ",")),
		},
		LoggingFormat:         format,
		ApplicationLogLevelV2: appLevel,
		SystemLogLevelV2:      sysLevel,
	})
	suppressXRayWildcard(role)
	return fn
}

// metricsNamespace is the CloudWatch namespace of the app's EMF metrics. The
// functions get it as METRICS_NAMESPACE so the dashboard and the app agree.
const metricsNamespace = "r2r"

// apiImage is the API's container image: the repository's Dockerfile built
// for arm64 at deploy time (synthesis only stages the build context). Both API
// functions take this one Code value, so the asset is staged, built and pushed
// once.
func apiImage(imageDir, version string) awslambda.DockerImageCode {
	props := &awslambda.AssetImageCodeProps{
		Platform:   awsecrassets.Platform_LINUX_ARM64(),
		IgnoreMode: awscdk.IgnoreMode_DOCKER,
		Exclude:    jsii.Strings(imageExcludes...),
	}
	if version != "" {
		props.BuildArgs = &map[string]*string{"VERSION": jsii.String(version)}
	}
	return awslambda.DockerImageCode_FromImageAsset(jsii.String(imageDir), props)
}

// responseMode is how an API function answers Lambda (LAMBDA_RESPONSE_MODE).
// Lambda's invoke mode is fixed per integration and Function URL, not per
// request, so streaming gets its own function from the same image.
type responseMode struct {
	id          string // construct id prefix
	env         string // LAMBDA_RESPONSE_MODE
	description string
	// reserved is the function's reserved concurrency in cfg (0: none).
	reserved func(Config) float64
	// timeout: API Gateway gives up on a buffered response after 29 s, so
	// running longer would only burn money. A streamed response is bounded by
	// the function's timeout instead (API Gateway allows 15 minutes, a
	// Function URL Lambda's 15): 5 minutes covers long server-sent-event style
	// responses, and bounds what a stuck stream costs; clients reconnect.
	timeout awscdk.Duration
}

var (
	responseModeBuffered = responseMode{"ApiFunction", "buffered",
		"r2r API (/api/*): Go net/http server in a container image",
		func(c Config) float64 { return c.APIReservedConcurrency }, awscdk.Duration_Seconds(jsii.Number(29))}
	responseModeStream = responseMode{"ApiStreamFunction", "stream",
		"r2r streaming API (/api/hello/stream, Function URL): same image, LAMBDA_RESPONSE_MODE=stream",
		func(c Config) float64 { return c.StreamReservedConcurrency }, awscdk.Duration_Minutes(jsii.Number(5))}
)

// newAPIFunction is the Go API in one response mode. Both modes share memory,
// architecture, logging and tracing, so they behave alike but for streaming.
// The user pool and its client are those whose tokens the API's protected
// routes verify, the same as /hello's authorizer.
func newAPIFunction(stack awscdk.Stack, cfg Config, image awslambda.DockerImageCode, mode responseMode,
	pool awscognito.IUserPool, client awscognito.IUserPoolClient) awslambda.DockerImageFunction {
	logGroup := newLogGroup(stack, mode.id+"Logs", cfg, nil)
	role := newFunctionRole(stack, mode.id+"Role", logGroup)
	format, appLevel, sysLevel := jsonLogging(cfg)
	var reserved *float64
	if n := mode.reserved(cfg); n > 0 {
		reserved = jsii.Number(n)
	}
	fn := awslambda.NewDockerImageFunction(stack, jsii.String(mode.id), &awslambda.DockerImageFunctionProps{
		Description:  jsii.String(mode.description),
		Code:         image,
		Architecture: awslambda.Architecture_ARM_64(),
		MemorySize:   jsii.Number(512),
		Timeout:      mode.timeout,
		Tracing:      awslambda.Tracing_ACTIVE,
		LogGroup:     logGroup,
		Role:         role,
		Environment: &map[string]*string{
			"STAGE":                jsii.String(cfg.Stage),
			"LOG_LEVEL":            jsii.String(cfg.LogLevel),
			"CORS_ALLOW_ORIGINS":   jsii.String(strings.Join(cfg.CORSAllowOrigins, ",")),
			"METRICS_NAMESPACE":    jsii.String(metricsNamespace),
			"LAMBDA_RESPONSE_MODE": jsii.String(mode.env),
			"COGNITO_USER_POOL_ID": pool.UserPoolId(),
			"COGNITO_CLIENT_ID":    client.UserPoolClientId(),
		},
		LoggingFormat:         format,
		ApplicationLogLevelV2: appLevel,
		SystemLogLevelV2:      sysLevel,
		// Reserved concurrency, none by default (see Config).
		ReservedConcurrentExecutions: reserved,
	})
	suppressXRayWildcard(role)
	return fn
}

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
	accessLogs := newLogGroup(stack, "ApiAccessLogs", cfg, nil)
	api := awsapigateway.NewRestApi(stack, jsii.String("RestApi"), &awsapigateway.RestApiProps{
		RestApiName: jsii.String(restAPIName),
		Description: jsii.String(fmt.Sprintf("r2r REST API (%s)", cfg.Stage)),
		DefaultCorsPreflightOptions: &awsapigateway.CorsOptions{
			AllowOrigins: jsii.Strings(cfg.CORSAllowOrigins...),
			AllowMethods: jsii.Strings(corsMethods...),
			AllowHeaders: jsii.Strings(corsHeaders...),
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

	// Parameters declared required are checked by API Gateway; bodies have no
	// API Gateway models (the app validates them and answers 422), so body
	// validation passes them through.
	validator := api.AddRequestValidator(jsii.String("RequestValidator"), &awsapigateway.RequestValidatorOptions{
		ValidateRequestBody:       jsii.Bool(true),
		ValidateRequestParameters: jsii.Bool(true),
	})

	authorizer := awsapigateway.NewCognitoUserPoolsAuthorizer(stack, jsii.String("HelloAuthorizer"), &awsapigateway.CognitoUserPoolsAuthorizerProps{
		CognitoUserPools: &[]awscognito.IUserPool{pool},
	})
	hello := api.Root().AddResource(jsii.String("hello"), nil)
	hello.AddMethod(jsii.String("GET"), awsapigateway.NewLambdaIntegration(helloFn, &awsapigateway.LambdaIntegrationOptions{
		AllowTestInvoke: jsii.Bool(false), // the console's test button bypasses the authorizer
	}), &awsapigateway.MethodOptions{
		AuthorizationType: awsapigateway.AuthorizationType_COGNITO,
		Authorizer:        authorizer,
		RequestValidator:  validator,
	})

	// /api and /api/{proxy+}: the app routes everything below /api itself, so
	// new endpoints need no infrastructure change. No authorizer yet (seed).
	apiIntegration := awsapigateway.NewLambdaIntegration(apiFn, &awsapigateway.LambdaIntegrationOptions{
		Proxy:           jsii.Bool(true),
		AllowTestInvoke: jsii.Bool(false),
	})
	apiResource := api.Root().AddResource(jsii.String("api"), nil)
	proxy := apiResource.AddResource(jsii.String("{proxy+}"), nil)
	// /api/hello exists as a resource because /api/hello/stream hangs below
	// it, and API Gateway routes /api/hello to it rather than to {proxy+}: it
	// needs its own ANY, or GET /api/hello would answer 404.
	apiHello := apiResource.AddResource(jsii.String("hello"), nil)
	public := func(m awsapigateway.Method) {
		cdknag.NagSuppressions_AddResourceSuppressions(m, &[]*cdknag.NagPackSuppression{
			{Id: jsii.String("AwsSolutions-APIG4"), Reason: jsii.String(
				"/api is public by design of the seed (no auth initially): docs, health and hello endpoints; a Cognito authorizer is the planned next step.")},
			{Id: jsii.String("AwsSolutions-COG4"), Reason: jsii.String(
				"/api is public by design of the seed (no auth initially); /hello shows the Cognito authorizer that will be added here.")},
		}, jsii.Bool(false))
	}
	for _, r := range []awsapigateway.IResource{apiResource, proxy, apiHello} {
		public(r.AddMethod(jsii.String("ANY"), apiIntegration, &awsapigateway.MethodOptions{
			AuthorizationType: awsapigateway.AuthorizationType_NONE,
			RequestValidator:  validator,
		}))
	}

	// GET /api/hello/stream: the streaming function, streamed through. With
	// STREAM, LambdaIntegration targets InvokeWithResponseStream
	// (2021-11-15/functions/<alias ARN>/response-streaming-invocations);
	// that API needs lambda:InvokeFunction, which the integration's
	// permission grants. API Gateway lets a streamed integration run up to
	// 15 minutes: the timeout matches the function's, so the function (not
	// API Gateway) ends an overlong stream.
	stream := apiHello.AddResource(jsii.String("stream"), nil)
	if *stream.Path() != streamRoute {
		panic("stream resource at " + *stream.Path() + ", want " + streamRoute)
	}
	public(stream.AddMethod(jsii.String("GET"), awsapigateway.NewLambdaIntegration(streamFn, &awsapigateway.LambdaIntegrationOptions{
		Proxy:                jsii.Bool(true),
		AllowTestInvoke:      jsii.Bool(false),
		ResponseTransferMode: awsapigateway.ResponseTransferMode_STREAM,
		Timeout:              responseModeStream.timeout,
	}), &awsapigateway.MethodOptions{
		AuthorizationType: awsapigateway.AuthorizationType_NONE,
		RequestValidator:  validator,
	}))

	fixPreflightForBinary(api)
	addGatewayResponses(api, cfg)

	if cfg.WAF {
		newWebACL(stack, cfg, api.DeploymentStage())
	} else {
		cdknag.NagSuppressions_AddResourceSuppressions(api.DeploymentStage(), &[]*cdknag.NagPackSuppression{
			{Id: jsii.String("AwsSolutions-APIG3"), Reason: jsii.String(
				"waf=false for this stage (the default outside prod): the stage is throttled and /hello is authenticated; -c waf=true adds the web ACL.")},
		}, jsii.Bool(false))
	}
	return api, accessLogs
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

// newLiveAlias is the alias API Gateway (and the Function URL) invokes. Each
// deploy publishes a new version of the function; the alias moves to it
// gradually (see newGradualDeployment) instead of all traffic switching at
// once, and nothing ever invokes $LATEST.
func newLiveAlias(stack awscdk.Stack, id string, fn awslambda.DockerImageFunction, description string) awslambda.Alias {
	return awslambda.NewAlias(stack, jsii.String(id), &awslambda.AliasProps{
		AliasName:   jsii.String("live"),
		Version:     fn.CurrentVersion(),
		Description: jsii.String(description),
	})
}

// newStreamURL is a Function URL on the streaming alias in RESPONSE_STREAM
// mode: unlike API Gateway (idle timeout 30 s on this edge-optimized API, 5
// minutes on regional ones) it streams for as long as the function runs.
// AWS_IAM by default: only SigV4-signed callers with lambda:InvokeFunctionUrl
// get in, since the URL bypasses the API's throttling and logging.
func newStreamURL(stack awscdk.Stack, cfg Config, alias awslambda.Alias) awslambda.FunctionUrl {
	auth := awslambda.FunctionUrlAuthType_AWS_IAM
	headers := append(slices.Clone(corsHeaders),
		// What a browser signing with SigV4 sends.
		"X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-Sha256")
	if cfg.StreamURLAuth == StreamURLAuthNone {
		auth = awslambda.FunctionUrlAuthType_NONE
		headers = slices.Clone(corsHeaders)
	}
	// The API's CORS rules; Lambda answers the preflight itself (OPTIONS is
	// implied and not an allowed value here).
	var methods []awslambda.HttpMethod
	for _, m := range corsMethods {
		if m != "OPTIONS" {
			methods = append(methods, awslambda.HttpMethod(m))
		}
	}
	url := alias.AddFunctionUrl(&awslambda.FunctionUrlOptions{
		AuthType:   auth,
		InvokeMode: awslambda.InvokeMode_RESPONSE_STREAM,
		Cors: &awslambda.FunctionUrlCorsOptions{
			AllowedOrigins: jsii.Strings(cfg.CORSAllowOrigins...),
			AllowedMethods: &methods,
			AllowedHeaders: jsii.Strings(headers...),
			ExposedHeaders: jsii.Strings("X-Request-Id"),
			MaxAge:         awscdk.Duration_Hours(jsii.Number(1)),
		},
	})
	if auth == awslambda.FunctionUrlAuthType_NONE {
		// AwsSolutions has no Function URL rule (cdk-nag's LambdaFunctionUrlAuth
		// is in no pack); the packs that flag a public function do so on the
		// permission the URL adds. Say why here, whichever pack is added.
		reason := jsii.String("streamUrlAuth=NONE was chosen for this stage: the streaming Function URL is public like /api (no auth by design of the seed); " +
			"the app itself limits what it serves, and the default AWS_IAM is restored by removing the context key.")
		var suppressions []*cdknag.NagPackSuppression
		for _, id := range []string{
			"Serverless-LambdaFunctionUrlAuth",
			"HIPAA.Security-LambdaFunctionPublicAccessProhibited",
			"NIST.800.53.R4-LambdaFunctionPublicAccessProhibited",
			"NIST.800.53.R5-LambdaFunctionPublicAccessProhibited",
			"PCI.DSS.321-LambdaFunctionPublicAccessProhibited",
		} {
			suppressions = append(suppressions, &cdknag.NagPackSuppression{Id: jsii.String(id), Reason: reason})
		}
		cdknag.NagSuppressions_AddResourceSuppressions(alias, &suppressions, jsii.Bool(true))
	}
	return url
}

// lambdaDeploymentConfigs maps the deploymentConfig context values to
// CodeDeploy's predefined configurations.
var lambdaDeploymentConfigs = map[string]func() awscodedeploy.ILambdaDeploymentConfig{
	DeployCanary10For5:   awscodedeploy.LambdaDeploymentConfig_CANARY_10PERCENT_5MINUTES,
	DeployCanary10For10:  awscodedeploy.LambdaDeploymentConfig_CANARY_10PERCENT_10MINUTES,
	DeployLinear10Every1: awscodedeploy.LambdaDeploymentConfig_LINEAR_10PERCENT_EVERY_1MINUTE,
	DeployAllAtOnce:      awscodedeploy.LambdaDeploymentConfig_ALL_AT_ONCE,
}

// newGradualDeployment shifts traffic of both live aliases to the new
// version with CodeDeploy (cfg.DeploymentConfigName: a 10 % canary for 5
// minutes in prod by default) and rolls back automatically when a deployment
// fails, is stopped, or an alarm that signals a bad version (all but the
// throttles alarm) fires meanwhile. Both functions run the same image, so a
// deploy changes both, and those alarms guard both: a bug seen on one path is
// in the other too. One CodeDeploy application and role serve
// the two groups.
func newGradualDeployment(stack awscdk.Stack, cfg Config, live, streamLive awslambda.Alias, alarms []alarm) []awscodedeploy.LambdaDeploymentGroup {
	config := lambdaDeploymentConfigs[cfg.DeploymentConfigName()]()
	var refs []interfacesawscloudwatch.IAlarmRef
	for _, a := range alarms {
		if a.rollback {
			refs = append(refs, a.Alarm)
		}
	}
	rollback := &awscodedeploy.AutoRollbackConfig{
		FailedDeployment:  jsii.Bool(true),
		StoppedDeployment: jsii.Bool(true),
		DeploymentInAlarm: jsii.Bool(true),
	}
	group := awscodedeploy.NewLambdaDeploymentGroup(stack, jsii.String("ApiDeploymentGroup"), &awscodedeploy.LambdaDeploymentGroupProps{
		Alias:            live,
		DeploymentConfig: config,
		Alarms:           &refs,
		AutoRollback:     rollback,
	})
	streamGroup := awscodedeploy.NewLambdaDeploymentGroup(stack, jsii.String("ApiStreamDeploymentGroup"), &awscodedeploy.LambdaDeploymentGroupProps{
		Application:      group.Application(),
		Role:             group.Role(),
		Alias:            streamLive,
		DeploymentConfig: config,
		Alarms:           &refs,
		AutoRollback:     rollback,
	})
	cdknag.NagSuppressions_AddResourceSuppressions(group.Role(), &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM4"),
		Reason: jsii.String("CodeDeploy's service role uses AWSCodeDeployRoleForLambdaLimited, the AWS policy made for it: shifting Lambda aliases, " +
			"reading alarms, SNS notifications, and invoking only functions named CodeDeployHook_*."),
		AppliesTo: &[]any{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited"},
	}}, jsii.Bool(false))
	return []awscodedeploy.LambdaDeploymentGroup{group, streamGroup}
}

// restAPIName is the REST API's name, and the ApiName dimension of its metrics.
const restAPIName = "R2R API"

// apiGatewayMetric is one of this stage's API Gateway metrics (AWS/ApiGateway,
// dimensions ApiName and Stage: ApiName alone would mix in other stages' APIs,
// all named restAPIName). The dimensions are literals, known at synthesis, not
// references to the stage resource: with a reference, the alarms would
// depend on the stage, the stage on its deployment, the deployment on the
// methods, the methods on the live alias, and the alias (through its
// CodeDeploy UpdatePolicy) on the deployment group that lists the alarms: a
// cycle CloudFormation refuses.
func apiGatewayMetric(cfg Config, name string, opts *awscloudwatch.MetricOptions) awscloudwatch.IMetric {
	return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:  jsii.String("AWS/ApiGateway"),
		MetricName: jsii.String(name),
		DimensionsMap: &map[string]*string{
			"ApiName": jsii.String(restAPIName),
			"Stage":   jsii.String(cfg.Stage),
		},
		Period:    opts.Period,
		Statistic: opts.Statistic,
		Label:     opts.Label,
	})
}

// newAlarmTopic is where every alarm sends its ALARM and OK notifications. It
// exists in every stage, so a subscription (chat, pager, e-mail) can be added
// without a deploy; alarmEmail subscribes an address (confirm the mail).
func newAlarmTopic(stack awscdk.Stack, cfg Config) awssns.Topic {
	topic := awssns.NewTopic(stack, jsii.String("AlarmTopic"), &awssns.TopicProps{
		DisplayName: jsii.String("r2r alarms (" + cfg.Stage + ")"),
		EnforceSSL:  jsii.Bool(true),
	})
	if cfg.AlarmEmail != "" {
		topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(cfg.AlarmEmail), nil))
	}
	return topic
}

// allowAlarmsToPublish lets CloudWatch publish this stack's alarms to the
// topic. A topic policy replaces SNS's default one, and EnforceSSL's holds a
// single Deny (of plain HTTP): without an Allow, CloudWatch's every
// notification fails with "not authorized to perform: SNS:Publish". The
// Allow names the alarms themselves, in this account, so no other alarm (or
// account) can publish through CloudWatch.
func allowAlarmsToPublish(topic awssns.Topic, alarms []alarm) {
	var arns []*string
	for _, a := range alarms {
		arns = append(arns, a.AlarmArn())
	}
	topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowThisStacksAlarms"),
		Effect:     awsiam.Effect_ALLOW,
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  &[]*string{topic.TopicArn()},
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": awscdk.Aws_ACCOUNT_ID()},
			"ArnEquals":    map[string]any{"aws:SourceArn": arns},
		},
	}))
}

// alarm is one of the stack's alarms; rollback says whether it signals a bad
// version, so that it rolls a deployment back.
type alarm struct {
	awscloudwatch.Alarm
	rollback bool
}

// newAlarms are the alarms on what clients are served: the seed's three
// (function error rate > 5 %, duration near the timeout, 5XX > 10 in 5
// minutes) and those a careful team adds (throttles, p99 latency, 4XX rate,
// the streaming function's error rate). Lambda metrics are the live aliases'
// (the version serving, a canary included), API Gateway metrics this stage's
// (ApiName alone would mix in other stages' APIs, all named "R2R API").
//
// Missing data is NOT_BREACHING everywhere, on purpose: Lambda and API Gateway
// publish no datapoint for a period without traffic (no request is not an
// error, a throttle or a slow response), and an alarm that went to ALARM or
// INSUFFICIENT_DATA when the API is idle would page at night and block or
// roll back deploys of an idle stage.
//
// Throttles are a capacity signal, not a fault of the version: a canary in an
// account with a low concurrency quota throttles under moderate traffic
// whatever it runs. That alarm notifies, and rolls nothing back.
func newAlarms(stack awscdk.Stack, cfg Config, topic awssns.ITopic, live, streamLive awslambda.IFunction) []alarm {
	one := awscdk.Duration_Minutes(jsii.Number(1))
	five := awscdk.Duration_Minutes(jsii.Number(5))
	sum5 := &awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Sum")}
	errorRate := func(fn awslambda.IFunction) awscloudwatch.IMetric {
		return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression: jsii.String("IF(invocations > 0, 100 * errors / invocations, 0)"),
			UsingMetrics: &map[string]awscloudwatch.IMetric{
				"errors":      fn.MetricErrors(sum5),
				"invocations": fn.MetricInvocations(sum5),
			},
			Label:  jsii.String("Error rate (%)"),
			Period: five,
		})
	}
	type spec struct {
		id, description string
		metric          awscloudwatch.IMetric
		threshold       float64
		evaluations     float64 // periods evaluated = datapoints that must breach
		capacity        bool    // a capacity signal: notifies, never rolls back
	}
	specs := []spec{
		{"ApiFunctionErrorRateAlarm", "r2r API function: more than 5 % of invocations failed in 5 minutes",
			errorRate(live), 5, 1, false},
		// The maximum: one invocation near the 29 s timeout means a client
		// waited that long, or is about to get a 504.
		{"ApiFunctionDurationAlarm", "r2r API function: an invocation took over 25 s (timeout 29 s)",
			live.MetricDuration(&awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Maximum")}), 25_000, 1, false},
		{"Api5xxAlarm", "R2R API: more than 10 5XX responses in 5 minutes",
			apiGatewayMetric(cfg, "5XXError", sum5), 10, 1, false},
		// Any throttle is a request refused: the account's concurrency is used
		// up (no reserved concurrency is set).
		{"ApiFunctionThrottlesAlarm", "r2r API functions: a request was throttled in 5 minutes (concurrency exhausted)",
			awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
				Expression: jsii.String("FILL(api, 0) + FILL(stream, 0)"),
				UsingMetrics: &map[string]awscloudwatch.IMetric{
					"api":    live.MetricThrottles(sum5),
					"stream": streamLive.MetricThrottles(sum5),
				},
				Label:  jsii.String("Throttles"),
				Period: five,
			}), 0, 1, true},
		// p99 over 1-minute periods, 3 of 3: a slow minute (a burst of cold
		// starts after a deploy) is not worth a page, three in a row are, and
		// they fit in a 5-minute canary, so a slow version is rolled back. 5 s
		// is far above this API's normal latency and well under the 29 s limit.
		{"ApiLatencyP99Alarm", "R2R API: p99 latency above 5 s for 3 minutes in a row",
			apiGatewayMetric(cfg, "Latency", &awscloudwatch.MetricOptions{Period: one, Statistic: jsii.String("p99")}), 5_000, 3, false},
		// A broken route or validator answers 4XX, not 5XX. The rate needs 50
		// requests in 5 minutes, so a handful of bad calls on a quiet API do
		// not count; 25 % is well above clients' usual mistakes.
		{"Api4xxRateAlarm", "R2R API: more than 25 % of at least 50 requests answered 4XX in 5 minutes",
			awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
				Expression: jsii.String("IF(requests >= 50, 100 * clientErrors / requests, 0)"),
				UsingMetrics: &map[string]awscloudwatch.IMetric{
					"clientErrors": apiGatewayMetric(cfg, "4XXError", sum5),
					"requests":     apiGatewayMetric(cfg, "Count", sum5),
				},
				Label:  jsii.String("4XX rate (%)"),
				Period: five,
			}), 25, 1, false},
		// Streams last long by design: no duration alarm, but failures count.
		{"ApiStreamFunctionErrorRateAlarm", "r2r API streaming function: more than 5 % of invocations failed in 5 minutes",
			errorRate(streamLive), 5, 1, false},
	}
	var alarms []alarm
	for _, sp := range specs {
		a := awscloudwatch.NewAlarm(stack, jsii.String(sp.id), &awscloudwatch.AlarmProps{
			AlarmDescription:   jsii.String(sp.description),
			Metric:             sp.metric,
			Threshold:          jsii.Number(sp.threshold),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
			EvaluationPeriods:  jsii.Number(sp.evaluations),
			DatapointsToAlarm:  jsii.Number(sp.evaluations),
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
		// OK too: whoever was paged learns when it is over.
		a.AddAlarmAction(awscloudwatchactions.NewSnsAction(topic))
		a.AddOkAction(awscloudwatchactions.NewSnsAction(topic))
		alarms = append(alarms, alarm{Alarm: a, rollback: !sp.capacity})
	}
	return alarms
}

// savedQueries are the stack's Logs Insights query definitions.
type savedQueries struct {
	errors, slow, coldStarts, byRequestID awslogs.QueryDefinition
}

// Logs Insights lines shared by the saved query and the dashboard: the app's
// error lines ({"level":"ERROR","msg":"request failed",...}), its panics
// ({"msg":"handler panic",...}), and access lines with a 5xx status.
var (
	errorFields = []string{"@timestamp", "request_id", "status", "msg", "error", "panic", "method", "path", "trace_id", "@log"}
	errorFilter = `level = "ERROR" or msg = "handler panic" or status >= 500`
)

// newQueries saves the Logs Insights queries an operator needs first, over
// both API functions' log groups (the same app writes both): errors, slow
// requests, cold starts, and everything about one request id (the
// X-Request-Id header), access logs included.
func newQueries(stack awscdk.Stack, cfg Config, apiFn, streamFn awslambda.Function, accessLogs awslogs.ILogGroup) savedQueries {
	appLogs := []interfacesawslogs.ILogGroupRef{apiFn.LogGroup(), streamFn.LogGroup()}
	query := func(id, name string, groups []interfacesawslogs.ILogGroupRef, q *awslogs.QueryStringProps) awslogs.QueryDefinition {
		return awslogs.NewQueryDefinition(stack, jsii.String(id), &awslogs.QueryDefinitionProps{
			// "/" makes a folder per stage in the console's query list.
			QueryDefinitionName: jsii.String("r2r-" + cfg.Stage + "/" + name),
			QueryString:         awslogs.NewQueryString(q),
			LogGroups:           &groups,
		})
	}
	return savedQueries{
		errors: query("ErrorsQuery", "errors", appLogs, &awslogs.QueryStringProps{
			Fields:           jsii.Strings(errorFields...),
			FilterStatements: jsii.Strings(errorFilter),
			Sort:             jsii.String("@timestamp desc"),
			Limit:            jsii.Number(100),
		}),
		// The access line of every request the app took longer than 1 s to answer.
		slow: query("SlowRequestsQuery", "slow-requests", appLogs, &awslogs.QueryStringProps{
			Fields:           jsii.Strings("@timestamp", "request_id", "method", "path", "status", "duration_ms", "bytes", "trace_id", "@log"),
			FilterStatements: jsii.Strings(`msg = "request" and duration_ms > 1000`),
			Sort:             jsii.String("duration_ms desc"),
			Limit:            jsii.Number(100),
		}),
		// Lambda's JSON platform.report carries initDurationMs only for an
		// invocation that started a new execution environment.
		coldStarts: query("ColdStartsQuery", "cold-starts", appLogs, &awslogs.QueryStringProps{
			Fields: jsii.Strings("@timestamp", "record.requestId", "record.metrics.initDurationMs", "record.metrics.durationMs",
				"record.metrics.maxMemoryUsedMB", "@log"),
			FilterStatements: jsii.Strings(`type = "platform.report" and ispresent(record.metrics.initDurationMs)`),
			Sort:             jsii.String("@timestamp desc"),
			Limit:            jsii.Number(100),
		}),
		// Replace REQUEST_ID with the X-Request-Id header, the request_id of an
		// error body, or the Lambda request id.
		byRequestID: query("RequestByIdQuery", "request-by-id",
			append(slices.Clone(appLogs), accessLogs), &awslogs.QueryStringProps{
				Fields: jsii.Strings("@timestamp", "@log", "@message"),
				FilterStatements: jsii.Strings(
					`request_id = "REQUEST_ID" or lambda_request_id = "REQUEST_ID" or requestId = "REQUEST_ID" or record.requestId = "REQUEST_ID"`),
				Sort:  jsii.String("@timestamp asc"),
				Limit: jsii.Number(200),
			}),
	}
}

// dashboardName is unique per stage: dashboards are named per account.
func dashboardName(cfg Config) string { return "r2r-" + cfg.Stage }

// newDashboard is the stage's CloudWatch dashboard, read top to bottom: alarm
// states; what clients see (API Gateway); what the functions do (Lambda); what
// the app measures itself (EMF: per route and status class); recent errors.
func newDashboard(stack awscdk.Stack, cfg Config, live, streamLive awslambda.IFunction,
	apiFn, streamFn awslambda.Function, alarms []alarm) awscloudwatch.Dashboard {
	one := awscdk.Duration_Minutes(jsii.Number(1))
	stat := func(statistic, label string) *awscloudwatch.MetricOptions {
		return &awscloudwatch.MetricOptions{Period: one, Statistic: jsii.String(statistic), Label: jsii.String(label)}
	}
	graph := func(title string, width float64, left ...awscloudwatch.IMetric) awscloudwatch.GraphWidget {
		return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
			Title: jsii.String(title), Width: jsii.Number(width), Height: jsii.Number(6), Left: &left,
		})
	}
	// bothFns is a metric of the API function and of the streaming function.
	bothFns := func(name, statistic string) []awscloudwatch.IMetric {
		return []awscloudwatch.IMetric{
			live.Metric(jsii.String(name), stat(statistic, "api "+statistic)),
			streamLive.Metric(jsii.String(name), stat(statistic, "stream "+statistic)),
		}
	}
	// search finds the app's EMF metrics of this stage (all routes and status
	// classes, whichever exist), so new routes appear without a deploy.
	search := func(metric, filter, statistic string) string {
		return fmt.Sprintf(`SEARCH('{%s,Route,Stage,StatusClass} MetricName="%s" Stage="%s"%s', '%s', 60)`,
			metricsNamespace, metric, cfg.Stage, filter, statistic)
	}
	expr := func(expression, label string) awscloudwatch.IMetric {
		return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression: jsii.String(expression), Label: jsii.String(label), Period: one,
		})
	}
	var byStatusClass []awscloudwatch.IMetric
	for _, class := range []string{"2xx", "3xx", "4xx", "5xx"} {
		byStatusClass = append(byStatusClass, expr("SUM("+search("Requests", ` StatusClass="`+class+`"`, "Sum")+")", class))
	}
	byRoute := "${PROP('Dim.Route')} ${PROP('Dim.StatusClass')}"

	dash := awscloudwatch.NewDashboard(stack, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DashboardName:   jsii.String(dashboardName(cfg)),
		DefaultInterval: awscdk.Duration_Hours(jsii.Number(3)),
	})
	var alarmRefs []interfacesawscloudwatch.IAlarmRef
	for _, a := range alarms {
		alarmRefs = append(alarmRefs, a.Alarm)
	}
	dash.AddWidgets(awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
		Title: jsii.String("Alarms (any but throttles in ALARM during a deploy rolls it back)"), Alarms: &alarmRefs, Width: jsii.Number(24), Height: jsii.Number(3),
	}))
	dash.AddWidgets(
		graph("API requests", 8, apiGatewayMetric(cfg, "Count", stat("Sum", "requests"))),
		graph("API 4XX / 5XX", 8, apiGatewayMetric(cfg, "4XXError", stat("Sum", "4XX")), apiGatewayMetric(cfg, "5XXError", stat("Sum", "5XX"))),
		graph("API latency (ms)", 8,
			apiGatewayMetric(cfg, "Latency", stat("p50", "latency p50")), apiGatewayMetric(cfg, "Latency", stat("p99", "latency p99")),
			apiGatewayMetric(cfg, "IntegrationLatency", stat("p99", "integration p99"))),
	)
	dash.AddWidgets(
		graph("Lambda invocations", 6, bothFns("Invocations", "Sum")...),
		graph("Lambda errors", 6, bothFns("Errors", "Sum")...),
		graph("Lambda throttles", 6, bothFns("Throttles", "Sum")...),
		graph("Lambda concurrent executions", 6, bothFns("ConcurrentExecutions", "Maximum")...),
	)
	dash.AddWidgets(
		graph("Lambda duration p50 / p99 (ms)", 12, append(bothFns("Duration", "p50"), bothFns("Duration", "p99")...)...),
		graph("App requests by status class (EMF)", 12, byStatusClass...),
	)
	dash.AddWidgets(
		graph("App latency p50 by route (EMF, ms)", 8, expr(search("Latency", "", "p50"), byRoute)),
		graph("App latency p99 by route (EMF, ms)", 8, expr(search("Latency", "", "p99"), byRoute)),
		graph("Cold starts (EMF)", 8, expr("SUM("+search("ColdStart", "", "Sum")+")", "cold starts")),
	)
	dash.AddWidgets(awscloudwatch.NewLogQueryWidget(&awscloudwatch.LogQueryWidgetProps{
		Title:         jsii.String("Recent errors by request id (Logs Insights: saved query r2r-" + cfg.Stage + "/errors)"),
		LogGroupNames: jsii.Strings(*apiFn.LogGroup().LogGroupName(), *streamFn.LogGroup().LogGroupName()),
		QueryLines: jsii.Strings(
			"fields "+strings.Join(errorFields, ", "),
			"filter "+errorFilter,
			"sort @timestamp desc",
			"limit 50",
		),
		Width: jsii.Number(24), Height: jsii.Number(8),
	}))
	return dash
}

// newOutputs prints what a user needs after `cdk deploy`.
func newOutputs(stack awscdk.Stack, cfg Config, api awsapigateway.RestApi, accessLogs awslogs.ILogGroup, pool awscognito.IUserPool, client awscognito.IUserPoolClient,
	helloFn, apiFn, streamFn awslambda.Function, streamURL awslambda.FunctionUrl, topic awssns.ITopic) {
	out := func(id, description string, value *string) {
		awscdk.NewCfnOutput(stack, jsii.String(id), &awscdk.CfnOutputProps{Value: value, Description: jsii.String(description)})
	}
	out("ApiUrl", "Base URL of the R2R API stage", api.Url())
	out("ApiHelloUrl", "GET: the API's hello endpoint", api.UrlForPath(jsii.String("/api/hello")))
	out("ApiHelloStreamUrl", "GET: the streamed hello, through API Gateway", api.UrlForPath(jsii.String("/api/hello/stream")))
	out("DocsUrl", "Interactive API docs", api.UrlForPath(jsii.String("/api/docs")))
	out("HelloUrl", "GET with Authorization: <Cognito ID token>", api.UrlForPath(jsii.String("/hello")))
	if streamURL != nil {
		out("StreamFunctionUrl", "Function URL of the streaming API (RESPONSE_STREAM, auth "+cfg.StreamURLAuth+"): append /api/hello/stream", streamURL.Url())
	}
	out("UserPoolId", "Cognito user pool id", pool.UserPoolId())
	out("UserPoolClientId", "Cognito app client id (no secret)", client.UserPoolClientId())
	out("ApiFunctionName", "Lambda function of the API", apiFn.FunctionName())
	out("ApiStreamFunctionName", "Lambda function of the streaming API", streamFn.FunctionName())
	// The log groups are created by the stack (for their retention), so their
	// names are generated: aws logs tail needs these.
	out("ApiLogGroupName", "API function logs: aws logs tail <name> --follow", apiFn.LogGroup().LogGroupName())
	out("ApiStreamLogGroupName", "Streaming API function logs", streamFn.LogGroup().LogGroupName())
	out("HelloLogGroupName", "/hello function logs", helloFn.LogGroup().LogGroupName())
	out("AccessLogGroupName", "API Gateway access logs (one JSON line per request)", accessLogs.LogGroupName())
	out("AlarmTopicArn", "SNS topic of every alarm (subscribe more endpoints here)", topic.TopicArn())
	out("DashboardName", "CloudWatch dashboard of this stage", jsii.String(dashboardName(cfg)))
}
