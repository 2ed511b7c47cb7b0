// Command dockerlint checks Dockerfiles with the rules of `docker build --check`,
// without a Docker engine and without a registry.
//
// It runs BuildKit's own Dockerfile frontend in its lint-only mode
// (dockerfile2llb.DockerfileLint, the code behind `docker build --check`), so
// the rules, their names and their messages are exactly BuildKit's. The one
// difference: base image configurations are not fetched from registries (CI has
// no access to them) but taken from a small table of the images we use (their
// ENV matters to UndefinedVar, their platform to InvalidBaseImagePlatform);
// unknown images get an empty configuration for the requested platform.
//
// Usage:
//
//	dockerlint [-platform linux/arm64] [-build-arg K=V ...] Dockerfile...
//
// Each warning is printed as "FILE:LINE: RULE: message (url)". The exit status
// is 1 when any file has a warning or does not parse, 2 on bad usage.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerui"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// buildArgs collects repeated -build-arg K=V flags.
type buildArgs map[string]string

func (b buildArgs) String() string { return fmt.Sprint(map[string]string(b)) }

func (b buildArgs) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want KEY=VALUE, got %q", s)
	}
	b[k] = v
	return nil
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dockerlint", flag.ContinueOnError)
	fs.SetOutput(stderr)
	platform := fs.String("platform", "linux/arm64", "target platform, as `docker build --platform`")
	bargs := buildArgs{}
	fs.Var(bargs, "build-arg", "build argument `KEY=VALUE` (repeatable)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: dockerlint [-platform os/arch] [-build-arg K=V] Dockerfile...")
		return 2
	}
	p, err := platforms.Parse(*platform)
	if err != nil {
		fmt.Fprintf(stderr, "dockerlint: -platform: %v\n", err)
		return 2
	}
	p = platforms.Normalize(p)

	status := 0
	for _, name := range fs.Args() {
		dt, err := os.ReadFile(name)
		if err != nil {
			fmt.Fprintf(stderr, "dockerlint: %v\n", err)
			status = 1
			continue
		}
		warnings, err := lint(context.Background(), name, dt, p, bargs)
		for _, w := range warnings {
			fmt.Fprintln(stdout, w)
		}
		if err != nil {
			fmt.Fprintf(stdout, "%s: %v\n", name, err)
		}
		if err != nil || len(warnings) > 0 {
			status = 1
		}
	}
	return status
}

// A Warning is one violation of a BuildKit lint rule.
type Warning struct {
	File   string
	Line   int // 1-based; 0 when the rule has no location
	Rule   string
	Detail string
	URL    string
}

func (w Warning) String() string {
	s := fmt.Sprintf("%s:%d: %s: %s", w.File, w.Line, w.Rule, w.Detail)
	if w.URL != "" {
		s += " (" + w.URL + ")"
	}
	return s
}

// lint runs BuildKit's lint-only conversion of dt, as `docker build --check`
// does for every stage, and returns its warnings sorted by line. The error is
// a Dockerfile that BuildKit refuses to build (a parse error, an unknown stage).
func lint(ctx context.Context, name string, dt []byte, platform ocispecs.Platform, args map[string]string) ([]Warning, error) {
	opt := dockerfile2llb.ConvertOpt{
		Config: dockerui.Config{
			BuildArgs:      args,
			BuildPlatforms: []ocispecs.Platform{platforms.DefaultSpec()},
			TargetPlatforms: []ocispecs.Platform{
				platform,
			},
		},
		TargetPlatform: &platform,
		// The source map names the file in warnings. Its definition (the LLB
		// that would load the file) is empty: nothing is built.
		SourceMap:    &llb.SourceMap{Filename: name, Language: "Dockerfile", Data: dt, Definition: &llb.Definition{}},
		MetaResolver: offlineResolver{},
	}
	res, err := dockerfile2llb.DockerfileLint(ctx, dt, opt)
	if err != nil {
		return nil, err
	}
	var out []Warning
	for _, w := range res.Warnings {
		line := 0
		if w.Location != nil && len(w.Location.Ranges) > 0 {
			line = int(w.Location.Ranges[0].Start.Line)
		}
		out = append(out, Warning{File: name, Line: line, Rule: w.RuleName, Detail: w.Detail, URL: w.URL})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	if res.Error != nil {
		return out, errors.New(res.Error.Message)
	}
	return out, nil
}

// knownImages holds the parts of our base images' configurations that lint
// rules read, copied from the published images, keyed by repository (no tag:
// every tag we use has the same ENV). The Lambda base image defines
// LAMBDA_TASK_ROOT and LAMBDA_RUNTIME_DIR, which a Dockerfile may use.
var knownImages = map[string][]string{
	"public.ecr.aws/docker/library/golang": golangEnv, // ECR Public's mirror of the same images
	"docker.io/library/golang":             golangEnv,
	"public.ecr.aws/lambda/provided": {
		"LANG=en_US.UTF-8", "TZ=:/etc/localtime",
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"LD_LIBRARY_PATH=/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib",
		"LAMBDA_TASK_ROOT=/var/task", "LAMBDA_RUNTIME_DIR=/var/runtime",
	},
}

var golangEnv = []string{
	"PATH=/usr/local/go/bin:/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"GOLANG_VERSION=", "GOTOOLCHAIN=local", "GOPATH=/go",
}

// offlineResolver answers BuildKit's base image lookups without a registry:
// an image configuration for the requested platform, with the ENV of
// knownImages. No digest: lint rules never read it.
type offlineResolver struct{}

func (offlineResolver) ResolveImageConfig(_ context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	p := platforms.DefaultSpec()
	if opt.ImageOpt != nil && opt.ImageOpt.Platform != nil {
		p = *opt.ImageOpt.Platform
	}
	repo, _, _ := strings.Cut(ref, "@")
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i]
	}
	img := ocispecs.Image{
		Platform: p,
		Config:   ocispecs.ImageConfig{Env: knownImages[repo]},
		RootFS: ocispecs.RootFS{
			Type: "layers",
			// One layer, so BuildKit treats the image as non-empty.
			DiffIDs: []digest.Digest{digest.FromString(ref)},
		},
	}
	dt, err := json.Marshal(img)
	return ref, "", dt, err
}
