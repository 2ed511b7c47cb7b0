package main

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/r2r/r2r/weborigin"
)

// Tests of operations (alarms, dashboard, deploys, saved queries) and
// response streaming (the streaming function, its integration and its
// Function URL).

// byIDPrefix returns the logical id and resource of the one resource of typ
// whose logical id is prefix followed by CDK's 8-character hash.
func (s *synthesized) byIDPrefix(t *testing.T, typ, prefix string) (string, map[string]any) {
	t.Helper()
	for id, r := range s.resources(typ) {
		if strings.HasPrefix(id, prefix) && len(id) == len(prefix)+8 {
			return id, r
		}
	}
	t.Fatalf("no %s with logical id %s<hash>", typ, prefix)
	return "", nil
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

// --- response streaming ---

func TestAPIStreamFunction(t *testing.T) {
	// GIVEN the stack
	s := prod(t)
	// WHEN comparing the streaming function with the API function
	_, api := s.function(t, "r2r API (")
	_, stream := s.function(t, "r2r streaming API")
	// THEN it runs the same image, sized, traced and logged alike ...
	for _, k := range []string{"Code", "PackageType", "Architectures", "MemorySize", "TracingConfig"} {
		assertEqual(t, "stream function "+k, stream[k], api[k])
	}
	logging := stream["LoggingConfig"].(map[string]any)
	assertEqual(t, "LogFormat", logging["LogFormat"], "JSON")
	assertEqual(t, "ApplicationLogLevel", logging["ApplicationLogLevel"], "INFO")
	// ... with the API's environment plus stream mode, and a streaming timeout
	want := map[string]any{}
	for k, v := range api["Environment"].(map[string]any)["Variables"].(map[string]any) {
		want[k] = v
	}
	want["LAMBDA_RESPONSE_MODE"] = "stream"
	assertEqual(t, "stream function env", stream["Environment"], map[string]any{"Variables": want})
	assertEqual(t, "stream function Timeout", stream["Timeout"], float64(300))
	// The image is built once for both.
	if n := len(readAssetManifest(t, s).DockerImages); n != 1 {
		t.Errorf("docker image assets = %d, want 1", n)
	}
}

func TestStreamingIntegration(t *testing.T) {
	// GIVEN the stack
	s := prod(t)
	streamFn, _ := s.function(t, "r2r streaming API")
	streamLive, _ := s.one(t, "AWS::Lambda::Alias", map[string]any{"Name": "live", "FunctionName": ref(streamFn)})
	// WHEN a client calls GET /api/hello/stream
	m := s.method(t, "/api/hello/stream", "GET")
	integration := m["Integration"].(map[string]any)
	// THEN API Gateway streams the response of InvokeWithResponseStream on the alias
	assertEqual(t, "Integration.Type", integration["Type"], "AWS_PROXY")
	assertEqual(t, "Integration.ResponseTransferMode", integration["ResponseTransferMode"], "STREAM")
	uri, _ := json.Marshal(integration["Uri"])
	for _, want := range []string{`:lambda:path/2021-11-15/functions/",{"Ref":"` + streamLive + `"},"/response-streaming-invocations"`} {
		if !strings.Contains(string(uri), want) {
			t.Errorf("Integration.Uri = %s, want it to contain %s", uri, want)
		}
	}
	// ... for as long as the function may run (API Gateway allows 15 minutes when streaming)
	assertEqual(t, "Integration.TimeoutInMillis", integration["TimeoutInMillis"], float64(300_000))
	// ... and may invoke the alias from this method only (lambda:InvokeFunction
	// covers InvokeWithResponseStream).
	_, perm := s.one(t, "AWS::Lambda::Permission", map[string]any{"FunctionName": ref(streamLive)})
	assertEqual(t, "permission Action", props(perm)["Action"], "lambda:InvokeFunction")
	assertEqual(t, "permission Principal", props(perm)["Principal"], "apigateway.amazonaws.com")
	if src, _ := json.Marshal(props(perm)["SourceArn"]); !strings.HasSuffix(string(src), `"/GET/api/hello/stream"]]}`) {
		t.Errorf("permission SourceArn = %s, want the GET /api/hello/stream method", src)
	}
	// The buffered routes keep the classic invocation.
	buffered, _ := json.Marshal(s.method(t, "/api/{proxy+}", "ANY")["Integration"])
	if strings.Contains(string(buffered), "STREAM") || !strings.Contains(string(buffered), "2015-03-31/functions/") {
		t.Errorf("/api/{proxy+} integration = %s, want a buffered Invoke", buffered)
	}
}

func TestStreamFunctionURL(t *testing.T) {
	for _, tt := range []struct {
		name    string
		s       func(*testing.T) *synthesized
		auth    string
		origins []any
		public  bool
	}{
		{"prod (default AWS_IAM)", prod, "AWS_IAM", []any{"*"}, false},
		{"staging with streamUrlAuth=NONE", staging, "NONE", []any{"https://app.example.com"}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// GIVEN the stage's stack
			s := tt.s(t)
			streamFn, _ := s.function(t, "r2r streaming API")
			// WHEN looking at the Function URL
			urlID, url := s.one(t, "AWS::Lambda::Url", map[string]any{})
			p := props(url)
			// THEN it streams from the live alias with the configured auth
			assertEqual(t, "InvokeMode", p["InvokeMode"], "RESPONSE_STREAM")
			assertEqual(t, "AuthType", p["AuthType"], tt.auth)
			assertEqual(t, "Qualifier", p["Qualifier"], "live")
			assertEqual(t, "TargetFunctionArn", p["TargetFunctionArn"], map[string]any{"Fn::GetAtt": []any{streamFn, "Arn"}})
			if _, ok := url["DependsOn"]; !ok {
				// The alias must exist before a URL can be qualified with it.
				t.Errorf("Function URL DependsOn = nil, want the live alias")
			}
			// ... and the API's CORS rules
			cors := p["Cors"].(map[string]any)
			assertEqual(t, "Cors.AllowOrigins", cors["AllowOrigins"], tt.origins)
			assertEqual(t, "Cors.AllowMethods", cors["AllowMethods"], []any{"GET", "POST", "PUT", "DELETE"})
			headers := cors["AllowHeaders"].([]any)
			for _, h := range weborigin.AllowHeaders() {
				if !strings.Contains(describe(headers), `"`+h+`"`) {
					t.Errorf("Cors.AllowHeaders = %v, want %s", headers, h)
				}
			}
			// Only a public URL gets permissions for everyone, limited to URL
			// calls: since October 2025 a new URL needs both InvokeFunctionUrl
			// and InvokeFunction.
			var public []string
			for _, perm := range s.resources("AWS::Lambda::Permission") {
				p := props(perm)
				if p["Principal"] != "*" {
					continue
				}
				public = append(public, p["Action"].(string))
				switch p["Action"] {
				case "lambda:InvokeFunctionUrl":
					assertEqual(t, "FunctionUrlAuthType", p["FunctionUrlAuthType"], "NONE")
				case "lambda:InvokeFunction":
					assertEqual(t, "InvokedViaFunctionUrl", p["InvokedViaFunctionUrl"], true)
				}
			}
			sort.Strings(public)
			want := []string(nil)
			if tt.public {
				want = []string{"lambda:InvokeFunction", "lambda:InvokeFunctionUrl"}
			}
			assertEqual(t, "public permissions", public, want)
			// The URL is an output.
			out, _ := json.Marshal(s.json["Outputs"].(map[string]any)["StreamFunctionUrl"])
			if !strings.Contains(string(out), urlID) {
				t.Errorf("output StreamFunctionUrl = %s, want %s's URL", out, urlID)
			}
		})
	}
}
