// Package logbuf batches log output: a Writer takes each write into memory
// and its own goroutine hands the batch to the real writer a moment later,
// so a goroutine that logs makes no system call. On a box that was idle a
// moment before, the first system call wakes the Go runtime's monitor
// thread into polling every 20 µs for a millisecond or more; a log line at
// every call's start did that hundreds of times a second.
package logbuf

import (
	"io"
	"strconv"
	"sync"
	"time"
)

// Limits of a Writer.
const (
	// Urgent is how many waiting bytes make the goroutine write at once.
	Urgent = 32 << 10
	// MaxPending is how many bytes may wait: while the real writer is
	// stuck, more are dropped and counted, and a line says so once it
	// writes again.
	MaxPending = 1 << 20
)

// Writer batches writes for an underlying writer. It is safe for
// concurrent use; a write is never split between two batches.
type Writer struct {
	out   io.Writer
	delay time.Duration

	mu      sync.Mutex
	pend    []byte // waiting bytes
	spare   []byte // the goroutine's buffer, swapped with pend
	dropped int    // bytes dropped since the last batch
	shut    bool   // Close was called: writes go straight out

	kick   chan struct{} // a first write is waiting
	urgent chan struct{} // Urgent bytes are waiting
	done   chan struct{} // closed by Close
	wrote  chan struct{} // closed when the goroutine has stopped
	once   sync.Once
}

// New returns a Writer that writes to out at once when it was quiet for
// delay, else at most delay after the last batch (sooner when Urgent bytes
// wait). Close stops it.
func New(out io.Writer, delay time.Duration) *Writer {
	w := &Writer{
		out: out, delay: delay,
		kick: make(chan struct{}, 1), urgent: make(chan struct{}, 1),
		done: make(chan struct{}), wrote: make(chan struct{}),
	}
	go w.run()
	return w
}

// Write takes p for the next batch; it never fails and never waits for the
// underlying writer. After Close it writes p straight through.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	if w.shut {
		w.mu.Unlock()
		return w.out.Write(p)
	}
	defer w.mu.Unlock()
	if len(w.pend)+len(p) > MaxPending {
		w.dropped += len(p)
		return len(p), nil
	}
	first := len(w.pend) == 0
	w.pend = append(w.pend, p...)
	switch {
	case len(w.pend) >= Urgent:
		signal(w.urgent)
	case first:
		signal(w.kick)
	}
	return len(p), nil
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default: // one is pending already
	}
}

// run writes the batches until Close: the first write after a quiet
// spell (delay since the last batch) at once, later ones together at most
// once every delay, so a quiet log is written as it comes and a busy one
// in batches. A delay of 0 writes as soon as the goroutine runs.
func (w *Writer) run() {
	defer close(w.wrote)
	t := time.NewTimer(w.delay)
	t.Stop()
	var last time.Time // the last batch
	for {
		select {
		case <-w.kick:
			if wait := w.delay - time.Since(last); wait > 0 {
				t.Reset(wait)
				select {
				case <-t.C:
				case <-w.urgent:
					t.Stop()
				case <-w.done:
					t.Stop()
					w.flush()
					return
				}
			}
		case <-w.urgent:
		case <-w.done:
			w.flush()
			return
		}
		w.flush()
		last = time.Now()
	}
}

// flush writes what is waiting as one write.
func (w *Writer) flush() {
	w.mu.Lock()
	buf, dropped := w.pend, w.dropped
	w.pend, w.spare, w.dropped = w.spare[:0], nil, 0
	w.mu.Unlock()
	if len(buf) > 0 {
		_, _ = w.out.Write(buf)
	}
	if dropped > 0 {
		_, _ = w.out.Write([]byte("logbuf: " + strconv.Itoa(dropped) + " bytes of log dropped while the output was stuck\n"))
	}
	w.mu.Lock()
	if w.spare == nil && cap(buf) <= 4*Urgent {
		w.spare = buf[:0]
	}
	w.mu.Unlock()
}

// Close writes what is waiting and stops the goroutine; later writes go
// straight to the underlying writer. It is idempotent and waits.
func (w *Writer) Close() error {
	w.once.Do(func() {
		close(w.done)
		<-w.wrote
		w.mu.Lock()
		w.shut = true
		w.mu.Unlock()
		w.flush() // what came between the last batch and shut
	})
	return nil
}
