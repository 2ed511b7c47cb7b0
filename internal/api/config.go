package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Config is the service configuration, read once from the environment at start.
type Config struct {
	Port             int        // PORT: the local HTTP server's port
	Stage            string     // STAGE: deployment stage, reported by /api/healthz
	LogLevel         slog.Level // LOG_LEVEL, or AWS_LAMBDA_LOG_LEVEL when Lambda sets it
	CORSAllowOrigins []string   // CORS_ALLOW_ORIGINS: "*" or exact origins
	BasePath         string     // API_BASE_PATH: custom-domain base path stripped before routing
	MaxRequestBytes  int64      // MAX_REQUEST_BYTES: largest accepted request body
	StreamResponses  bool       // LAMBDA_RESPONSE_MODE: "stream" when the function is invoked with response streaming
	Metrics          bool       // METRICS: emit CloudWatch EMF metrics ("emf") or not ("off")
	MetricsNamespace string     // METRICS_NAMESPACE: the CloudWatch namespace of the metrics
	Cognito          Cognito    // COGNITO_*: the user pool whose tokens protected routes accept
	Version          string     // build version; not from the environment
}

// Defaults of the configuration. MaxRequestBytes matches Lambda's 6 MB
// synchronous payload limit: a larger body could never reach the function.
const (
	DefaultPort            = 8000
	DefaultStage           = "local"
	DefaultMaxRequestBytes = 6 << 20
)

// validStage reports whether s is 1 to 128 letters, digits, '-' or '_'. (A
// regexp with {1,128} compiles to 128 copies at start-up: cold start counts.)
func validStage(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// LoadConfig reads and validates the configuration from getenv. Every bad value
// is reported, each naming its variable and the value, so one start shows them all.
func LoadConfig(getenv func(string) string) (Config, error) {
	cfg := Config{
		Port:             DefaultPort,
		Stage:            DefaultStage,
		LogLevel:         slog.LevelInfo,
		CORSAllowOrigins: []string{"*"},
		MaxRequestBytes:  DefaultMaxRequestBytes,
		// On Lambda, metrics by default; locally they would only clutter the log.
		Metrics:          getenv("AWS_LAMBDA_FUNCTION_NAME") != "",
		MetricsNamespace: "r2r",
	}
	var errs []error
	bad := func(name, value, why string) {
		errs = append(errs, fmt.Errorf("%s=%q: %s", name, value, why))
	}

	if v, ok := lookup(getenv, "PORT"); ok {
		p, err := strconv.Atoi(v)
		if err != nil || p < 0 || p > 65535 {
			bad("PORT", v, "want a port number from 0 to 65535")
		}
		cfg.Port = p
	}
	if v, ok := lookup(getenv, "STAGE"); ok {
		if !validStage(v) {
			bad("STAGE", v, "want 1 to 128 letters, digits, '-' or '_'")
		}
		cfg.Stage = v
	}
	// Lambda sets AWS_LAMBDA_LOG_LEVEL when the function uses the JSON log
	// format, and drops lines below it anyway: it wins over LOG_LEVEL.
	for _, name := range []string{"LOG_LEVEL", "AWS_LAMBDA_LOG_LEVEL"} {
		if v, ok := lookup(getenv, name); ok {
			l, err := parseLevel(v)
			if err != nil {
				bad(name, v, err.Error())
			}
			cfg.LogLevel = l
		}
	}
	if v, ok := lookup(getenv, "CORS_ALLOW_ORIGINS"); ok {
		origins, err := parseOrigins(v)
		if err != nil {
			bad("CORS_ALLOW_ORIGINS", v, err.Error())
		}
		cfg.CORSAllowOrigins = origins
	}
	if v, ok := lookup(getenv, "API_BASE_PATH"); ok {
		p, err := parseBasePath(v)
		if err != nil {
			bad("API_BASE_PATH", v, err.Error())
		}
		cfg.BasePath = p
	}
	if v, ok := lookup(getenv, "MAX_REQUEST_BYTES"); ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			bad("MAX_REQUEST_BYTES", v, "want a whole number of bytes, at least 1")
		}
		cfg.MaxRequestBytes = n
	}
	// How Lambda invokes the function is a deployment fact (a Function URL's
	// invoke mode, API Gateway's transfer mode), so it is configured, not guessed.
	if v, ok := lookup(getenv, "LAMBDA_RESPONSE_MODE"); ok {
		switch strings.ToLower(v) {
		case "buffered":
			cfg.StreamResponses = false
		case "stream":
			cfg.StreamResponses = true
		default:
			bad("LAMBDA_RESPONSE_MODE", v, `want "buffered" or "stream"`)
		}
	}
	if v, ok := lookup(getenv, "METRICS"); ok {
		switch strings.ToLower(v) {
		case "emf":
			cfg.Metrics = true
		case "off":
			cfg.Metrics = false
		default:
			bad("METRICS", v, `want "emf" or "off"`)
		}
	}
	if v, ok := lookup(getenv, "METRICS_NAMESPACE"); ok {
		if len(v) > 255 || strings.HasPrefix(v, "AWS/") || strings.ContainsAny(v, "\"\\") {
			bad("METRICS_NAMESPACE", v, `want at most 255 characters, not starting with "AWS/"`)
		}
		cfg.MetricsNamespace = v
	}
	cfg.Cognito = loadCognito(getenv, bad)
	if len(errs) > 0 {
		return Config{}, fmt.Errorf("invalid configuration: %w", errors.Join(errs...))
	}
	return cfg, nil
}

