package main

import (
	"bytes"
	"debug/elf"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

var update = flag.Bool("update", false, "rewrite testdata/R2RStack.template.json from the synthesized template")

// --- helpers over the decoded template ---

// resources returns the template's resources of one type by logical id.
func (s *synthesized) resources(typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range s.json["Resources"].(map[string]any) {
		r := r.(map[string]any)
		if r["Type"] == typ {
			out[id] = r
		}
	}
	return out
}

// one returns the single resource of typ whose properties contain want
// (compared by JSON meaning); it fails the test otherwise.
func (s *synthesized) one(t *testing.T, typ string, want map[string]any) (string, map[string]any) {
	t.Helper()
	var ids []string
	for id, r := range s.resources(typ) {
		if contains(r["Properties"], want) {
			ids = append(ids, id)
		}
	}
	if len(ids) != 1 {
		t.Fatalf("%s with %v: found %d (%v), want 1", typ, want, len(ids), ids)
	}
	return ids[0], s.resources(typ)[ids[0]]
}

// contains reports whether got holds want: maps by subset, the rest equal.
func contains(got, want any) bool {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		for k, wv := range w {
			if !contains(g[k], wv) {
				return false
			}
		}
		return true
	default:
		return reflect.DeepEqual(got, want)
	}
}

func ref(id string) map[string]any { return map[string]any{"Ref": id} }

// props returns a resource's Properties.
func props(r map[string]any) map[string]any { return r["Properties"].(map[string]any) }

// apiResource returns the logical id of the API Gateway resource at path
// (e.g. "/api/{proxy+}").
func (s *synthesized) apiResource(t *testing.T, path string) string {
	t.Helper()
	parent := map[string]any{"Fn::GetAtt": []any{s.restAPI(t), "RootResourceId"}}
	var id string
	for _, part := range strings.Split(strings.Trim(path, "/"), "/") {
		id, _ = s.one(t, "AWS::ApiGateway::Resource", map[string]any{"PathPart": part, "ParentId": parent})
		parent = ref(id)
	}
	return id
}

func (s *synthesized) restAPI(t *testing.T) string {
	t.Helper()
	id, _ := s.one(t, "AWS::ApiGateway::RestApi", map[string]any{"Name": "R2R API"})
	return id
}

// method returns the Method resource for an HTTP method on path.
func (s *synthesized) method(t *testing.T, path, httpMethod string) map[string]any {
	t.Helper()
	_, m := s.one(t, "AWS::ApiGateway::Method", map[string]any{
		"HttpMethod": httpMethod, "ResourceId": ref(s.apiResource(t, path)),
	})
	return props(m)
}

// function returns the logical id and properties of the Lambda function
// whose Description starts with prefix.
func (s *synthesized) function(t *testing.T, prefix string) (string, map[string]any) {
	t.Helper()
	for id, r := range s.resources("AWS::Lambda::Function") {
		if d, _ := props(r)["Description"].(string); strings.HasPrefix(d, prefix) {
			return id, props(r)
		}
	}
	t.Fatalf("no Lambda function described %q...", prefix)
	return "", nil
}

// hasResourceProperties runs CDK's Template.HasResourceProperties, whose
// failure (a jsii panic naming the closest match) becomes a test error.
func hasResourceProperties(t *testing.T, s *synthesized, typ string, props map[string]any) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s with %v: %v", typ, props, r)
		}
	}()
	s.template.HasResourceProperties(jsii.String(typ), assertions.Match_ObjectLike(&props))
}

func assertEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Errorf("%s = %s, want %s", what, g, w)
	}
}

// --- the properties that matter ---

