package main

import (
	"encoding/json"
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
