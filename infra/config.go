package main

import (
	"errors"
	"fmt"
	"math"
	"net/mail"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/r2r/r2r/stagename"
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
	ContextStreamFunctionURL    = "streamFunctionUrl"
	ContextWAF                  = "waf"
	ContextWAFRateLimit         = "wafRateLimit"
	ContextAPIConcurrency       = "apiReservedConcurrency"
	ContextStreamConcurrency    = "streamReservedConcurrency"
	ContextStreamRateLimit      = "streamThrottlingRateLimit"
	ContextStreamBurstLimit     = "streamThrottlingBurstLimit"
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
	// StreamFunctionURL creates the streaming Function URL. Lambda has no
	// Function URLs in some regions (see supportedRegions); there the
	// stream is served through API Gateway only.
	StreamFunctionURL bool
	// WAF puts AWS WAF in front of the stage (on by default in prod only:
	// it costs about 8 USD a month plus 0.60 USD per million requests).
	WAF bool
	// WAFRateLimit is how many requests one client IP may send in 5 minutes
	// before WAF answers 429.
	WAFRateLimit float64
	// APIReservedConcurrency and StreamReservedConcurrency reserve (and cap)
	// the concurrency of each API function; 0 reserves none, Lambda's
	// default. Reserved, the streaming function cannot starve the API one.
	APIReservedConcurrency, StreamReservedConcurrency float64
	// StreamThrottlingRateLimit and StreamThrottlingBurstLimit throttle GET
	// /api/hello/stream below the stage: a stream holds a function for
	// seconds, so it gets a smaller share of the stage's requests.
	StreamThrottlingRateLimit, StreamThrottlingBurstLimit float64
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
		StreamFunctionURL:    true,
		WAF:                  true,
		WAFRateLimit:         1000,
		// At most the stage's limits: a lower stage limit lowers these too.
		StreamThrottlingRateLimit:  10,
		StreamThrottlingBurstLimit: 20,
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
	get := func(key string) (any, bool) { return contextValue(node, key) }

	if v, ok := get(ContextStage); ok {
		s, isString := v.(string)
		if !isString || !stagename.Valid(s) {
			bad(ContextStage, v, stagename.Rule)
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
	if v, ok := get(ContextStreamFunctionURL); ok {
		b, err := boolean(v)
		if err != nil {
			bad(ContextStreamFunctionURL, v, "want true or false")
		} else {
			cfg.StreamFunctionURL = b
		}
	}
	cfg.WAF = cfg.IsProd()
	if v, ok := get(ContextWAF); ok {
		b, err := boolean(v)
		if err != nil {
			bad(ContextWAF, v, "want true or false, or nothing for the stage's default (on in prod)")
		} else {
			cfg.WAF = b
		}
	}
	if v, ok := get(ContextWAFRateLimit); ok {
		// WAF's own bounds for a rate-based rule over 5 minutes.
		n, err := number(v)
		if err != nil || n < 10 || n > 2_000_000_000 || n != math.Trunc(n) {
			bad(ContextWAFRateLimit, v, "want a whole number of requests per client IP in 5 minutes, from 10 to 2000000000")
		} else {
			cfg.WAFRateLimit = n
		}
	}
	for _, c := range []struct {
		key string
		p   *float64
	}{{ContextAPIConcurrency, &cfg.APIReservedConcurrency}, {ContextStreamConcurrency, &cfg.StreamReservedConcurrency}} {
		if v, ok := get(c.key); ok {
			n, err := number(v)
			if err != nil || n < 1 || n != math.Trunc(n) {
				bad(c.key, v, "want a whole number of concurrent executions, at least 1, or nothing to reserve none "+
					"(Lambda keeps 100 of the account's quota unreserved: a new account's quota may leave nothing to reserve)")
			} else {
				*c.p = n
			}
		}
	}
	cfg.StreamThrottlingRateLimit = min(cfg.StreamThrottlingRateLimit, cfg.ThrottlingRateLimit)
	cfg.StreamThrottlingBurstLimit = min(cfg.StreamThrottlingBurstLimit, cfg.ThrottlingBurstLimit)
	if v, ok := get(ContextStreamRateLimit); ok {
		n, err := number(v)
		if err != nil || n <= 0 || n > cfg.ThrottlingRateLimit {
			bad(ContextStreamRateLimit, v, fmt.Sprintf("want a number of requests per second above 0, at most the stage's %s=%v",
				ContextThrottlingRateLimit, cfg.ThrottlingRateLimit))
		} else {
			cfg.StreamThrottlingRateLimit = n
		}
	}
	if v, ok := get(ContextStreamBurstLimit); ok {
		n, err := number(v)
		if err != nil || n < 1 || n != math.Trunc(n) || n > cfg.ThrottlingBurstLimit {
			bad(ContextStreamBurstLimit, v, fmt.Sprintf("want a whole number of requests, at least 1, at most the stage's %s=%v",
				ContextThrottlingBurstLimit, cfg.ThrottlingBurstLimit))
		} else {
			cfg.StreamThrottlingBurstLimit = n
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
