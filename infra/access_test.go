package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

// trustProblems lists what is wrong with a role's trust policy for GitHub
// Actions of repo: each statement must admit only web identities of the
// GitHub OIDC provider, with the STS audience, and a subject that names
// this repository and one GitHub environment exactly (no wildcard, no
// branch, no other repository).
func trustProblems(doc map[string]any, repo string, providers []any) []string {
	var problems []string
	statements, _ := doc["Statement"].([]any)
	if len(statements) == 0 {
		return []string{"no statement"}
	}
	for i, st := range statements {
		st, _ := st.(map[string]any)
		at := fmt.Sprintf("statement %d: ", i)
		if st["Effect"] != "Allow" {
			continue // a Deny admits nobody
		}
		if st["Action"] != "sts:AssumeRoleWithWebIdentity" {
			problems = append(problems, at+fmt.Sprintf("action %v, want sts:AssumeRoleWithWebIdentity only", st["Action"]))
		}
		principal, _ := st["Principal"].(map[string]any)
		if len(principal) != 1 || !slices.ContainsFunc(providers, func(p any) bool { return contains(principal["Federated"], p) }) {
			problems = append(problems, at+fmt.Sprintf("principal %v, want the GitHub OIDC provider alone", principal))
		}
		cond, _ := st["Condition"].(map[string]any)
		for op := range cond {
			if op != "StringEquals" {
				problems = append(problems, at+"condition operator "+op+": only StringEquals pins the token's claims")
			}
		}
		eq, _ := cond["StringEquals"].(map[string]any)
		if eq[githubOIDCIssuer+":aud"] != stsAudience {
			problems = append(problems, at+fmt.Sprintf("audience %v, want %s", eq[githubOIDCIssuer+":aud"], stsAudience))
		}
		sub, _ := eq[githubOIDCIssuer+":sub"].(string)
		env, ok := strings.CutPrefix(sub, "repo:"+repo+":environment:")
		if !ok || env == "" || strings.ContainsAny(env, "*?:") {
			problems = append(problems, at+fmt.Sprintf("subject %q, want repo:%s:environment:<stage>", sub, repo))
		}
	}
	return problems
}

// TestTrustProblems: the checker catches what a loose trust policy admits.
func TestTrustProblems(t *testing.T) {
	provider := ref("GitHubOidc")
	good := func() map[string]any {
		return map[string]any{"Statement": []any{map[string]any{
			"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
			"Principal": map[string]any{"Federated": provider},
			"Condition": map[string]any{"StringEquals": map[string]any{
				githubOIDCIssuer + ":aud": stsAudience,
				githubOIDCIssuer + ":sub": "repo:octo-org/r2r:environment:prod",
			}},
		}}}
	}
	if p := trustProblems(good(), "octo-org/r2r", []any{provider}); len(p) != 0 {
		t.Errorf("trustProblems(good) = %v, want none", p)
	}
	for name, mutate := range map[string]func(st map[string]any){
		"another repository": func(st map[string]any) {
			st["Condition"].(map[string]any)["StringEquals"].(map[string]any)[githubOIDCIssuer+":sub"] = "repo:evil/r2r:environment:prod"
		},
		"a branch wildcard": func(st map[string]any) {
			st["Condition"] = map[string]any{"StringEquals": map[string]any{githubOIDCIssuer + ":aud": stsAudience},
				"StringLike": map[string]any{githubOIDCIssuer + ":sub": "repo:octo-org/r2r:*"}}
		},
		"a branch": func(st map[string]any) {
			st["Condition"].(map[string]any)["StringEquals"].(map[string]any)[githubOIDCIssuer+":sub"] = "repo:octo-org/r2r:ref:refs/heads/main"
		},
		"a missing audience": func(st map[string]any) {
			delete(st["Condition"].(map[string]any)["StringEquals"].(map[string]any), githubOIDCIssuer+":aud")
		},
		"another principal": func(st map[string]any) {
			st["Principal"] = map[string]any{"AWS": "*"}
			st["Action"] = "sts:AssumeRole"
		},
	} {
		doc := good()
		mutate(doc["Statement"].([]any)[0].(map[string]any))
		if p := trustProblems(doc, "octo-org/r2r", []any{provider}); len(p) == 0 {
			t.Errorf("trustProblems(%s) = none, want a problem", name)
		}
	}
}

