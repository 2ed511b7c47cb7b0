package main

import (
	"encoding/json"
	"fmt"
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
// function, the Go API function (a container image) behind /api through its
// "live" alias, the REST API in front of both, alarms that roll back a gradual
// deployment of the API, and outputs.
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
	apiFn := newAPIFunction(stack, *cfg, p.ImageDir)
	live := newLiveAlias(stack, apiFn)
	api, accessLogs := newRestAPI(stack, *cfg, pool, helloFn, live)
	alarms := newAlarms(stack, *cfg, live, api)
	newGradualDeployment(stack, *cfg, live, alarms)
	newOutputs(stack, api, accessLogs, pool, client, helloFn, apiFn)
	return stack
}

// removalPolicy keeps production data when the stack is deleted and cleans
// up everything else.
func removalPolicy(cfg Config) awscdk.RemovalPolicy {
	if cfg.IsProd() {
		return awscdk.RemovalPolicy_RETAIN
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

// newAPIFunction is the Go API: the repository's Dockerfile built for arm64
// at deploy time (synthesis only stages the build context).
func newAPIFunction(stack awscdk.Stack, cfg Config, imageDir string) awslambda.DockerImageFunction {
	logGroup := newLogGroup(stack, "ApiFunctionLogs", cfg, nil)
	role := newFunctionRole(stack, "ApiFunctionRole", logGroup)
	format, appLevel, sysLevel := jsonLogging(cfg)
	fn := awslambda.NewDockerImageFunction(stack, jsii.String("ApiFunction"), &awslambda.DockerImageFunctionProps{
		Description: jsii.String("r2r API (/api/*): Go net/http server in a container image"),
		Code: awslambda.DockerImageCode_FromImageAsset(jsii.String(imageDir), &awslambda.AssetImageCodeProps{
			Platform:   awsecrassets.Platform_LINUX_ARM64(),
			IgnoreMode: awscdk.IgnoreMode_DOCKER,
			Exclude:    jsii.Strings(imageExcludes...),
		}),
		Architecture: awslambda.Architecture_ARM_64(),
		MemorySize:   jsii.Number(512),
		// API Gateway gives up after 29 s; running longer would only burn money.
		Timeout:  awscdk.Duration_Seconds(jsii.Number(29)),
		Tracing:  awslambda.Tracing_ACTIVE,
		LogGroup: logGroup,
		Role:     role,
		Environment: &map[string]*string{
			"STAGE":              jsii.String(cfg.Stage),
			"LOG_LEVEL":          jsii.String(cfg.LogLevel),
			"CORS_ALLOW_ORIGINS": jsii.String(strings.Join(cfg.CORSAllowOrigins, ",")),
		},
		LoggingFormat:         format,
		ApplicationLogLevelV2: appLevel,
		SystemLogLevelV2:      sysLevel,
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

// newRestAPI is the "R2R API": CORS preflight on every resource, a logged,
// traced and throttled stage, /hello behind Cognito and /api/* proxied to the
// API function. It returns the API and its access log group.
func newRestAPI(stack awscdk.Stack, cfg Config, pool awscognito.IUserPool, helloFn awslambda.IFunction, apiFn awslambda.IFunction) (awsapigateway.RestApi, awslogs.LogGroup) {
	accessLogs := newLogGroup(stack, "ApiAccessLogs", cfg, nil)
	api := awsapigateway.NewRestApi(stack, jsii.String("RestApi"), &awsapigateway.RestApiProps{
		RestApiName: jsii.String("R2R API"),
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
		// Execution logging needs the account's API Gateway CloudWatch role.
		CloudWatchRole: jsii.Bool(true),
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
	for _, r := range []awsapigateway.IResource{apiResource, proxy} {
		m := r.AddMethod(jsii.String("ANY"), apiIntegration, &awsapigateway.MethodOptions{
			AuthorizationType: awsapigateway.AuthorizationType_NONE,
			RequestValidator:  validator,
		})
		cdknag.NagSuppressions_AddResourceSuppressions(m, &[]*cdknag.NagPackSuppression{
			{Id: jsii.String("AwsSolutions-APIG4"), Reason: jsii.String(
				"/api is public by design of the seed (no auth initially): docs, health and hello endpoints; a Cognito authorizer is the planned next step.")},
			{Id: jsii.String("AwsSolutions-COG4"), Reason: jsii.String(
				"/api is public by design of the seed (no auth initially); /hello shows the Cognito authorizer that will be added here.")},
		}, jsii.Bool(false))
	}

	fixPreflightForBinary(api)
	addGatewayResponses(api, cfg)

	// WAF is checked on the stage.
	cdknag.NagSuppressions_AddResourceSuppressions(api.DeploymentStage(), &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-APIG3"), Reason: jsii.String(
			"No WAF yet: the stage is throttled and /hello is authenticated; a web ACL (with its monthly cost) comes with a custom domain.")},
	}, jsii.Bool(false))
	cdknag.NagSuppressions_AddResourceSuppressions(api.Node().FindChild(jsii.String("CloudWatchRole")), &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-IAM4"), Reason: jsii.String(
			"The account-level API Gateway CloudWatch role uses AmazonAPIGatewayPushToCloudWatchLogs, the policy AWS provides for exactly this role (execution logging)."),
			AppliesTo: &[]any{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"}},
	}, jsii.Bool(false))
	return api, accessLogs
}

// fixPreflightForBinary makes the CORS preflight work with binaryMediaTypes
// "*/*". With it, API Gateway treats the OPTIONS request as binary and passes
// it through untransformed, so the mock integration never sees its
// {"statusCode": 200} request template and the preflight fails with a 500.
// CONVERT_TO_TEXT makes API Gateway apply the template again. CorsOptions has
// no knob for it, hence the override on every generated OPTIONS method.
func fixPreflightForBinary(api awsapigateway.RestApi) {
	for _, m := range *api.Methods() {
		if *m.HttpMethod() != "OPTIONS" {
			continue
		}
		cfn := m.Node().DefaultChild().(awsapigateway.CfnMethod)
		cfn.AddPropertyOverride(jsii.String("Integration.ContentHandling"), jsii.String("CONVERT_TO_TEXT"))
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

// newLiveAlias is the alias API Gateway invokes. Each deploy publishes a new
// version of the API function; the alias moves to it gradually (see
// newGradualDeployment) instead of all traffic switching at once.
func newLiveAlias(stack awscdk.Stack, fn awslambda.DockerImageFunction) awslambda.Alias {
	return awslambda.NewAlias(stack, jsii.String("ApiFunctionLive"), &awslambda.AliasProps{
		AliasName:   jsii.String("live"),
		Version:     fn.CurrentVersion(),
		Description: jsii.String("Version serving /api; shifted by CodeDeploy"),
	})
}

// newGradualDeployment shifts traffic to a new API version with CodeDeploy and
// rolls back automatically when a deployment fails, is stopped, or one of the
// alarms fires meanwhile. prod takes a 10 % canary for 10 minutes (long enough
// for the 5-minute alarms to evaluate); other stages switch at once, still
// rolling back on alarm.
func newGradualDeployment(stack awscdk.Stack, cfg Config, live awslambda.Alias, alarms []awscloudwatch.Alarm) {
	config := awscodedeploy.LambdaDeploymentConfig_ALL_AT_ONCE()
	if cfg.IsProd() {
		config = awscodedeploy.LambdaDeploymentConfig_CANARY_10PERCENT_10MINUTES()
	}
	var refs []interfacesawscloudwatch.IAlarmRef
	for _, a := range alarms {
		refs = append(refs, a)
	}
	group := awscodedeploy.NewLambdaDeploymentGroup(stack, jsii.String("ApiDeploymentGroup"), &awscodedeploy.LambdaDeploymentGroupProps{
		Alias:            live,
		DeploymentConfig: config,
		Alarms:           &refs,
		AutoRollback: &awscodedeploy.AutoRollbackConfig{
			FailedDeployment:  jsii.Bool(true),
			StoppedDeployment: jsii.Bool(true),
			DeploymentInAlarm: jsii.Bool(true),
		},
	})
	cdknag.NagSuppressions_AddResourceSuppressions(group.Role(), &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM4"),
		Reason: jsii.String("CodeDeploy's service role uses AWSCodeDeployRoleForLambdaLimited, the AWS policy made for it: shifting Lambda aliases, " +
			"reading alarms, SNS notifications, and invoking only functions named CodeDeployHook_*."),
		AppliesTo: &[]any{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited"},
	}}, jsii.Bool(false))
}

// newAlarms are the seed's alarms on the live API: Lambda error rate > 5 %,
// duration near the timeout, and API Gateway 5XX > 10 in 5 minutes. They
// notify an SNS topic with an e-mail subscription when an alarm e-mail is
// configured, and roll back a gradual deployment.
func newAlarms(stack awscdk.Stack, cfg Config, apiFn awslambda.IFunction, api awsapigateway.RestApi) []awscloudwatch.Alarm {
	five := awscdk.Duration_Minutes(jsii.Number(5))
	sum := &awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Sum")}
	alarms := []awscloudwatch.Alarm{
		awscloudwatch.NewAlarm(stack, jsii.String("ApiFunctionErrorRateAlarm"), &awscloudwatch.AlarmProps{
			AlarmDescription: jsii.String("r2r API function: more than 5 % of invocations failed in 5 minutes"),
			Metric: awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
				Expression: jsii.String("IF(invocations > 0, 100 * errors / invocations, 0)"),
				UsingMetrics: &map[string]awscloudwatch.IMetric{
					"errors":      apiFn.MetricErrors(sum),
					"invocations": apiFn.MetricInvocations(sum),
				},
				Label:  jsii.String("Error rate (%)"),
				Period: five,
			}),
			Threshold:          jsii.Number(5),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
			EvaluationPeriods:  jsii.Number(1),
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		}),
		awscloudwatch.NewAlarm(stack, jsii.String("ApiFunctionDurationAlarm"), &awscloudwatch.AlarmProps{
			AlarmDescription: jsii.String("r2r API function: an invocation took over 25 s (timeout 29 s)"),
			Metric: apiFn.MetricDuration(&awscloudwatch.MetricOptions{
				Period: five, Statistic: jsii.String("Maximum"),
			}),
			Threshold:          jsii.Number(25_000),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
			EvaluationPeriods:  jsii.Number(1),
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		}),
		awscloudwatch.NewAlarm(stack, jsii.String("Api5xxAlarm"), &awscloudwatch.AlarmProps{
			AlarmDescription:   jsii.String("R2R API: more than 10 5XX responses in 5 minutes"),
			Metric:             api.MetricServerError(sum),
			Threshold:          jsii.Number(10),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
			EvaluationPeriods:  jsii.Number(1),
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		}),
	}
	if cfg.AlarmEmail == "" {
		return alarms
	}
	topic := awssns.NewTopic(stack, jsii.String("AlarmTopic"), &awssns.TopicProps{
		DisplayName: jsii.String("r2r alarms (" + cfg.Stage + ")"),
		EnforceSSL:  jsii.Bool(true),
	})
	topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(cfg.AlarmEmail), nil))
	for _, a := range alarms {
		a.AddAlarmAction(awscloudwatchactions.NewSnsAction(topic))
		a.AddOkAction(awscloudwatchactions.NewSnsAction(topic))
	}
	return alarms
}

