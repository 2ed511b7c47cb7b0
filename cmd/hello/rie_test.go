//go:build linux

package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// rieVersion is the Runtime Interface Emulator the test runs (it has no tags).
const rieVersion = "v0.0.0-20261030222936-bef5c4ba774d"

// TestBootstrapUnderRuntimeInterfaceEmulator builds the function exactly as
// the CDK app does (linux/arm64, lambda.norpc, static) and serves real events
// through AWS's Runtime Interface Emulator, under qemu on non-arm64 hosts: the
// deployed artifact, not just the handler function, answers correctly.
func TestBootstrapUnderRuntimeInterfaceEmulator(t *testing.T) {
	if testing.Short() {
		t.Skip("builds two binaries and runs them under qemu; skipped with -short")
	}
	var emulate []string
	if runtime.GOARCH != "arm64" {
		qemu, err := exec.LookPath("qemu-aarch64-static")
		if err != nil {
			t.Fatal("qemu-aarch64-static not installed (Debian: apt-get install qemu-user-static; .ci/run installs it)")
		}
		emulate = []string{qemu}
	}
	dir := t.TempDir()

	rie := filepath.Join(dir, "aws-lambda-rie")
	install := exec.Command("go", "install", "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@"+rieVersion)
	install.Env = append(os.Environ(), "GOBIN="+dir, "GOOS=", "GOARCH=")
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("cannot build the Runtime Interface Emulator: %v\n%s", err, out)
	}

	// The same flags as infra/bundling.go.
	bootstrap := filepath.Join(dir, "bootstrap")
	build := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-tags", "lambda.norpc", "-ldflags", "-s -w", "-o", bootstrap, ".")
	build.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	invokeAddr, runtimeAddr := freeAddr(t), freeAddr(t)
	args := []string{"--runtime-interface-emulator-address", invokeAddr, "--runtime-api-address", runtimeAddr}
	cmd := exec.Command(rie, append(append(args, emulate...), bootstrap)...)
	cmd.Env = append(os.Environ(), "ALLOW_ORIGINS=https://app.example.com")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	// Own process group, so the emulated bootstrap dies with the emulator.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
		if t.Failed() {
			t.Logf("emulator output:\n%s", logs.String())
		}
	})
	waitForListener(t, invokeAddr)

	// One request at a time: the emulator does not support concurrent invokes.
	tests := []struct {
		name     string
		event    string
		wantCode int
		wantBody map[string]any
		// the event's Origin is allowed (the sample sends none)
		wantAllow string
	}{
		{"cognito claims", filepath.Join("testdata", "apigw-request-cognito.json"), 200,
			map[string]any{"message": "Hello alice"}, "https://app.example.com"},
		{"aws-lambda-go sample without claims", filepath.Join(lambdaGoTestdata(t), "apigw-request.json"), 401,
			unauthorized("deef4878-7910-11e6-8f14-25afc3e9ae33"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			event, err := os.ReadFile(tt.event)
			if err != nil {
				t.Fatal(err)
			}
			resp := invoke(t, invokeAddr, event)
			if resp.StatusCode != tt.wantCode {
				t.Errorf("StatusCode = %d, want %d (body %s)", resp.StatusCode, tt.wantCode, resp.Body)
			}
			assertJSON(t, resp.Body, tt.wantBody)
			if got := resp.Headers["Access-Control-Allow-Origin"]; got != tt.wantAllow {
				t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, tt.wantAllow)
			}
		})
	}
}

func invoke(t *testing.T, addr string, event []byte) events.APIGatewayProxyResponse {
	t.Helper()
	client := http.Client{Timeout: 30 * time.Second} // qemu start-up is slow
	r, err := client.Post("http://"+addr+"/2015-03-31/functions/function/invocations", "application/json", bytes.NewReader(event))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	body, _ := io.ReadAll(r.Body)
	var resp events.APIGatewayProxyResponse
	if err := json.Unmarshal(body, &resp); err != nil || r.StatusCode != 200 {
		t.Fatalf("invoke: HTTP %d, %q: %v", r.StatusCode, body, err)
	}
	return resp
}

// freeAddr returns a loopback address with a port that was free just now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitForListener(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("emulator did not listen on %s", addr)
}
