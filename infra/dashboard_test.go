package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestDashboard(t *testing.T) {
	// GIVEN the stack
	s := prod(t)
	// WHEN reading the dashboard's body (an Fn::Join of JSON and references)
	_, d := s.one(t, "AWS::CloudWatch::Dashboard", map[string]any{"DashboardName": "r2r-prod"})
	parts := props(d)["DashboardBody"].(map[string]any)["Fn::Join"].([]any)[1].([]any)
	var body strings.Builder
	for _, p := range parts {
		if str, ok := p.(string); ok {
			body.WriteString(str)
		} else {
			b, _ := json.Marshal(p)
			body.Write(b)
		}
	}
	text := body.String()
	// THEN it shows every alarm, the API's and the functions' metrics, the
	// app's EMF metrics of this stage, and recent errors from the logs
	for _, id := range alarmIDs {
		alarmID, _ := s.byIDPrefix(t, "AWS::CloudWatch::Alarm", id)
		if !strings.Contains(text, `"`+alarmID+`","Arn"`) {
			t.Errorf("dashboard lacks alarm %s", alarmID)
		}
	}
	for _, want := range []string{
		// API Gateway
		`"AWS/ApiGateway","Count"`, `"AWS/ApiGateway","4XXError"`, `"AWS/ApiGateway","5XXError"`,
		`"AWS/ApiGateway","Latency"`, `"stat":"p50"`, `"stat":"p99"`,
		// Lambda (through the aliases)
		`"AWS/Lambda","Invocations"`, `"AWS/Lambda","Errors"`, `"AWS/Lambda","Throttles"`,
		`"AWS/Lambda","Duration"`, `"AWS/Lambda","ConcurrentExecutions"`, `:live"`,
		// EMF
		`{r2r,Route,Stage,StatusClass} MetricName=\"Requests\" Stage=\"prod\" StatusClass=\"5xx\"`,
		`MetricName=\"Latency\" Stage=\"prod\"', 'p99', 60)`,
		`MetricName=\"Latency\" Stage=\"prod\"', 'p50', 60)`,
		`MetricName=\"ColdStart\" Stage=\"prod\"', 'Sum', 60)`,
		// Logs Insights
		`"type":"log"`, `filter level = \"ERROR\" or msg = \"handler panic\" or status >= 500`, `fields @timestamp, request_id`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("dashboard body lacks %s", want)
		}
	}
	for _, group := range []string{"ApiFunctionLogs", "ApiStreamFunctionLogs"} {
		id, _ := s.byIDPrefix(t, "AWS::Logs::LogGroup", group)
		if !strings.Contains(text, `SOURCE '{"Ref":"`+id+`"}'`) {
			t.Errorf("dashboard log widget does not query %s", id)
		}
	}
	// The app's namespace is the one the functions are told to use.
	for _, prefix := range []string{"r2r API (", "r2r streaming API"} {
		_, fn := s.function(t, prefix)
		assertEqual(t, prefix+" METRICS_NAMESPACE", fn["Environment"].(map[string]any)["Variables"].(map[string]any)["METRICS_NAMESPACE"], metricsNamespace)
	}
}

func TestQueryDefinitions(t *testing.T) {
	// GIVEN the stack
	s := prod(t)
	apiLogs, _ := s.byIDPrefix(t, "AWS::Logs::LogGroup", "ApiFunctionLogs")
	streamLogs, _ := s.byIDPrefix(t, "AWS::Logs::LogGroup", "ApiStreamFunctionLogs")
	accessLogs, _ := s.byIDPrefix(t, "AWS::Logs::LogGroup", "ApiAccessLogs")
	appLogs := []any{ref(apiLogs), ref(streamLogs)}
	// THEN the saved Logs Insights queries exist, over the API functions' logs
	for _, tt := range []struct {
		name   string
		groups []any
		want   []string
	}{
		{"r2r-prod/errors", appLogs, []string{`filter level = "ERROR" or msg = "handler panic" or status >= 500`, "request_id", "sort @timestamp desc"}},
		{"r2r-prod/slow-requests", appLogs, []string{`filter msg = "request" and duration_ms > 1000`, "sort duration_ms desc"}},
		{"r2r-prod/cold-starts", appLogs, []string{`filter type = "platform.report" and ispresent(record.metrics.initDurationMs)`}},
		{"r2r-prod/request-by-id", append(appLogs, ref(accessLogs)), []string{`request_id = "REQUEST_ID"`, `requestId = "REQUEST_ID"`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, q := s.one(t, "AWS::Logs::QueryDefinition", map[string]any{"Name": tt.name})
			assertEqual(t, "LogGroupNames", props(q)["LogGroupNames"], tt.groups)
			query, _ := props(q)["QueryString"].(string)
			for _, w := range tt.want {
				if !strings.Contains(query, w) {
					t.Errorf("QueryString = %q, want it to contain %q", query, w)
				}
			}
		})
	}
	if n := len(s.resources("AWS::Logs::QueryDefinition")); n != 4 {
		t.Errorf("query definitions = %d, want 4", n)
	}
}
