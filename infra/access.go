package main

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/r2r/r2r/stagename"
)

// AccessStackName is the stack that lets GitHub Actions deploy: deployed once
// per account and region, by hand (the README's "Continuous delivery").
const AccessStackName = "R2RAccess"

// Context keys of the access stack. The app defines the stack only when
// githubRepository is set, so the stage stacks never need it.
const (
	ContextGitHubRepository   = "githubRepository"
	ContextGitHubOIDCProvider = "githubOidcProviderArn"
	ContextDeployStages       = "deployStages"
)

// githubOIDCIssuer is GitHub Actions' token issuer; stsAudience the audience
// configure-aws-credentials asks tokens for.
const (
	githubOIDCIssuer = "token.actions.githubusercontent.com"
	stsAudience      = "sts.amazonaws.com"
)

// AccessConfig is the validated configuration of the access stack.
type AccessConfig struct {
	// Repository is owner/name on GitHub: only its workflows get in.
	Repository string
	// ProviderARN names an existing GitHub OIDC provider of the account (an
	// account has at most one per issuer); "" creates it.
	ProviderARN string
	// Stages get one deploy role each, admitted only from the GitHub
	// environment of the same name.
	Stages []string
}

// GitHub's rules: an owner is 1 to 39 letters, digits or single hyphens, not
// at either end; a repository name 1 to 100 letters, digits, '.', '-', '_'.
var (
	githubOwner = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9]|-(?:[A-Za-z0-9])){0,38}$`)
	githubRepo  = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)
	iamOIDCARN  = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:oidc-provider/` + regexp.QuoteMeta(githubOIDCIssuer) + `$`)
)

// AccessConfigFromContext reads the access stack's context keys; ok is false
// when githubRepository is not set (no access stack).
func AccessConfigFromContext(node constructs.Node) (cfg AccessConfig, ok bool, err error) {
	get := func(key string) (any, bool) { return contextValue(node, key) }
	v, set := get(ContextGitHubRepository)
	if !set {
		return AccessConfig{}, false, nil
	}
	var errs []string
	repo, _ := v.(string)
	owner, name, found := strings.Cut(repo, "/")
	if !found || !githubOwner.MatchString(owner) || !githubRepo.MatchString(name) || name == "." || name == ".." {
		errs = append(errs, fmt.Sprintf("%s=%s: want owner/name of a GitHub repository, e.g. octo-org/r2r", ContextGitHubRepository, show(v)))
	}
	cfg.Repository = repo
	if v, set := get(ContextGitHubOIDCProvider); set {
		arn, _ := v.(string)
		if !iamOIDCARN.MatchString(arn) {
			errs = append(errs, fmt.Sprintf("%s=%s: want the ARN of this account's %s provider, arn:aws:iam::<account>:oidc-provider/%s",
				ContextGitHubOIDCProvider, show(v), githubOIDCIssuer, githubOIDCIssuer))
		}
		cfg.ProviderARN = arn
	}
	cfg.Stages = []string{"dev", "prod"}
	if v, set := get(ContextDeployStages); set {
		stages, err := stringList(v)
		bad := err != nil || len(stages) == 0
		for _, s := range stages {
			bad = bad || !stagename.Valid(s)
		}
		if bad {
			errs = append(errs, fmt.Sprintf("%s=%s: want a list of stage names (%s)", ContextDeployStages, show(v), stagename.Rule))
		}
		cfg.Stages = stages
	}
	if len(errs) > 0 {
		return AccessConfig{}, true, fmt.Errorf("invalid context (cdk.json or -c key=value):\n%s", strings.Join(errs, "\n"))
	}
	return cfg, true, nil
}

// NewAccessStack defines GitHub Actions' way into the account: GitHub's OIDC
// identity provider (or the existing one), and per stage a role that only
// this repository's workflows, running in that stage's GitHub environment,
// can assume with a short-lived token, and whose only permission is to assume
// the CDK bootstrap roles (deploy, file and image publishing, lookup): what
// `cdk deploy` and `cdk diff` use. No long-lived key exists anywhere.
func NewAccessStack(scope constructs.Construct, id string, cfg AccessConfig, props *awscdk.StackProps) awscdk.Stack {
	var p awscdk.StackProps
	if props != nil {
		p = *props
	}
	if p.Description == nil {
		p.Description = jsii.String("r2r: GitHub Actions deploy roles (OIDC) for " + cfg.Repository)
	}
	stack := awscdk.NewStack(scope, &id, &p)

	var provider awsiam.IOidcProvider
	if cfg.ProviderARN != "" {
		provider = awsiam.OidcProviderNative_FromOidcProviderArn(stack, jsii.String("GitHubOidc"), jsii.String(cfg.ProviderARN))
	} else {
		provider = awsiam.NewOidcProviderNative(stack, jsii.String("GitHubOidc"), &awsiam.OidcProviderNativeProps{
			Url:       jsii.String("https://" + githubOIDCIssuer),
			ClientIds: jsii.Strings(stsAudience),
		})
	}

	// The bootstrap roles of this account and region (cdk bootstrap's
	// qualifier: the default, or the app's @aws-cdk/core:bootstrapQualifier).
	qualifier := "hnb659fds"
	if q, ok := stack.Node().TryGetContext(jsii.String("@aws-cdk/core:bootstrapQualifier")).(string); ok && q != "" {
		qualifier = q
	}
	var bootstrapRoles []*string
	for _, kind := range []string{"deploy", "file-publishing", "image-publishing", "lookup"} {
		bootstrapRoles = append(bootstrapRoles, awscdk.Fn_Sub(jsii.String(
			"arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-"+qualifier+"-"+kind+"-role-${AWS::AccountId}-${AWS::Region}"), nil))
	}

	for _, stage := range cfg.Stages {
		role := awsiam.NewRole(stack, jsii.String("DeployRole-"+stage), &awsiam.RoleProps{
			Description: jsii.String(fmt.Sprintf("GitHub Actions of %s, environment %s: cdk deploy of stage %s", cfg.Repository, stage, stage)),
			AssumedBy: awsiam.NewWebIdentityPrincipal(provider.OidcProviderArn(), &map[string]any{
				"StringEquals": map[string]any{
					githubOIDCIssuer + ":aud": stsAudience,
					githubOIDCIssuer + ":sub": "repo:" + cfg.Repository + ":environment:" + stage,
				},
			}),
			MaxSessionDuration: awscdk.Duration_Hours(jsii.Number(1)),
		})
		role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("sts:AssumeRole"),
			Resources: &bootstrapRoles,
		}))
		awscdk.NewCfnOutput(stack, jsii.String("DeployRoleArn"+outputSuffix(stage)), &awscdk.CfnOutputProps{
			Value:       role.RoleArn(),
			Description: jsii.String("Repository variable " + roleVariable(stage) + " (GitHub environment " + stage + ")"),
		})
	}
	return stack
}

// roleVariable is the repository variable holding a stage's deploy role ARN,
// read by the deploy workflow.
func roleVariable(stage string) string {
	return "AWS_ROLE_" + strings.ToUpper(strings.ReplaceAll(stage, "-", "_"))
}

// outputSuffix makes a stage name fit an output's logical id (alphanumeric).
func outputSuffix(stage string) string {
	return strings.ReplaceAll(stage, "-", "")
}
