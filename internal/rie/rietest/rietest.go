// Package rietest starts the Lambda Runtime Interface Emulator from tests.
//
// What a test needs from the machine (aws-lambda-rie, qemu-aarch64-static) is
// optional on a developer's machine, where the test skips and says what to
// install, and required in CI (the CI environment variable is set), where
// its absence fails the test instead of hiding it.
package rietest

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/r2r/r2r/internal/rie"
)

// Need skips the test with the message, or fails it when CI is set.
func Need(tb testing.TB, format string, args ...any) {
	tb.Helper()
	if os.Getenv("CI") != "" {
		tb.Fatalf("CI is set and: "+format, args...)
	}
	tb.Skipf(format, args...)
}

// RIE returns the aws-lambda-rie binary (bin/ or PATH), or skips or fails the
// test without one.
func RIE(tb testing.TB) string {
	tb.Helper()
	p, err := rie.Find()
	if err != nil {
		Need(tb, "%v", err)
	}
	return p
}

// Qemu returns qemu-aarch64-static, to run linux/arm64 binaries on another
// machine, or skips or fails the test without it.
func Qemu(tb testing.TB) string {
	tb.Helper()
	p, err := exec.LookPath("qemu-aarch64-static")
	if err != nil {
		Need(tb, "qemu-aarch64-static is not on PATH (Debian: apt-get install qemu-user-static)")
	}
	return p
}

// Start starts the emulator with cfg (cfg.RIE defaults to RIE(tb)) and stops
// it when the test ends; if the test failed, the emulator's output is logged.
func Start(tb testing.TB, cfg rie.Config) *rie.Emulator {
	tb.Helper()
	if cfg.RIE == "" {
		cfg.RIE = RIE(tb)
	}
	e, err := rie.Start(context.Background(), cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		e.Stop()
		if tb.Failed() {
			tb.Logf("emulator output:\n%s", e.Output())
		}
	})
	return e
}
