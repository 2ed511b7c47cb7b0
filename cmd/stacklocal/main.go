// Command stacklocal serves the synthesized R2RStack on localhost: the REST
// API as API Gateway serves it (resources, methods, MOCK preflights, gateway
// responses, the Cognito authorizer, the stage's throttling), each Lambda
// function under the official Runtime Interface Emulator, and a local
// Cognito-compatible endpoint (moto_server) holding the stack's user pool.
// No Docker is involved: the bootstraps are built natively.
//
//	stacklocal [-cdk-out DIR] [-stage prod] [-addr 127.0.0.1:3000] [-pool 2]
//	           [-user-pool-id REGION_ID -client-id ID]
//
// Without -cdk-out it synthesizes the stack offline first (cd infra && go run .).
// Everything is read from the template; what it cannot emulate stops it with
// the resource and the property named (see internal/apigw).
package main

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/r2r/r2r/internal/apigw"
	"github.com/r2r/r2r/internal/rie"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "stacklocal:", err)
		os.Exit(1)
	}
}

// options are the command line.
type options struct {
	cdkOut     string
	stage      string
	stack      string
	addr       string
	poolSize   int
	rie        string
	moto       string
	userPoolID string
	clientIDs  string
	buildDir   string
	bootstraps map[string]string // function logical id -> prebuilt bootstrap
	region     string
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{bootstraps: map[string]string{}}
	fs := flag.NewFlagSet("stacklocal", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.cdkOut, "cdk-out", "", "a synthesized cloud assembly (cdk.out); empty: synthesize the stage now")
	fs.StringVar(&o.stage, "stage", "prod", "the stage to synthesize (the CDK context key stage)")
	fs.StringVar(&o.stack, "stack", "", "the stack's template name; empty: R2RStack for prod, R2RStack-<stage> otherwise")
	fs.StringVar(&o.addr, "addr", "127.0.0.1:3000", "address to serve the REST API on")
	fs.IntVar(&o.poolSize, "pool", 2, "emulators per function (each serves one request at a time)")
	fs.StringVar(&o.rie, "rie", "", "the aws-lambda-rie binary; empty: bin/aws-lambda-rie or PATH")
	fs.StringVar(&o.moto, "moto", "moto_server", "the moto_server command (the local Cognito endpoint)")
	fs.StringVar(&o.userPoolID, "user-pool-id", "", "verify tokens of this real user pool (a deployed stage's UserPoolId) instead of a local one")
	fs.StringVar(&o.clientIDs, "client-id", "", "with -user-pool-id: the app client ids (comma-separated) whose ID tokens are accepted")
	fs.StringVar(&o.buildDir, "build-dir", "tmp/stacklocal", "where the bootstraps are built")
	fs.StringVar(&o.region, "region", "us-east-1", "the region of the local Cognito endpoint")
	fs.Func("bootstrap", "`ID=PATH`: run this prebuilt bootstrap for the function with logical id ID (repeatable)", func(s string) error {
		id, p, ok := strings.Cut(s, "=")
		if !ok || id == "" || p == "" {
			return fmt.Errorf("want ID=PATH, have %q", s)
		}
		o.bootstraps[id] = p
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.poolSize < 1 {
		return nil, fmt.Errorf("-pool %d: want at least 1", o.poolSize)
	}
	if (o.userPoolID == "") != (o.clientIDs == "") {
		return nil, errors.New("-user-pool-id and -client-id go together")
	}
	if o.rie != "" {
		// The emulators run in each bootstrap's directory.
		abs, err := filepath.Abs(o.rie)
		if err != nil {
			return nil, err
		}
		o.rie = abs
	}
	if o.stack == "" {
		o.stack = "R2RStack"
		if o.stage != "prod" {
			o.stack += "-" + o.stage
		}
	}
	return o, nil
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	start := time.Now()
	if o.cdkOut == "" {
		o.cdkOut = filepath.Join(o.buildDir, "cdk.out")
		if err := synth(ctx, o, getenv, stderr); err != nil {
			return err
		}
	}
	tplPath := filepath.Join(o.cdkOut, o.stack+".template.json")
	data, err := os.ReadFile(tplPath)
	if err != nil {
		return err
	}
	api, err := apigw.Load(data)
	if err != nil {
		return fmt.Errorf("%s: %w", tplPath, err)
	}
	for _, n := range api.NotEmulated {
		fmt.Fprintf(stderr, "stacklocal: not emulated: %s\n", n)
	}

	cognito, err := startCognito(ctx, o, api, stdout, stderr)
	if err != nil {
		return err
	}
	defer cognito.stop()

	inv, err := startFunctions(ctx, o, api, cognito, stderr)
	if err != nil {
		return err
	}
	defer inv.stop()

	gw, err := apigw.New(api, apigw.Config{Invoker: inv, Verifier: cognito.verifier, Logger: logger})
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: gw, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	base := fmt.Sprintf("http://%s/%s", l.Addr(), api.Stage)
	fmt.Fprintf(stdout, "stacklocal: serving %s/ (ready in %s)\n", base, time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(stdout, "  curl %s/api/hello\n", base)
	cognito.printSignIn(stdout, base)
	select {
	case <-ctx.Done():
	case err := <-errc:
		return err
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// synth synthesizes the stage into o.cdkOut with the CDK app in infra/, offline.
func synth(ctx context.Context, o *options, getenv func(string) string, stderr io.Writer) error {
	out, err := filepath.Abs(o.cdkOut)
	if err != nil {
		return err
	}
	// The asset and path metadata (which the CDK CLI asks for by default)
	// say which code each function runs.
	cdkContext, _ := json.Marshal(map[string]any{"stage": o.stage,
		"aws:cdk:enable-asset-metadata": true, "aws:cdk:enable-path-metadata": true})
	fmt.Fprintf(stderr, "stacklocal: synthesizing stage %s into %s\n", o.stage, out)
	cmd := exec.CommandContext(ctx, "go", "run", ".")
	cmd.Dir = "infra"
	cmd.Env = append(os.Environ(), "CDK_OUTDIR="+out, "CDK_CONTEXT_JSON="+string(cdkContext),
		"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20")
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("synth (cd infra && go run .): %w", err)
	}
	return nil
}

// functions invokes the template's functions, each through a pool of
// emulators. It implements apigw.Invoker.
type functions struct {
	pools map[string]*rie.Pool
}

func (f *functions) Invoke(ctx context.Context, fn *apigw.Function, _, requestID string, event []byte) ([]byte, error) {
	p, ok := f.pools[fn.ID]
	if !ok {
		return nil, fmt.Errorf("no emulators for %s", fn.ID)
	}
	return p.Invoke(ctx, requestID, event)
}

func (f *functions) stop() {
	for _, p := range f.pools {
		p.Stop()
	}
}

// startFunctions builds each function's bootstrap natively and starts its
// emulators, with the environment, memory and timeout of the template.
func startFunctions(ctx context.Context, o *options, api *apigw.API, cog *cognito, stderr io.Writer) (*functions, error) {
	f := &functions{pools: map[string]*rie.Pool{}}
	ids := make([]string, 0, len(api.Functions))
	for id := range api.Functions {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	built := map[string]string{} // build key -> bootstrap, so one image serves two functions
	for _, id := range ids {
		fn := api.Functions[id]
		bootstrap, err := bootstrapOf(ctx, o, fn, built, stderr)
		if err != nil {
			return nil, fmt.Errorf("function %s: %w", id, err)
		}
		abs, err := filepath.Abs(bootstrap)
		if err != nil {
			return nil, err
		}
		env := []string{
			"AWS_LAMBDA_FUNCTION_NAME=" + id,
			"AWS_LAMBDA_FUNCTION_TIMEOUT=" + strconv.Itoa(int(fn.Timeout/time.Second)),
			"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=" + strconv.Itoa(fn.MemoryMB),
			"AWS_REGION=" + o.region, "AWS_DEFAULT_REGION=" + o.region,
		}
		if fn.LogFormat != "" {
			env = append(env, "AWS_LAMBDA_LOG_FORMAT="+fn.LogFormat)
		}
		if fn.LogLevel != "" {
			env = append(env, "AWS_LAMBDA_LOG_LEVEL="+fn.LogLevel)
		}
		for _, k := range sortedKeys(fn.Env) {
			env = append(env, k+"="+fn.Env[k])
		}
		cogEnv, err := cog.functionEnv(fn)
		if err != nil {
			f.stop()
			return nil, fmt.Errorf("function %s: %w", id, err)
		}
		env = append(env, cogEnv...)
		cfg := rie.Config{RIE: o.rie, Command: []string{abs}, Env: env, Dir: filepath.Dir(abs),
			Output: &prefixWriter{prefix: id + ": ", w: stderr}}
		p, err := rie.NewPool(ctx, cfg, o.poolSize)
		if err != nil {
			f.stop()
			return nil, fmt.Errorf("function %s: %w", id, err)
		}
		f.pools[id] = p
	}
	return f, nil
}

func sortedKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// bootstrapOf returns the function's bootstrap, built for this machine: the
// one given with -bootstrap, or built from what the cloud assembly says the
// function is. A container image built from the repository's Dockerfile is
// the API (scripts/build.sh, as the Dockerfile builds it); a zip asset holds
// a Go bootstrap whose build information names its package.
func bootstrapOf(ctx context.Context, o *options, fn *apigw.Function, built map[string]string, stderr io.Writer) (string, error) {
	if p, ok := o.bootstraps[fn.ID]; ok {
		return p, nil
	}
	if fn.AssetPath == "" {
		return "", errors.New("no asset in the template's metadata (aws:asset:path; synthesize with the CDK CLI or without -cdk-out), or pass -bootstrap ID=PATH")
	}
	asset := filepath.Join(o.cdkOut, fn.AssetPath)
	switch fn.PackageType {
	case "Image":
		df, err := os.ReadFile(filepath.Join(asset, "Dockerfile"))
		if err != nil || !bytes.Contains(df, []byte("scripts/build.sh")) {
			return "", fmt.Errorf("image asset %s: only the repository's Dockerfile (which runs scripts/build.sh) is built locally", asset)
		}
		if p, ok := built["image"]; ok {
			return p, nil
		}
		out := filepath.Join(o.buildDir, "api", "bootstrap")
		fmt.Fprintf(stderr, "stacklocal: building %s (scripts/build.sh, GOARCH=%s)\n", out, runtime.GOARCH)
		cmd := exec.CommandContext(ctx, "scripts/build.sh")
		cmd.Env = append(os.Environ(), "GOARCH="+runtime.GOARCH, "OUT="+out)
		cmd.Stdout, cmd.Stderr = stderr, stderr
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("scripts/build.sh: %w", err)
		}
		built["image"] = out
		return out, nil
	case "Zip":
		bi, err := buildinfo.ReadFile(filepath.Join(asset, fn.Handler))
		if err != nil {
			return "", fmt.Errorf("zip asset %s: %s is not a Go binary: %w", asset, fn.Handler, err)
		}
		rel, ok := strings.CutPrefix(bi.Path, bi.Main.Path)
		if !ok || bi.Main.Path != "github.com/r2r/r2r" {
			return "", fmt.Errorf("zip asset %s: package %s is not of this module", asset, bi.Path)
		}
		pkg := "." + rel
		if p, ok := built[pkg]; ok {
			return p, nil
		}
		out := filepath.Join(o.buildDir, strings.TrimPrefix(rel, "/cmd/"), "bootstrap")
		fmt.Fprintf(stderr, "stacklocal: building %s (%s, GOARCH=%s)\n", out, pkg, runtime.GOARCH)
		// The flags of infra's bundling, for this machine's architecture.
		cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-buildvcs=false", "-tags", "lambda.norpc",
			"-ldflags", "-s -w", "-o", out, pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH, "GOFLAGS=")
		cmd.Stdout, cmd.Stderr = stderr, stderr
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("go build %s: %w", pkg, err)
		}
		built[pkg] = out
		return out, nil
	}
	return "", fmt.Errorf("package type %q", fn.PackageType)
}

// prefixWriter prefixes each line with the function's id.
type prefixWriter struct {
	mu     sync.Mutex
	prefix string
	w      io.Writer
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			break
		}
		fmt.Fprintf(p.w, "%s%s\n", p.prefix, p.buf[:i])
		p.buf = p.buf[i+1:]
	}
	return len(b), nil
}
