package rie_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/r2r/r2r/internal/rie"
	"github.com/r2r/r2r/internal/rie/rietest"
)

var echo struct {
	once sync.Once
	path string
	err  error
}

// echoRuntime builds testdata/echoruntime, a runtime that answers each event
// with itself, once for all tests.
func echoRuntime(t *testing.T) string {
	t.Helper()
	echo.once.Do(func() {
		dir, err := os.MkdirTemp("", "rie-test")
		if err != nil {
			echo.err = err
			return
		}
		echo.path = filepath.Join(dir, "bootstrap")
		if b, err := exec.Command("go", "build", "-o", echo.path, "./testdata/echoruntime").CombinedOutput(); err != nil {
			echo.err = fmt.Errorf("go build echoruntime: %v\n%s", err, b)
		}
	})
	if echo.err != nil {
		t.Fatal(echo.err)
	}
	return echo.path
}

func TestMain(m *testing.M) {
	code := m.Run()
	if echo.path != "" {
		os.RemoveAll(filepath.Dir(echo.path))
	}
	os.Exit(code)
}

func TestInvokeOneProcess(t *testing.T) {
	e := rietest.Start(t, rie.Config{Command: []string{echoRuntime(t)}})
	ctx := context.Background()

	for i := range 3 {
		id := rie.NewRequestID()
		event := fmt.Sprintf(`{"n":%d}`, i)
		got, err := e.InvokeID(ctx, id, []byte(event))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != event {
			t.Errorf("InvokeID(%s) = %s, want %s", event, got, event)
		}
		rep, err := e.Report(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if rep.RequestID != id || rep.Duration <= 0 {
			t.Errorf("Report(%s) = %+v, want that id and a duration", id, rep)
		}
		if !containsLine(e.Stdout(), "echoruntime: event "+id) {
			t.Errorf("no output line of the runtime for %s in stdout:\n%v", id, e.Stdout())
		}
	}
	if n := e.InitStarts(); n != 1 {
		t.Errorf("InitStarts() = %d after 3 invocations, want 1", n)
	}
	if _, err := e.WaitInitReport(ctx); err != nil {
		t.Error(err)
	}
	if ds := e.InitReports(); len(ds) != 1 || ds[0] <= 0 {
		t.Errorf("InitReports() = %v, want one positive duration", ds)
	}
	rss, err := e.PeakRSS()
	if err != nil || rss < 1<<20 {
		t.Errorf("PeakRSS() = %d, %v; want over 1 MiB", rss, err)
	}

	pids := e.RuntimePIDs()
	if len(pids) != 1 {
		t.Fatalf("RuntimePIDs() = %v, want one bootstrap", pids)
	}
	e.Stop()
	assertGone(t, pids[0])
}

// TestStopEndsRuntimeAfterEmulatorDied: the bootstrap must not outlive Stop
// even when the emulator was killed first (its child is then orphaned).
func TestStopEndsRuntimeAfterEmulatorDied(t *testing.T) {
	e := rietest.Start(t, rie.Config{Command: []string{echoRuntime(t)}})
	if _, err := e.Invoke(context.Background(), []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	pids := e.RuntimePIDs()
	if len(pids) != 1 {
		t.Fatalf("RuntimePIDs() = %v, want one bootstrap", pids)
	}
	// SIGKILL: the emulator gets no chance to end its runtime.
	rieProc := parentOf(t, pids[0])
	if err := syscall.Kill(rieProc, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-e.Done()
	e.Stop()
	assertGone(t, pids[0])
}

// TestConcurrentInvokes: callers may share an emulator; the emulator itself
// fails on concurrent invocations, so Invoke must serialise them.
func TestConcurrentInvokes(t *testing.T) {
	e := rietest.Start(t, rie.Config{Command: []string{echoRuntime(t)}})
	invokeConcurrently(t, 8, e.Invoke)
	if n := e.InitStarts(); n != 1 {
		t.Errorf("InitStarts() = %d, want 1", n)
	}
}

// TestRuntimeExit: a runtime that dies fails the invocation, and the next
// invocation starts a new one (a second INIT).
func TestRuntimeExit(t *testing.T) {
	e := rietest.Start(t, rie.Config{Command: []string{echoRuntime(t)}})
	ctx := context.Background()
	if _, err := e.Invoke(ctx, []byte(`"exit"`)); err == nil {
		t.Error(`Invoke("exit") succeeded, want the emulator's error`)
	}
	if got, err := e.Invoke(ctx, []byte(`{"after":1}`)); err != nil || string(got) != `{"after":1}` {
		t.Errorf("Invoke after a crash = %s, %v; want the event back", got, err)
	}
	if n := e.InitStarts(); n != 2 {
		t.Errorf("InitStarts() = %d, want 2", n)
	}
}

func TestStartFails(t *testing.T) {
	// The emulator starts the bootstrap only on the first invocation, so a
	// missing bootstrap shows there.
	e := rietest.Start(t, rie.Config{Command: []string{filepath.Join(t.TempDir(), "missing")}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := e.Invoke(ctx, []byte(`{}`)); err == nil {
		t.Error("Invoke with a missing bootstrap succeeded")
	}
	if _, err := rie.Start(ctx, rie.Config{RIE: filepath.Join(t.TempDir(), "no-rie"), Command: []string{"x"}}); err == nil {
		t.Error("Start with a missing emulator succeeded")
	}
}

func TestParseReport(t *testing.T) {
	tests := []struct {
		line string
		want rie.Report
		ok   bool
	}{
		{
			line: "REPORT RequestId: 8f5e\tInit Duration: 0.03 ms\tDuration: 10.68 ms\tBilled Duration: 11 ms\tMemory Size: 3008 MB\tMax Memory Used: 3008 MB\t",
			want: rie.Report{RequestID: "8f5e", InitDuration: 30 * time.Microsecond, Duration: 10680 * time.Microsecond, MaxMemoryUsedMB: 3008},
			ok:   true,
		},
		{
			line: "REPORT RequestId: 9a\tDuration: 0.99 ms\tBilled Duration: 1 ms\tMemory Size: 512 MB\tMax Memory Used: 21 MB\t",
			want: rie.Report{RequestID: "9a", Duration: 990 * time.Microsecond, MaxMemoryUsedMB: 21},
			ok:   true,
		},
		{line: "END RequestId: 9a"},
		{line: `{"msg":"REPORT RequestId: forged"}`},
	}
	for _, tt := range tests {
		got, ok := rie.ParseReport(tt.line)
		if ok != tt.ok {
			t.Errorf("ParseReport(%q) ok = %v, want %v", tt.line, ok, tt.ok)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseReport(%q) (-want +got):\n%s", tt.line, diff)
		}
	}
}

func containsLine(lines []string, s string) bool {
	for _, l := range lines {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}

// parentOf returns pid's parent process id.
func parentOf(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// pid (comm) state ppid ...; comm may hold spaces, so cut after ')'.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	var ppid int
	fmt.Sscan(f[1], &ppid)
	return ppid
}

// assertGone fails unless pid has exited (a zombie awaiting its reaper has).
func assertGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return
		}
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if f[0] == "Z" || f[0] == "X" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("bootstrap %d still running after Stop: %s", pid, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// invokeConcurrently sends n different events through invoke at once and
// checks that each is answered with itself, as echoRuntime answers.
func invokeConcurrently(t *testing.T, n int, invoke func(context.Context, []byte) ([]byte, error)) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			event := fmt.Sprintf(`{"n":%d}`, i)
			got, err := invoke(context.Background(), []byte(event))
			if err == nil && string(got) != event {
				err = fmt.Errorf("Invoke(%s) = %s", event, got)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
