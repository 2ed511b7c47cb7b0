package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Deploy-time facts that synthesis does not check and a first `cdk deploy`
// into a fresh account would find: each test walks the synthesized
// templates of every configuration.

// TestAccountSettingsHaveOneOwner: API Gateway's account-wide CloudWatch role
// is defined by the account stack alone, which every stage stack depends on.
func TestAccountSettingsHaveOneOwner(t *testing.T) {
	for _, c := range configurations {
		t.Run(c.name, func(t *testing.T) {
			s := c.synth(t)
			if n := len(s.resources("AWS::ApiGateway::Account")); n != 0 {
				t.Errorf("stage stack defines %d AWS::ApiGateway::Account, want 0 (the account stack owns it)", n)
			}
			for id, r := range s.resources("AWS::IAM::Role") {
				if b, _ := json.Marshal(props(r)["AssumeRolePolicyDocument"]); strings.Contains(string(b), "apigateway.amazonaws.com") {
					t.Errorf("stage stack role %s is assumed by API Gateway, want none (the account stack's)", id)
				}
			}
			var deps []string
			for _, d := range *s.stack.Dependencies() {
				deps = append(deps, *d.StackName())
			}
			assertEqual(t, "stage stack dependencies", deps, []string{AccountStackName})

			accounts := map[string]map[string]any{}
			roles := map[string]map[string]any{}
			for id, r := range s.account["Resources"].(map[string]any) {
				r := r.(map[string]any)
				switch r["Type"] {
				case "AWS::ApiGateway::Account":
					accounts[id] = r
				case "AWS::IAM::Role":
					roles[id] = r
				}
			}
			if len(accounts) != 1 || len(roles) != 1 {
				t.Fatalf("account stack: %d accounts, %d roles, want 1 and 1", len(accounts), len(roles))
			}
			for _, a := range accounts {
				role := props(a)["CloudWatchRoleArn"].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
				if _, ok := roles[role]; !ok {
					t.Errorf("account CloudWatchRoleArn = %v, want the stack's role", props(a)["CloudWatchRoleArn"])
				}
			}
		})
	}
}

// TestDeployNeedsOnlyWhatTheGuideSays: the template needs no capability
// beyond CAPABILITY_IAM (the CDK CLI grants it; no named IAM resource, no
// macro or nested stack), and the README states the bootstrap stack version
// the assembly requires.
func TestDeployNeedsOnlyWhatTheGuideSays(t *testing.T) {
	named := []string{"RoleName", "ManagedPolicyName", "GroupName", "UserName", "InstanceProfileName"}
	for _, c := range configurations {
		s := c.synth(t)
		for suffix, doc := range s.templates() {
			stack := c.name + suffix
			if _, ok := doc["Transform"]; ok {
				t.Errorf("%s: template has a Transform: the deploy would need CAPABILITY_AUTO_EXPAND", stack)
			}
			for id, r := range doc["Resources"].(map[string]any) {
				r := r.(map[string]any)
				typ := r["Type"].(string)
				if typ == "AWS::CloudFormation::Stack" {
					t.Errorf("%s: nested stack %s", stack, id)
				}
				if strings.HasPrefix(typ, "AWS::IAM::") {
					for _, n := range named {
						if _, ok := orEmpty(r["Properties"])[n]; ok {
							t.Errorf("%s: %s has an explicit %s: the deploy would need CAPABILITY_NAMED_IAM", stack, id, n)
						}
					}
				}
			}
		}
	}

	s := prod(t)
	b, err := os.ReadFile(filepath.Join(s.outdir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		Artifacts map[string]struct {
			Type       string `json:"type"`
			Properties struct {
				RequiresBootstrapStackVersion int `json:"requiresBootstrapStackVersion"`
			} `json:"properties"`
		} `json:"artifacts"`
	}
	if err := json.Unmarshal(b, &manifest); err != nil {
		t.Fatal(err)
	}
	required := 0
	for _, a := range manifest.Artifacts {
		required = max(required, a.Properties.RequiresBootstrapStackVersion)
	}
	if required == 0 {
		t.Fatal("manifest requires no bootstrap version: the test reads the wrong field")
	}
	if want := fmt.Sprintf("bootstrap stack version %d", required); !strings.Contains(readREADME(t), want) {
		t.Errorf("README does not say %q (what the cloud assembly requires)", want)
	}
}
