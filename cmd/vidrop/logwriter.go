package main

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// flushWriter buffers log output and writes it out every interval and on
// Close: one write per request costs a system call, which under load is a
// tenth of a request's work. At most interval's worth of lines is lost if
// the process is killed outright.
type flushWriter struct {
	mu   sync.Mutex
	buf  *bufio.Writer
	stop chan struct{}
	done chan struct{}
}

func newFlushWriter(w io.Writer, interval time.Duration) *flushWriter {
	f := &flushWriter{buf: bufio.NewWriterSize(w, 64<<10), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(f.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				f.mu.Lock()
				_ = f.buf.Flush()
				f.mu.Unlock()
			case <-f.stop:
				return
			}
		}
	}()
	return f
}

func (f *flushWriter) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.buf.Write(p)
}

// Close stops the flushing and writes out what is buffered.
func (f *flushWriter) Close() error {
	close(f.stop)
	<-f.done
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.buf.Flush()
}
