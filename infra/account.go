package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// AccountStackName is the stack of what API Gateway keeps once per account
// and region: one of them, whatever the number of stages.
const AccountStackName = "R2RAccount"

// NewAccountStack defines the account-wide API Gateway setting every stage's
// execution logging needs: the CloudWatch role API Gateway writes logs with
// (AWS::ApiGateway::Account). It is one setting per account and region, so
// it has one owner. When each stage set it, the last deploy won, every stage
// left a role behind on deletion, and deleting one stage could take the role
// from the others. Every stage stack depends on this one, so `cdk deploy` of
// a stage deploys it first when it is missing.
//
// Both resources are retained when this stack is deleted: the setting
// outlives the stack (API Gateway has no "unset"), and a deleted role would
// break the execution logs of every API in the account.
func NewAccountStack(scope constructs.Construct, id string, props *awscdk.StackProps) awscdk.Stack {
	var p awscdk.StackProps
	if props != nil {
		p = *props
	}
	if p.Description == nil {
		p.Description = jsii.String("r2r: API Gateway's account settings (its CloudWatch Logs role), shared by every stage")
	}
	stack := awscdk.NewStack(scope, &id, &p)
	role := awsiam.NewRole(stack, jsii.String("ApiGatewayCloudWatchRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("apigateway.amazonaws.com"), nil),
		Description: jsii.String("API Gateway execution logging to CloudWatch Logs, for every REST API of this account and region"),
		ManagedPolicies: &[]awsiam.IManagedPolicy{
			awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("service-role/AmazonAPIGatewayPushToCloudWatchLogs")),
		},
	})
	role.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN)
	account := awsapigateway.NewCfnAccount(stack, jsii.String("ApiGatewayAccount"), &awsapigateway.CfnAccountProps{
		CloudWatchRoleArn: role.RoleArn(),
	})
	account.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN, nil)
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-IAM4"), Reason: jsii.String(
			"The account-level API Gateway CloudWatch role uses AmazonAPIGatewayPushToCloudWatchLogs, the policy AWS provides for exactly this role (execution logging)."),
			AppliesTo: &[]any{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"}},
	}, jsii.Bool(false))
	return stack
}
