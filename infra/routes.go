package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// addHelloRoute is GET /hello: the hello function behind the Cognito
// authorizer, so that API Gateway refuses a request without a valid ID
// token of the pool before the function runs.
func addHelloRoute(stack awscdk.Stack, api awsapigateway.RestApi, pool awscognito.IUserPool, helloFn awslambda.IFunction,
	validator awsapigateway.IRequestValidator) {
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
}

// addAPIRoutes proxies /api and /api/{proxy+} to the API function: the app
// routes everything below /api itself, so new endpoints need no
// infrastructure change. No authorizer: the docs, health and hello endpoints
// are public, and one proxy resource cannot carry an authorizer per route, so
// a route that needs a signed-in user verifies the pool's token in the app.
// It returns /api/hello, under which the stream route hangs.
func addAPIRoutes(api awsapigateway.RestApi, apiFn awslambda.IFunction, validator awsapigateway.IRequestValidator) awsapigateway.Resource {
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
	for _, r := range []awsapigateway.IResource{apiResource, proxy, apiHello} {
		suppressNoAuthorizer(r.AddMethod(jsii.String("ANY"), apiIntegration, &awsapigateway.MethodOptions{
			AuthorizationType: awsapigateway.AuthorizationType_NONE,
			RequestValidator:  validator,
		}))
	}
	return apiHello
}

// addStreamRoute is GET /api/hello/stream: the streaming function, streamed
// through. With STREAM, LambdaIntegration targets InvokeWithResponseStream
// (2021-11-15/functions/<alias ARN>/response-streaming-invocations); that API
// needs lambda:InvokeFunction, which the integration's permission grants. API
// Gateway lets a streamed integration run up to 15 minutes: the timeout
// matches the function's, so the function (not API Gateway) ends an overlong
// stream.
func addStreamRoute(apiHello awsapigateway.Resource, streamFn awslambda.IFunction, validator awsapigateway.IRequestValidator) {
	stream := apiHello.AddResource(jsii.String("stream"), nil)
	if *stream.Path() != streamRoute {
		panic("stream resource at " + *stream.Path() + ", want " + streamRoute)
	}
	suppressNoAuthorizer(stream.AddMethod(jsii.String("GET"), awsapigateway.NewLambdaIntegration(streamFn, &awsapigateway.LambdaIntegrationOptions{
		Proxy:                jsii.Bool(true),
		AllowTestInvoke:      jsii.Bool(false),
		ResponseTransferMode: awsapigateway.ResponseTransferMode_STREAM,
		Timeout:              responseModeStream.timeout,
	}), &awsapigateway.MethodOptions{
		AuthorizationType: awsapigateway.AuthorizationType_NONE,
		RequestValidator:  validator,
	}))
}

// suppressNoAuthorizer tells cdk-nag why a method under /api has no authorizer.
func suppressNoAuthorizer(m awsapigateway.Method) {
	cdknag.NagSuppressions_AddResourceSuppressions(m, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-APIG4"), Reason: jsii.String(
			"/api is one proxy resource: an authorizer there would lock every route, docs and health check included. Routes that need a signed-in user verify the user pool's tokens in the app (GET /api/me).")},
		{Id: jsii.String("AwsSolutions-COG4"), Reason: jsii.String(
			"/api is one proxy resource, so its routes check Cognito tokens in the app, route by route; /hello uses the Cognito authorizer.")},
	}, jsii.Bool(false))
}