func TestAPIFunction(t *testing.T) {
	// GIVEN the stack synthesized with cdk.json's defaults
	s := prod(t)
	// THEN a function runs the Docker image built for arm64, with the memory, timeout (API Gateway's
	// 29 s), environment, tracing and JSON logging the app expects
	hasResourceProperties(t, s, "AWS::Lambda::Function", map[string]any{
		"PackageType":   "Image",
		"Architectures": []any{"arm64"},
		"MemorySize":    512,
		"Timeout":       29,
		"Environment": map[string]any{"Variables": map[string]any{
			"STAGE": "prod", "LOG_LEVEL": "INFO", "CORS_ALLOW_ORIGINS": "*",
			"METRICS_NAMESPACE": "r2r", "LAMBDA_RESPONSE_MODE": "buffered",
		}},
		"TracingConfig": map[string]any{"Mode": "Active"},
		"LoggingConfig": map[string]any{"LogFormat": "JSON", "ApplicationLogLevel": "INFO", "SystemLogLevel": "INFO"},
	})
	// WHEN looking at that function in detail
	_, fn := s.function(t, "r2r API (")
	want := map[string]any{
		"PackageType":   "Image",
		"Architectures": []any{"arm64"},
		"MemorySize":    float64(512),
		"Timeout":       float64(29),
		"Environment": map[string]any{"Variables": map[string]any{
			"STAGE": "prod", "LOG_LEVEL": "INFO", "CORS_ALLOW_ORIGINS": "*",
			"METRICS_NAMESPACE": "r2r", "LAMBDA_RESPONSE_MODE": "buffered",
			"COGNITO_USER_POOL_ID": s.ref(t, "AWS::Cognito::UserPool"), "COGNITO_CLIENT_ID": s.ref(t, "AWS::Cognito::UserPoolClient"),
		}},
		"TracingConfig": map[string]any{"Mode": "Active"},
	}
	for k, v := range want {
		assertEqual(t, "ApiFunction."+k, fn[k], v)
	}
	logging := fn["LoggingConfig"].(map[string]any)
	assertEqual(t, "LoggingConfig.LogFormat", logging["LogFormat"], "JSON")
	assertEqual(t, "LoggingConfig.ApplicationLogLevel", logging["ApplicationLogLevel"], "INFO")
	assertEqual(t, "LoggingConfig.SystemLogLevel", logging["SystemLogLevel"], "INFO")
	if _, ok := s.resources("AWS::Logs::LogGroup")[refID(logging["LogGroup"])]; !ok {
		t.Errorf("LoggingConfig.LogGroup = %v, want a log group of the stack", logging["LogGroup"])
	}
	// The image is the asset the CLI builds for linux/arm64 at deploy time.
	uri, _ := json.Marshal(fn["Code"])
	if !strings.Contains(string(uri), "container-assets") {
		t.Errorf("Code = %s, want the CDK container asset", uri)
	}
	assets := readAssetManifest(t, s)
	if len(assets.DockerImages) != 1 {
		t.Fatalf("docker image assets = %d, want 1", len(assets.DockerImages))
	}
	for _, img := range assets.DockerImages {
		assertEqual(t, "image asset platform", img.Source.Platform, "linux/arm64")
	}
}

func TestHelloFunction(t *testing.T) {
	// GIVEN the stack synthesized with cdk.json's defaults
	s := prod(t)
	// THEN the hello function is a Go bootstrap zip on provided.al2023/arm64
	hasResourceProperties(t, s, "AWS::Lambda::Function", map[string]any{
		"Runtime": "provided.al2023", "Architectures": []any{"arm64"}, "Handler": "bootstrap",
		"Environment": map[string]any{"Variables": map[string]any{"ALLOW_ORIGINS": "*"}},
	})
	_, fn := s.function(t, "r2r GET /hello")
	for k, v := range map[string]any{
		"Runtime":       "provided.al2023",
		"Architectures": []any{"arm64"},
		"Handler":       "bootstrap",
		"Environment":   map[string]any{"Variables": map[string]any{"ALLOW_ORIGINS": "*"}},
		"TracingConfig": map[string]any{"Mode": "Active"},
	} {
		assertEqual(t, "HelloFunction."+k, fn[k], v)
	}
	if _, ok := fn["Code"].(map[string]any)["S3Key"]; !ok {
		t.Errorf("HelloFunction.Code = %v, want a zip asset in S3", fn["Code"])
	}
}

