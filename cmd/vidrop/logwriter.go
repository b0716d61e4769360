package main

import (
	"io"
	"sync"
	"time"
)

// flushWriter buffers log output in memory and writes it out from a
// goroutine of its own: every interval, as soon as batch bytes are
// waiting, and on Close. One write per request would cost a system call,
// under load a tenth of a request's work; and a writer that flushed in
// line would hold up every request behind a sink that stalls (a full
// pipe, a busy disk). Here a Write waits only once max bytes are waiting,
// and then it waits rather than drop a line. If the process is killed
// outright, what is waiting is lost: about an interval's worth of lines,
// up to max bytes behind a stalled sink.
type flushWriter struct {
	out        io.Writer
	batch, max int

	mu     sync.Mutex
	room   sync.Cond // broadcast when the flusher takes buf
	buf    []byte
	closed bool // after Close, writes go straight to out

	kick chan struct{} // batch bytes are waiting
	stop chan struct{}
	done chan struct{}
}

func newFlushWriter(out io.Writer, interval time.Duration, batch, max int) *flushWriter {
	f := &flushWriter{
		out: out, batch: batch, max: max,
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
	}
	f.room.L = &f.mu
	go f.loop(interval)
	return f
}

func (f *flushWriter) loop(interval time.Duration) {
	defer close(f.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	var spare []byte
	for {
		select {
		case <-t.C:
		case <-f.kick:
		case <-f.stop:
			return
		}
		spare = f.flush(spare)
	}
}

// flush takes what is waiting, leaving spare's memory in its place, and
// writes it out with the lock released. It returns the written buffer
// for the next flush.
func (f *flushWriter) flush(spare []byte) []byte {
	f.mu.Lock()
	b := f.buf
	f.buf = spare[:0]
	f.room.Broadcast()
	f.mu.Unlock()
	if len(b) > 0 {
		_, _ = f.out.Write(b) // nowhere to report a log sink's error
	}
	return b
}

func (f *flushWriter) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for !f.closed && len(f.buf) >= f.max {
		f.kickFlusher()
		f.room.Wait()
	}
	if f.closed {
		return f.out.Write(p)
	}
	f.buf = append(f.buf, p...)
	if len(f.buf) >= f.batch {
		f.kickFlusher()
	}
	return len(p), nil
}

// kickFlusher has the flusher write out what is waiting as soon as it is
// free.
func (f *flushWriter) kickFlusher() {
	select {
	case f.kick <- struct{}{}:
	default: // already kicked
	}
}

// Close stops the flushing and writes out what is waiting; later writes
// go straight to out, in order after it.
func (f *flushWriter) Close() error {
	close(f.stop)
	<-f.done
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	f.room.Broadcast()
	if len(f.buf) == 0 {
		return nil
	}
	_, err := f.out.Write(f.buf)
	f.buf = nil
	return err
}
