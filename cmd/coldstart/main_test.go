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

// TestRun measures a production build of cmd/api briefly and checks that
// every figure is reported, and is a number.
func TestRun(t *testing.T) {
	rietest.RIE(t)
	bootstrap := filepath.Join(t.TempDir(), "bootstrap")
	cmd := exec.Command("../../scripts/build.sh")
	cmd.Env = append(os.Environ(), "GOARCH="+runtime.GOARCH, "OUT="+bootstrap, "VERSION=coldstart-test")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scripts/build.sh: %v\n%s", err, out)
	}
	var out bytes.Buffer
	err := run(context.Background(), []string{
		"-bootstrap", bootstrap, "-n", "2", "-m", "5",
		"-event", "../api/testdata/apigw-v1-request-hello.json",
	}, &out, io.Discard)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	num := `\s+[0-9]+\.[0-9]+`
	for _, want := range []string{
		`linux/` + runtime.GOARCH + `, [0-9.]+ MiB \([0-9]+ bytes\), run native`,
		`init duration \(INIT REPORT\)` + num + num + num + `  ms`,
		`first response \(send to answer\)` + num + num + num + `  ms`,
		`peak RSS of the bootstrap \(VmHWM\)` + num + num + num + `  MiB`,
		`warm latency over 5 sequential invocations`,
		`p50 [0-9.]+ ms  p90 [0-9.]+ ms  p99 [0-9.]+ ms`,
	} {
		if !regexp.MustCompile(want).MatchString(out.String()) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunErrors(t *testing.T) {
	event := "../api/testdata/apigw-v1-request-hello.json"
	for _, args := range [][]string{
		{"-event", event, "-bootstrap", filepath.Join(t.TempDir(), "missing")},
		{"-event", event, "-n", "0"},
		{"-event", event, "-bootstrap", "main.go"}, // not an ELF binary
		{"-event", filepath.Join(t.TempDir(), "missing.json")},
	} {
		if err := run(context.Background(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("run(%q) succeeded, want an error", args)
		}
	}
}
