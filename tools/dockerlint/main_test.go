package main

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/containerd/platforms"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	dockerfileversion "github.com/moby/buildkit/frontend/dockerfile/version"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

var arm64 = platforms.MustParse("linux/arm64")

// repo is the repository root, two levels up.
const repo = "../.."

func TestRepoDockerfile(t *testing.T) {
	dt, err := os.ReadFile(filepath.Join(repo, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	warnings, err := lint(context.Background(), "Dockerfile", dt, arm64, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range warnings {
		t.Errorf("Dockerfile: %s", w)
	}
}

// TestFrontendPinnedToLinter: the Dockerfile's syntax directive pins the
// frontend that `docker build` (and so `cdk deploy`) runs to the version of
// the BuildKit release this linter is built from, so the rules linted here
// are the rules a deploy's build enforces (check=error=true): a newer
// frontend could add a rule that fails a deploy.
func TestFrontendPinnedToLinter(t *testing.T) {
	dt, err := os.ReadFile(filepath.Join(repo, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	syntax, _, _, ok := parser.DetectSyntax(dt)
	if !ok {
		t.Fatal("Dockerfile has no syntax directive")
	}
	// Version() is major.minor.patch, e.g. 1.28.0.
	parts := strings.Split(dockerfileversion.Version(), ".")
	if len(parts) != 3 {
		t.Fatalf("frontend version = %q, want major.minor.patch", dockerfileversion.Version())
	}
	if want := "docker/dockerfile:" + parts[0] + "." + parts[1]; syntax != want {
		t.Errorf("Dockerfile syntax = %s, want %s (the frontend of the linter's BuildKit)", syntax, want)
	}
}

// TestViolations: each Dockerfile breaks one rule, which must be reported by
// name on its line; otherwise the linter could pass anything.
func TestViolations(t *testing.T) {
	tests := []struct {
		name, dockerfile string
		rule             string
		line             int
	}{
		{"as casing", "FROM alpine as build\nRUN true\n", "FromAsCasing", 1},
		{"maintainer", "FROM alpine\nMAINTAINER someone@example.com\n", "MaintainerDeprecated", 2},
		{"shell-form CMD", "FROM alpine\nCMD /bootstrap\n", "JSONArgsRecommended", 2},
		{"undefined variable", "FROM alpine\nCOPY bootstrap ${RUNTIME_DIRR}/bootstrap\n", "UndefinedVar", 2},
		{"legacy ENV", "FROM alpine\nENV A b\n", "LegacyKeyValueFormat", 2},
		{"duplicate stage", "FROM alpine AS a\nFROM alpine AS a\n", "DuplicateStageName", 2},
		{"instruction casing", "FROM alpine\nrun true\nRUN true\n", "ConsistentInstructionCasing", 2},
		{"relative WORKDIR", "FROM alpine\nWORKDIR src\n", "WorkdirRelativePath", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			warnings, err := lint(context.Background(), "Dockerfile", []byte(tt.dockerfile), arm64, nil)
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, w := range warnings {
				if w.Rule == tt.rule && w.Line == tt.line {
					found = true
				}
			}
			if !found {
				t.Errorf("lint(%q) = %v, want %s on line %d", tt.dockerfile, warnings, tt.rule, tt.line)
			}
		})
	}
}

// TestLambdaBaseImageEnv: LAMBDA_RUNTIME_DIR comes from the Lambda base
// image's ENV, which the offline resolver must supply.
func TestLambdaBaseImageEnv(t *testing.T) {
	df := "FROM public.ecr.aws/lambda/provided:al2023\nCOPY bootstrap ${LAMBDA_RUNTIME_DIR}/bootstrap\nCMD [\"bootstrap\"]\n"
	warnings, err := lint(context.Background(), "Dockerfile", []byte(df), arm64, nil)
	if err != nil || len(warnings) > 0 {
		t.Errorf("lint = %v, %v; want no warnings", warnings, err)
	}
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	bad := filepath.Join(dir, "bad")
	os.WriteFile(good, []byte("FROM alpine\nCMD [\"true\"]\n"), 0o644)
	os.WriteFile(bad, []byte("FROM alpine as x\n"), 0o644)
	tests := []struct {
		args       []string
		status     int
		wantOutput string
	}{
		{[]string{good}, 0, ""},
		{[]string{bad}, 1, bad + ":1: FromAsCasing: "},
		{[]string{good, bad}, 1, "FromAsCasing"},
		{[]string{filepath.Join(dir, "missing")}, 1, ""},
		{nil, 2, ""},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		if got := run(tt.args, &out, io.Discard); got != tt.status {
			t.Errorf("run(%v) = %d, want %d; output %s", tt.args, got, tt.status, out.String())
		}
		if !strings.Contains(out.String(), tt.wantOutput) {
			t.Errorf("run(%v) output %q, want %q in it", tt.args, out.String(), tt.wantOutput)
		}
	}
}

// TestBuildContext does what `docker build` does with the repository, short
// of running containers: the build context is the repository minus
// .dockerignore, the build stage gets what its COPY instructions name, and
// scripts/build.sh must build the bootstrap from that alone. So an ignore
// pattern that drops a needed file (the docs UI assets, go.sum, ...) fails
// here, not at deploy time.
func TestBuildContext(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the bootstrap")
	}
	ctxFiles := buildContext(t)
	for _, must := range []string{"go.mod", "go.sum", "scripts/build.sh", "cmd/api/main.go", "internal/api/docsui/swagger-ui-bundle.js.gz"} {
		if !slices.Contains(ctxFiles, must) {
			t.Errorf("build context lacks %s", must)
		}
	}
	for _, f := range ctxFiles {
		if strings.HasSuffix(f, "_test.go") || strings.Contains(f, "testdata/") ||
			strings.HasPrefix(f, "infra/") || strings.HasPrefix(f, ".git/") || strings.HasPrefix(f, "bin/") {
			t.Errorf("build context has %s, which the image does not need", f)
		}
	}

	// The build stage: its COPY instructions (those without --from).
	dt, err := os.ReadFile(filepath.Join(repo, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	ast, err := parser.Parse(bytes.NewReader(dt))
	if err != nil {
		t.Fatal(err)
	}
	stages, _, err := instructions.Parse(ast.AST, nil)
	if err != nil {
		t.Fatal(err)
	}
	stage := t.TempDir()
	for _, cmd := range stages[0].Commands {
		c, ok := cmd.(*instructions.CopyCommand)
		if !ok || c.From != "" {
			continue
		}
		dest := c.DestPath
		for _, src := range c.SourcePaths {
			target := dest
			if strings.HasSuffix(dest, "/") || dest == "./" {
				target = filepath.Join(dest, filepath.Base(src))
			}
			n := 0
			for _, f := range ctxFiles {
				if f == src || strings.HasPrefix(f, src+"/") {
					copyFile(t, filepath.Join(repo, f), filepath.Join(stage, target, strings.TrimPrefix(f, src)))
					n++
				}
			}
			if n == 0 {
				t.Errorf("COPY %s: not in the build context", src)
			}
		}
	}
	cmd := exec.Command("sh", "scripts/build.sh")
	cmd.Dir = stage
	cmd.Env = append(os.Environ(), "GOARCH=arm64", "OUT="+filepath.Join(stage, "bootstrap"), "VERSION=context-test")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/build.sh in the build stage's files: %v\n%s", err, out)
	}
}

// buildContext lists the repository's files (slash paths) that survive
// .dockerignore, with the patterns matched as BuildKit matches them.
func buildContext(t *testing.T) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(repo, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	err = filepath.WalkDir(repo, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(repo, p)
		if rel == "." {
			return nil
		}
		rel = filepath.ToSlash(rel)
		skip, err := pm.MatchesOrParentMatches(rel)
		if err != nil {
			return err
		}
		if skip {
			// Exclusions (!pattern) could re-include a file below an ignored
			// directory; ours have none, so the walk may skip the directory.
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if pm.Exclusions() {
		t.Fatal(".dockerignore has !exclusions: buildContext's directory skipping would be wrong")
	}
	return files
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(from)
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, fi.Mode().Perm()); err != nil {
		t.Fatal(err)
	}
}
