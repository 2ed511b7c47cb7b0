package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"
)

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
