package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestDevStage covers the other branch of every stage-dependent choice.
func TestDevStage(t *testing.T) {
	// GIVEN stage=dev, two origins, DEBUG logs and an alarm e-mail
	s := dev(t)
	// THEN nothing is retained, the functions get the dev settings, and alarms mail
	assertEqual(t, "stack name", *s.stack.StackName(), "R2RStack-dev")
	_, pool := s.one(t, "AWS::Cognito::UserPool", map[string]any{})
	assertEqual(t, "dev UserPool DeletionPolicy", pool["DeletionPolicy"], "Delete")
	for id, g := range s.resources("AWS::Logs::LogGroup") {
		assertEqual(t, id+" DeletionPolicy", g["DeletionPolicy"], "Delete")
	}
	_, apiFn := s.function(t, "r2r API (")
	assertEqual(t, "dev env", apiFn["Environment"], map[string]any{"Variables": map[string]any{
		"STAGE": "dev", "LOG_LEVEL": "DEBUG", "CORS_ALLOW_ORIGINS": "https://app.example.com,http://localhost:5173",
		"METRICS_NAMESPACE": "r2r", "LAMBDA_RESPONSE_MODE": "buffered",
		"COGNITO_USER_POOL_ID": s.ref(t, "AWS::Cognito::UserPool"), "COGNITO_CLIENT_ID": s.ref(t, "AWS::Cognito::UserPoolClient"),
	}})
	assertEqual(t, "dev ApplicationLogLevel", apiFn["LoggingConfig"].(map[string]any)["ApplicationLogLevel"], "DEBUG")
	_, helloFn := s.function(t, "r2r GET /hello")
	assertEqual(t, "dev hello env", helloFn["Environment"], map[string]any{"Variables": map[string]any{
		"ALLOW_ORIGINS": "https://app.example.com,http://localhost:5173",
	}})
	// The preflight answers each listed origin (CDK's template echoes a match).
	options := s.method(t, "/api", "OPTIONS")
	tmpl, _ := json.Marshal(options["Integration"])
	for _, o := range []string{"https://app.example.com", "http://localhost:5173"} {
		if !strings.Contains(string(tmpl), o) {
			t.Errorf("/api OPTIONS integration lacks origin %s: %s", o, tmpl)
		}
	}
	// Alarms notify the configured address.
	topic, _ := s.one(t, "AWS::SNS::Topic", map[string]any{})
	s.one(t, "AWS::SNS::Subscription", map[string]any{"Protocol": "email", "Endpoint": "ops@example.com", "TopicArn": ref(topic)})
	for id, a := range s.resources("AWS::CloudWatch::Alarm") {
		assertEqual(t, id+" AlarmActions", props(a)["AlarmActions"], []any{ref(topic)})
	}
}

// TestFailedCreateLeavesNothing: no stage stack retains a resource that a
// rolled-back first create made (DeletionPolicy Retain would orphan it);
// prod keeps its data on deletion and replacement (RetainExceptOnCreate),
// and every other stage deletes completely.
func TestFailedCreateLeavesNothing(t *testing.T) {
	for _, c := range configurations {
		t.Run(c.name, func(t *testing.T) {
			s := c.synth(t)
			prod := c == prodConfig
			for id, r := range s.json["Resources"].(map[string]any) {
				r := r.(map[string]any)
				deletion, _ := r["DeletionPolicy"].(string)
				replace, _ := r["UpdateReplacePolicy"].(string)
				switch {
				case deletion == "Retain" || deletion == "Snapshot":
					t.Errorf("%s (%s): DeletionPolicy %s survives a rolled-back create; want RetainExceptOnCreate", id, r["Type"], deletion)
				case !prod && (deletion != "" && deletion != "Delete" || replace != "" && replace != "Delete"):
					t.Errorf("%s (%s): DeletionPolicy %q, UpdateReplacePolicy %q in stage %s; want it deleted with the stack", id, r["Type"], deletion, replace, c.name)
				}
			}
			if !prod {
				return
			}
			// What holds data in prod is kept on deletion and replacement.
			for _, typ := range []string{"AWS::Cognito::UserPool", "AWS::Logs::LogGroup"} {
				for id, r := range s.resources(typ) {
					if r["DeletionPolicy"] != "RetainExceptOnCreate" || r["UpdateReplacePolicy"] != "Retain" {
						t.Errorf("prod %s (%s): DeletionPolicy %v, UpdateReplacePolicy %v; want RetainExceptOnCreate and Retain",
							id, typ, r["DeletionPolicy"], r["UpdateReplacePolicy"])
					}
				}
			}
		})
	}
}

