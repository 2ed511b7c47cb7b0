package main

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// bufferedSink batches log lines for the local HTTP server: one write system
// call per batch instead of one per request, which under load is a third of
// the server's system calls. A line waits at most flushEvery; Close writes
// what is left. Lambda does not use it: a frozen execution environment would
// hold the lines back until the next invocation.
type bufferedSink struct {
	mu   sync.Mutex
	w    *bufio.Writer
	stop chan struct{}
	done chan struct{}
}

const flushEvery = 100 * time.Millisecond

func newBufferedSink(w io.Writer) *bufferedSink {
	s := &bufferedSink{w: bufio.NewWriterSize(w, 32<<10), stop: make(chan struct{}), done: make(chan struct{})}
	go s.flushLoop()
	return s
}

// Write takes whole lines (slog writes one line per call); a line larger than
// the buffer goes straight through.
func (s *bufferedSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (s *bufferedSink) flushLoop() {
	defer close(s.done)
	t := time.NewTicker(flushEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.flush()
		case <-s.stop:
			s.flush()
			return
		}
	}
}

func (s *bufferedSink) flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.w.Flush()
}

// Close flushes what is buffered and stops the flushing goroutine.
func (s *bufferedSink) Close() {
	close(s.stop)
	<-s.done
}
