package apigw

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// stackTemplate is the stack as synthesized by infra/ (its snapshot, which
// infra's TestSnapshot keeps equal to the synthesis; refreshed there with
// -update).
var stackTemplate = filepath.Join("..", "..", "infra", "testdata", "R2RStack.template.json")

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mutate returns the template data changed by f.
func mutate(t *testing.T, data []byte, f func(res map[string]any)) []byte {
	t.Helper()
	var tpl map[string]any
	if err := json.Unmarshal(data, &tpl); err != nil {
		t.Fatal(err)
	}
	f(tpl["Resources"].(map[string]any))
	b, err := json.Marshal(tpl)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func props(res map[string]any, id string) map[string]any {
	return res[id].(map[string]any)["Properties"].(map[string]any)
}

func paths(r *Resource, out map[string][]string) {
	for m := range r.Methods {
		out[r.Path] = append(out[r.Path], m)
	}
	slices.Sort(out[r.Path])
	for _, c := range r.Children {
		paths(c, out)
	}
}

// TestLoadStack reads the synthesized stack: what make local serves comes
// from it, not from code.
func TestLoadStack(t *testing.T) {
	api, err := Load(readFile(t, stackTemplate))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	paths(api.Root, got)
	want := map[string][]string{
		"/":                 {"OPTIONS"},
		"/hello":            {"GET", "OPTIONS"},
		"/api":              {"ANY", "OPTIONS"},
		"/api/{proxy+}":     {"ANY", "OPTIONS"},
		"/api/hello":        {"ANY", "OPTIONS"},
		"/api/hello/stream": {"GET", "OPTIONS"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("resources and methods (-want +got):\n%s", diff)
	}
	// prod has AWS WAF, which filters requests on AWS but not here: said, not hidden.
	if len(api.NotEmulated) != 3 || !strings.Contains(strings.Join(api.NotEmulated, "\n"), "AWS::WAFv2::WebACL") {
		t.Errorf("NotEmulated = %q, want the three WAF resources", api.NotEmulated)
	}
	if api.Stage != "prod" {
		t.Errorf("Stage = %q, want prod", api.Stage)
	}
	if diff := cmp.Diff([]string{"*/*"}, api.BinaryMediaTypes); diff != "" {
		t.Errorf("BinaryMediaTypes (-want +got):\n%s", diff)
	}
	hello, _ := match(api.Root, "/hello")
	get := hello.Methods["GET"]
	if get.Authorizer == nil || get.Authorizer.IdentityHeader != "Authorization" || get.Authorizer.UserPool == nil || len(get.Authorizer.UserPool.Clients) != 1 {
		t.Errorf("GET /hello authorizer = %+v, want the Cognito pool's, from the Authorization header, one app client", get.Authorizer)
	}
	if f := get.Integration.Function; f == nil || f.MemoryMB != 128 || f.Timeout != 10*time.Second || f.PackageType != "Zip" {
		t.Errorf("GET /hello function = %+v, want the 128 MB, 10 s zip function", f)
	}
	proxy, params := match(api.Root, "/api/docs")
	any := proxy.Methods["ANY"].Integration
	if any.Type != AWSProxy || any.Qualifier != "live" || any.Function.PackageType != "Image" || any.Function.Env["STAGE"] != "prod" || any.Timeout != 29*time.Second {
		t.Errorf("ANY /api/{proxy+} integration = %+v, want AWS_PROXY to the image function's live alias, 29 s", any)
	}
	if diff := cmp.Diff(map[string]string{"proxy": "docs"}, params); diff != "" {
		t.Errorf("pathParameters (-want +got):\n%s", diff)
	}
	stream, _ := match(api.Root, "/api/hello/stream")
	if in := stream.Methods["GET"].Integration; !in.Stream || in.Function.Env["LAMBDA_RESPONSE_MODE"] != "stream" {
		t.Errorf("GET /api/hello/stream integration = %+v, want a stream to the streaming function", in)
	}
	opt := proxy.Methods["OPTIONS"].Integration
	wantMock := map[string]string{
		"Access-Control-Allow-Headers": "Content-Type,Authorization",
		"Access-Control-Allow-Methods": "GET,POST,PUT,DELETE,OPTIONS",
		"Access-Control-Allow-Origin":  "*",
	}
	if opt.Type != Mock || opt.MockStatus != 204 || !cmp.Equal(wantMock, opt.MockHeaders) {
		t.Errorf("OPTIONS integration = %+v, want MOCK 204 with %v", opt, wantMock)
	}
	wantThrottles := []Throttle{
		{ResourcePath: "/api/hello/stream", HTTPMethod: "GET", Rate: 10, Burst: 20},
		{ResourcePath: "/*", HTTPMethod: "*", Rate: 100, Burst: 200},
	}
	if diff := cmp.Diff(wantThrottles, api.Throttles); diff != "" {
		t.Errorf("Throttles (-want +got):\n%s", diff)
	}
	for _, typ := range []string{"DEFAULT_4XX", "DEFAULT_5XX", "MISSING_AUTHENTICATION_TOKEN", "UNAUTHORIZED", "THROTTLED", "REQUEST_TOO_LARGE", "INTEGRATION_TIMEOUT", "ACCESS_DENIED"} {
		if _, ok := api.GatewayResponses[typ]; !ok {
			t.Errorf("GatewayResponses[%s] missing", typ)
		}
	}
	if len(api.Functions) != 3 {
		t.Errorf("Functions = %d, want 3 (api, stream, hello)", len(api.Functions))
	}
}

// TestLoadRefuses: what cannot be emulated stops Load, naming the resource
// and the property.
func TestLoadRefuses(t *testing.T) {
	base := readFile(t, stackTemplate)
	tests := []struct {
		name       string
		f          func(res map[string]any)
		resource   string
		property   string
		wantReason string
	}{
		{"unknown resource type", func(res map[string]any) {
			res["Cache"] = map[string]any{"Type": "AWS::ApiGateway::UsagePlan", "Properties": map[string]any{}}
		}, "Cache", "Type", "AWS::ApiGateway::UsagePlan"},
		{"HTTP_PROXY integration", func(res map[string]any) {
			props(res, "RestApiapiANYC8556C58")["Integration"] = map[string]any{"Type": "HTTP_PROXY", "Uri": "https://example.com"}
		}, "RestApiapiANYC8556C58", "Integration.Type", "HTTP_PROXY"},
		{"VTL in a gateway response", func(res map[string]any) {
			props(res, "RestApiThrottledB0FCCA45")["ResponseTemplates"] = map[string]any{"application/json": `#set($x = 1){"a":"$x"}`}
		}, "RestApiThrottledB0FCCA45", "ResponseTemplates.application/json", "VTL"},
		{"unknown $context variable", func(res map[string]any) {
			props(res, "RestApiThrottledB0FCCA45")["ResponseTemplates"] = map[string]any{"application/json": `{"a":"$context.authorizer.principalId"}`}
		}, "RestApiThrottledB0FCCA45", "ResponseTemplates.application/json", "$context.authorizer.principalId"},
		{"stage cache", func(res map[string]any) {
			s := props(res, "RestApiDeploymentStageprod3855DE66")["MethodSettings"].([]any)
			s[0].(map[string]any)["CachingEnabled"] = true
		}, "RestApiDeploymentStageprod3855DE66", "MethodSettings[0].CachingEnabled", "cache"},
		{"unknown method setting", func(res map[string]any) {
			s := props(res, "RestApiDeploymentStageprod3855DE66")["MethodSettings"].([]any)
			s[1].(map[string]any)["CacheTtlInSeconds"] = 30
		}, "RestApiDeploymentStageprod3855DE66", "MethodSettings[1].CacheTtlInSeconds", "not emulated"},
		{"resource policy", func(res map[string]any) {
			props(res, "RestApi0C43BF4B")["Policy"] = map[string]any{"Statement": []any{}}
		}, "RestApi0C43BF4B", "Policy", "not emulated"},
		{"API key", func(res map[string]any) {
			props(res, "RestApihelloGETEA78F429")["ApiKeyRequired"] = true
		}, "RestApihelloGETEA78F429", "ApiKeyRequired", "API keys"},
		{"request validation", func(res map[string]any) {
			props(res, "RestApihelloGETEA78F429")["RequestParameters"] = map[string]any{"method.request.querystring.q": true}
		}, "RestApihelloGETEA78F429", "RequestParameters", "validation"},
		{"Lambda authorizer", func(res map[string]any) {
			props(res, "HelloAuthorizer2A128038")["Type"] = "TOKEN"
		}, "HelloAuthorizer2A128038", "Type", "TOKEN"},
		{"mock selection pattern", func(res map[string]any) {
			ir := props(res, "RestApiOPTIONS6AA64D2D")["Integration"].(map[string]any)["IntegrationResponses"].([]any)
			ir[0].(map[string]any)["SelectionPattern"] = "4\\d{2}"
		}, "RestApiOPTIONS6AA64D2D", "Integration.IntegrationResponses[0].SelectionPattern", "selection"},
		{"non-literal mock header", func(res map[string]any) {
			ir := props(res, "RestApiOPTIONS6AA64D2D")["Integration"].(map[string]any)["IntegrationResponses"].([]any)
			ir[0].(map[string]any)["ResponseParameters"].(map[string]any)["method.response.header.Access-Control-Allow-Origin"] = "method.request.header.Origin"
		}, "RestApiOPTIONS6AA64D2D", "Integration.IntegrationResponses[0].ResponseParameters.method.response.header.Access-Control-Allow-Origin", "literal"},
		{"environment from another resource", func(res map[string]any) {
			props(res, "HelloFunctionD909AE8C")["Environment"].(map[string]any)["Variables"].(map[string]any)["ROLE"] = map[string]any{"Fn::GetAtt": []any{"HelloFunctionRoleDCB4E51B", "Arn"}}
		}, "HelloFunctionD909AE8C", "Environment.Variables.ROLE", "only literals"},
		{"integration property", func(res map[string]any) {
			props(res, "RestApiapiANYC8556C58")["Integration"].(map[string]any)["CacheKeyParameters"] = []any{"x"}
		}, "RestApiapiANYC8556C58", "Integration.CacheKeyParameters", "not emulated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(mutate(t, base, tt.f))
			var ue *UnsupportedError
			if !errors.As(err, &ue) {
				t.Fatalf("Load = %v, want an UnsupportedError", err)
			}
			if ue.Resource != tt.resource || ue.Property != tt.property || !strings.Contains(err.Error(), tt.wantReason) {
				t.Errorf("Load = %q (resource %q, property %q), want resource %q, property %q, mentioning %q",
					err, ue.Resource, ue.Property, tt.resource, tt.property, tt.wantReason)
			}
		})
	}
}

// TestIgnoredTypesCoverStack: every resource type of the stack is either
// emulated or deliberately ignored with a reason.
func TestIgnoredTypesCoverStack(t *testing.T) {
	var tpl Template
	if err := json.Unmarshal(readFile(t, stackTemplate), &tpl); err != nil {
		t.Fatal(err)
	}
	for id, r := range tpl.Resources {
		_, known := knownProperties[r.Type]
		reason, ignored := ignoredTypes[r.Type]
		if known == ignored {
			t.Errorf("resource %s type %s: emulated %v, ignored %v; want exactly one", id, r.Type, known, ignored)
		}
		if ignored && reason == "" {
			t.Errorf("ignored type %s has no reason", r.Type)
		}
	}
}

func TestMatch(t *testing.T) {
	api, err := Load(readFile(t, stackTemplate))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path, want string
		params     map[string]string
	}{
		{"/", "/", nil},
		{"/api", "/api", nil},
		{"/api/hello", "/api/hello", nil},
		{"/api/hello/stream", "/api/hello/stream", nil},
		{"/api/hello/other", "/api/{proxy+}", map[string]string{"proxy": "hello/other"}},
		{"/api/a%2Fb/c", "/api/{proxy+}", map[string]string{"proxy": "a%2Fb/c"}},
		{"/hello", "/hello", nil},
		{"/hello/x", "", nil},
		{"/nope", "", nil},
		{"/api/", "", nil},
	}
	for _, tt := range tests {
		r, params := match(api.Root, tt.path)
		got := ""
		if r != nil {
			got = r.Path
		}
		if got != tt.want || !cmp.Equal(params, tt.params) {
			t.Errorf("match(%q) = %q %v, want %q %v", tt.path, got, params, tt.want, tt.params)
		}
	}
}

