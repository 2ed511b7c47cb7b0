// Package emf writes CloudWatch metrics as Embedded Metric Format log lines:
// JSON lines on stdout that CloudWatch Logs turns into metrics, with no API
// call and no agent (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
//
// Emit never blocks its caller: it encodes the line and hands it to a writer
// goroutine through a bounded queue; when the queue is full the line is
// dropped and counted rather than slowing a request down.
package emf

import (
	"io"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/r2r/r2r/internal/jsonstr"
)

// Unit is a CloudWatch metric unit.
type Unit string

// The units r2r uses; CloudWatch accepts others too.
const (
	Count        Unit = "Count"
	Milliseconds Unit = "Milliseconds"
	Bytes        Unit = "Bytes"
)

// Metric is one value of one metric.
type Metric struct {
	Name  string
	Unit  Unit
	Value float64
}

// Field is a dimension value or a plain property of the line: a dimension
// when its name is in the emitter's dimension set, else searchable context
// (a request id) that CloudWatch keeps in the log but does not aggregate.
type Field struct {
	Name  string
	Value string
}

// Emitter writes EMF lines for one namespace and one set of dimensions.
type Emitter struct {
	w          io.Writer
	namespace  string
	dimensions []string
	queue      chan []byte
	dropped    atomic.Int64
	closeOnce  sync.Once
	done       chan struct{}
}

// NewEmitter starts an emitter writing to w. dimensions names the fields that
// are dimensions; every Emit must give each of them a value. queue bounds the
// lines waiting to be written.
func NewEmitter(w io.Writer, namespace string, dimensions []string, queue int) *Emitter {
	e := &Emitter{
		w:          w,
		namespace:  namespace,
		dimensions: dimensions,
		queue:      make(chan []byte, queue),
		done:       make(chan struct{}),
	}
	go e.run()
	return e
}

func (e *Emitter) run() {
	defer close(e.done)
	for line := range e.queue {
		e.w.Write(line)
	}
}

// Emit records metrics at time t with the given fields. It does not block: if
// the queue is full the line is dropped (see Dropped).
func (e *Emitter) Emit(t time.Time, fields []Field, metrics ...Metric) {
	line := e.encode(t, fields, metrics)
	select {
	case e.queue <- line:
	default:
		e.dropped.Add(1)
	}
}

// Dropped returns how many lines were dropped because the queue was full.
func (e *Emitter) Dropped() int64 { return e.dropped.Load() }

// Close writes the lines still queued and stops the emitter. Emit must not be
// called after Close.
func (e *Emitter) Close() {
	e.closeOnce.Do(func() { close(e.queue) })
	<-e.done
}

// encode builds the line by hand: it runs on every request, and the shape is
// fixed, so a reflection-based encoder would only add cost.
func (e *Emitter) encode(t time.Time, fields []Field, metrics []Metric) []byte {
	b := make([]byte, 0, 384)
	b = append(b, `{"_aws":{"Timestamp":`...)
	b = strconv.AppendInt(b, t.UnixMilli(), 10)
	b = append(b, `,"CloudWatchMetrics":[{"Namespace":`...)
	b = jsonstr.Append(b, e.namespace)
	b = append(b, `,"Dimensions":[[`...)
	for i, d := range e.dimensions {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonstr.Append(b, d)
	}
	b = append(b, `]],"Metrics":[`...)
	for i, m := range metrics {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"Name":`...)
		b = jsonstr.Append(b, m.Name)
		b = append(b, `,"Unit":`...)
		b = jsonstr.Append(b, string(m.Unit))
		b = append(b, '}')
	}
	b = append(b, `]}]}`...)
	for _, f := range fields {
		b = append(b, ',')
		b = jsonstr.Append(b, f.Name)
		b = append(b, ':')
		b = jsonstr.Append(b, f.Value)
	}
	for _, m := range metrics {
		b = append(b, ',')
		b = jsonstr.Append(b, m.Name)
		b = append(b, ':')
		b = appendNumber(b, m.Value)
	}
	return append(b, '}', '\n')
}

// appendNumber writes v as a JSON number; NaN and infinities, which JSON
// cannot carry and CloudWatch would reject, become 0.
func appendNumber(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		v = 0
	}
	return strconv.AppendFloat(b, v, 'f', -1, 64)
}