func TestAccessStack(t *testing.T) {
	for _, tt := range []struct {
		c        *configuration
		stages   []string
		provider any // the Federated principal
	}{
		{allKeysConfig, []string{"dev", "prod", "qa"}, map[string]any{"Ref": "GitHubOidc"}},
		{noURLConfig, []string{"dev", "prod"}, "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
	} {
		t.Run(tt.c.name, func(t *testing.T) {
			s := tt.c.synth(t)
			if s.access == nil {
				t.Fatal("no access stack although githubRepository is set")
			}
			a := &synthesized{json: s.access}
			providers := a.resources("AWS::IAM::OIDCProvider")
			if _, created := tt.provider.(map[string]any); created {
				// GitHub's issuer, tokens for STS.
				var id string
				for k, p := range providers {
					id = k
					assertEqual(t, "provider Url", props(p)["Url"], "https://"+githubOIDCIssuer)
					assertEqual(t, "provider ClientIdList", props(p)["ClientIdList"], []any{stsAudience})
				}
				if len(providers) != 1 {
					t.Fatalf("OIDC providers = %d, want 1", len(providers))
				}
				tt.provider = ref(id)
			} else if len(providers) != 0 {
				t.Errorf("OIDC providers = %d, want 0 (the existing one is referenced)", len(providers))
			}

			var stages []string
			for id, r := range a.resources("AWS::IAM::Role") {
				doc := props(r)["AssumeRolePolicyDocument"].(map[string]any)
				for _, p := range trustProblems(doc, "octo-org/r2r", []any{tt.provider}) {
					t.Errorf("role %s: %s", id, p)
				}
				sub := doc["Statement"].([]any)[0].(map[string]any)["Condition"].(map[string]any)["StringEquals"].(map[string]any)[githubOIDCIssuer+":sub"].(string)
				stages = append(stages, strings.TrimPrefix(sub, "repo:octo-org/r2r:environment:"))
			}
			sort.Strings(stages)
			assertEqual(t, "roles' environments", stages, tt.stages)

			// The roles may do one thing: assume the CDK bootstrap roles.
			for id, p := range a.resources("AWS::IAM::Policy") {
				doc := props(p)["PolicyDocument"].(map[string]any)
				for _, st := range doc["Statement"].([]any) {
					st := st.(map[string]any)
					assertEqual(t, id+" action", st["Action"], "sts:AssumeRole")
					b, _ := json.Marshal(st["Resource"])
					for _, kind := range []string{"deploy", "file-publishing", "image-publishing", "lookup"} {
						if !strings.Contains(string(b), ":role/cdk-hnb659fds-"+kind+"-role-${AWS::AccountId}-${AWS::Region}") {
							t.Errorf("%s resources = %s, want the %s bootstrap role", id, b, kind)
						}
					}
					if strings.Contains(string(b), "*") {
						t.Errorf("%s resources = %s, want no wildcard", id, b)
					}
				}
			}
			if n := len(a.resources("AWS::IAM::Policy")); n != len(tt.stages) {
				t.Errorf("policies = %d, want one per role (%d)", n, len(tt.stages))
			}
			for _, stage := range tt.stages {
				if _, ok := s.access["Outputs"].(map[string]any)["DeployRoleArn"+outputSuffix(stage)]; !ok {
					t.Errorf("no output DeployRoleArn%s", outputSuffix(stage))
				}
			}

			// cdk-nag finds nothing to suppress.
			annotations := assertions.Annotations_FromStack(s.accessStack)
			rule := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))
			for _, m := range *annotations.FindError(jsii.String("*"), rule) {
				t.Errorf("cdk-nag error: %s", describe(m))
			}
			for _, m := range *annotations.FindWarning(jsii.String("*"), rule) {
				t.Errorf("cdk-nag warning: %s", describe(m))
			}
		})
	}
	if prod(t).access != nil {
		t.Error("an access stack without githubRepository")
	}
}

func TestAccessConfigFromContext(t *testing.T) {
	for _, tt := range []struct {
		ctx  map[string]any
		want string // in the error; "" for none
	}{
		{map[string]any{ContextGitHubRepository: "octo-org/r2r"}, ""},
		{map[string]any{ContextGitHubRepository: "octo-org"}, `githubRepository="octo-org"`},
		{map[string]any{ContextGitHubRepository: "octo-org/r2r/x"}, `githubRepository="octo-org/r2r/x"`},
		{map[string]any{ContextGitHubRepository: "-octo/r2r"}, `githubRepository="-octo/r2r"`},
		{map[string]any{ContextGitHubRepository: "octo/*"}, `githubRepository="octo/*"`},
		{map[string]any{ContextGitHubRepository: "octo/r2r", ContextGitHubOIDCProvider: "arn:aws:iam::1:oidc-provider/x"}, `githubOidcProviderArn=`},
		{map[string]any{ContextGitHubRepository: "octo/r2r", ContextDeployStages: "dev,my_stage"}, `deployStages="dev,my_stage"`},
		{map[string]any{ContextGitHubRepository: "octo/r2r", ContextDeployStages: []any{}}, `deployStages=[]`},
	} {
		t.Run(fmt.Sprint(tt.ctx), func(t *testing.T) {
			app := newTestApp(tt.ctx)
			_, ok, err := AccessConfigFromContext(app.Node())
			switch {
			case !ok:
				t.Errorf("AccessConfigFromContext(%v): ok = false, want the access stack", tt.ctx)
			case tt.want == "" && err != nil:
				t.Errorf("AccessConfigFromContext(%v) = %v, want no error", tt.ctx, err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("AccessConfigFromContext(%v) = %v, want an error naming %s", tt.ctx, err, tt.want)
			}
		})
	}
	if _, ok, err := AccessConfigFromContext(newTestApp(map[string]any{ContextGitHubRepository: ""}).Node()); ok || err != nil {
		t.Errorf("AccessConfigFromContext(no repository) = %v, %v; want no access stack", ok, err)
	}
}
