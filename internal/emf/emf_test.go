package emf

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/r2r/r2r/internal/emf/emftest"
	"github.com/r2r/r2r/internal/logtest"
)

func TestEmitWritesValidEMF(t *testing.T) {
	var out logtest.Buffer
	e := NewEmitter(&out, "r2r", []string{"Stage", "Route"}, 16)
	at := time.UnixMilli(1764000000123)
	e.Emit(at, []Field{{"Stage", "prod"}, {"Route", `GET /api/{name}`}, {"request_id", "id-1"}},
		Metric{"Requests", Count, 1}, Metric{"Latency", Milliseconds, 1.25})
	e.Emit(at, []Field{{"Stage", "prod"}, {"Route", "naïve \"quoted\"\n"}}, Metric{"Requests", Count, math.NaN()})
	e.Close()

	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2:\n%s", len(lines), out.String())
	}
	values, err := emftest.Validate([]byte(lines[0]))
	if err != nil {
		t.Fatalf("line %s is not valid EMF: %v", lines[0], err)
	}
	if diff := cmp.Diff(map[string]float64{"Requests": 1, "Latency": 1.25}, values); diff != "" {
		t.Errorf("metric values mismatch (-want +got):\n%s", diff)
	}
	var got map[string]any
	json.Unmarshal([]byte(lines[0]), &got)
	want := map[string]any{
		"_aws": map[string]any{
			"Timestamp": 1764000000123.0,
			"CloudWatchMetrics": []any{map[string]any{
				"Namespace":  "r2r",
				"Dimensions": []any{[]any{"Stage", "Route"}},
				"Metrics": []any{
					map[string]any{"Name": "Requests", "Unit": "Count"},
					map[string]any{"Name": "Latency", "Unit": "Milliseconds"},
				},
			}},
		},
		"Stage": "prod", "Route": "GET /api/{name}", "request_id": "id-1", "Requests": 1.0, "Latency": 1.25,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("line mismatch (-want +got):\n%s", diff)
	}

	values, err = emftest.Validate([]byte(lines[1]))
	if err != nil {
		t.Fatalf("line with escapes %s is not valid EMF: %v", lines[1], err)
	}
	json.Unmarshal([]byte(lines[1]), &got)
	if got["Route"] != "naïve \"quoted\"\n" || values["Requests"] != 0 {
		t.Errorf("line %s: Route %q, Requests %v; want the route intact and NaN written as 0", lines[1], got["Route"], values["Requests"])
	}
}

// blockingWriter holds every write until released, like a stalled stdout.
type blockingWriter struct{ release chan struct{} }

func (w blockingWriter) Write(p []byte) (int, error) { <-w.release; return len(p), nil }

func TestEmitNeverBlocks(t *testing.T) {
	w := blockingWriter{release: make(chan struct{})}
	e := NewEmitter(w, "r2r", nil, 2)
	done := make(chan struct{})
	go func() {
		for range 10 {
			e.Emit(time.Now(), nil, Metric{"Requests", Count, 1})
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Emit blocked on a stalled writer")
	}
	// One line may be in the writer, two in the queue: the rest are dropped.
	if d := e.Dropped(); d < 7 || d > 8 {
		t.Errorf("Dropped() = %d, want 7 or 8 of 10 with a queue of 2", d)
	}
	close(w.release)
	e.Close()
}

func TestValidateRejects(t *testing.T) {
	bad := map[string]string{
		"no _aws":          `{"Requests":1}`,
		"no timestamp":     `{"_aws":{"CloudWatchMetrics":[{"Namespace":"n","Dimensions":[[]],"Metrics":[{"Name":"R"}]}]},"R":1}`,
		"no namespace":     `{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Dimensions":[[]],"Metrics":[{"Name":"R"}]}]},"R":1}`,
		"value missing":    `{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"n","Dimensions":[[]],"Metrics":[{"Name":"R"}]}]}}`,
		"dimension absent": `{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"n","Dimensions":[["Stage"]],"Metrics":[{"Name":"R"}]}]},"R":1}`,
	}
	for name, line := range bad {
		if _, err := emftest.Validate([]byte(line)); err == nil {
			t.Errorf("emftest.Validate(%s) = nil error, want one", name)
		}
	}
}
