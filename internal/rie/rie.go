// Package rie runs a Lambda bootstrap under the official Lambda Runtime
// Interface Emulator (aws-lambda-rie), for end-to-end tests and for
// measurements (cmd/coldstart).
//
// Start launches the emulator on two free loopback ports with a bootstrap
// command; the emulator starts the bootstrap itself on the first invocation,
// as Lambda does on a cold start. Invoke sends one raw event and returns the
// raw response payload; invocations are serialised, because the emulator
// crashes on concurrent ones. Everything the emulator and the bootstrap write
// is kept (Stdout, Stderr), and the emulator's reports are parsed: InitReports
// (INIT REPORT lines) and Report (REPORT lines). Stop ends the emulator and
// the bootstrap, and leaves no process behind.
//
// What the emulator reports is not all measured: its REPORT "Init Duration"
// times a call that returns before the runtime is ready, and "Max Memory Used"
// repeats the configured memory size. The INIT REPORT line (from the start of
// init to the runtime's first request for work) and PeakRSS (the kernel's
// high-water mark of the bootstrap's resident memory) are the measured ones.
package rie

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Config says what to run under the emulator.
type Config struct {
	// RIE is the aws-lambda-rie binary; empty means Find's answer.
	RIE string
	// Command is the bootstrap and its arguments, run by the emulator: e.g.
	// {"./bootstrap"}, or {"qemu-aarch64-static", "./bootstrap"} for an arm64
	// binary on another machine.
	Command []string
	// Env (KEY=VALUE) is added to the emulator's environment, which the
	// emulator hands on to the bootstrap (AWS_LAMBDA_FUNCTION_TIMEOUT, STAGE,
	// LOG_LEVEL, ...). Nothing else of the caller's environment is, but PATH,
	// so a run does not depend on the shell it started from.
	Env []string
	// Dir is the working directory of the emulator and the bootstrap; empty
	// means the current one.
	Dir string
	// Output, if not nil, also receives everything the emulator and the
	// bootstrap write, as it comes.
	Output io.Writer
	// StartTimeout bounds how long Start waits for the emulator to listen;
	// zero means 10 seconds.
	StartTimeout time.Duration
}

// An Emulator is a running aws-lambda-rie with its bootstrap.
type Emulator struct {
	// Addr is the emulator's invocation endpoint (host:port).
	Addr string
	// RuntimeAPI is the Runtime API address the bootstrap talks to.
	RuntimeAPI string

	cmd     *exec.Cmd
	done    chan struct{} // closed when the emulator process has exited
	waitErr error
	log     *outputLog
	client  *http.Client

	invokeMu sync.Mutex // one invocation at a time: the emulator needs it

	pidMu       sync.Mutex
	runtimePIDs map[int]bool // every bootstrap process seen, for Stop

	stopOnce sync.Once
}

// Find returns the aws-lambda-rie binary: bin/aws-lambda-rie in the current
// directory or the nearest parent that has one (where `make rie` installs
// it, so tests in any package find it), else the one on PATH.
func Find() (string, error) {
	if dir, err := os.Getwd(); err == nil {
		for {
			p := filepath.Join(dir, "bin", "aws-lambda-rie")
			if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
				return p, nil
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	p, err := exec.LookPath("aws-lambda-rie")
	if err != nil {
		return "", errors.New("aws-lambda-rie is neither in bin/ nor on PATH (make rie installs it)")
	}
	return p, nil
}

// Start starts the emulator with cfg's bootstrap on free loopback ports and
// returns once the emulator accepts invocations. The bootstrap itself starts
// with the first invocation. ctx bounds the start only.
func Start(ctx context.Context, cfg Config) (*Emulator, error) {
	if len(cfg.Command) == 0 {
		return nil, errors.New("rie: no bootstrap command")
	}
	if cfg.RIE == "" {
		p, err := Find()
		if err != nil {
			return nil, err
		}
		cfg.RIE = p
	}
	if cfg.StartTimeout == 0 {
		cfg.StartTimeout = 10 * time.Second
	}
	// The free ports are found by binding :0 and closing, so another process
	// can take one before the emulator binds it: retry with new ports then.
	var err error
	for range 3 {
		var e *Emulator
		e, err = start(ctx, cfg)
		if err == nil {
			return e, nil
		}
		if !errors.Is(err, errExitedEarly) {
			return nil, err
		}
	}
	return nil, err
}

var errExitedEarly = errors.New("rie: emulator exited before listening")

func start(ctx context.Context, cfg Config) (*Emulator, error) {
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	e := &Emulator{
		Addr:        net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0])),
		RuntimeAPI:  net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[1])),
		done:        make(chan struct{}),
		log:         newOutputLog(cfg.Output),
		runtimePIDs: map[int]bool{},
		// No timeout here: an invocation's context bounds it.
		client: &http.Client{Transport: &http.Transport{DisableCompression: true}},
	}
	args := []string{
		// An explicit level: the emulator would otherwise read LOG_LEVEL,
		// which is also the API's setting. info has the INIT and REPORT lines.
		"--log-level", "info",
		"--runtime-interface-emulator-address", e.Addr,
		"--runtime-api-address", e.RuntimeAPI,
	}
	e.cmd = exec.Command(cfg.RIE, append(args, cfg.Command...)...)
	e.cmd.Dir = cfg.Dir
	e.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, cfg.Env...)
	e.cmd.Stdout = e.log.writer("stdout")
	e.cmd.Stderr = e.log.writer("stderr")
	// Its own process group, so Stop can end the emulator whatever it has
	// started; and killed with its parent, so a test binary that dies (a
	// timeout panic runs no cleanups) takes the emulator with it. The
	// emulator puts the bootstrap in a process group of its own; Stop ends
	// that one by its id.
	e.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	// The bootstrap inherits the output pipes: if it outlived the emulator,
	// Wait would wait for it forever.
	e.cmd.WaitDelay = 2 * time.Second
	if err := e.cmd.Start(); err != nil {
		return nil, fmt.Errorf("rie: start %s: %w", cfg.RIE, err)
	}
	go func() {
		e.waitErr = e.cmd.Wait()
		close(e.done)
	}()

	deadline := time.NewTimer(cfg.StartTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		c, err := net.DialTimeout("tcp", e.Addr, time.Second)
		if err == nil {
			c.Close()
			return e, nil
		}
		select {
		case <-e.done:
			return nil, fmt.Errorf("%w (%v):\n%s", errExitedEarly, e.waitErr, e.Output())
		case <-ctx.Done():
			e.Stop()
			return nil, ctx.Err()
		case <-deadline.C:
			e.Stop()
			return nil, fmt.Errorf("rie: emulator not listening on %s after %s:\n%s", e.Addr, cfg.StartTimeout, e.Output())
		case <-tick.C:
		}
	}
}

