package rie

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"time"
)

// outputLog keeps the lines of the emulator's two output streams, in arrival
// order, and lets callers wait for a line to appear.
type outputLog struct {
	mirror io.Writer // may be nil

	mu      sync.Mutex
	entries []entry
	partial map[string][]byte // per stream: the unterminated end of the last write
	changed chan struct{}     // closed and replaced on every new line
}

type entry struct {
	stream string
	text   string
}

func newOutputLog(mirror io.Writer) *outputLog {
	return &outputLog{mirror: mirror, partial: map[string][]byte{}, changed: make(chan struct{})}
}

// writer returns the io.Writer for one stream.
func (o *outputLog) writer(stream string) io.Writer {
	return writerFunc(func(p []byte) (int, error) {
		o.mu.Lock()
		defer o.mu.Unlock()
		if o.mirror != nil {
			o.mirror.Write(p)
		}
		buf := append(o.partial[stream], p...)
		added := false
		for {
			i := bytes.IndexByte(buf, '\n')
			if i < 0 {
				break
			}
			o.entries = append(o.entries, entry{stream, string(buf[:i])})
			buf = buf[i+1:]
			added = true
		}
		o.partial[stream] = append([]byte(nil), buf...)
		if added {
			close(o.changed)
			o.changed = make(chan struct{})
		}
		return len(p), nil
	})
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func (o *outputLog) lines(stream string) []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var ls []string
	for _, e := range o.entries {
		if e.stream == stream {
			ls = append(ls, e.text)
		}
	}
	return ls
}

func (o *outputLog) all() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var b strings.Builder
	for _, e := range o.entries {
		b.WriteString(e.text)
		b.WriteByte('\n')
	}
	for _, p := range o.partial {
		b.Write(p)
	}
	return b.String()
}

// waitFor calls found after every new line until it returns true, ctx is done
// or 10 seconds have passed.
func (o *outputLog) waitFor(ctx context.Context, found func() bool) error {
	timeout := time.NewTimer(10 * time.Second)
	defer timeout.Stop()
	for {
		o.mu.Lock()
		changed := o.changed
		o.mu.Unlock()
		if found() {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		case <-timeout.C:
			return context.DeadlineExceeded
		}
	}
}