// TestHelloBootstrapIsLinuxARM64 opens the bootstrap the local bundler built
// into the cloud assembly: provided.al2023 on ARM_64 can only run an arm64
// Linux executable, and a static one (no interpreter) needs nothing from the OS.
func TestHelloBootstrapIsLinuxARM64(t *testing.T) {
	s := prod(t)
	_, fn := s.function(t, "r2r GET /hello")
	key := fn["Code"].(map[string]any)["S3Key"].(string)
	path := filepath.Join(s.outdir, "asset."+strings.TrimSuffix(key, ".zip"), "bootstrap")
	f, err := elf.Open(path)
	if err != nil {
		t.Fatalf("open bootstrap: %v", err)
	}
	defer f.Close()
	if f.Machine != elf.EM_AARCH64 || f.Class != elf.ELFCLASS64 || f.Type != elf.ET_EXEC {
		t.Errorf("bootstrap is %v %v %v, want EM_AARCH64 ELFCLASS64 ET_EXEC", f.Machine, f.Class, f.Type)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("bootstrap has a PT_INTERP (dynamically linked), want a static binary (CGO_ENABLED=0)")
		}
	}
}

func TestCORSPreflight(t *testing.T) {
	// GIVEN the stack with the default origins ["*"]
	s := prod(t)
	// WHEN a browser sends a preflight to any routed path
	// THEN an unauthenticated mock answers with the methods and headers the API allows
	for _, path := range []string{"/api", "/api/{proxy+}", "/api/hello", "/api/hello/stream", "/hello"} {
		t.Run(path, func(t *testing.T) {
			m := s.method(t, path, "OPTIONS")
			assertEqual(t, "AuthorizationType", m["AuthorizationType"], "NONE")
			integration := m["Integration"].(map[string]any)
			assertEqual(t, "Integration.Type", integration["Type"], "MOCK")
			params := integration["IntegrationResponses"].([]any)[0].(map[string]any)["ResponseParameters"]
			assertEqual(t, "preflight headers", params, map[string]any{
				"method.response.header.Access-Control-Allow-Origin":  "'*'",
				"method.response.header.Access-Control-Allow-Methods": "'GET,POST,PUT,DELETE,OPTIONS'",
				"method.response.header.Access-Control-Allow-Headers": "'Content-Type,Authorization'",
			})
		})
	}
}

// TestBinaryMediaTypesKeepPreflight proves the binary choice: "*/*" lets API
// Gateway decode every base64 body the Go adapter returns, and every mock
// OPTIONS integration converts to text so the preflight still answers.
func TestBinaryMediaTypesKeepPreflight(t *testing.T) {
	s := prod(t)
	_, api := s.one(t, "AWS::ApiGateway::RestApi", map[string]any{"Name": "R2R API"})
	assertEqual(t, "BinaryMediaTypes", props(api)["BinaryMediaTypes"], []any{"*/*"})
	var options int
	for id, m := range s.resources("AWS::ApiGateway::Method") {
		p := props(m)
		if p["HttpMethod"] != "OPTIONS" {
			continue
		}
		options++
		if got := p["Integration"].(map[string]any)["ContentHandling"]; got != "CONVERT_TO_TEXT" {
			t.Errorf("%s Integration.ContentHandling = %v, want CONVERT_TO_TEXT (else */* breaks the mock preflight)", id, got)
		}
	}
	if options < 6 { // /, /hello, /api, /api/{proxy+}, /api/hello, /api/hello/stream
		t.Errorf("OPTIONS methods = %d, want at least 6", options)
	}
}

