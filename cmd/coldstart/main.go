// Command coldstart measures how fast the API's Lambda bootstrap starts and
// serves, under the official Lambda Runtime Interface Emulator.
//
// It starts the bootstrap N times, each time from a new emulator (a cold
// start: the emulator execs the bootstrap on the first invocation, as Lambda
// does), and reports with min/median/max:
//
//   - init duration: the emulator's INIT REPORT, from the bootstrap's exec to
//     its first request for an event (what Lambda bills as Init Duration);
//   - first response: from sending the first event to its response, as a
//     client sees a cold start (init, the first request, the emulator);
//   - peak RSS: the bootstrap process's resident memory high-water mark
//     (VmHWM), read just before it is stopped.
//
// In the first run it then sends M more events, one after another, and
// reports the warm latency percentiles (client side, emulator included). A
// linux/arm64 bootstrap on another machine runs through qemu-aarch64-static
// (chosen from the binary's ELF header, or forced with -qemu): its times are
// qemu's, and its RSS includes qemu's own memory.
//
// With -floor, a second bootstrap (bench/lambdafloor: a bare aws-lambda-go
// handler) is measured in the same run, its cold starts alternating with the
// bootstrap's, and each figure is also given as a ratio to the floor's: what
// the API's stack costs, in a figure that carries from one machine to another.
//
// Usage (make coldstart builds bin/bootstrap-amd64 and the floor and runs this):
//
//	go run ./cmd/coldstart -bootstrap bin/bootstrap-amd64 [-floor bin/lambdafloor-amd64] [-n 10] [-m 200]
package main

import (
	"context"
	"debug/elf"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/r2r/r2r/internal/rie"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "coldstart: %v\n", err)
		os.Exit(1)
	}
}

// options are the command line's settings.
type options struct {
	bootstrap string
	floor     string
	riePath   string
	eventFile string
	runs      int
	warm      int
	qemu      bool
	env       []string
	verbose   bool
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	event, err := os.ReadFile(o.eventFile)
	if err != nil {
		return err
	}
	api, err := newTarget(o.bootstrap, o.qemu)
	if err != nil {
		return err
	}
	targets := []*target{api}
	fmt.Fprintf(stdout, "bootstrap  %s\n", api.describe())
	if o.floor != "" {
		floor, err := newTarget(o.floor, o.qemu)
		if err != nil {
			return fmt.Errorf("-floor: %w", err)
		}
		targets = append(targets, floor)
		fmt.Fprintf(stdout, "floor      %s\n", floor.describe())
	}
	if o.riePath == "" {
		if o.riePath, err = rie.Find(); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "event      %s; %d cold starts, %d warm invocations each; load average %s\n", o.eventFile, o.runs, o.warm, loadAverage())

	// The runs alternate between the bootstrap and the floor, and so does
	// which of them goes first, so a change in the machine's load falls on
	// both alike.
	for i := range o.runs {
		for j := range targets {
			t := targets[(i+j)%len(targets)]
			r, err := measure(ctx, o, t.command, event, i == 0)
			if err != nil {
				return fmt.Errorf("%s: run %d: %w", t.path, i+1, err)
			}
			t.add(r)
		}
	}
	for _, t := range targets {
		t.sort()
		t.print(stdout)
	}
	if len(targets) == 2 {
		printRatios(stdout, targets[0], targets[1])
	}
	return nil
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("coldstart", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.bootstrap, "bootstrap", "bin/bootstrap", "the bootstrap to measure (make build)")
	fs.StringVar(&o.floor, "floor", "", "a bare handler measured in the same run, alternating with -bootstrap, for ratios (make coldstart builds bench/lambdafloor)")
	fs.StringVar(&o.riePath, "rie", "", "aws-lambda-rie binary (default: bin/aws-lambda-rie or PATH)")
	fs.StringVar(&o.eventFile, "event", "cmd/api/testdata/apigw-v1-request-hello.json", "the event every invocation sends")
	fs.IntVar(&o.runs, "n", 10, "cold starts")
	fs.IntVar(&o.warm, "m", 200, "warm invocations after the first cold start")
	fs.BoolVar(&o.qemu, "qemu", false, "run the bootstrap through qemu-aarch64-static (default: when it is arm64 and this machine is not)")
	fs.BoolVar(&o.verbose, "v", false, "copy the emulator's and the bootstrap's output to stderr")
	env := fs.String("env", "", "comma-separated KEY=VALUE settings for the bootstrap, e.g. LOG_LEVEL=warn")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if o.runs < 1 || o.warm < 0 {
		return o, errors.New("-n must be at least 1 and -m at least 0")
	}
	o.env = []string{"AWS_LAMBDA_FUNCTION_TIMEOUT=30", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512", "STAGE=coldstart"}
	if *env != "" {
		o.env = append(o.env, strings.Split(*env, ",")...)
	}
	return o, nil
}

func (t *target) sort() {
	slices.Sort(t.inits)
	slices.Sort(t.firsts)
	slices.Sort(t.rss)
	slices.Sort(t.warm)
}

// print writes t's sorted figures: min, median and max of each cold-start
// measure, and the warm latency's percentiles.
func (t *target) print(w io.Writer) {
	fmt.Fprintf(w, "\n%-34s %9s %9s %9s\n", t.path, "min", "median", "max")
	row := func(name, unit string, v []float64) {
		fmt.Fprintf(w, "%-34s %9.2f %9.2f %9.2f  %s\n", name, v[0], percentile(v, 50), v[len(v)-1], unit)
	}
	row("init duration (INIT REPORT)", "ms", t.inits)
	row("first response (send to answer)", "ms", t.firsts)
	row("peak RSS of the bootstrap (VmHWM)", "MiB", t.rss)
	if l := t.warm; len(l) > 0 {
		fmt.Fprintf(w, "warm latency over %d sequential invocations (client side, emulator included):\n", len(l))
		fmt.Fprintf(w, "  p50 %.3f ms  p90 %.3f ms  p99 %.3f ms  max %.3f ms\n",
			percentile(l, 50), percentile(l, 90), percentile(l, 99), l[len(l)-1])
	}
}

// printRatios writes each of api's figures beside floor's, and their ratio.
func printRatios(w io.Writer, api, floor *target) {
	fmt.Fprintf(w, "\n%-34s %9s %9s %9s\n", "bootstrap against the floor", "bootstrap", "floor", "ratio")
	ratio := func(name, unit string, a, f []float64, p float64) {
		if len(a) == 0 {
			return
		}
		x, y := percentile(a, p), percentile(f, p)
		fmt.Fprintf(w, "%-34s %9.2f %9.2f %8.2fx  %s\n", name, x, y, x/y, unit)
	}
	ratio("init duration, median", "ms", api.inits, floor.inits, 50)
	ratio("first response, median", "ms", api.firsts, floor.firsts, 50)
	ratio("peak RSS, median", "MiB", api.rss, floor.rss, 50)
	ratio("warm latency, p50", "ms", api.warm, floor.warm, 50)
	ratio("warm latency, p99", "ms", api.warm, floor.warm, 99)
}

// target is one binary to measure and the figures of its runs so far.
type target struct {
	path    string
	arch    string
	size    int64
	command []string
	mode    string

	inits, firsts, rss, warm []float64 // ms, ms, MiB, ms
}

// newTarget checks that path is a linux binary this machine can run, itself
// or through qemu-aarch64-static (when it is arm64 and the machine is not,
// or when forced).
func newTarget(path string, forceQemu bool) (*target, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("%w (make build builds it)", err)
	}
	arch, err := elfArch(abs)
	if err != nil {
		return nil, err
	}
	t := &target{path: path, arch: arch, size: fi.Size(), command: []string{abs}, mode: "native"}
	if forceQemu || (arch == "arm64" && runtime.GOARCH != "arm64") {
		q, err := exec.LookPath("qemu-aarch64-static")
		if err != nil {
			return nil, errors.New("qemu-aarch64-static not on PATH (Debian: apt-get install qemu-user-static)")
		}
		t.command = []string{q, abs}
		t.mode = "through " + q
	} else if arch != runtime.GOARCH {
		return nil, fmt.Errorf("%s is linux/%s; this machine runs %s binaries", path, arch, runtime.GOARCH)
	}
	return t, nil
}

