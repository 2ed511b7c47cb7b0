package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// goBuildFlags build a Lambda bootstrap: static (no cgo), reproducible
// (-trimpath, no VCS stamp, so the asset hash of the output only changes when
// the code does), small (-s -w), and without the legacy net/rpc runtime that
// provided.al2023 does not use (lambda.norpc).
var goBuildFlags = []string{"-trimpath", "-buildvcs=false", "-tags", "lambda.norpc", "-ldflags", "-s -w"}

// goBundler builds a Go command of the app module as a Lambda `bootstrap` for
// linux/arm64 with the local Go toolchain, so synthesis needs no Docker.
//
// It implements awscdk.ILocalBundling; jsii requires a pointer receiver.
type goBundler struct {
	moduleDir string // the app module's root (where go.mod is)
	pkg       string // the command to build, relative to moduleDir, e.g. ./cmd/hello
}

// TryBundle builds the bootstrap into outputDir. It returns false only when Go
// is not installed, letting CDK fall back to the Docker image; a failing build
// stops synthesis with the compiler's message instead of silently trying Docker.
func (b *goBundler) TryBundle(outputDir *string, _ *awscdk.BundlingOptions) *bool {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return jsii.Bool(false)
	}
	args := append([]string{"build"}, goBuildFlags...)
	args = append(args, "-o", filepath.Join(*outputDir, "bootstrap"), b.pkg)
	cmd := exec.Command(goBin, args...)
	cmd.Dir = b.moduleDir
	// Keep the caller's environment (GOTOOLCHAIN, GOPROXY, caches) and pin the
	// target; GOFLAGS from the caller would change the binary silently (as in
	// scripts/build.sh, which builds cmd/api with the same flags).
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0", "GOFLAGS=")
	// stdout belongs to the CDK app; build chatter goes to stderr.
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		panic(fmt.Sprintf("bundling %s: go build in %s: %v", b.pkg, b.moduleDir, err))
	}
	return jsii.Bool(true)
}

// goBundlingOptions builds pkg of the module at moduleDir locally, or, where Go
// is missing, in the official Go image (the asset directory is mounted at
// /asset-input and the result collected from /asset-output).
func goBundlingOptions(moduleDir, pkg string) *awscdk.BundlingOptions {
	script := "go build " + shellJoin(goBuildFlags) + " -o /asset-output/bootstrap " + pkg
	return &awscdk.BundlingOptions{
		Local:   &goBundler{moduleDir: moduleDir, pkg: pkg},
		Image:   awscdk.DockerImage_FromRegistry(jsii.String("public.ecr.aws/docker/library/golang:1.27")),
		Command: jsii.Strings("bash", "-c", script),
		Environment: &map[string]*string{
			"GOOS": jsii.String("linux"), "GOARCH": jsii.String("arm64"), "CGO_ENABLED": jsii.String("0"),
			// CDK runs the container as the host user, who cannot write the image's caches.
			"GOCACHE": jsii.String("/tmp/go-cache"), "GOMODCACHE": jsii.String("/tmp/go-mod"),
			"GOTOOLCHAIN": jsii.String("auto"),
		},
	}
}

// shellJoin quotes args for bash -c.
func shellJoin(args []string) string {
	s := ""
	for i, a := range args {
		if i > 0 {
			s += " "
		}
		s += "'" + a + "'"
	}
	return s
}