// freePorts returns n distinct loopback ports that were free a moment ago.
func freePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		// Held open until all are chosen, so the n ports differ.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("rie: free port: %w", err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// NewRequestID returns a random request id in the UUID form Lambda uses.
func NewRequestID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// Invoke sends event to the function and returns the response payload: the
// function's response, or its error document ({"errorMessage": ...}) when the
// function returned an error. The emulator assigns a request id; use
// InvokeID to choose it.
func (e *Emulator) Invoke(ctx context.Context, event []byte) ([]byte, error) {
	return e.InvokeID(ctx, NewRequestID(), event)
}

// InvokeID is Invoke with the Lambda request id requestID, by which the
// invocation's REPORT line and log lines can be found. Calls are serialised.
// An error is a failed invocation (the emulator's status is not 200: the
// runtime crashed, timed out or could not start), not a function error.
func (e *Emulator) InvokeID(ctx context.Context, requestID string, event []byte) ([]byte, error) {
	e.invokeMu.Lock()
	defer e.invokeMu.Unlock()
	url := "http://" + e.Addr + "/2015-03-31/functions/function/invocations"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(event))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Amzn-RequestId", requestID)
	resp, err := e.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("rie: invoke %s: %w", requestID, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	// The bootstrap exists from the first invocation on; note it now, so Stop
	// can end it even if the emulator dies first.
	e.noteRuntimePIDs()
	if err != nil {
		return nil, fmt.Errorf("rie: invoke %s: read response: %w", requestID, err)
	}
	if resp.StatusCode != http.StatusOK {
		return body, fmt.Errorf("rie: invoke %s: emulator answered %s: %s", requestID, resp.Status, body)
	}
	return body, nil
}

// Done is closed when the emulator has exited.
func (e *Emulator) Done() <-chan struct{} { return e.done }

// Stop ends the emulator and every bootstrap process it started, and waits
// for the emulator to exit. It may be called more than once.
func (e *Emulator) Stop() {
	e.stopOnce.Do(func() {
		e.noteRuntimePIDs()
		// SIGTERM first: the emulator then SIGKILLs the runtime itself.
		_ = syscall.Kill(-e.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-e.done:
		case <-time.After(2 * time.Second):
		}
		_ = syscall.Kill(-e.cmd.Process.Pid, syscall.SIGKILL)
		e.pidMu.Lock()
		for pid := range e.runtimePIDs {
			// The bootstrap leads its own group (qemu and anything it started).
			_ = syscall.Kill(-pid, syscall.SIGKILL)
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		e.pidMu.Unlock()
		<-e.done
		e.client.CloseIdleConnections()
	})
}

// Stdout returns the lines written so far to standard output: the function's
// own output (the bootstrap inherits the emulator's) and the emulator's
// START, END and REPORT lines.
func (e *Emulator) Stdout() []string { return e.log.lines("stdout") }

// Stderr returns the emulator's log lines written so far (INIT START,
// INIT REPORT, ...).
func (e *Emulator) Stderr() []string { return e.log.lines("stderr") }

// Output returns everything written so far, both streams, in arrival order.
func (e *Emulator) Output() string { return e.log.all() }
