package main

import (
	"strings"
	"sync"
	"testing"
	"time"
)

type recordingWriter struct {
	mu     sync.Mutex
	writes []string
}

func (r *recordingWriter) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writes = append(r.writes, string(p))
	return len(p), nil
}

func (r *recordingWriter) text() (string, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.writes, ""), len(r.writes)
}

func TestBufferedSinkBatchesAndLosesNothing(t *testing.T) {
	out := &recordingWriter{}
	s := newBufferedSink(out)
	var want strings.Builder
	for i := range 100 {
		line := strings.Repeat("x", i) + "\n"
		s.Write([]byte(line))
		want.WriteString(line)
	}
	// Lines reach the writer without Close, within a flush interval or so.
	deadline := time.Now().Add(5 * time.Second)
	for {
		if got, _ := out.text(); got == want.String() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("buffered lines were not flushed within 5 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.Write([]byte("last\n"))
	s.Close()
	got, writes := out.text()
	if got != want.String()+"last\n" {
		t.Errorf("after Close the writer got %d bytes, want %d: lines lost or reordered", len(got), want.Len()+5)
	}
	if writes > 10 {
		t.Errorf("101 lines took %d writes, want them batched", writes)
	}
}
