package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/r2r/r2r/internal/rie"
	"github.com/r2r/r2r/internal/rie/rietest"
)

// productionBuild is a bootstrap built by scripts/build.sh, as make build and
// the Dockerfile build it.
type productionBuild struct {
	path    string
	version string // "" when not known (built outside the test)
}

var production struct {
	mu     sync.Mutex
	builds map[string]productionBuild
}

// productionBootstrap returns the linux/arch bootstrap built with the
// production flags: the one named by R2R_BOOTSTRAP_<ARCH> (make test-image
// passes make build's), else one built here with scripts/build.sh, once per
// test binary.
func productionBootstrap(t *testing.T, arch string) productionBuild {
	t.Helper()
	if p := os.Getenv("R2R_BOOTSTRAP_" + strings.ToUpper(arch)); p != "" {
		return productionBuild{path: p}
	}
	production.mu.Lock()
	defer production.mu.Unlock()
	if b, ok := production.builds[arch]; ok {
		return b
	}
	dir, err := os.MkdirTemp("", "r2r-bootstrap-"+arch)
	if err != nil {
		t.Fatal(err)
	}
	b := productionBuild{path: filepath.Join(dir, "bootstrap"), version: "e2e-" + arch + "-" + rie.NewRequestID()[:8]}
	cmd := exec.Command("../../scripts/build.sh")
	cmd.Env = append(os.Environ(), "GOARCH="+arch, "OUT="+b.path, "VERSION="+b.version)
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		t.Fatalf("scripts/build.sh GOARCH=%s: %v\n%s", arch, err, out)
	}
	if production.builds == nil {
		production.builds = map[string]productionBuild{}
	}
	production.builds[arch] = b
	return b
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, b := range production.builds {
		os.RemoveAll(filepath.Dir(b.path))
	}
	os.Exit(code)
}

// TestProductionBootstrap runs the bootstrap as shipped (scripts/build.sh's
// flags, no test routes) for both architectures: amd64 natively, arm64 —
// the image's — through qemu-user.
func TestProductionBootstrap(t *testing.T) {
	for _, arch := range []string{"amd64", "arm64"} {
		t.Run(arch, func(t *testing.T) {
			rietest.RIE(t)
			var command []string
			switch {
			case arch == runtime.GOARCH:
			case arch == "arm64":
				command = []string{rietest.Qemu(t)}
			default:
				t.Skipf("no emulator for linux/%s on %s", arch, runtime.GOARCH)
			}
			b := productionBootstrap(t, arch)
			e := rietest.Start(t, rie.Config{
				Command: append(command, b.path),
				Env:     []string{"AWS_LAMBDA_FUNCTION_TIMEOUT=30", "STAGE=test"},
			})

			resp, raw := invoke(t, e, "apigw-v1-request-hello.json", rie.NewRequestID())
			if resp.StatusCode != 200 {
				t.Fatalf("hello: status = %d, want 200; response %s", resp.StatusCode, raw)
			}
			if diff := cmp.Diff(map[string]any{"message": "Hello World"}, jsonBody(t, resp)); diff != "" {
				t.Errorf("hello body (-want +got):\n%s", diff)
			}

			// The version of -X main.version, and no test routes: the flags of
			// scripts/build.sh, not a test build's.
			health := healthzEvent(t)
			raw, err := e.Invoke(context.Background(), health)
			if err != nil {
				t.Fatal(err)
			}
			json.Unmarshal(raw, &resp)
			h := jsonBody(t, resp)
			if b.version != "" && h["version"] != b.version {
				t.Errorf("healthz version = %v, want the build's %q", h["version"], b.version)
			}
			resp, raw = invoke(t, e, "apigw-v1-request-panic.json", rie.NewRequestID())
			if resp.StatusCode != 404 {
				t.Errorf("/api/_test/panic: status = %d, want 404 in a production build; response %s", resp.StatusCode, raw)
			}
		})
	}
}

// healthzEvent is the REST hello event for GET /api/healthz.
func healthzEvent(t *testing.T) []byte {
	t.Helper()
	var ev map[string]any
	if err := json.Unmarshal(event(t, "apigw-v1-request-hello.json"), &ev); err != nil {
		t.Fatal(err)
	}
	ev["path"] = "/api/healthz"
	ev["pathParameters"] = map[string]any{"proxy": "healthz"}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