// TestPhysicalNamesSideBySide: prod and dev deploy into one account and
// region, so no name that must be unique there may be the same in both
// (names built from the stack's own resources differ by construction).
func TestPhysicalNamesSideBySide(t *testing.T) {
	a, b := physicalNames(t, prod(t)), physicalNames(t, dev(t))
	if len(a) == 0 {
		t.Fatal("prod has no explicit physical names: the test sees nothing")
	}
	for name, where := range a {
		if other, ok := b[name]; ok {
			t.Errorf("%s is %s in prod and %s in dev: the second deploy fails", name, where, other)
		}
	}
	if StackName(prodConfig.synth(t).config()) == StackName(devConfig.synth(t).config()) {
		t.Error("prod and dev have the same stack name")
	}
}

// uniqueNames are the properties that name a resource uniquely per account
// and region, by type. RestApi's Name is not unique (the API's id is), so it
// is not here: both stages are "R2R API", and metrics add the stage name.
var uniqueNames = map[string]string{
	"AWS::Lambda::Function":            "FunctionName",
	"AWS::Logs::LogGroup":              "LogGroupName",
	"AWS::CloudWatch::Dashboard":       "DashboardName",
	"AWS::CloudWatch::Alarm":           "AlarmName",
	"AWS::Logs::QueryDefinition":       "Name",
	"AWS::SNS::Topic":                  "TopicName",
	"AWS::IAM::Role":                   "RoleName",
	"AWS::IAM::ManagedPolicy":          "ManagedPolicyName",
	"AWS::Cognito::UserPool":           "UserPoolName",
	"AWS::CodeDeploy::Application":     "ApplicationName",
	"AWS::CodeDeploy::DeploymentGroup": "DeploymentGroupName",
	"AWS::WAFv2::WebACL":               "Name",
}

// physicalNames renders each explicit unique name of the stage's template
// ("type value" -> logical id). A reference to one of the stack's resources
// renders as that stack and resource, which cannot collide with another stack.
func physicalNames(t *testing.T, s *synthesized) map[string]string {
	t.Helper()
	stack := *s.stack.StackName()
	var render func(v any) string
	render = func(v any) string {
		switch v := v.(type) {
		case string:
			return v
		case map[string]any:
			if r, ok := v["Ref"].(string); ok {
				if strings.HasPrefix(r, "AWS::") {
					return "${" + r + "}"
				}
				return "<" + stack + "/" + r + ">"
			}
			if att, ok := v["Fn::GetAtt"].([]any); ok {
				return fmt.Sprintf("<%s/%v.%v>", stack, att[0], att[1])
			}
			if j, ok := v["Fn::Join"].([]any); ok {
				var parts []string
				for _, p := range j[1].([]any) {
					parts = append(parts, render(p))
				}
				return strings.Join(parts, j[0].(string))
			}
		}
		t.Fatalf("%s: cannot render name %v", stack, v)
		return ""
	}
	names := map[string]string{}
	for id, r := range s.json["Resources"].(map[string]any) {
		r := r.(map[string]any)
		prop, ok := uniqueNames[r["Type"].(string)]
		if !ok {
			continue
		}
		if v, ok := orEmpty(r["Properties"])[prop]; ok {
			names[r["Type"].(string)+" "+render(v)] = id
		}
	}
	return names
}
