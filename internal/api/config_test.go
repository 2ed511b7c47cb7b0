package api

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestLoadConfig(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		got, err := LoadConfig(func(string) string { return "" })
		if err != nil {
			t.Fatal(err)
		}
		want := Config{Port: 8000, Host: "127.0.0.1", Stage: "local", LogLevel: slog.LevelInfo, CORSAllowOrigins: []string{"*"}, MaxRequestBytes: 6 << 20,
			MetricsNamespace: "r2r", Server: ServerLimits{ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
				WriteTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("LoadConfig(empty) mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("all set", func(t *testing.T) {
		env := map[string]string{"PORT": "9001", "STAGE": "prod", "LOG_LEVEL": "debug", "CORS_ALLOW_ORIGINS": " https://A.example , http://localhost:3000",
			"API_BASE_PATH": "/orders/v2", "MAX_REQUEST_BYTES": "1024", "METRICS": "EMF", "METRICS_NAMESPACE": "shop/orders",
			"LAMBDA_RESPONSE_MODE": "stream", "HOST": "0.0.0.0", "READ_HEADER_TIMEOUT": "2s", "READ_TIMEOUT": "1m",
			"WRITE_TIMEOUT": "1500ms", "IDLE_TIMEOUT": "5s", "MAX_HEADER_BYTES": "8192"}
		got, err := LoadConfig(func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		want := Config{Port: 9001, Stage: "prod", LogLevel: slog.LevelDebug, CORSAllowOrigins: []string{"https://a.example", "http://localhost:3000"},
			BasePath: "/orders/v2", MaxRequestBytes: 1024, Metrics: true, MetricsNamespace: "shop/orders", StreamResponses: true,
			Host: "0.0.0.0", Server: ServerLimits{ReadHeaderTimeout: 2 * time.Second, ReadTimeout: time.Minute,
				WriteTimeout: 1500 * time.Millisecond, IdleTimeout: 5 * time.Second, MaxHeaderBytes: 8192}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("LoadConfig mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("metrics on by default on Lambda", func(t *testing.T) {
		env := map[string]string{"AWS_LAMBDA_FUNCTION_NAME": "r2r-api"}
		if got, err := LoadConfig(func(k string) string { return env[k] }); err != nil || !got.Metrics {
			t.Errorf("LoadConfig(%v).Metrics = %v, %v; want true", env, got.Metrics, err)
		}
		env["METRICS"] = "off"
		if got, err := LoadConfig(func(k string) string { return env[k] }); err != nil || got.Metrics {
			t.Errorf("LoadConfig(%v).Metrics = %v, %v; want false", env, got.Metrics, err)
		}
	})
	t.Run("Lambda's log level wins", func(t *testing.T) {
		env := map[string]string{"LOG_LEVEL": "DEBUG", "AWS_LAMBDA_LOG_LEVEL": "ERROR"}
		got, err := LoadConfig(func(k string) string { return env[k] })
		if err != nil || got.LogLevel != slog.LevelError {
			t.Errorf("LoadConfig(%v) level = %v, %v; want ERROR", env, got.LogLevel, err)
		}
	})
	bad := []struct{ name, value string }{
		{"PORT", "eighty"}, {"PORT", "70000"}, {"PORT", "-1"},
		{"STAGE", "prod stage"}, {"STAGE", "../etc"}, {"STAGE", "my_stage"}, {"STAGE", "1st"},
		{"LOG_LEVEL", "verbose"}, {"AWS_LAMBDA_LOG_LEVEL", "LOUD"},
		{"CORS_ALLOW_ORIGINS", "app.example"}, {"CORS_ALLOW_ORIGINS", "https://app.example/path"},
		{"CORS_ALLOW_ORIGINS", "*,https://app.example"}, {"CORS_ALLOW_ORIGINS", "ftp://app.example"}, {"CORS_ALLOW_ORIGINS", ","},
		{"API_BASE_PATH", "v1"}, {"API_BASE_PATH", "/v1/"}, {"API_BASE_PATH", "/a/../b"}, {"API_BASE_PATH", "/a b"},
		{"MAX_REQUEST_BYTES", "0"}, {"MAX_REQUEST_BYTES", "6MB"}, {"MAX_REQUEST_BYTES", "-5"},
		{"METRICS", "yes"}, {"METRICS_NAMESPACE", "AWS/Lambda"}, {"LAMBDA_RESPONSE_MODE", "streaming"},
		{"HOST", "local host"}, {"HOST", "[::1]"}, {"HOST", "-a.example"}, {"HOST", "a..example"}, {"HOST", "http://localhost"},
		{"READ_HEADER_TIMEOUT", "10"}, {"READ_TIMEOUT", "0s"}, {"WRITE_TIMEOUT", "-1s"}, {"IDLE_TIMEOUT", "soon"},
		{"MAX_HEADER_BYTES", "64KiB"}, {"MAX_HEADER_BYTES", "100"},
	}
	for _, tt := range bad {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			_, err := LoadConfig(func(k string) string {
				if k == tt.name {
					return tt.value
				}
				return ""
			})
			if err == nil {
				t.Fatalf("LoadConfig(%s=%q) = nil error, want one", tt.name, tt.value)
			}
			if !strings.Contains(err.Error(), tt.name+"=") || !strings.Contains(err.Error(), tt.value) {
				t.Errorf("LoadConfig(%s=%q) error %q does not name the variable and the value", tt.name, tt.value, err)
			}
		})
	}
	t.Run("every bad value is reported", func(t *testing.T) {
		env := map[string]string{"PORT": "x", "STAGE": "a b"}
		_, err := LoadConfig(func(k string) string { return env[k] })
		if err == nil || !strings.Contains(err.Error(), "PORT") || !strings.Contains(err.Error(), "STAGE") {
			t.Errorf("LoadConfig(%v) error = %v, want both variables named", env, err)
		}
	})
}