func (t *target) describe() string {
	return fmt.Sprintf("%s: linux/%s, %s (%d bytes), run %s", t.path, t.arch, mib(t.size), t.size, t.mode)
}

// add records one run's figures.
func (t *target) add(r result) {
	t.inits = append(t.inits, ms(r.init))
	t.firsts = append(t.firsts, ms(r.first))
	t.rss = append(t.rss, float64(r.peakRSS)/(1<<20))
	for _, d := range r.warm {
		t.warm = append(t.warm, ms(d))
	}
}

// result is one cold start's figures.
type result struct {
	init    time.Duration
	first   time.Duration
	warm    []time.Duration
	peakRSS int64
}

// measure starts a new emulator, sends the first event (starting the
// bootstrap), then the warm ones if asked, and reads the figures.
func measure(ctx context.Context, o options, command []string, event []byte, withWarm bool) (result, error) {
	var out io.Writer
	if o.verbose {
		out = os.Stderr
	}
	e, err := rie.Start(ctx, rie.Config{RIE: o.riePath, Command: command, Env: o.env, Output: out})
	if err != nil {
		return result{}, err
	}
	defer e.Stop()

	var r result
	start := time.Now()
	if err := invokeOK(ctx, e, event); err != nil {
		return r, err
	}
	r.first = time.Since(start)
	if r.init, err = e.WaitInitReport(ctx); err != nil {
		return r, err
	}
	if withWarm {
		for range o.warm {
			start := time.Now()
			if err := invokeOK(ctx, e, event); err != nil {
				return r, err
			}
			r.warm = append(r.warm, time.Since(start))
		}
	}
	if r.peakRSS, err = e.PeakRSS(); err != nil {
		return r, err
	}
	if n := e.InitStarts(); n != 1 {
		return r, fmt.Errorf("the bootstrap was started %d times: it crashed?\n%s", n, e.Output())
	}
	return r, nil
}

// invokeOK sends event and fails unless the function answered 200.
func invokeOK(ctx context.Context, e *rie.Emulator, event []byte) error {
	payload, err := e.Invoke(ctx, event)
	if err != nil {
		return err
	}
	if !strings.Contains(string(payload), `"statusCode":200`) {
		return fmt.Errorf("the function did not answer 200: %s", payload)
	}
	return nil
}

// elfArch returns the GOARCH name of an ELF binary's machine.
func elfArch(path string) (string, error) {
	f, err := elf.Open(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	switch f.Machine {
	case elf.EM_X86_64:
		return "amd64", nil
	case elf.EM_AARCH64:
		return "arm64", nil
	}
	return "", fmt.Errorf("%s: unexpected machine %s", path, f.Machine)
}

// percentile returns the p-th percentile of sorted v (nearest rank).
func percentile(sorted []float64, p float64) float64 {
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func mib(n int64) string { return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20)) }

// loadAverage is the 1-minute load average: figures taken on a busy machine
// are not comparable.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Fields(string(b))[0]
}
