package rie_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/r2r/r2r/internal/rie"
	"github.com/r2r/r2r/internal/rie/rietest"
)

func newPool(t *testing.T, n int) *rie.Pool {
	t.Helper()
	p, err := rie.NewPool(context.Background(), rie.Config{RIE: rietest.RIE(t), Command: []string{echoRuntime(t)}}, n)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	return p
}

// TestPoolConcurrent: a pool serves concurrent invocations, each answered
// with its own event.
func TestPoolConcurrent(t *testing.T) {
	p := newPool(t, 2)
	invokeConcurrently(t, 10, func(ctx context.Context, event []byte) ([]byte, error) {
		return p.Invoke(ctx, rie.NewRequestID(), event)
	})
}

// TestPoolReplacesFailed: after a failed invocation the pool still has all
// its emulators: two invocations can be in flight at once afterwards.
func TestPoolReplacesFailed(t *testing.T) {
	p := newPool(t, 1)
	ctx := context.Background()
	if _, err := p.Invoke(ctx, rie.NewRequestID(), []byte(`"exit"`)); err == nil {
		t.Fatal(`Invoke("exit") succeeded, want the emulator's error`)
	}
	wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if got, err := p.Invoke(wctx, rie.NewRequestID(), []byte(`{"after":1}`)); err != nil || string(got) != `{"after":1}` {
		t.Errorf("Invoke after a crash = %s, %v; want the event back from a new emulator", got, err)
	}
}

// TestPoolStop: after Stop, Invoke fails at once.
func TestPoolStop(t *testing.T) {
	p := newPool(t, 1)
	p.Stop()
	if _, err := p.Invoke(context.Background(), rie.NewRequestID(), []byte(`{}`)); !errors.Is(err, rie.ErrPoolStopped) {
		t.Errorf("Invoke after Stop = %v, want ErrPoolStopped", err)
	}
}
