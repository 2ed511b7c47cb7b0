package main

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecrassets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
	"github.com/r2r/r2r/weborigin"
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

// newStreamURL is a Function URL on the streaming alias in RESPONSE_STREAM
// mode: unlike API Gateway (idle timeout 30 s on this edge-optimized API, 5
// minutes on regional ones) it streams for as long as the function runs.
// AWS_IAM by default: only SigV4-signed callers with lambda:InvokeFunctionUrl
// get in, since the URL bypasses the API's throttling and logging.
func newStreamURL(stack awscdk.Stack, cfg Config, alias awslambda.Alias) awslambda.FunctionUrl {
	auth := awslambda.FunctionUrlAuthType_AWS_IAM
	headers := append(weborigin.AllowHeaders(),
		// What a browser signing with SigV4 sends.
		"X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-Sha256")
	if cfg.StreamURLAuth == StreamURLAuthNone {
		auth = awslambda.FunctionUrlAuthType_NONE
		headers = weborigin.AllowHeaders()
	}
	// The API's CORS rules; Lambda answers the preflight itself (OPTIONS is
	// implied and not an allowed value here).
	var methods []awslambda.HttpMethod
	for _, m := range weborigin.AllowMethods() {
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
			ExposedHeaders: jsii.Strings(weborigin.ExposeHeaders()...),
			MaxAge:         awscdk.Duration_Hours(jsii.Number(1)),
		},
	})
	if auth == awslambda.FunctionUrlAuthType_NONE {
		// AwsSolutions has no Function URL rule (cdk-nag's LambdaFunctionUrlAuth
		// is in no pack); the packs that flag a public function do so on the
		// permission the URL adds. Say why here, whichever pack is added.
		reason := jsii.String("streamUrlAuth=NONE was chosen for this stage: the streaming Function URL is public like /api, whose routes decide sign-in themselves; " +
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
