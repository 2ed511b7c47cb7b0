package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

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