func TestAuthorization(t *testing.T) {
	// GIVEN the stack
	s := prod(t)
	// WHEN a client calls GET /hello
	// THEN the Cognito user-pool authorizer of this stack's pool checks its token
	hasResourceProperties(t, s, "AWS::ApiGateway::Method", map[string]any{
		"HttpMethod": "GET", "AuthorizationType": "COGNITO_USER_POOLS",
	})
	hello := s.method(t, "/hello", "GET")
	assertEqual(t, "/hello GET AuthorizationType", hello["AuthorizationType"], "COGNITO_USER_POOLS")
	authID := refID(hello["AuthorizerId"])
	auth, ok := s.resources("AWS::ApiGateway::Authorizer")[authID]
	if !ok {
		t.Fatalf("/hello GET AuthorizerId = %v, want an authorizer of the stack", hello["AuthorizerId"])
	}
	assertEqual(t, "authorizer Type", props(auth)["Type"], "COGNITO_USER_POOLS")
	poolID, _ := s.one(t, "AWS::Cognito::UserPool", map[string]any{})
	assertEqual(t, "authorizer ProviderARNs", props(auth)["ProviderARNs"], []any{map[string]any{"Fn::GetAtt": []any{poolID, "Arn"}}})

	// WHEN a client calls /api
	// THEN no authorizer runs (the endpoints are public; the app checks tokens where a route needs them)
	for _, path := range []string{"/api", "/api/{proxy+}", "/api/hello"} {
		m := s.method(t, path, "ANY")
		assertEqual(t, path+" ANY AuthorizationType", m["AuthorizationType"], "NONE")
	}
	assertEqual(t, "/api/hello/stream GET AuthorizationType", s.method(t, "/api/hello/stream", "GET")["AuthorizationType"], "NONE")
}

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

func TestEveryLogGroupHasRetention(t *testing.T) {
	for name, tt := range map[string]struct {
		s    *synthesized
		want int
	}{
		"prod": {prod(t), 6}, // three functions, access logs, execution logs, WAF
		"dev":  {dev(t), 5},  // no WAF
	} {
		s := tt.s
		groups := s.resources("AWS::Logs::LogGroup")
		if len(groups) != tt.want {
			t.Errorf("%s: log groups = %d, want %d", name, len(groups), tt.want)
		}
		for id, g := range groups {
			if days, _ := props(g)["RetentionInDays"].(float64); days <= 0 {
				t.Errorf("%s: %s RetentionInDays = %v, want a retention", name, id, props(g)["RetentionInDays"])
			}
		}
		// A function without its own log group would get one without retention.
		for id, fn := range s.resources("AWS::Lambda::Function") {
			lg := props(fn)["LoggingConfig"].(map[string]any)["LogGroup"]
			if _, ok := groups[refID(lg)]; !ok {
				t.Errorf("%s: function %s logs to %v, want a log group of the stack", name, id, lg)
			}
		}
	}
}

// TestFunctionRolesAreLeastPrivilege: only their log group and X-Ray.
func TestFunctionRolesAreLeastPrivilege(t *testing.T) {
	s := prod(t)
	for _, prefix := range []string{"r2r API (", "r2r streaming API", "r2r GET /hello"} {
		_, fn := s.function(t, prefix)
		roleID := fn["Role"].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
		role := s.resources("AWS::IAM::Role")[roleID]
		if arns := props(role)["ManagedPolicyArns"]; arns != nil {
			t.Errorf("%s role ManagedPolicyArns = %v, want none", prefix, arns)
		}
		var actions []string
		for _, pol := range s.resources("AWS::IAM::Policy") {
			if !slices.ContainsFunc(props(pol)["Roles"].([]any), func(r any) bool { return refID(r) == roleID }) {
				continue
			}
			for _, st := range props(pol)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
				for _, a := range st.(map[string]any)["Action"].([]any) {
					actions = append(actions, a.(string))
				}
			}
		}
		sort.Strings(actions)
		assertEqual(t, prefix+" role actions", actions, []string{
			"logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTelemetryRecords", "xray:PutTraceSegments",
		})
	}
}

