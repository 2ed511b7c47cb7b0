package main

// The container image and `make build` ship the same binary because both run
// scripts/build.sh. TestBuildFlags checks that script's output: the build
// settings Go records in the binary and the ELF file itself, so it fails when
// the script drops or changes a flag the bootstrap relies on.

import (
	"bytes"
	"debug/buildinfo"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestBuildFlags(t *testing.T) {
	b := productionBootstrap(t, runtime.GOARCH)
	info, err := buildinfo.ReadFile(b.path)
	if err != nil {
		t.Fatal(err)
	}
	// The test runs with the Makefile's GOTOOLCHAIN; build.sh refuses any
	// release but its own, so a mismatch means the two name different ones.
	if info.GoVersion != runtime.Version() {
		t.Errorf("built with %s, want %s (the toolchain running the tests)", info.GoVersion, runtime.Version())
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	for _, tt := range []struct{ key, want, why string }{
		{"CGO_ENABLED", "0", "a static binary"},
		{"-trimpath", "true", "no build machine paths"},
		{"-tags", "lambda.norpc", "no net/rpc runtime, and no test-only routes"},
		{"GOOS", "linux", "what Lambda runs"},
		{"GOARCH", runtime.GOARCH, "the architecture asked for"},
	} {
		if got := settings[tt.key]; got != tt.want {
			t.Errorf("build setting %s = %q, want %q (%s)", tt.key, got, tt.want, tt.why)
		}
	}
	for k := range settings {
		if strings.HasPrefix(k, "vcs") {
			t.Errorf("build setting %s present: want -buildvcs=false (the image has no .git)", k)
		}
	}
	// With -trimpath Go does not record -ldflags; -s -w show in the ELF
	// sections below, and -X main.version in the binary's data.
	if b.version != "" {
		raw, err := os.ReadFile(b.path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(raw, []byte(b.version)) {
			t.Errorf("binary lacks the version %q: want -ldflags \"-X main.version=...\" (what /api/healthz reports)", b.version)
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
}

// TestDockerfileCopiesEveryPackage: the image's build stage copies the
// module's directories one by one (a cache layer each), so a package that
// cmd/api starts to import from a new directory must be copied too, or the
// image build, which runs only at deploy time, fails there.
func TestDockerfileCopiesEveryPackage(t *testing.T) {
	df, err := os.ReadFile(filepath.Join("..", "..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var copied []string
	for _, line := range strings.Split(string(df), "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && f[0] == "COPY" && f[1] == f[2] {
			copied = append(copied, strings.TrimSuffix(f[1], "/")+"/")
		}
	}
	out, err := exec.Command("go", "list", "-deps", "-f",
		`{{if .Module}}{{if eq .Module.Path "github.com/r2r/r2r"}}{{.ImportPath}}{{end}}{{end}}`, ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	pkgs := strings.Fields(string(out))
	if len(pkgs) < 3 {
		t.Fatalf("cmd/api's packages = %v: go list found too few", pkgs)
	}
	for _, p := range pkgs {
		dir := strings.TrimPrefix(p, "github.com/r2r/r2r/") + "/"
		if !slices.ContainsFunc(copied, func(c string) bool { return strings.HasPrefix(dir, c) }) {
			t.Errorf("package %s is not copied by the Dockerfile's build stage (COPY lines: %v)", p, copied)
		}
	}
}
