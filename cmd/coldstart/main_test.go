package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"testing"

	"github.com/r2r/r2r/internal/rie/rietest"
)

func TestPercentile(t *testing.T) {
	v := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, tt := range []struct{ p, want float64 }{{50, 5}, {90, 9}, {99, 10}, {100, 10}, {0, 1}} {
		if got := percentile(v, tt.p); got != tt.want {
			t.Errorf("percentile(1..10, %v) = %v, want %v", tt.p, got, tt.want)
		}
	}
	if got := percentile([]float64{7}, 99); got != 7 {
		t.Errorf("percentile([7], 99) = %v, want 7", got)
	}
}

// build builds pkg (relative to the repository) with scripts/build.sh, the
// production flags, into a temporary file.
func build(t *testing.T, pkg string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "bootstrap")
	cmd := exec.Command("../../scripts/build.sh")
	cmd.Env = append(os.Environ(), "GOARCH="+runtime.GOARCH, "OUT="+out, "PKG="+pkg, "VERSION=coldstart-test")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/build.sh PKG=%s: %v\n%s", pkg, err, b)
	}
	return out
}

const num = `\s+[0-9]+\.[0-9]+`

// figures are the lines every measured binary gets.
var figures = []string{
	`init duration \(INIT REPORT\)` + num + num + num + `  ms`,
	`first response \(send to answer\)` + num + num + num + `  ms`,
	`peak RSS of the bootstrap \(VmHWM\)` + num + num + num + `  MiB`,
	`warm latency over 5 sequential invocations`,
	`p50 [0-9.]+ ms  p90 [0-9.]+ ms  p99 [0-9.]+ ms`,
}

// TestRun measures a production build of cmd/api briefly, alone and beside
// the floor (bench/lambdafloor), and checks that every figure is reported,
// and is a number: for each binary, and as ratios when there is a floor.
func TestRun(t *testing.T) {
	rietest.RIE(t)
	bootstrap := build(t, "./cmd/api")
	floor := build(t, "./bench/lambdafloor")
	ratios := []string{
		`init duration, median` + num + num + num + `x  ms`,
		`first response, median` + num + num + num + `x  ms`,
		`peak RSS, median` + num + num + num + `x  MiB`,
		`warm latency, p50` + num + num + num + `x  ms`,
		`warm latency, p99` + num + num + num + `x  ms`,
	}
	for _, tt := range []struct {
		name    string
		args    []string
		each    int // times each binary's lines appear
		ratioed int // times each ratio line appears
	}{
		{"alone", nil, 1, 0},
		{"floor", []string{"-floor", floor}, 2, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			args := append([]string{
				"-bootstrap", bootstrap, "-n", "2", "-m", "5",
				"-event", "../api/testdata/apigw-v1-request-hello.json",
			}, tt.args...)
			if err := run(context.Background(), args, &out, io.Discard); err != nil {
				t.Fatalf("run(%q): %v\n%s", args, err, out.String())
			}
			got := out.String()
			arch := `linux/` + runtime.GOARCH + `, [0-9.]+ MiB \([0-9]+ bytes\), run native`
			count := func(re string, want int) {
				if n := len(regexp.MustCompile(re).FindAllString(got, -1)); n != want {
					t.Errorf("output has %d lines matching %q, want %d:\n%s", n, re, want, got)
				}
			}
			for _, re := range append([]string{arch}, figures...) {
				count(re, tt.each)
			}
			for _, re := range ratios {
				count(re, tt.ratioed)
			}
		})
	}
}

func TestRunErrors(t *testing.T) {
	event := "../api/testdata/apigw-v1-request-hello.json"
	for _, args := range [][]string{
		{"-event", event, "-bootstrap", filepath.Join(t.TempDir(), "missing")},
		{"-event", event, "-n", "0"},
		{"-event", event, "-bootstrap", "main.go"}, // not an ELF binary
		{"-event", filepath.Join(t.TempDir(), "missing.json")},
		// The test binary is a runnable ELF: only the floor is missing.
		{"-event", event, "-bootstrap", os.Args[0], "-floor", filepath.Join(t.TempDir(), "missing")},
	} {
		if err := run(context.Background(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("run(%q) succeeded, want an error", args)
		}
	}
}
