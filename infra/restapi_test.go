package main

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/jsii-runtime-go"
)

func TestIntegrationsAreLambdaProxy(t *testing.T) {
	// GIVEN the stack
	s := prod(t)
	// THEN every routed method hands the whole request to its function (AWS_PROXY)
	apiFn, _ := s.function(t, "r2r API (")
	streamFn, _ := s.function(t, "r2r streaming API")
	helloFn, _ := s.function(t, "r2r GET /hello")
	// /api goes through the functions' "live" aliases (gradual deployment).
	live, _ := s.one(t, "AWS::Lambda::Alias", map[string]any{"Name": "live", "FunctionName": ref(apiFn)})
	streamLive, _ := s.one(t, "AWS::Lambda::Alias", map[string]any{"Name": "live", "FunctionName": ref(streamFn)})
	for _, tt := range []struct{ path, method, fn string }{
		{"/hello", "GET", helloFn},
		{"/api", "ANY", live},
		{"/api/{proxy+}", "ANY", live},
		{"/api/hello", "ANY", live},
		{"/api/hello/stream", "GET", streamLive},
	} {
		integration := s.method(t, tt.path, tt.method)["Integration"].(map[string]any)
		assertEqual(t, tt.path+" Integration.Type", integration["Type"], "AWS_PROXY")
		// Lambda is always invoked with POST, whatever the client's method.
		assertEqual(t, tt.path+" IntegrationHttpMethod", integration["IntegrationHttpMethod"], "POST")
		if uri, _ := json.Marshal(integration["Uri"]); !strings.Contains(string(uri), `"`+tt.fn+`"`) {
			t.Errorf("%s %s Integration.Uri = %s, want function %s", tt.method, tt.path, uri, tt.fn)
		}
	}
}

// TestAPIInvokesOnlyAliases: API Gateway never invokes an API function's
// $LATEST (unqualified ARN), neither through an integration nor a permission,
// so what CodeDeploy shifts is all that serves.
func TestAPIInvokesOnlyAliases(t *testing.T) {
	// GIVEN the stack
	s := prod(t)
	apiFns := map[string]bool{}
	for _, prefix := range []string{"r2r API (", "r2r streaming API"} {
		id, _ := s.function(t, prefix)
		apiFns[id] = true
	}
	// WHEN looking at every integration and every Lambda permission
	for id, m := range s.resources("AWS::ApiGateway::Method") {
		uri, _ := json.Marshal(props(m)["Integration"])
		for fn := range apiFns {
			// THEN none names an API function itself (Ref or GetAtt Arn)
			if strings.Contains(string(uri), `"`+fn+`"`) {
				t.Errorf("method %s integration %s targets function %s, want its live alias", id, uri, fn)
			}
		}
	}
	for id, p := range s.resources("AWS::Lambda::Permission") {
		target, _ := json.Marshal(props(p)["FunctionName"])
		for fn := range apiFns {
			if strings.Contains(string(target), `"`+fn+`"`) {
				t.Errorf("permission %s is on function %s (%s), want its live alias", id, fn, target)
			}
		}
	}
}

func TestStage(t *testing.T) {
	// GIVEN the stack with the default stage and throttling
	s := prod(t)
	// THEN the stage logs every request as JSON, traces, meters and throttles
	hasResourceProperties(t, s, "AWS::ApiGateway::Stage", map[string]any{
		"StageName": "prod", "TracingEnabled": true,
		"AccessLogSetting": map[string]any{"DestinationArn": assertions.Match_AnyValue(), "Format": assertions.Match_AnyValue()},
	})
	_, stage := s.one(t, "AWS::ApiGateway::Stage", map[string]any{"StageName": "prod"})
	p := props(stage)
	assertEqual(t, "TracingEnabled", p["TracingEnabled"], true)
	access := p["AccessLogSetting"].(map[string]any)
	var format map[string]string
	if err := json.Unmarshal([]byte(access["Format"].(string)), &format); err != nil {
		t.Fatalf("access log Format is not JSON: %v", err)
	}
	for _, k := range []string{"requestId", "status", "integrationError", "xrayTraceId"} {
		if format[k] == "" {
			t.Errorf("access log format lacks %q: %v", k, format)
		}
	}
	dest, _ := json.Marshal(access["DestinationArn"])
	if !regexp.MustCompile(`"Ref":"ApiAccessLogs[0-9A-F]+"`).Match(dest) {
		t.Errorf("AccessLogSetting.DestinationArn = %s, want the ApiAccessLogs group", dest)
	}
	assertEqual(t, "MethodSettings", p["MethodSettings"], []any{map[string]any{
		"HttpMethod": "*", "ResourcePath": "/*",
		"LoggingLevel": "INFO", "DataTraceEnabled": false, "MetricsEnabled": true,
		"ThrottlingRateLimit": float64(100), "ThrottlingBurstLimit": float64(200),
	}, map[string]any{
		"HttpMethod": "GET", "ResourcePath": "/~1api~1hello~1stream", "DataTraceEnabled": false,
		"ThrottlingRateLimit": float64(10), "ThrottlingBurstLimit": float64(20),
	}})
	// Execution logging needs the account's CloudWatch role: the account
	// stack's (TestAccountSettingsHaveOneOwner).
	// The execution log group exists before the stage, so it has our retention.
	execID, _ := s.one(t, "AWS::Logs::LogGroup", map[string]any{"LogGroupName": map[string]any{
		"Fn::Join": []any{"", []any{"API-Gateway-Execution-Logs_", ref(s.restAPI(t)), "/prod"}},
	}})
	if deps, _ := stage["DependsOn"].([]any); !slices.Contains(deps, any(execID)) {
		t.Errorf("stage DependsOn = %v, want %s", deps, execID)
	}
}

