package rie

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// A Report is what the emulator's REPORT line says of one invocation.
type Report struct {
	RequestID string
	// Duration is the invocation's duration as the emulator measured it.
	Duration time.Duration
	// InitDuration is set on the invocation that started the bootstrap. The
	// emulator's figure is not the runtime's init time: see InitReports.
	InitDuration time.Duration
	// MaxMemoryUsedMB is what the line says, which under the emulator is the
	// configured memory size, not a measurement: see PeakRSS.
	MaxMemoryUsedMB int
}

var (
	reportRE     = regexp.MustCompile(`^REPORT RequestId: (\S+)`)
	reportField  = regexp.MustCompile(`^(Init Duration|Duration|Max Memory Used): ([0-9.]+) (?:ms|MB)$`)
	initReportRE = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)
	initStartRE  = regexp.MustCompile(`INIT START\(`)
)

// ParseReport parses a REPORT line of the emulator (or of Lambda itself).
func ParseReport(line string) (Report, bool) {
	m := reportRE.FindStringSubmatch(line)
	if m == nil {
		return Report{}, false
	}
	r := Report{RequestID: m[1]}
	// Tab-separated "Name: value unit" fields.
	for field := range strings.SplitSeq(line, "\t") {
		f := reportField.FindStringSubmatch(strings.TrimSpace(field))
		if f == nil {
			continue
		}
		v, err := strconv.ParseFloat(f[2], 64)
		if err != nil {
			continue
		}
		switch f[1] {
		case "Init Duration":
			r.InitDuration = msDuration(v)
		case "Duration":
			r.Duration = msDuration(v)
		case "Max Memory Used":
			r.MaxMemoryUsedMB = int(v)
		}
	}
	return r, true
}

func msDuration(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }

// Report waits for the REPORT line of the invocation requestID and parses it.
// The emulator writes it just before it answers, so it is usually there when
// InvokeID returns, but may not have been read yet.
func (e *Emulator) Report(ctx context.Context, requestID string) (Report, error) {
	var rep Report
	err := e.log.waitFor(ctx, func() bool {
		for _, l := range e.Stdout() {
			if r, ok := ParseReport(l); ok && r.RequestID == requestID {
				rep = r
				return true
			}
		}
		return false
	})
	if err != nil {
		return Report{}, fmt.Errorf("rie: no REPORT line for %s: %w", requestID, err)
	}
	return rep, nil
}

// InitStarts returns how many times the emulator has started the runtime
// (INIT START lines): 1 after any number of invocations served by one process.
func (e *Emulator) InitStarts() int {
	n := 0
	for _, l := range e.Stderr() {
		if initStartRE.MatchString(l) {
			n++
		}
	}
	return n
}

// InitReports returns the durations of the emulator's INIT REPORT lines so
// far: from the start of init (the bootstrap's exec) to the runtime's first
// request for an event, which is Lambda's Init Duration.
func (e *Emulator) InitReports() []time.Duration {
	var ds []time.Duration
	for _, l := range e.Stderr() {
		if m := initReportRE.FindStringSubmatch(l); m != nil {
			if v, err := strconv.ParseFloat(m[1], 64); err == nil {
				ds = append(ds, msDuration(v))
			}
		}
	}
	return ds
}

// WaitInitReport waits for the first INIT REPORT line and returns its
// duration.
func (e *Emulator) WaitInitReport(ctx context.Context) (time.Duration, error) {
	var d time.Duration
	err := e.log.waitFor(ctx, func() bool {
		if ds := e.InitReports(); len(ds) > 0 {
			d = ds[0]
			return true
		}
		return false
	})
	if err != nil {
		return 0, fmt.Errorf("rie: no INIT REPORT line: %w", err)
	}
	return d, nil
}