// TestEnvRefs: a function's variables naming the user pool or app client
// are kept as references, to be resolved to the ids they have locally.
func TestEnvRefs(t *testing.T) {
	data := mutate(t, readFile(t, stackTemplate), func(res map[string]any) {
		v := props(res, "ApiFunctionCE271BD4")["Environment"].(map[string]any)["Variables"].(map[string]any)
		v["COGNITO_USER_POOL_ID"] = map[string]any{"Ref": "UserPool6BA7E5F2"}
		v["COGNITO_CLIENT_ID"] = map[string]any{"Ref": "UserPoolAppClientDD0407EC"}
	})
	api, err := Load(data)
	if err != nil {
		t.Fatal(err)
	}
	f := api.Functions["ApiFunctionCE271BD4"]
	want := map[string]string{"COGNITO_USER_POOL_ID": "UserPool6BA7E5F2", "COGNITO_CLIENT_ID": "UserPoolAppClientDD0407EC"}
	if diff := cmp.Diff(want, f.EnvRefs); diff != "" {
		t.Errorf("EnvRefs (-want +got):\n%s", diff)
	}
	if f.Env["STAGE"] != "prod" {
		t.Errorf("Env[STAGE] = %q, want prod: literals are kept beside references", f.Env["STAGE"])
	}
}
