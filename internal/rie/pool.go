package rie

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// A Pool is a fixed number of emulators running the same bootstrap, so that
// concurrent invocations are served (one emulator takes one invocation at a
// time), as Lambda serves them with several execution environments.
type Pool struct {
	cfg  Config
	free chan *Emulator

	mu      sync.Mutex
	all     map[*Emulator]bool
	closed  bool
	replace sync.WaitGroup
}

// NewPool starts n emulators with cfg.
func NewPool(ctx context.Context, cfg Config, n int) (*Pool, error) {
	if n < 1 {
		return nil, fmt.Errorf("rie: pool of %d emulators", n)
	}
	p := &Pool{cfg: cfg, free: make(chan *Emulator, n), all: map[*Emulator]bool{}}
	for range n {
		e, err := Start(ctx, cfg)
		if err != nil {
			p.Stop()
			return nil, err
		}
		p.mu.Lock()
		p.all[e] = true
		p.mu.Unlock()
		p.free <- e
	}
	return p, nil
}

// ErrPoolStopped is returned by Invoke after Stop.
var ErrPoolStopped = errors.New("rie: pool stopped")

// Invoke waits for a free emulator (or ctx's end) and invokes it with event.
// An emulator whose invocation failed (the bootstrap crashed, or ctx ended
// while it ran) is replaced by a fresh one, so a stuck or dead runtime never
// takes a later request.
func (p *Pool) Invoke(ctx context.Context, requestID string, event []byte) ([]byte, error) {
	var e *Emulator
	select {
	case e = <-p.free:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if e == nil || closed {
		// Stop has taken (or is taking) every emulator, free ones included.
		return nil, ErrPoolStopped
	}
	out, err := e.InvokeID(ctx, requestID, event)
	if err == nil {
		p.release(e)
		return out, nil
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return out, err
	}
	p.replace.Add(1)
	p.mu.Unlock()
	go p.renew(e)
	return out, err
}

func (p *Pool) release(e *Emulator) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.free <- e
}

// renew stops e and puts a new emulator in its place.
func (p *Pool) renew(e *Emulator) {
	defer p.replace.Done()
	e.Stop()
	if p.cfg.Output != nil {
		fmt.Fprintf(p.cfg.Output, "rie: restarting an emulator after a failed invocation\n")
	}
	ne, err := Start(context.Background(), p.cfg)
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.all, e)
	if err != nil {
		if p.cfg.Output != nil {
			fmt.Fprintf(p.cfg.Output, "rie: restart failed, the pool has one emulator less: %v\n", err)
		}
		return
	}
	if p.closed {
		ne.Stop()
		return
	}
	p.all[ne] = true
	p.free <- ne
}

// Stop stops every emulator of the pool; Invoke then fails.
func (p *Pool) Stop() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.mu.Unlock()
	p.replace.Wait()
	p.mu.Lock()
	all := p.all
	p.all = nil
	close(p.free)
	p.mu.Unlock()
	for e := range all {
		e.Stop()
	}
}
