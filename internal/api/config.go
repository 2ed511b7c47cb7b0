package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/r2r/r2r/stagename"
	"github.com/r2r/r2r/weborigin"
)

// Config is the service configuration, read once from the environment at start.
type Config struct {
	Port             int    // PORT: the local HTTP server's port
	Host             string // HOST: the local HTTP server's interface (an IP address or a host name)
	Server           ServerLimits
	Stage            string     // STAGE: deployment stage, reported by /api/healthz
	LogLevel         slog.Level // LOG_LEVEL, or AWS_LAMBDA_LOG_LEVEL when Lambda sets it
	CORSAllowOrigins []string   // CORS_ALLOW_ORIGINS: "*" or exact origins, canonical (weborigin)
	BasePath         string     // API_BASE_PATH: custom-domain base path stripped before routing
	MaxRequestBytes  int64      // MAX_REQUEST_BYTES: largest accepted request body
	StreamResponses  bool       // LAMBDA_RESPONSE_MODE: "stream" when the function is invoked with response streaming
	Metrics          bool       // METRICS: emit CloudWatch EMF metrics ("emf") or not ("off")
	MetricsNamespace string     // METRICS_NAMESPACE: the CloudWatch namespace of the metrics
	Cognito          Cognito    // COGNITO_*: the user pool whose tokens protected routes accept
	Version          string     // build version; not from the environment
}

// ServerLimits bound what one client can hold of the local HTTP server (on
// Lambda, API Gateway and the Lambda runtime bound it instead).
type ServerLimits struct {
	ReadHeaderTimeout time.Duration // READ_HEADER_TIMEOUT: to read a request's header block
	ReadTimeout       time.Duration // READ_TIMEOUT: to read a whole request, body included
	WriteTimeout      time.Duration // WRITE_TIMEOUT: to write a response; a stream gets it again at each flush
	IdleTimeout       time.Duration // IDLE_TIMEOUT: how long a kept-alive connection may wait for its next request
	MaxHeaderBytes    int           // MAX_HEADER_BYTES: largest request header block (431 beyond)
}

// DefaultServerLimits are the local server's limits when not configured.
// WRITE_TIMEOUT is API Gateway's 29 s integration limit, rounded up: a
// handler slower than that could not answer through the deployed API either.
var DefaultServerLimits = ServerLimits{
	ReadHeaderTimeout: 10 * time.Second,
	ReadTimeout:       30 * time.Second,
	WriteTimeout:      30 * time.Second,
	IdleTimeout:       120 * time.Second,
	MaxHeaderBytes:    64 << 10,
}

// Defaults of the configuration. MaxRequestBytes matches Lambda's 6 MB
// synchronous payload limit: a larger body could never reach the function.
const (
	DefaultPort            = 8000
	DefaultHost            = "127.0.0.1" // loopback only, as uvicorn's default: HOST=0.0.0.0 in a container
	DefaultStage           = "local"
	DefaultMaxRequestBytes = 6 << 20
)

// LoadConfig reads and validates the configuration from getenv. Every bad value
// is reported, each naming its variable and the value, so one start shows them all.
func LoadConfig(getenv func(string) string) (Config, error) {
	cfg := Config{
		Port:             DefaultPort,
		Host:             DefaultHost,
		Server:           DefaultServerLimits,
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
	if v, ok := lookup(getenv, "HOST"); ok {
		if !validHost(v) {
			bad("HOST", v, "want an IP address (127.0.0.1, 0.0.0.0, ::) or a host name of letters, digits, '-' and '.'")
		}
		cfg.Host = v
	}
	for _, d := range []struct {
		name string
		dst  *time.Duration
	}{
		{"READ_HEADER_TIMEOUT", &cfg.Server.ReadHeaderTimeout},
		{"READ_TIMEOUT", &cfg.Server.ReadTimeout},
		{"WRITE_TIMEOUT", &cfg.Server.WriteTimeout},
		{"IDLE_TIMEOUT", &cfg.Server.IdleTimeout},
	} {
		if v, ok := lookup(getenv, d.name); ok {
			t, err := time.ParseDuration(v)
			if err != nil || t <= 0 {
				bad(d.name, v, "want a duration above 0, such as 30s or 500ms")
			}
			*d.dst = t
		}
	}
	if v, ok := lookup(getenv, "MAX_HEADER_BYTES"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1024 {
			bad("MAX_HEADER_BYTES", v, "want a whole number of bytes, at least 1024")
		}
		cfg.Server.MaxHeaderBytes = n
	}
	if v, ok := lookup(getenv, "STAGE"); ok {
		if !stagename.Valid(v) {
			bad("STAGE", v, stagename.Rule)
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
		origins, err := weborigin.ParseList(v)
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

// validHost accepts an IP address literal (IPv6 without brackets) or a host
// name: dot-separated labels of 1 to 63 letters, digits and '-', not starting
// or ending with '-', at most 253 characters in all.
func validHost(h string) bool {
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	if len(h) > 253 {
		return false
	}
	for _, l := range strings.Split(h, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
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
