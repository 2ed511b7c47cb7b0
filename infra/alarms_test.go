package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// alarmIDs are the logical-id prefixes of every alarm, in the order of the
// Operate table of the README.
var alarmIDs = []string{
	"ApiFunctionErrorRateAlarm", "ApiFunctionDurationAlarm", "Api5xxAlarm", "ApiFunctionThrottlesAlarm",
	"ApiLatencyP99Alarm", "Api4xxRateAlarm", "ApiStreamFunctionErrorRateAlarm",
}

func TestAlarms(t *testing.T) {
	// GIVEN the stack with cdk.json's defaults (no alarm e-mail)
	s := prod(t)
	apiFn, _ := s.function(t, "r2r API (")
	streamFn, _ := s.function(t, "r2r streaming API")
	topic, _ := s.one(t, "AWS::SNS::Topic", map[string]any{})
	stageDims := s.stageDimensions(t, "prod")

	// THEN there are exactly the alarms of the table below
	if got := len(s.resources("AWS::CloudWatch::Alarm")); got != len(alarmIDs) {
		t.Errorf("alarms = %d, want %d", got, len(alarmIDs))
	}
	for _, tt := range []struct {
		id          string
		threshold   float64
		period      float64 // seconds, of the alarm's metric(s)
		evaluations float64 // periods evaluated, all must breach
		metric      func(t *testing.T, a map[string]any)
	}{
		{"ApiFunctionErrorRateAlarm", 5, 300, 1, func(t *testing.T, a map[string]any) {
			expression(t, a, "IF(invocations > 0, 100 * errors / invocations, 0)")
			for id, name := range map[string]string{"errors": "Errors", "invocations": "Invocations"} {
				statMetric(t, metricStat(t, a, id), "AWS/Lambda", name, "Sum", 300, aliasDimensions(apiFn))
			}
		}},
		{"ApiFunctionDurationAlarm", 25_000, 300, 1, func(t *testing.T, a map[string]any) {
			alarmMetric(t, a, "AWS/Lambda", "Duration", "Maximum", aliasDimensions(apiFn))
		}},
		{"Api5xxAlarm", 10, 300, 1, func(t *testing.T, a map[string]any) {
			alarmMetric(t, a, "AWS/ApiGateway", "5XXError", "Sum", stageDims)
		}},
		{"ApiFunctionThrottlesAlarm", 0, 300, 1, func(t *testing.T, a map[string]any) {
			expression(t, a, "FILL(api, 0) + FILL(stream, 0)")
			statMetric(t, metricStat(t, a, "api"), "AWS/Lambda", "Throttles", "Sum", 300, aliasDimensions(apiFn))
			statMetric(t, metricStat(t, a, "stream"), "AWS/Lambda", "Throttles", "Sum", 300, aliasDimensions(streamFn))
		}},
		{"ApiLatencyP99Alarm", 5_000, 60, 3, func(t *testing.T, a map[string]any) {
			alarmMetric(t, a, "AWS/ApiGateway", "Latency", "p99", stageDims)
		}},
		{"Api4xxRateAlarm", 25, 300, 1, func(t *testing.T, a map[string]any) {
			expression(t, a, "IF(requests >= 50, 100 * clientErrors / requests, 0)")
			for id, name := range map[string]string{"clientErrors": "4XXError", "requests": "Count"} {
				statMetric(t, metricStat(t, a, id), "AWS/ApiGateway", name, "Sum", 300, stageDims)
			}
		}},
		{"ApiStreamFunctionErrorRateAlarm", 5, 300, 1, func(t *testing.T, a map[string]any) {
			expression(t, a, "IF(invocations > 0, 100 * errors / invocations, 0)")
			for id, name := range map[string]string{"errors": "Errors", "invocations": "Invocations"} {
				statMetric(t, metricStat(t, a, id), "AWS/Lambda", name, "Sum", 300, aliasDimensions(streamFn))
			}
		}},
	} {
		t.Run(tt.id, func(t *testing.T) {
			// WHEN looking at the alarm
			_, a := s.byIDPrefix(t, "AWS::CloudWatch::Alarm", tt.id)
			p := props(a)
			// THEN it watches the right metric of the live alias or this stage ...
			tt.metric(t, a)
			if p["Metrics"] == nil {
				assertEqual(t, "Period", p["Period"], tt.period)
			}
			// ... fires above its threshold for all its evaluation periods ...
			assertEqual(t, "Threshold", p["Threshold"], tt.threshold)
			assertEqual(t, "ComparisonOperator", p["ComparisonOperator"], "GreaterThanThreshold")
			assertEqual(t, "EvaluationPeriods", p["EvaluationPeriods"], tt.evaluations)
			assertEqual(t, "DatapointsToAlarm", p["DatapointsToAlarm"], tt.evaluations)
			// ... treats no traffic as fine ...
			assertEqual(t, "TreatMissingData", p["TreatMissingData"], "notBreaching")
			// ... and tells the topic when it fires and when it is over.
			assertEqual(t, "AlarmActions", p["AlarmActions"], []any{ref(topic)})
			assertEqual(t, "OKActions", p["OKActions"], []any{ref(topic)})
			if d, _ := p["AlarmDescription"].(string); d == "" {
				t.Error("AlarmDescription is empty, want what the alarm means")
			}
		})
	}
}

