// Command api serves the r2r API: as a Lambda function when the Lambda runtime
// starts it (AWS_LAMBDA_RUNTIME_API is set), else as a local HTTP server.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/r2r/r2r/apierror"
	"github.com/r2r/r2r/internal/api"
	"github.com/r2r/r2r/internal/emf"
	"github.com/r2r/r2r/internal/lambdahttp"
)

// version is set at build time: -ldflags "-X main.version=v1.2.3".
var version string

// shutdownTimeout bounds how long in-flight requests may finish after a signal.
const shutdownTimeout = 20 * time.Second

func main() {
	ctx := context.Background()
	if err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "api: %s\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	cfg, err := api.LoadConfig(getenv)
	if err != nil {
		return err
	}
	cfg.Version = buildVersion()
	onLambda := getenv("AWS_LAMBDA_RUNTIME_API") != ""
	logOut := stdout
	if !onLambda {
		sink := newBufferedSink(stdout)
		defer sink.Close()
		logOut = sink
	}
	logger := newLogger(logOut, cfg)
	opts := buildOptions()
	if cfg.Metrics {
		// EMF lines go to stdout beside the logs: CloudWatch Logs extracts the metrics.
		metrics := newMetrics(stdout, cfg)
		defer metrics.Close()
		opts = append(opts, api.WithMetrics(metrics))
	}

	if onLambda {
		// The Lambda runtime owns the process's life: it freezes, thaws and
		// kills it. A SIGTERM (sent when extensions run) must end it as usual.
		stop()
		serveLambda(cfg, logger, opts)
		return nil
	}
	return serveHTTP(ctx, cfg, logger, opts)
}

// newLogger is the log every line of the app goes to: JSON, one line each,
// as CloudWatch Logs Insights reads it.
func newLogger(w io.Writer, cfg api.Config) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: cfg.LogLevel}))
}

// newMetrics writes the app's EMF metrics to w, dropping lines (and counting
// them) rather than blocking a request when w falls 1024 lines behind.
func newMetrics(w io.Writer, cfg api.Config) *emf.Emitter {
	return emf.NewEmitter(w, cfg.MetricsNamespace, api.MetricDimensions(), 1024)
}

// serveLambda serves the same handler through the Lambda adapter, with the
// request ids and the trace id of the invocation in its logs. With
// LAMBDA_RESPONSE_MODE=stream every response is streamed: the function's
// Function URL (RESPONSE_STREAM) or REST API integration (STREAM) must be
// set to match. It does not return: the runtime ends the process.
func serveLambda(cfg api.Config, logger *slog.Logger, opts []api.Option) {
	h := api.NewServer(cfg, logger, append(opts, lambdaAPIOptions()...)...)
	lambdahttp.Start(h, lambdaOptions(cfg, logger)...)
}

// lambdaOptions configures the adapter from cfg.
func lambdaOptions(cfg api.Config, logger *slog.Logger) []lambdahttp.Option {
	opts := []lambdahttp.Option{
		lambdahttp.WithBasePath(cfg.BasePath),
		lambdahttp.WithLogger(logger),
		lambdahttp.WithErrorBody(api.ErrorBody),
		lambdahttp.WithRequestIDHeader(apierror.RequestIDHeader),
	}
	if cfg.StreamResponses {
		opts = append(opts, lambdahttp.WithResponseStreaming())
	}
	return opts
}

// lambdaPlatformInfo gives each request the id the platform logs it under,
// the one the adapter's own errors carry too (see
// lambdahttp.PlatformRequestIDFromContext).
func lambdaPlatformInfo(r *http.Request) api.PlatformInfo {
	ctx := r.Context()
	info := api.PlatformInfo{TraceID: lambdahttp.TraceIDFromContext(ctx)}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		info.LambdaRequestID = lc.AwsRequestID
	}
	info.RequestID = lambdahttp.PlatformRequestIDFromContext(ctx)
	return info
}

// serveHTTP serves until ctx is done, then shuts down gracefully: in-flight
// requests finish, for shutdownTimeout at most.
func serveHTTP(ctx context.Context, cfg api.Config, logger *slog.Logger, opts []api.Option) error {
	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)))
	if err != nil {
		return fmt.Errorf("listen on HOST=%s PORT=%d: %w", cfg.Host, cfg.Port, err)
	}
	limits := cfg.Server
	srv := &http.Server{
		Handler:           lambdahttp.StripBasePath(cfg.BasePath, extendWriteDeadlineOnFlush(limits.WriteTimeout, api.NewServer(cfg, logger, opts...))),
		ReadHeaderTimeout: limits.ReadHeaderTimeout,
		ReadTimeout:       limits.ReadTimeout,
		WriteTimeout:      limits.WriteTimeout,
		IdleTimeout:       limits.IdleTimeout,
		MaxHeaderBytes:    limits.MaxHeaderBytes, // net/http answers 431 beyond it
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	logger.Info("listening", slog.String("addr", ln.Addr().String()), slog.String("stage", cfg.Stage), slog.String("version", cfg.Version))

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down", slog.Duration("timeout", shutdownTimeout))
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	return nil
}

// buildVersion is the -ldflags version, else the module version or VCS revision.
func buildVersion() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	rev, modified := "", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev == "" {
		return "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if modified {
		rev += "-dirty"
	}
	return rev
}

// extendWriteDeadlineOnFlush gives a streamed response the write timeout
// again at each flush: the timeout bounds a stalled client, not a stream
// that keeps sending. Every handler that flushes gets this, without knowing
// the server's timeout.
func extendWriteDeadlineOnFlush(timeout time.Duration, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(&deadlineWriter{ResponseWriter: w, timeout: timeout}, r)
	})
}

// deadlineWriter moves the connection's write deadline at each flush.
type deadlineWriter struct {
	http.ResponseWriter
	timeout time.Duration
}

// FlushError gives the rest of the response, starting with what is
// buffered, the write timeout from now, and sends what is buffered.
func (w *deadlineWriter) FlushError() error {
	rc := http.NewResponseController(w.ResponseWriter)
	if err := rc.SetWriteDeadline(time.Now().Add(w.timeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	return rc.Flush()
}

// Flush is FlushError for callers that use http.Flusher.
func (w *deadlineWriter) Flush() { w.FlushError() }

// Unwrap lets http.ResponseController reach the connection's own methods.
func (w *deadlineWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
