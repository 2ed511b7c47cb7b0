package main

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

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