// aliasDimensions are the dimensions of a live alias's Lambda metrics.
func aliasDimensions(fn string) []any {
	return []any{
		map[string]any{"Name": "FunctionName", "Value": ref(fn)},
		map[string]any{"Name": "Resource", "Value": map[string]any{"Fn::Join": []any{"", []any{ref(fn), ":live"}}}},
	}
}

// stageDimensions are the dimensions of this stage's API Gateway metrics:
// the API's name and the stage's, as literals (a reference to the stage
// resource would close a dependency cycle, see TestDependencyGraphIsAcyclic).
func (s *synthesized) stageDimensions(t *testing.T, stage string) []any {
	t.Helper()
	s.one(t, "AWS::ApiGateway::Stage", map[string]any{"StageName": stage})
	return []any{
		map[string]any{"Name": "ApiName", "Value": "R2R API"},
		map[string]any{"Name": "Stage", "Value": stage},
	}
}

// metricStat is one metric of a metric-math alarm, by its id.
func metricStat(t *testing.T, alarm map[string]any, id string) map[string]any {
	t.Helper()
	for _, m := range props(alarm)["Metrics"].([]any) {
		m := m.(map[string]any)
		if m["Id"] == id {
			return m["MetricStat"].(map[string]any)
		}
	}
	t.Fatalf("alarm has no metric %q: %v", id, props(alarm)["Metrics"])
	return nil
}

func expression(t *testing.T, alarm map[string]any, want string) {
	t.Helper()
	for _, m := range props(alarm)["Metrics"].([]any) {
		m := m.(map[string]any)
		if m["ReturnData"] == true {
			assertEqual(t, "expression", m["Expression"], want)
			assertEqual(t, "expression period", m["Period"], nil) // the metrics' period applies
			return
		}
	}
	t.Errorf("alarm has no returned expression: %v", props(alarm)["Metrics"])
}

// alarmMetric checks the metric of an alarm that watches one metric (no
// metric math). CloudWatch takes a percentile ("p99") as ExtendedStatistic
// and any other statistic as Statistic.
func alarmMetric(t *testing.T, alarm map[string]any, namespace, name, statistic string, dims []any) {
	t.Helper()
	p := props(alarm)
	statKey := "Statistic"
	if strings.HasPrefix(statistic, "p") {
		statKey = "ExtendedStatistic"
	}
	assertEqual(t, name, []any{p["Namespace"], p["MetricName"], p[statKey], p["Dimensions"]},
		[]any{namespace, name, statistic, dims})
}

// statMetric checks one metric, stat, of a metric-math alarm.
func statMetric(t *testing.T, stat map[string]any, namespace, name, statistic string, period float64, dims []any) {
	t.Helper()
	metric := stat["Metric"].(map[string]any)
	assertEqual(t, name, []any{metric["Namespace"], metric["MetricName"], stat["Stat"], stat["Period"], metric["Dimensions"]},
		[]any{namespace, name, statistic, period, dims})
}

