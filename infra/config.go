package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/r2r/r2r/weborigin"
)

// Context keys the stack reads. cdk.json holds the defaults; override one with
// `cdk synth -c key=value`.
const (
	ContextStage                = "stage"
	ContextCORSAllowOrigins     = "corsAllowOrigins"
	ContextLogLevel             = "logLevel"
	ContextThrottlingRateLimit  = "throttlingRateLimit"
	ContextThrottlingBurstLimit = "throttlingBurstLimit"
	ContextAlarmEmail           = "alarmEmail"
	ContextDeploymentConfig     = "deploymentConfig"
	ContextStreamURLAuth        = "streamUrlAuth"
	ContextVersion              = "version"
)

// Deployment configurations accepted by the deploymentConfig context key: how
// CodeDeploy shifts the live aliases to a new version.
const (
	DeployCanary10For5   = "canary10-5"  // 10 % for 5 minutes, then all
	DeployCanary10For10  = "canary10-10" // 10 % for 10 minutes, then all
	DeployLinear10Every1 = "linear10-1"  // +10 % every minute (10 minutes)
	DeployAllAtOnce      = "all-at-once" // switch at once (alarms can still roll back)
)

// deploymentConfigs lists the accepted values in the order error messages show them.
var deploymentConfigs = []string{DeployCanary10For5, DeployCanary10For10, DeployLinear10Every1, DeployAllAtOnce}

// Auth types of the streaming Function URL (streamUrlAuth).
const (
	StreamURLAuthIAM  = "AWS_IAM"
	StreamURLAuthNone = "NONE"
)

// Config is the validated deployment configuration of one R2RStack.
type Config struct {
	// Stage is the API Gateway stage name and the STAGE of the functions;
	// "prod" also selects RETAIN removal policies and longer log retention.
	Stage string
	// CORSAllowOrigins is ["*"] or exact origins (scheme://host[:port]), used by
	// the API Gateway preflight and by both functions.
	CORSAllowOrigins []string
	// LogLevel is DEBUG, INFO, WARN or ERROR.
	LogLevel string
	// ThrottlingRateLimit is the stage's steady-state requests per second.
	ThrottlingRateLimit float64
	// ThrottlingBurstLimit is the stage's burst bucket size (requests).
	ThrottlingBurstLimit float64
	// AlarmEmail, when set, subscribes this address to the alarm topic.
	AlarmEmail string
	// DeploymentConfig is one of deploymentConfigs, or "" for the stage's
	// default (see DeploymentConfigName).
	DeploymentConfig string
	// StreamURLAuth is the auth type of the streaming Function URL: AWS_IAM
	// (SigV4-signed callers only) or NONE (public).
	StreamURLAuth string
	// Version is the build version baked into the API image (its VERSION
	// build argument, reported by /api/healthz); "" leaves the Dockerfile's
	// default. `make deploy` passes the git revision.
	Version string
}

// DefaultConfig is the configuration used for every context key that is not set.
func DefaultConfig() Config {
	return Config{
		Stage:                "prod",
		CORSAllowOrigins:     []string{"*"},
		LogLevel:             "INFO",
		ThrottlingRateLimit:  100,
		ThrottlingBurstLimit: 200,
		StreamURLAuth:        StreamURLAuthIAM,
	}
}

// DeploymentConfigName is the deployment configuration in effect: the one
// configured, else a 10 % canary for 5 minutes in prod (real users: a bad
// version reaches a tenth of them while the alarms watch) and all at once
// elsewhere (a dev stage wants fast feedback; its alarms still roll back).
func (c Config) DeploymentConfigName() string {
	switch {
	case c.DeploymentConfig != "":
		return c.DeploymentConfig
	case c.IsProd():
		return DeployCanary10For5
	default:
		return DeployAllAtOnce
	}
}

// IsProd reports whether the stage holds production data, which must survive
// a stack deletion.
func (c Config) IsProd() bool { return c.Stage == "prod" }

// Same pattern as the API's STAGE check, and API Gateway's stage-name rule.
var stagePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// versionPattern keeps the version safe as a Docker build argument and a -X flag.
var versionPattern = regexp.MustCompile(`^[A-Za-z0-9._+-]{1,128}$`)

