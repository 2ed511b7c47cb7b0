package main

// The container image and `make build` must ship the same binary: both run
// scripts/build.sh, with the same Go release. These tests fail when the
// Dockerfile, the Makefile and the script drift apart, and when the script's
// output lacks one of the flags it promises.

import (
	"debug/buildinfo"
	"debug/elf"
	"os"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// readRepoFile reads a file at the repository root.
func readRepoFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../../" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// dockerfileInstructions returns the Dockerfile's instructions, continuation
// lines joined and comments dropped.
func dockerfileInstructions(t *testing.T) []string {
	t.Helper()
	var out []string
	cur := ""
	for line := range strings.SplitSeq(readRepoFile(t, "Dockerfile"), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && cur == "") {
			continue
		}
		cont := strings.HasSuffix(trimmed, "\\")
		cur += strings.TrimSuffix(trimmed, "\\") + " "
		if !cont {
			out = append(out, strings.Join(strings.Fields(cur), " "))
			cur = ""
		}
	}
	return out
}

// makeRecipe returns the recipe lines of a Makefile target.
func makeRecipe(t *testing.T, target string) []string {
	t.Helper()
	var recipe []string
	in := false
	for line := range strings.SplitSeq(readRepoFile(t, "Makefile"), "\n") {
		switch {
		case strings.HasPrefix(line, target+":"):
			in = true
		case in && strings.HasPrefix(line, "\t"):
			recipe = append(recipe, strings.TrimSpace(line))
		case in:
			return recipe
		}
	}
	return recipe
}

func TestBuildFlags(t *testing.T) {
	script := readRepoFile(t, "scripts/build.sh")
	m := regexp.MustCompile(`(?m)^GO_RELEASE=(go[0-9.]+)$`).FindStringSubmatch(script)
	if m == nil {
		t.Fatal("scripts/build.sh: no GO_RELEASE=goX.Y.Z line")
	}
	release := m[1]

	t.Run("one Go release", func(t *testing.T) {
		mk := regexp.MustCompile(`(?m)^export GOTOOLCHAIN := (\S+)$`).FindStringSubmatch(readRepoFile(t, "Makefile"))
		if mk == nil || mk[1] != release {
			t.Errorf("Makefile GOTOOLCHAIN = %v, want scripts/build.sh's %s", mk, release)
		}
		var from string
		for _, in := range dockerfileInstructions(t) {
			if strings.HasPrefix(in, "FROM ") && strings.Contains(in, "golang:") {
				from = in
			}
		}
		want := "golang:" + strings.TrimPrefix(release, "go") + "-"
		if !strings.Contains(from, want) {
			t.Errorf("Dockerfile build stage %q, want the image %s<debian>", from, want)
		}
		if !strings.Contains(from, "--platform=$BUILDPLATFORM") {
			t.Errorf("Dockerfile build stage %q, want --platform=$BUILDPLATFORM (cross-compile, no emulation)", from)
		}
	})

	t.Run("Dockerfile builds with the script", func(t *testing.T) {
		var builds []string
		for _, in := range dockerfileInstructions(t) {
			if strings.Contains(in, "go build") || strings.Contains(in, "-ldflags") {
				t.Errorf("Dockerfile has its own build command, not scripts/build.sh's: %s", in)
			}
			if strings.HasPrefix(in, "RUN ") && strings.Contains(in, "scripts/build.sh") {
				builds = append(builds, in)
			}
		}
		if len(builds) != 1 {
			t.Fatalf("Dockerfile: %d RUN scripts/build.sh, want 1", len(builds))
		}
		for _, want := range []string{`GOARCH="$TARGETARCH"`, `VERSION="$VERSION"`, "OUT=/out/bootstrap"} {
			if !strings.Contains(builds[0], want) {
				t.Errorf("Dockerfile: %s\nwant %s", builds[0], want)
			}
		}
		ins := strings.Join(dockerfileInstructions(t), "\n")
		for _, want := range []string{
			"ARG TARGETARCH=arm64",
			"COPY scripts/build.sh scripts/build.sh",
			"FROM public.ecr.aws/lambda/provided:al2023",
			"COPY --from=build /out/bootstrap ${LAMBDA_RUNTIME_DIR}/bootstrap",
		} {
			if !strings.Contains(ins, want) {
				t.Errorf("Dockerfile lacks %q", want)
			}
		}
		// The base image's entrypoint exits unless given exactly one argument.
		if !regexp.MustCompile(`(?m)^CMD \["[^"]+"\]$`).MatchString(ins) {
			t.Error(`Dockerfile: want CMD ["<handler>"], one argument, for /lambda-entrypoint.sh`)
		}
		if strings.Contains(ins, "ENTRYPOINT") {
			t.Error("Dockerfile overrides ENTRYPOINT: the base image's runs the emulator locally and the bootstrap on Lambda")
		}
	})

	t.Run("make build uses the script", func(t *testing.T) {
		recipe := strings.Join(makeRecipe(t, "build"), "\n")
		if !strings.Contains(recipe, "scripts/build.sh") || strings.Contains(recipe, "go build") {
			t.Errorf("Makefile build recipe %q, want scripts/build.sh alone", recipe)
		}
		if !regexp.MustCompile(`(?m)^GOARCH="\$\{GOARCH:-arm64\}"$`).MatchString(script) {
			t.Error("scripts/build.sh: want GOARCH defaulting to arm64, as the Dockerfile's TARGETARCH")
		}
	})

	t.Run("binary", func(t *testing.T) {
		b := productionBootstrap(t, runtime.GOARCH)
		info, err := buildinfo.ReadFile(b.path)
		if err != nil {
			t.Fatal(err)
		}
		if info.GoVersion != release {
			t.Errorf("built with %s, want %s", info.GoVersion, release)
		}
		settings := map[string]string{}
		for _, s := range info.Settings {
			settings[s.Key] = s.Value
		}
		for k, want := range map[string]string{
			"CGO_ENABLED": "0",
			"-trimpath":   "true",
			"-tags":       "lambda.norpc",
			"GOOS":        "linux",
			"GOARCH":      runtime.GOARCH,
		} {
			if settings[k] != want {
				t.Errorf("build setting %s = %q, want %q", k, settings[k], want)
			}
		}
		for k := range settings {
			if strings.HasPrefix(k, "vcs") {
				t.Errorf("build setting %s present: want -buildvcs=false (the image has no .git)", k)
			}
		}

		f, err := elf.Open(b.path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		for _, s := range f.Sections {
			// -s drops .symtab, -w the DWARF sections.
			if s.Name == ".symtab" || strings.HasPrefix(s.Name, ".debug_") || strings.HasPrefix(s.Name, ".zdebug_") {
				t.Errorf("section %s present: want -ldflags \"-s -w\"", s.Name)
			}
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Error("dynamically linked (PT_INTERP): want a static binary (CGO_ENABLED=0)")
			}
		}
	})
}