func TestCognito(t *testing.T) {
	s := prod(t)
	_, pool := s.one(t, "AWS::Cognito::UserPool", map[string]any{})
	p := props(pool)
	assertEqual(t, "AdminCreateUserConfig.AllowAdminCreateUserOnly", p["AdminCreateUserConfig"].(map[string]any)["AllowAdminCreateUserOnly"], true)
	assertEqual(t, "UsernameAttributes", p["UsernameAttributes"], []any{"email"})
	assertEqual(t, "MfaConfiguration", p["MfaConfiguration"], "OPTIONAL")
	assertEqual(t, "PasswordPolicy", p["Policies"].(map[string]any)["PasswordPolicy"], map[string]any{
		"MinimumLength": float64(12), "RequireLowercase": true, "RequireUppercase": true,
		"RequireNumbers": true, "RequireSymbols": true, "TemporaryPasswordValidityDays": float64(3),
	})
	assertEqual(t, "prod UserPool DeletionPolicy", pool["DeletionPolicy"], "RetainExceptOnCreate")

	_, client := s.one(t, "AWS::Cognito::UserPoolClient", map[string]any{})
	c := props(client)
	if secret, _ := c["GenerateSecret"].(bool); secret {
		t.Error("app client GenerateSecret = true, want a public client")
	}
	flows := c["ExplicitAuthFlows"].([]any)
	for _, f := range []string{"ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"} {
		if !slices.Contains(flows, any(f)) {
			t.Errorf("ExplicitAuthFlows = %v, want %s", flows, f)
		}
	}
	if c["AllowedOAuthFlows"] != nil || c["CallbackURLs"] != nil {
		t.Errorf("app client has OAuth flows %v / callbacks %v, want none (no hosted UI)", c["AllowedOAuthFlows"], c["CallbackURLs"])
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

// ref is {"Ref": id} of the stack's one resource of typ.
func (s *synthesized) ref(t *testing.T, typ string) map[string]any {
	t.Helper()
	id, _ := s.one(t, typ, map[string]any{})
	return map[string]any{"Ref": id}
}

// Both API functions (buffered and streaming) verify tokens of the stack's
// user pool and app client: the same ones /hello's authorizer accepts.
func TestAPIFunctionsEnvNameTheUserPool(t *testing.T) {
	s := prod(t)
	pool, client := s.ref(t, "AWS::Cognito::UserPool"), s.ref(t, "AWS::Cognito::UserPoolClient")
	n := 0
	for id, r := range s.resources("AWS::Lambda::Function") {
		p := props(r)
		if p["PackageType"] != "Image" {
			continue
		}
		n++
		env, _ := p["Environment"].(map[string]any)["Variables"].(map[string]any)
		assertEqual(t, id+" COGNITO_USER_POOL_ID", env["COGNITO_USER_POOL_ID"], pool)
		assertEqual(t, id+" COGNITO_CLIENT_ID", env["COGNITO_CLIENT_ID"], client)
	}
	if n != 2 {
		t.Errorf("API functions (PackageType Image) = %d, want 2 (buffered and streaming)", n)
	}
}

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

// TestRepoImageContext: with the real repository as the build context, the
// staged context holds the app and none of infra/ or .git.
func TestRepoImageContext(t *testing.T) {
	s := prod(t)
	if s.imageDir != ".." {
		t.Skip("../Dockerfile does not exist yet; TestImageContextExcludes covers the excludes")
	}
	for _, img := range readAssetManifest(t, s).DockerImages {
		dir := filepath.Join(s.outdir, img.Source.Directory)
		for _, name := range []string{"Dockerfile", "go.mod"} {
			if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
				t.Errorf("staged context lacks %s: %v", name, err)
			}
		}
		for _, name := range []string{"infra", ".git"} {
			if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
				t.Errorf("staged context contains %s, want it excluded", name)
			}
		}
	}
}

// TestImageVersion: a version in the context (make deploy passes the git
// revision) becomes the image's VERSION build argument, which /api/healthz
// reports; without one the Dockerfile's default stands.
func TestImageVersion(t *testing.T) {
	for _, tt := range []struct {
		name string
		s    *synthesized
		want map[string]string
	}{
		{"prod, no version", prod(t), nil},
		{"staging, version=v1.2.3", staging(t), map[string]string{"VERSION": "v1.2.3"}},
	} {
		for _, img := range readAssetManifest(t, tt.s).DockerImages {
			assertEqual(t, tt.name+" docker build args", img.Source.DockerBuildArgs, tt.want)
		}
	}
}

// TestImageContextExcludes: the API image's build context as staged by
// synthesis is what Docker receives at deploy time.
func TestImageContextExcludes(t *testing.T) {
	s := dev(t)
	assets := readAssetManifest(t, s)
	for _, img := range assets.DockerImages {
		dir := filepath.Join(s.outdir, img.Source.Directory)
		var got []string
		filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(dir, path)
				got = append(got, filepath.ToSlash(rel))
			}
			return err
		})
		sort.Strings(got)
		// .dockerignore itself is kept: Docker reads it from the context.
		assertEqual(t, "staged build context", got, []string{".dockerignore", "Dockerfile", "cmd/api/main.go", "go.mod"})
	}
}

