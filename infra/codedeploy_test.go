package main

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"
)

// TestGradualDeployment: a deploy moves both live aliases with CodeDeploy,
// with the stage's configuration, and rolls back on failure or any alarm.
func TestGradualDeployment(t *testing.T) {
	for _, tt := range []struct {
		name   string
		s      func(*testing.T) *synthesized
		config string
	}{
		{"prod", prod, "CodeDeployDefault.LambdaCanary10Percent5Minutes"},
		{"dev", dev, "CodeDeployDefault.LambdaAllAtOnce"},
		{"staging with deploymentConfig=linear10-1", staging, "CodeDeployDefault.LambdaLinear10PercentEvery1Minute"},
		{"qa with deploymentConfig=canary10-10", allKeysConfig.synth, "CodeDeployDefault.LambdaCanary10Percent10Minutes"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// GIVEN the stage's stack
			s := tt.s(t)
			// Every alarm but the throttles alarm: throttling is a capacity
			// signal (a low account quota throttles a good version too).
			var alarms []any
			for id := range s.resources("AWS::CloudWatch::Alarm") {
				if !strings.HasPrefix(id, "ApiFunctionThrottlesAlarm") {
					alarms = append(alarms, ref(id))
				}
			}
			if len(alarms) != len(alarmIDs)-1 {
				t.Fatalf("rollback alarms = %v, want %d", alarms, len(alarmIDs)-1)
			}
			for _, fnPrefix := range []string{"r2r API (", "r2r streaming API"} {
				// WHEN looking at the function's live alias and its deployment group
				fn, _ := s.function(t, fnPrefix)
				_, alias := s.one(t, "AWS::Lambda::Alias", map[string]any{"Name": "live", "FunctionName": ref(fn)})
				version := props(alias)["FunctionVersion"].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
				if v, ok := s.resources("AWS::Lambda::Version")[version]; !ok || refID(props(v)["FunctionName"]) != fn {
					t.Errorf("%s alias FunctionVersion = %v, want a published version of %s", fnPrefix, props(alias)["FunctionVersion"], fn)
				}
				update, _ := json.Marshal(alias["UpdatePolicy"])
				var policy struct {
					CodeDeployLambdaAliasUpdate struct {
						DeploymentGroupName map[string]any
					}
				}
				if err := json.Unmarshal(update, &policy); err != nil {
					t.Fatal(err)
				}
				groupID := refID(policy.CodeDeployLambdaAliasUpdate.DeploymentGroupName)
				group, ok := s.resources("AWS::CodeDeploy::DeploymentGroup")[groupID]
				if !ok {
					t.Fatalf("%s alias UpdatePolicy = %s, want CodeDeployLambdaAliasUpdate with a deployment group", fnPrefix, update)
				}
				// THEN it shifts with the stage's configuration ...
				p := props(group)
				assertEqual(t, fnPrefix+" DeploymentConfigName", p["DeploymentConfigName"], tt.config)
				// ... rolls back on failure, stop and alarm ...
				assertEqual(t, fnPrefix+" AutoRollbackConfiguration", p["AutoRollbackConfiguration"], map[string]any{
					"Enabled": true, "Events": []any{"DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST", "DEPLOYMENT_STOP_ON_ALARM"},
				})
				// ... watching every alarm that signals a bad version.
				var got []any
				for _, a := range p["AlarmConfiguration"].(map[string]any)["Alarms"].([]any) {
					got = append(got, ref(refID(a.(map[string]any)["Name"])))
				}
				sortRefs(got)
				sortRefs(alarms)
				assertEqual(t, fnPrefix+" deployment group alarms", got, alarms)
				assertEqual(t, fnPrefix+" AlarmConfiguration.Enabled", p["AlarmConfiguration"].(map[string]any)["Enabled"], true)
			}
			if n := len(s.resources("AWS::CodeDeploy::DeploymentGroup")); n != 2 {
				t.Errorf("deployment groups = %d, want 2", n)
			}
			if n := len(s.resources("AWS::CodeDeploy::Application")); n != 1 {
				t.Errorf("CodeDeploy applications = %d, want 1 (shared)", n)
			}
		})
	}
}

func sortRefs(refs []any) {
	sort.Slice(refs, func(i, j int) bool { return refID(refs[i]) < refID(refs[j]) })
}

func TestDeploymentConfigName(t *testing.T) {
	for _, tt := range []struct {
		cfg  Config
		want string
	}{
		{Config{Stage: "prod"}, DeployCanary10For5},
		{Config{Stage: "dev"}, DeployAllAtOnce},
		{Config{Stage: "prod", DeploymentConfig: DeployAllAtOnce}, DeployAllAtOnce},
		{Config{Stage: "dev", DeploymentConfig: DeployCanary10For10}, DeployCanary10For10},
	} {
		// GIVEN a stage and maybe a deploymentConfig, THEN this configuration applies
		if got := tt.cfg.DeploymentConfigName(); got != tt.want {
			t.Errorf("%+v.DeploymentConfigName() = %s, want %s", tt.cfg, got, tt.want)
		}
	}
	// Every accepted value has a CodeDeploy configuration.
	for _, name := range deploymentConfigs {
		if lambdaDeploymentConfigs[name] == nil {
			t.Errorf("deploymentConfig %s has no CodeDeploy configuration", name)
		}
	}
}
