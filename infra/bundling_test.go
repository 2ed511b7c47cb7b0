package main

import (
	"debug/elf"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestGoBundlerWithoutGo: no Go on PATH means "not bundled here", so CDK
// falls back to the Docker image instead of failing.
func TestGoBundlerWithoutGo(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	out := t.TempDir()
	b := &goBundler{moduleDir: "..", pkg: "./cmd/hello"}
	if got := b.TryBundle(&out, nil); *got {
		t.Errorf("TryBundle without go on PATH = true, want false")
	}
}

// TestGoBundlerBuildError: a build that fails stops synthesis with the
// package named, rather than silently trying Docker.
func TestGoBundlerBuildError(t *testing.T) {
	out := t.TempDir()
	b := &goBundler{moduleDir: "..", pkg: "./cmd/does-not-exist"}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "./cmd/does-not-exist") {
			t.Errorf("TryBundle(missing package) panic = %v, want an error naming the package", r)
		}
	}()
	b.TryBundle(&out, nil)
}

// TestGoBundlerBuildsArm64 runs the local bundler alone (no synthesis).
func TestGoBundlerBuildsArm64(t *testing.T) {
	out := t.TempDir()
	b := &goBundler{moduleDir: "..", pkg: "./cmd/hello"}
	if ok := b.TryBundle(&out, nil); !*ok {
		t.Fatal("TryBundle = false, want true with go on PATH")
	}
	f, err := elf.Open(filepath.Join(out, "bootstrap"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Machine != elf.EM_AARCH64 {
		t.Errorf("bootstrap machine = %v, want EM_AARCH64", f.Machine)
	}
}

// TestDockerFallbackCommand: the fallback builds the same way, for the same
// target, into /asset-output/bootstrap.
func TestDockerFallbackCommand(t *testing.T) {
	opts := goBundlingOptions("..", "./cmd/hello")
	cmd := strings.Join(goStrings(*opts.Command), " ")
	for _, want := range []string{"go build", "'-trimpath'", "'lambda.norpc'", "'-s -w'", "-o /asset-output/bootstrap ./cmd/hello"} {
		if !strings.Contains(cmd, want) {
			t.Errorf("fallback command %q lacks %q", cmd, want)
		}
	}
	env := *opts.Environment
	for k, want := range map[string]string{"GOOS": "linux", "GOARCH": "arm64", "CGO_ENABLED": "0"} {
		if got := env[k]; got == nil || *got != want {
			t.Errorf("fallback env %s = %v, want %s", k, got, want)
		}
	}
}

func goStrings(ps []*string) []string {
	var out []string
	for _, p := range ps {
		out = append(out, *p)
	}
	return out
}
