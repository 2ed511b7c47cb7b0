// Command infra is the CDK app of r2r: `cdk synth` runs it (see cdk.json) to
// write the CloudFormation template of R2RStack into cdk.out.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

func main() {
	defer jsii.Close()

	if err := run(nil); err != nil {
		// A clear message and a non-zero exit stop `cdk synth/deploy` before
		// anything is built.
		fmt.Fprintln(os.Stderr, "r2r infra:", err)
		jsii.Close()
		os.Exit(1)
	}
}

// run builds the app (nil props: the context the CDK CLI passes) and
// synthesizes it into the cloud assembly.
func run(props *awscdk.AppProps) error {
	app := awscdk.NewApp(props)
	cfg, err := ConfigFromContext(app.Node())
	if err != nil {
		return err
	}
	if err := checkRegion(cfg, os.Getenv("CDK_DEFAULT_REGION")); err != nil {
		return err
	}

	// Every resource is checked against the AWS Solutions rules; a finding
	// without a documented suppression fails synthesis.
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)

	access, ok, err := AccessConfigFromContext(app.Node())
	if err != nil {
		return err
	}
	if ok {
		NewAccessStack(app, AccessStackName, access, &awscdk.StackProps{Env: env()})
	}
	defineStacks(app, cfg, R2RStackProps{})
	app.Synth(nil)
	return nil
}

// defineStacks adds the stage's stack (props.Config = cfg) and the account
// stack it needs to app, and returns them.
func defineStacks(app awscdk.App, cfg Config, props R2RStackProps) (account, stage awscdk.Stack) {
	account = NewAccountStack(app, AccountStackName, &awscdk.StackProps{Env: env()})
	props.StackProps.Env = env()
	props.Config = &cfg
	stage = NewR2RStack(app, StackName(cfg), &props)
	stage.AddStackDependency(account, jsii.String("execution logging needs the account's API Gateway CloudWatch role"))
	return account, stage
}

// StackName is R2RStack for prod and R2RStack-<stage> otherwise, so several
// stages can live in one account and region.
func StackName(cfg Config) string {
	if cfg.IsProd() {
		return "R2RStack"
	}
	return "R2RStack-" + cfg.Stage
}

// env determines the AWS environment (account+region) in which the stack is
// deployed. nil makes the stack environment-agnostic: the account and region
// of the credentials used by `cdk deploy` apply, and synthesis needs none.
// See https://docs.aws.amazon.com/cdk/latest/guide/environments.html
func env() *awscdk.Environment {
	return nil
}