// newOutputs prints what a user needs after `cdk deploy`.
func newOutputs(stack awscdk.Stack, api awsapigateway.RestApi, accessLogs awslogs.ILogGroup, pool awscognito.IUserPool, client awscognito.IUserPoolClient, helloFn, apiFn awslambda.Function) {
	out := func(id, description string, value *string) {
		awscdk.NewCfnOutput(stack, jsii.String(id), &awscdk.CfnOutputProps{Value: value, Description: jsii.String(description)})
	}
	out("ApiUrl", "Base URL of the R2R API stage", api.Url())
	out("ApiHelloUrl", "GET: the API's hello endpoint", api.UrlForPath(jsii.String("/api/hello")))
	out("DocsUrl", "Interactive API docs", api.UrlForPath(jsii.String("/api/docs")))
	out("HelloUrl", "GET with Authorization: <Cognito ID token>", api.UrlForPath(jsii.String("/hello")))
	out("UserPoolId", "Cognito user pool id", pool.UserPoolId())
	out("UserPoolClientId", "Cognito app client id (no secret)", client.UserPoolClientId())
	out("ApiFunctionName", "Lambda function of the API", apiFn.FunctionName())
	// The log groups are created by the stack (for their retention), so their
	// names are generated: aws logs tail needs these.
	out("ApiLogGroupName", "API function logs: aws logs tail <name> --follow", apiFn.LogGroup().LogGroupName())
	out("HelloLogGroupName", "/hello function logs", helloFn.LogGroup().LogGroupName())
	out("AccessLogGroupName", "API Gateway access logs (one JSON line per request)", accessLogs.LogGroupName())
}