// TestSnapshot compares the whole template, asset hashes normalized, with
// testdata/R2RStack.template.json; refresh it with `go test -run TestSnapshot -update`.
func TestSnapshot(t *testing.T) {
	s := prod(t)
	got, err := json.MarshalIndent(s.json, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = normalizeHashes(append(got, '\n'))
	golden := filepath.Join("testdata", "R2RStack.template.json")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (create it with go test -run TestSnapshot -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("template differs from %s (-want +got):\n%s\nIf the change is intended: go test -run TestSnapshot -update", golden, lineDiff(string(want), string(got)))
	}
}

// assetHash matches the 64-hex asset hashes (S3 keys, image tags) that vary
// with the code and the Go toolchain, not with the infrastructure; versionHash
// the suffix of the API function's version, a hash over its image tag too.
var (
	assetHash   = regexp.MustCompile(`\b[0-9a-f]{64}\b`)
	versionHash = regexp.MustCompile(`(CurrentVersion[0-9A-F]{8})[0-9a-f]{32}\b`)
)

func normalizeHashes(b []byte) []byte {
	b = assetHash.ReplaceAll(b, []byte("<asset-hash>"))
	return versionHash.ReplaceAll(b, []byte("${1}<version-hash>"))
}

// lineDiff lists the lines only in want (-) or only in got (+), at most 40.
func lineDiff(want, got string) string {
	count := func(s string) map[string]int {
		m := map[string]int{}
		for _, l := range strings.Split(s, "\n") {
			m[l]++
		}
		return m
	}
	w, g := count(want), count(got)
	// Brackets alone say nothing about what changed.
	for l := range g {
		if strings.Trim(l, " {}[],") == "" {
			w[l], g[l] = 0, 0
		}
	}
	var out []string
	for _, l := range strings.Split(want, "\n") {
		if strings.Trim(l, " {}[],") != "" && g[l] < w[l] {
			out = append(out, "- "+l)
			g[l]++
		}
	}
	w, g = count(want), count(got)
	for _, l := range strings.Split(got, "\n") {
		if strings.Trim(l, " {}[],") != "" && w[l] < g[l] {
			out = append(out, "+ "+l)
			w[l]++
		}
	}
	if len(out) > 40 {
		out = append(out[:40], fmt.Sprintf("... %d more", len(out)-40))
	}
	return strings.Join(out, "\n")
}

// TestNoUnsuppressedNagFindings: every AwsSolutions error and warning is fixed
// or suppressed with a reason, in both stage variants.
func TestNoUnsuppressedNagFindings(t *testing.T) {
	for name, s := range map[string]*synthesized{"prod": prod(t), "dev": dev(t), "staging": staging(t)} {
		annotations := assertions.Annotations_FromStack(s.stack)
		rule := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))
		// Messages are printed whole (JSON): their fields are deprecated aliases
		// in the Go bindings.
		for _, m := range *annotations.FindError(jsii.String("*"), rule) {
			t.Errorf("%s: cdk-nag error: %s", name, describe(m))
		}
		for _, m := range *annotations.FindWarning(jsii.String("*"), rule) {
			t.Errorf("%s: cdk-nag warning: %s", name, describe(m))
		}
		// The checks did run: their report lists the suppressions, each with a reason.
		matches, _ := filepath.Glob(filepath.Join(s.outdir, "AwsSolutions-*"+*s.stack.StackName()+"-NagReport.csv"))
		if len(matches) != 1 {
			t.Fatalf("%s: cdk-nag reports %v, want 1", name, matches)
		}
		report, err := os.ReadFile(matches[0])
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`"AwsSolutions-APIG4","` + *s.stack.StackName() + `/RestApi/Default/api/ANY/Resource","Suppressed"`} {
			if !strings.Contains(string(report), want) {
				t.Errorf("%s: cdk-nag report lacks %s", name, want)
			}
		}
		if strings.Contains(string(report), `"Non-Compliant"`) {
			t.Errorf("%s: cdk-nag report has non-compliant rows:\n%s", name, report)
		}
	}
}