// ConfigFromContext reads and validates the stack's context keys. Values come
// from cdk.json (typed JSON) or from `-c key=value` (strings), so both forms are
// accepted. The error names every bad key and its value.
func ConfigFromContext(node constructs.Node) (Config, error) {
	cfg := DefaultConfig()
	var errs []error
	bad := func(key string, v any, why string) {
		errs = append(errs, fmt.Errorf("%s=%s: %s", key, show(v), why))
	}
	get := func(key string) (any, bool) {
		v := node.TryGetContext(jsii.String(key))
		if s, ok := v.(string); ok && strings.TrimSpace(s) == "" {
			return nil, false // "-c key=" means unset, as an empty cdk.json value does
		}
		return v, v != nil
	}

	if v, ok := get(ContextStage); ok {
		s, isString := v.(string)
		if !isString || !stagePattern.MatchString(s) {
			bad(ContextStage, v, "want 1 to 128 letters, digits, '-' or '_'")
		} else {
			cfg.Stage = s
		}
	}
	if v, ok := get(ContextCORSAllowOrigins); ok {
		origins, err := parseOrigins(v)
		if err != nil {
			bad(ContextCORSAllowOrigins, v, err.Error())
		} else {
			cfg.CORSAllowOrigins = origins
		}
	}
	if v, ok := get(ContextLogLevel); ok {
		s, _ := v.(string)
		level := strings.ToUpper(strings.TrimSpace(s))
		if !slices.Contains([]string{"DEBUG", "INFO", "WARN", "ERROR"}, level) {
			bad(ContextLogLevel, v, "want one of DEBUG, INFO, WARN, ERROR")
		} else {
			cfg.LogLevel = level
		}
	}
	if v, ok := get(ContextThrottlingRateLimit); ok {
		n, err := number(v)
		if err != nil || n <= 0 {
			bad(ContextThrottlingRateLimit, v, "want a number of requests per second above 0")
		} else {
			cfg.ThrottlingRateLimit = n
		}
	}
	if v, ok := get(ContextThrottlingBurstLimit); ok {
		n, err := number(v)
		if err != nil || n < 1 || n != math.Trunc(n) {
			bad(ContextThrottlingBurstLimit, v, "want a whole number of requests, at least 1")
		} else {
			cfg.ThrottlingBurstLimit = n
		}
	}
	if v, ok := get(ContextAlarmEmail); ok {
		s, _ := v.(string)
		addr, err := mail.ParseAddress(s)
		if err != nil || addr.Address != s {
			bad(ContextAlarmEmail, v, "want a plain e-mail address like ops@example.com, or nothing")
		} else {
			cfg.AlarmEmail = s
		}
	}
	if v, ok := get(ContextDeploymentConfig); ok {
		s, _ := v.(string)
		name := strings.ToLower(strings.TrimSpace(s))
		if !slices.Contains(deploymentConfigs, name) {
			bad(ContextDeploymentConfig, v, "want one of "+strings.Join(deploymentConfigs, ", ")+", or nothing for the stage's default")
		} else {
			cfg.DeploymentConfig = name
		}
	}
	if v, ok := get(ContextStreamURLAuth); ok {
		s, _ := v.(string)
		auth := strings.ToUpper(strings.TrimSpace(s))
		if auth != StreamURLAuthIAM && auth != StreamURLAuthNone {
			bad(ContextStreamURLAuth, v, "want AWS_IAM or NONE")
		} else {
			cfg.StreamURLAuth = auth
		}
	}
	if v, ok := get(ContextVersion); ok {
		s, _ := v.(string)
		if !versionPattern.MatchString(s) {
			bad(ContextVersion, v, "want 1 to 128 letters, digits, '.', '-', '_' or '+', such as v1.2.3 or 1a2b3c4-dirty")
		} else {
			cfg.Version = s
		}
	}
	if len(errs) > 0 {
		return Config{}, fmt.Errorf("invalid context (cdk.json or -c key=value):\n%w", errors.Join(errs...))
	}
	return cfg, nil
}

// parseOrigins accepts a JSON list (cdk.json), or a string holding a JSON list
// or comma-separated origins (-c). The entries are checked and canonicalised
// by weborigin, as the functions check the list they are given.
func parseOrigins(v any) ([]string, error) {
	var raw []string
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("entry %s is not a string", show(e))
			}
			raw = append(raw, s)
		}
	case string:
		if strings.HasPrefix(strings.TrimSpace(v), "[") {
			if err := json.Unmarshal([]byte(v), &raw); err != nil {
				return nil, fmt.Errorf("not a JSON list of strings: %v", err)
			}
		} else {
			raw = strings.Split(v, ",")
		}
	default:
		return nil, errors.New(`want a list like ["https://app.example.com"] or ["*"]`)
	}
	return weborigin.CheckList(raw)
}

// number accepts a JSON number (cdk.json) or its decimal string (-c).
func number(v any) (float64, error) {
	switch v := v.(type) {
	case float64:
		return v, nil
	case string:
		n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
			return 0, errors.New("not a number")
		}
		return n, nil
	}
	return 0, errors.New("not a number")
}

// show renders a context value as the user wrote it, for error messages.
func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
