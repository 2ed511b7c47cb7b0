package rie

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// RuntimePIDs returns the process ids of the emulator's children: the
// bootstrap (or qemu running it), once the first invocation has started it.
func (e *Emulator) RuntimePIDs() []int {
	return childPIDs(e.cmd.Process.Pid)
}

func (e *Emulator) noteRuntimePIDs() {
	pids := e.RuntimePIDs()
	e.pidMu.Lock()
	defer e.pidMu.Unlock()
	for _, p := range pids {
		e.runtimePIDs[p] = true
	}
}

// childPIDs lists pid's children, from every thread's children file (a child
// is listed under the thread that forked it).
func childPIDs(pid int) []int {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	var pids []int
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			if p, err := strconv.Atoi(f); err == nil {
				pids = append(pids, p)
			}
		}
	}
	return pids
}

// PeakRSS returns the peak resident memory in bytes (VmHWM) of the bootstrap
// process, the largest if there are several. Under qemu it is qemu's, which
// includes the emulated program's memory and qemu's own. Call it before Stop.
func (e *Emulator) PeakRSS() (int64, error) {
	pids := e.RuntimePIDs()
	if len(pids) == 0 {
		return 0, errors.New("rie: no bootstrap process (not invoked yet, or it exited)")
	}
	var peak int64
	for _, pid := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			return 0, fmt.Errorf("rie: peak RSS: %w", err)
		}
		kb, err := statusField(string(b), "VmHWM")
		if err != nil {
			return 0, fmt.Errorf("rie: peak RSS of %d: %w", pid, err)
		}
		peak = max(peak, kb*1024)
	}
	return peak, nil
}

// statusField returns the kB value of a /proc/<pid>/status field.
func statusField(status, name string) (int64, error) {
	for line := range strings.SplitSeq(status, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || k != name {
			continue
		}
		return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
	}
	return 0, fmt.Errorf("no %s field", name)
}