// --- configuration ---

func TestConfigFromContextRejectsBadValues(t *testing.T) {
	tests := []struct {
		key  string
		val  any
		want string // in the error, next to the key
	}{
		{ContextStage, "prod stage", `stage="prod stage"`},
		{ContextStage, "", ""}, // empty means default: no error
		{ContextCORSAllowOrigins, []any{"*", "https://a.example"}, `corsAllowOrigins=["*","https://a.example"]`},
		{ContextCORSAllowOrigins, "app.example.com", `corsAllowOrigins="app.example.com"`},
		{ContextCORSAllowOrigins, []any{"https://a.example/path"}, `corsAllowOrigins=["https://a.example/path"]`},
		{ContextCORSAllowOrigins, []any{"https://*.a.example"}, `"https://*.a.example"`},
		{ContextCORSAllowOrigins, "https://a.example:99999", `"https://a.example:99999"`},
		{ContextCORSAllowOrigins, "https://a.example,,https://b.example", `corsAllowOrigins="https://a.example,,https://b.example"`},
		{ContextLogLevel, "VERBOSE", `logLevel="VERBOSE"`},
		{ContextThrottlingRateLimit, "-1", `throttlingRateLimit="-1"`},
		{ContextThrottlingRateLimit, "fast", `throttlingRateLimit="fast"`},
		{ContextThrottlingBurstLimit, float64(2.5), `throttlingBurstLimit=2.5`},
		{ContextAlarmEmail, "ops at example.com", `alarmEmail="ops at example.com"`},
		{ContextAlarmEmail, "Ops <ops@example.com>", `alarmEmail="Ops \u003cops@example.com\u003e"`},
		{ContextDeploymentConfig, "canary", `deploymentConfig="canary"`},
		{ContextDeploymentConfig, "", ""}, // the stage's default
		{ContextStreamURLAuth, "IAM", `streamUrlAuth="IAM"`},
		{ContextStreamFunctionURL, "yes", `streamFunctionUrl="yes"`},
		{ContextStreamFunctionURL, float64(1), `streamFunctionUrl=1`},
		// The stack name R2RStack-<stage> allows letters, digits and '-' only,
		// starting with a letter, 128 characters in all.
		{ContextStage, "my_stage", `stage="my_stage"`},
		{ContextStage, "1st", `stage="1st"`},
		{ContextStage, "-dev", `stage="-dev"`},
		{ContextStage, "a" + strings.Repeat("b", 119), `stage="a` + strings.Repeat("b", 119) + `"`},
		{ContextStage, "a" + strings.Repeat("b", 118), ""},
		{ContextStage, "dev-2", ""},
		{ContextVersion, "v1 2", `version="v1 2"`},
		{ContextVersion, "$(reboot)", `version="$(reboot)"`},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s=%v", tt.key, tt.val), func(t *testing.T) {
			_, err := configFrom(t, map[string]any{tt.key: tt.val})
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("ConfigFromContext(%s=%v) = %v, want no error", tt.key, tt.val, err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("ConfigFromContext(%s=%v) error = %v, want one naming %s", tt.key, tt.val, err, tt.want)
			}
		})
	}
}