func TestOutputs(t *testing.T) {
	// GIVEN the stack
	s := prod(t)
	// THEN `cdk deploy` prints the URLs and ids a user needs
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Errorf("output ApiUrl: %v", r)
			}
		}()
		s.template.HasOutput(jsii.String("ApiUrl"), map[string]any{"Value": assertions.Match_AnyValue()})
	}()
	outputs := s.json["Outputs"].(map[string]any)
	for _, name := range []string{"ApiUrl", "ApiHelloUrl", "ApiHelloStreamUrl", "DocsUrl", "HelloUrl", "StreamFunctionUrl", "UserPoolId", "UserPoolClientId",
		"ApiFunctionName", "ApiStreamFunctionName", "ApiLogGroupName", "ApiStreamLogGroupName", "HelloLogGroupName", "AccessLogGroupName",
		"AlarmTopicArn", "DashboardName"} {
		if _, ok := outputs[name]; !ok {
			t.Errorf("output %s missing; outputs: %v", name, keys(outputs))
		}
	}
	stageID, _ := s.one(t, "AWS::ApiGateway::Stage", map[string]any{"StageName": "prod"})
	for name, path := range map[string]string{"ApiUrl": "/", "ApiHelloUrl": "/api/hello", "ApiHelloStreamUrl": "/api/hello/stream", "DocsUrl": "/api/docs", "HelloUrl": "/hello"} {
		// https://<api>.execute-api.<region>.<suffix>/<stage><path>
		parts, _ := outputs[name].(map[string]any)["Value"].(map[string]any)["Fn::Join"].([]any)
		if len(parts) != 2 {
			t.Errorf("output %s = %v, want an Fn::Join URL", name, outputs[name])
			continue
		}
		segments := parts[1].([]any)
		n := len(segments)
		if n < 2 || segments[0] != "https://" || refID(segments[n-2]) != stageID || segments[n-1] != path {
			t.Errorf("output %s = %v, want https://... /<stage %s>%s", name, segments, stageID, path)
		}
	}
}

// TestPreflightOverrideRedeploys: a change to a method's property override
// gives the deployment a new logical id, so CloudFormation creates a new
// deployment and the stage serves the changed methods.
func TestPreflightOverrideRedeploys(t *testing.T) {
	deploymentID := func(value string) string {
		t.Helper()
		app := newTestApp(map[string]any{})
		stack := awscdk.NewStack(app, jsii.String("S"), nil)
		api := awsapigateway.NewRestApi(stack, jsii.String("Api"), &awsapigateway.RestApiProps{
			DefaultCorsPreflightOptions: &awsapigateway.CorsOptions{AllowOrigins: jsii.Strings("*")},
		})
		api.Root().AddMethod(jsii.String("GET"), awsapigateway.NewMockIntegration(nil), nil)
		overrideMethods(api, "OPTIONS", map[string]string{"Integration.ContentHandling": value})
		template := assertions.Template_FromStack(stack, nil)
		doc, err := decodeTemplate(template)
		if err != nil {
			t.Fatal(err)
		}
		s := &synthesized{json: doc}
		_, options := s.one(t, "AWS::ApiGateway::Method", map[string]any{"HttpMethod": "OPTIONS"})
		if got := props(options)["Integration"].(map[string]any)["ContentHandling"]; got != value {
			t.Errorf("OPTIONS ContentHandling = %v, want %s", got, value)
		}
		for id := range s.resources("AWS::ApiGateway::Deployment") {
			return id
		}
		t.Fatal("no deployment")
		return ""
	}
	a, b := deploymentID("CONVERT_TO_TEXT"), deploymentID("CONVERT_TO_BINARY")
	if a == b {
		t.Errorf("deployment logical id = %s for both overrides, want a new one when the override changes", a)
	}
}
