package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodedeploy"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

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