// lookup treats a variable set to the empty string as unset, as shells and
// CloudFormation templates commonly produce empty values for "not given".
func lookup(getenv func(string) string, name string) (string, bool) {
	v := strings.TrimSpace(getenv(name))
	return v, v != ""
}

func parseLevel(v string) (slog.Level, error) {
	switch strings.ToUpper(v) {
	case "TRACE": // Lambda's level below DEBUG
		return slog.LevelDebug - 4, nil
	case "DEBUG":
		return slog.LevelDebug, nil
	case "INFO":
		return slog.LevelInfo, nil
	case "WARN", "WARNING":
		return slog.LevelWarn, nil
	case "ERROR":
		return slog.LevelError, nil
	case "FATAL": // Lambda's level above ERROR
		return slog.LevelError + 4, nil
	}
	return 0, errors.New("want one of DEBUG, INFO, WARN, ERROR")
}

// parseOrigins accepts "*" alone, or a comma-separated list of origins in the
// form browsers send them: scheme://host[:port], nothing else.
func parseOrigins(v string) ([]string, error) {
	var origins []string
	for _, o := range strings.Split(v, ",") {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		if o == "*" {
			origins = append(origins, o)
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return nil, fmt.Errorf("%q is not an origin: want \"*\" or scheme://host[:port] entries separated by commas", o)
		}
		origins = append(origins, strings.ToLower(o))
	}
	if len(origins) == 0 {
		return nil, errors.New("no origin given")
	}
	if len(origins) > 1 && slices.Contains(origins, "*") {
		return nil, errors.New(`"*" allows every origin and cannot be combined with others`)
	}
	return origins, nil
}

// parseBasePath accepts a path such as "/v1" or "/orders/v2"; "/" means none.
func parseBasePath(v string) (string, error) {
	if v == "/" {
		return "", nil
	}
	if !strings.HasPrefix(v, "/") || strings.HasSuffix(v, "/") {
		return "", errors.New(`want a path that starts with "/" and does not end with one, such as "/v1"`)
	}
	for _, seg := range strings.Split(v[1:], "/") {
		if seg == "" || seg == "." || seg == ".." || strings.ContainsAny(seg, "?#%\\ ") {
			return "", fmt.Errorf("segment %q is not allowed in a base path", seg)
		}
	}
	return v, nil
}
