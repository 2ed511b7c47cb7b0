package main

import (
	"debug/elf"
	"encoding/json"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

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
