package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
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