func TestAlarmTopic(t *testing.T) {
	// GIVEN no alarm e-mail (prod) or one (dev)
	for _, tt := range []struct {
		name          string
		s             *synthesized
		subscriptions int
	}{{"prod", prod(t), 0}, {"dev", dev(t), 1}} {
		t.Run(tt.name, func(t *testing.T) {
			// THEN the topic exists either way, publishers must use TLS ...
			topic, _ := tt.s.one(t, "AWS::SNS::Topic", map[string]any{})
			policy, _ := json.Marshal(tt.s.resources("AWS::SNS::TopicPolicy"))
			if !strings.Contains(string(policy), `"aws:SecureTransport":"false"`) || !strings.Contains(string(policy), topic) {
				t.Errorf("topic policy = %s, want a deny without aws:SecureTransport on %s", policy, topic)
			}
			// ... and an e-mail subscription exists only with an address
			if n := len(tt.s.resources("AWS::SNS::Subscription")); n != tt.subscriptions {
				t.Errorf("subscriptions = %d, want %d", n, tt.subscriptions)
			}
		})
	}
}

// TestAlarmsCanNotify walks every alarm action to its topic, and checks that
// the topic's policy lets CloudWatch publish that alarm (a topic policy
// replaces SNS's default one, so a Deny alone blocks every notification),
// while publishing without TLS stays denied.
func TestAlarmsCanNotify(t *testing.T) {
	for _, c := range configurations {
		t.Run(c.name, func(t *testing.T) {
			s := c.synth(t)
			policies := s.resources("AWS::SNS::TopicPolicy")
			alarms := s.resources("AWS::CloudWatch::Alarm")
			if len(alarms) == 0 {
				t.Fatal("no alarms")
			}
			for id, a := range alarms {
				for _, key := range []string{"AlarmActions", "OKActions"} {
					actions, _ := props(a)[key].([]any)
					if len(actions) == 0 {
						t.Errorf("%s: no %s", id, key)
					}
					for _, action := range actions {
						topic := refID(action)
						if _, ok := s.resources("AWS::SNS::Topic")[topic]; !ok {
							t.Errorf("%s %s: %v is not a topic of the stack", id, key, action)
							continue
						}
						if !topicAllowsAlarm(policies, topic, id) {
							t.Errorf("%s %s: topic %s's policy does not let cloudwatch.amazonaws.com publish this alarm (this account's)", id, key, topic)
						}
					}
				}
			}
			for topic := range s.resources("AWS::SNS::Topic") {
				if !topicDeniesPlainHTTP(policies, topic) {
					t.Errorf("topic %s: policy lost the Deny of publishing without TLS", topic)
				}
			}
		})
	}
}

// policyStatements returns the statements of every policy on topic.
func policyStatements(policies map[string]map[string]any, topic string) []map[string]any {
	var out []map[string]any
	for _, p := range policies {
		topics, _ := props(p)["Topics"].([]any)
		if !slices.ContainsFunc(topics, func(v any) bool { return refID(v) == topic }) {
			continue
		}
		doc, _ := props(p)["PolicyDocument"].(map[string]any)
		for _, st := range doc["Statement"].([]any) {
			out = append(out, st.(map[string]any))
		}
	}
	return out
}

func asList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

func topicAllowsAlarm(policies map[string]map[string]any, topic, alarm string) bool {
	for _, st := range policyStatements(policies, topic) {
		principal, _ := st["Principal"].(map[string]any)
		cond, _ := st["Condition"].(map[string]any)
		if st["Effect"] != "Allow" || !slices.Contains(asList(principal["Service"]), any("cloudwatch.amazonaws.com")) ||
			!slices.Contains(asList(st["Action"]), any("sns:Publish")) ||
			!slices.ContainsFunc(asList(st["Resource"]), func(v any) bool { return refID(v) == topic }) {
			continue
		}
		account, _ := cond["StringEquals"].(map[string]any)
		arns, _ := cond["ArnEquals"].(map[string]any)
		if !contains(account["aws:SourceAccount"], ref("AWS::AccountId")) {
			continue
		}
		if slices.ContainsFunc(asList(arns["aws:SourceArn"]), func(v any) bool {
			return contains(v, map[string]any{"Fn::GetAtt": []any{alarm, "Arn"}})
		}) {
			return true
		}
	}
	return false
}

func topicDeniesPlainHTTP(policies map[string]map[string]any, topic string) bool {
	for _, st := range policyStatements(policies, topic) {
		b, _ := json.Marshal(st["Condition"])
		if st["Effect"] == "Deny" && string(b) == `{"Bool":{"aws:SecureTransport":"false"}}` {
			return true
		}
	}
	return false
}