func TestConfigFromContextAcceptsCLIStrings(t *testing.T) {
	// -c values arrive as strings.
	cfg, err := configFrom(t, map[string]any{
		ContextStage:                "staging",
		ContextCORSAllowOrigins:     "https://a.example, https://b.example:8443",
		ContextLogLevel:             "warn",
		ContextThrottlingRateLimit:  "12.5",
		ContextThrottlingBurstLimit: "25",
		ContextAlarmEmail:           "ops@example.com",
		ContextDeploymentConfig:     " Linear10-1 ",
		ContextStreamURLAuth:        "none",
		ContextStreamFunctionURL:    " False",
	})
	if err != nil {
		t.Fatal(err)
	}
	assertEqual(t, "config", cfg, Config{
		Stage: "staging", CORSAllowOrigins: []string{"https://a.example", "https://b.example:8443"},
		LogLevel: "WARN", ThrottlingRateLimit: 12.5, ThrottlingBurstLimit: 25, AlarmEmail: "ops@example.com",
		DeploymentConfig: "linear10-1", StreamURLAuth: "NONE",
		WAF: false, WAFRateLimit: 1000, StreamThrottlingRateLimit: 10, StreamThrottlingBurstLimit: 20,
	})
	cfg, err = configFrom(t, map[string]any{ContextCORSAllowOrigins: `["https://a.example"]`})
	if err != nil {
		t.Fatal(err)
	}
	assertEqual(t, "JSON list string", cfg.CORSAllowOrigins, []string{"https://a.example"})
	// Origins are kept as browsers send them, which is how the preflight and
	// the functions compare them.
	cfg, err = configFrom(t, map[string]any{ContextCORSAllowOrigins: []any{"HTTPS://A.example:443", "http://Localhost:3000"}})
	if err != nil {
		t.Fatal(err)
	}
	assertEqual(t, "canonical origins", cfg.CORSAllowOrigins, []string{"https://a.example", "http://localhost:3000"})
}

func TestCDKJSONDefaults(t *testing.T) {
	cfg, err := configFrom(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	assertEqual(t, "cdk.json config", cfg, DefaultConfig())
}

// TestInvalidContextStopsSynthesis: NewR2RStack refuses to build from a bad
// context, with a message naming the key and the value.
func TestInvalidContextStopsSynthesis(t *testing.T) {
	ctx, err := cdkJSONContext()
	if err != nil {
		t.Fatal(err)
	}
	ctx[ContextLogLevel] = "LOUD"
	app := newTestApp(ctx)
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(fmt.Sprint(r), `logLevel="LOUD"`) {
			t.Errorf("NewR2RStack with logLevel=LOUD: panic = %v, want an error naming logLevel=\"LOUD\"", r)
		}
	}()
	NewR2RStack(app, "R2RStack", nil)
}

// TestRun drives main's path: a bad context is refused before anything is
// built, a good one writes the cloud assembly of R2RStack.
func TestRun(t *testing.T) {
	ctx, err := cdkJSONContext()
	if err != nil {
		t.Fatal(err)
	}
	bad := maps.Clone(ctx)
	bad[ContextStage] = "no/slashes"
	if err := run(&awscdk.AppProps{Context: &bad, AutoSynth: jsii.Bool(false)}); err == nil || !strings.Contains(err.Error(), `stage="no/slashes"`) {
		t.Errorf("run(stage=no/slashes) = %v, want an error naming stage=\"no/slashes\"", err)
	}

	if _, err := os.Stat(filepath.Join("..", "Dockerfile")); err != nil {
		t.Skip("../Dockerfile does not exist yet: main's default build context cannot be synthesized")
	}
	outdir := t.TempDir()
	if err := run(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(outdir)}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(outdir, "R2RStack.template.json")); err != nil {
		t.Errorf("run wrote no R2RStack template: %v", err)
	}
}

// configFrom reads the config from cdk.json's context plus overrides.
func configFrom(t *testing.T, overrides map[string]any) (Config, error) {
	t.Helper()
	ctx, err := cdkJSONContext()
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range overrides {
		ctx[k] = v
	}
	return ConfigFromContext(newTestApp(ctx).Node())
}

func describe(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func refID(v any) string {
	m, _ := v.(map[string]any)
	id, _ := m["Ref"].(string)
	return id
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// assetManifest is the part of <stack>.assets.json the tests read.
type assetManifest struct {
	DockerImages map[string]struct {
		Source struct {
			Directory       string            `json:"directory"`
			Platform        string            `json:"platform"`
			DockerBuildArgs map[string]string `json:"dockerBuildArgs"`
		} `json:"source"`
	} `json:"dockerImages"`
}

func readAssetManifest(t *testing.T, s *synthesized) assetManifest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.outdir, *s.stack.StackName()+".assets.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m assetManifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
